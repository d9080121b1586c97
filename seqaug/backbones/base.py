"""The encoder contract every backbone implements (DESIGN.md, "Backbone").

- ``item_embedding``: ``nn.Embedding(N + 2, D)``, row 0 = padding (kept at zero),
  row N+1 = mask token.
- ``encode(inputs_embeds [B, L, D], pad_mask [B, L], attn_mask=None) -> [B, L, D]``
  adds positions itself; ``inputs_embeds`` may be any embeddings (BASRec mixup).
- ``forward(ids) = encode(item_embedding(ids), ids == 0)``.
- Capability flags: ``causal`` (a real slot t depends only on slots <= t; padded slots
  carry no item and their outputs are unconstrained, as in the reference code),
  ``supports_attn_mask`` and ``num_heads``.
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


class Backbone(nn.Module):
    """Shared ``forward`` and capability defaults; subclasses implement ``encode``."""

    causal: bool = True
    supports_attn_mask: bool = False
    num_heads: int | None = None
    item_embedding: nn.Embedding
    hidden_size: int
    max_len: int

    def encode(
        self, inputs_embeds: torch.Tensor, pad_mask: torch.Tensor, attn_mask: torch.Tensor | None = None
    ) -> torch.Tensor:  # [B, L, D]
        raise NotImplementedError

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # [B, L] -> [B, L, D]
        return self.encode(self.item_embedding(ids), ids == 0)

    def check_attn_mask(self, attn_mask: torch.Tensor | None) -> None:
        if attn_mask is not None and not self.supports_attn_mask:
            raise ValueError(f"{type(self).__name__} does not take an attention mask")


BuildBackbone = Callable[..., Backbone]
BACKBONES: Registry[BuildBackbone] = Registry("backbone")
