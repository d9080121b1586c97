"""The method contract (DESIGN.md, "Method") and its registry.

A method is an ``nn.Module`` holding one backbone (or two): ``loss(batch) -> dict`` with
key ``"loss"`` (other keys are logged), ``score(batch) -> [B, num_candidates]`` and
optional ``on_epoch_start(epoch)``. Methods are built from explicit arguments; the
builder maps a validated config section to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from seqaug.backbones.base import Backbone
from seqaug.data.batching import SeqBatch
from seqaug.data.corpus import SequenceCorpus
from seqaug.errors import ConfigError
from seqaug.registry import Registry, Section


class MethodParams(Section):
    name: str


@dataclass(frozen=True)
class MethodContext:
    """What a method builder may use: the train view only, never held-out items."""

    train: SequenceCorpus
    num_items: int
    max_len: int
    make_backbone: Callable[[], Backbone]
    seed: int


def score_items(h: torch.Tensor, embedding: nn.Embedding, candidates: torch.Tensor | None) -> torch.Tensor:
    """Dot-product scores: h [B, D] against all item rows [B, N+2] or ``candidates`` [B, C]."""
    if candidates is None:
        # (E @ hᵀ)ᵀ: the same numbers as h @ Eᵀ, but MKL runs this layout ~2x faster on CPU
        # (K = D is small); the result is a transposed view.
        return (embedding.weight @ h.T).T
    return torch.einsum("bd,bcd->bc", h, embedding(candidates))


class Method(nn.Module):
    """Defaults shared by methods: last-slot scoring and no epoch hook."""

    backbone: Backbone
    needs_negatives: bool = True

    def loss(self, batch: SeqBatch) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def score(self, batch: SeqBatch) -> torch.Tensor:  # [B, N+2] or [B, C]
        h = self.backbone(batch.inputs)[:, -1]
        return score_items(h, self.backbone.item_embedding, batch.candidates)

    def on_epoch_start(self, epoch: int) -> None:
        """Called before each training epoch (0-based)."""


def require_causal(backbone: Backbone, method: str) -> None:
    """Refuse a non-causal encoder for a method with per-position losses (it would let slot t
    see its own target, methods.md §1.4 / §3.5)."""
    if not backbone.causal:
        raise ConfigError(
            f"method {method!r} needs a causal backbone (per-position losses); {type(backbone).__name__} is not "
            "causal. Use its causal variant or a last-slot method."
        )


BuildMethod = Callable[[MethodParams, MethodContext], Method]
METHODS: Registry[BuildMethod] = Registry("method")
