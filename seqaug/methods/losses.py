"""Losses shared by methods."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def bce_pos_neg(h: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
    """Mean of ``-log σ(h·pos) - log(1 - σ(h·neg))`` over rows; all inputs [T, D]."""
    pos_logit = (h * pos).sum(-1)
    neg_logit = (h * neg).sum(-1)
    return (F.softplus(-pos_logit) + F.softplus(neg_logit)).mean()


def full_softmax_ce(h: torch.Tensor, embedding: nn.Embedding, targets: torch.Tensor, num_items: int) -> torch.Tensor:
    """Cross-entropy over all real items 1..N (padding and mask rows excluded).

    h [T, D], targets [T] in 1..N.
    """
    logits = h @ embedding.weight[1 : num_items + 1].T  # [T, N]
    return F.cross_entropy(logits, targets - 1)


def next_item_loss(
    h: torch.Tensor,  # [B, L, D]
    targets: torch.Tensor,  # [B, L], 0 = no target
    negatives: torch.Tensor | None,  # [B, L]
    embedding: nn.Embedding,
    kind: str,
    num_items: int,
) -> torch.Tensor:
    """Per-position next-item loss over the slots with a target (``bce`` or ``ce``)."""
    slot = targets > 0
    h_sel = h[slot]  # [T, D]
    tgt = targets[slot]
    if kind == "ce":
        return full_softmax_ce(h_sel, embedding, tgt, num_items)
    if negatives is None:
        raise ValueError("BCE needs negatives")
    pos, neg = embedding(torch.cat([tgt, negatives[slot]])).chunk(2)
    return bce_pos_neg(h_sel, pos, neg)


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
