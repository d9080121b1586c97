"""Losses shared by methods."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqaug.methods.softmax_ce import softmax_cross_entropy


def _reduce(losses: torch.Tensor, norm: float | None) -> torch.Tensor:
    """Mean over rows, or ``sum / norm`` with a fixed normaliser (see ``SeqBatch.slot_norm``)."""
    return losses.mean() if norm is None else losses.sum() / norm


def bce_pos_neg(h: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor, norm: float | None = None) -> torch.Tensor:
    """``-log σ(h·pos) - log(1 - σ(h·neg))`` averaged over rows (or summed / ``norm``); inputs [T, D]."""
    pos_logit = (h * pos).sum(-1)
    neg_logit = (h * neg).sum(-1)
    return _reduce(F.softplus(-pos_logit) + F.softplus(neg_logit), norm)


def full_softmax_ce(
    h: torch.Tensor, embedding: nn.Embedding, targets: torch.Tensor, num_items: int, norm: float | None = None
) -> torch.Tensor:
    """Cross-entropy over all real items 1..N (padding and mask rows excluded).

    h [T, D], targets [T] in 1..N. On CPU the chunked form (``softmax_ce``) avoids the
    [T, N] logit tensors; elsewhere the plain product.
    """
    candidates = embedding.weight[1 : num_items + 1]  # [N, D]
    if h.device.type == "cpu":
        return _reduce(softmax_cross_entropy(h, candidates, targets - 1), norm)
    return _reduce(F.cross_entropy(h @ candidates.T, targets - 1, reduction="none"), norm)


def next_item_loss(
    h: torch.Tensor,  # [B, L, D]
    targets: torch.Tensor,  # [B, L], 0 = no target
    negatives: torch.Tensor | None,  # [B, L]
    embedding: nn.Embedding,
    kind: str,
    num_items: int,
    norm: float | None = None,
) -> torch.Tensor:
    """Per-position next-item loss over the slots with a target (``bce`` or ``ce``):
    the mean over those slots, or their sum divided by ``norm`` when given."""
    slot = targets > 0
    h_sel = h[slot]  # [T, D]
    tgt = targets[slot]
    if kind == "ce":
        return full_softmax_ce(h_sel, embedding, tgt, num_items, norm)
    if negatives is None:
        raise ValueError("BCE needs negatives")
    pos, neg = embedding(torch.cat([tgt, negatives[slot]])).chunk(2)
    return bce_pos_neg(h_sel, pos, neg, norm)


def nt_xent(
    z1: torch.Tensor,  # [B, F] view-1 representations
    z2: torch.Tensor,  # [B, F] view-2 representations
    temperature: float = 1.0,
    similarity: str = "dot",
) -> torch.Tensor:
    """NT-Xent over a batch of view pairs (SimCLR; CL4SRec, Xie et al. 2022; CoSeRec Eq. 13).

    Row i of view 1 is scored against all 2B-1 other representations (its positive is row i
    of view 2) and symmetrically; cross-entropy averaged over the 2B rows. ``similarity``:
    ``"dot"`` (the CoSeRec code, unnormalised) or ``"cosine"``.
    """
    if similarity == "cosine":
        z1, z2 = F.normalize(z1, dim=-1), F.normalize(z2, dim=-1)
    elif similarity != "dot":
        raise ValueError(f"similarity {similarity!r}: valid choices: dot, cosine")
    b = z1.shape[0]
    z = torch.cat([z1, z2])  # [2B, F]
    logits = (z @ z.T) / temperature
    self_pair = torch.eye(2 * b, dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(self_pair, -torch.inf)
    positives = torch.cat([torch.arange(b, 2 * b), torch.arange(b)]).to(z.device)
    return F.cross_entropy(logits, positives)
