"""The encoder contract every backbone implements (DESIGN.md, "Backbone").

- ``item_embedding``: ``nn.Embedding(N + 2, D)``, row 0 = padding (kept at zero),
  row N+1 = mask token.
- ``encode(inputs_embeds [B, L, D], pad_mask [B, L], attn_mask=None) -> [B, L, D]``
  adds positions itself; ``inputs_embeds`` may be any embeddings (BASRec mixup).
- ``forward(ids) = encode(item_embedding(ids), ids == 0)``.
- Capability flags: ``causal`` (a real slot t depends only on slots <= t; padded slots
  carry no item and their outputs are unconstrained, as in the reference code),
  ``supports_attn_mask`` and ``num_heads``, ``supports_head_states`` (``encode(...,
  return_head_states=True)`` returns ``(hidden, [per layer [B, L, H, D/H]])``, DualRec),
  ``predict_with_mask_token`` (scored by appending the mask token N+1 and reading that
  slot, BERT4Rec), ``needs_timestamps`` (batches carry ``timestamps``, TiSASRec) and
  ``preferred_samples`` (the sample construction ``data.samples: auto`` picks).
Scoring is the dot product of an output state with item embeddings.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from seqaug.registry import Registry, Section


class BackboneParams(Section):
    """Common keys of every backbone section."""

    name: str
    hidden_size: int = 64


# Slots per encoder call when a method encodes stacked rows (BASRec's original + views,
# CL4SRec/CoSeRec's views); measured best of 1k-16k on Beauty (benchmarks/RESULTS.md).
ENCODE_CHUNK_TOKENS = 8192


class Backbone(nn.Module):
    """Shared ``forward`` and capability defaults; subclasses implement ``encode``."""

    causal: bool = True
    supports_attn_mask: bool = False
    supports_head_states: bool = False
    predict_with_mask_token: bool = False
    needs_timestamps: bool = False
    num_heads: int | None = None
    item_embedding: nn.Embedding
    hidden_size: int
    max_len: int

    @property
    def preferred_samples(self) -> str:
        """The construction ``data.samples: auto`` picks for this encoder."""
        if self.predict_with_mask_token:
            return "cloze"
        return "seq2seq" if self.causal else "prefix"

    def encode(
        self,
        inputs_embeds: torch.Tensor,  # [B, L, D]
        pad_mask: torch.Tensor,  # [B, L] True at padding
        attn_mask: torch.Tensor | None = None,
        return_head_states: bool = False,
    ) -> torch.Tensor:  # [B, L, D]
        raise NotImplementedError

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # [B, L] -> [B, L, D]
        return self.encode(self.item_embedding(ids), ids == 0)

    def check_attn_mask(self, attn_mask: torch.Tensor | None) -> None:
        if attn_mask is not None and not self.supports_attn_mask:
            raise ValueError(f"{type(self).__name__} does not take an attention mask")

    def check_inputs(
        self, inputs_embeds: torch.Tensor, attn_mask: torch.Tensor | None, return_head_states: bool
    ) -> None:
        """Refuse what this encoder cannot honour: an attention mask, head states, width > max_len."""
        self.check_attn_mask(attn_mask)
        if return_head_states and not self.supports_head_states:
            raise ValueError(f"{type(self).__name__} has no per-head states")
        if inputs_embeds.shape[1] > self.max_len:
            raise ValueError(f"sequence width {inputs_embeds.shape[1]} exceeds max_len {self.max_len}")

    def encode_in_chunks(
        self,
        inputs_embeds: torch.Tensor,  # [N, L, D]
        pad_mask: torch.Tensor,  # [N, L] True at padding
        max_tokens: int,
    ) -> torch.Tensor:  # [N, L, D]
        """``encode`` over row blocks of at most ``max_tokens`` slots (rows are independent).

        For the stacked batches of augmentation methods (BASRec: original + 4 views): blocks
        whose intermediates stay cache-sized and under glibc's 32 MB mmap threshold train
        faster on CPU than one call over all rows (benchmarks/RESULTS.md). ``max_tokens`` 0,
        or a non-CPU device (where large calls are what is fast; not measured here): one call.
        Dropout draws follow the blocks, so results differ from one call in the random
        stream only."""
        blocks = max_tokens > 0 and inputs_embeds.device.type == "cpu"
        rows = max(1, max_tokens // inputs_embeds.shape[1]) if blocks else inputs_embeds.shape[0]
        if inputs_embeds.shape[0] <= rows:
            return self.encode(inputs_embeds, pad_mask)
        parts = zip(inputs_embeds.split(rows), pad_mask.split(rows))
        return torch.cat([self.encode(e, m) for e, m in parts])


BuildBackbone = Callable[..., Backbone]
BACKBONES: Registry[BuildBackbone] = Registry("backbone")
