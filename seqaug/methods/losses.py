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
