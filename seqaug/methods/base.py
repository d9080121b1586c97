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


def append_mask_token(inputs: torch.Tensor, mask_id: int, max_len: int) -> torch.Tensor:
    """``inputs`` [B, W] with the mask token appended as the last slot [B, min(W+1, max_len)];
    a full row (W = max_len) drops its oldest slot (BERT4Rec inference)."""
    mask = torch.full_like(inputs[:, :1], mask_id)
    keep = inputs[:, 1:] if inputs.shape[1] >= max_len else inputs
    return torch.cat([keep, mask], dim=1)


def final_state(backbone: Backbone, inputs: torch.Tensor) -> torch.Tensor:
    """The state that predicts the next item [B, D]: the last slot, or for encoders that
    ``predict_with_mask_token`` the slot of a mask token appended to ``inputs`` [B, W]."""
    if backbone.predict_with_mask_token:
        mask_id = backbone.item_embedding.num_embeddings - 1  # N+1
        inputs = append_mask_token(inputs, mask_id, backbone.max_len)
    return backbone(inputs)[:, -1]


class Method(nn.Module):
    """Defaults shared by methods: last-slot scoring and no epoch hook.

    ``accepts_samples``: the ``data.samples`` constructions the loss understands
    (per-position [B, L] targets by default).
    """

    backbone: Backbone
    needs_negatives: bool = True
    accepts_samples: tuple[str, ...] = ("seq2seq", "window")

    def loss(self, batch: SeqBatch) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def score(self, batch: SeqBatch) -> torch.Tensor:  # [B, N+2] or [B, C]
        h = final_state(self.backbone, batch.inputs)
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
