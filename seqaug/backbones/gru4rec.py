"""GRU4Rec (Hidasi et al., ICLR 2016) in the RecBole/BASRec flavour.

embedding → dropout → GRU (no bias) → Linear back to the embedding size; per-position
outputs; Xavier init. With a zero padding row and no GRU bias, left padding leaves the
hidden state at exactly zero, so outputs do not depend on the batch width.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import nn

from seqaug.backbones.base import BACKBONES, Backbone, BackboneParams
from seqaug.backbones.layers import Dropout, zero_padding_row


class GRU4RecParams(BackboneParams):
    name: Literal["gru4rec"] = "gru4rec"
    hidden_size: int = Field(64, gt=0, description="embedding and output size")
    gru_size: int = Field(128, gt=0)
    num_layers: int = Field(1, ge=1)
    dropout: float = Field(0.2, ge=0.0, lt=1.0)


class GRU4Rec(Backbone):
    causal = True

    def __init__(
        self,
        num_items: int,
        max_len: int,
        *,
        hidden_size: int = 64,
        gru_size: int = 128,
        num_layers: int = 1,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.hidden_size, self.max_len = hidden_size, max_len
        self.item_embedding = nn.Embedding(num_items + 2, hidden_size, padding_idx=0)
        self.emb_dropout = Dropout(dropout)
        self.gru = nn.GRU(hidden_size, gru_size, num_layers, bias=False, batch_first=True)
        self.dense = nn.Linear(gru_size, hidden_size)
        nn.init.xavier_normal_(self.item_embedding.weight)
        for w in self.gru.parameters():
            nn.init.xavier_uniform_(w)
        nn.init.xavier_normal_(self.dense.weight)
        nn.init.zeros_(self.dense.bias)
        zero_padding_row(self.item_embedding)

    def encode(
        self,
        inputs_embeds: torch.Tensor,  # [B, L, D]
        pad_mask: torch.Tensor,  # [B, L]
        attn_mask: torch.Tensor | None = None,
        return_head_states: bool = False,
    ) -> torch.Tensor:  # [B, L, D]
        self.check_inputs(inputs_embeds, attn_mask, return_head_states)
        x = self.emb_dropout(inputs_embeds.masked_fill(pad_mask.unsqueeze(-1), 0.0))
        out, _ = self.gru(x)
        return self.dense(out)


@BACKBONES.register("gru4rec", GRU4RecParams)
def build_gru4rec(params: GRU4RecParams, *, num_items: int, max_len: int) -> GRU4Rec:
    return GRU4Rec(num_items, max_len, **params.model_dump(exclude={"name"}))
