"""SASRec (Kang & McAuley, ICDM 2018) in the S3Rec/CoSeRec/BASRec post-LN flavour.

item + learned absolute position → LayerNorm → dropout → post-LN Transformer layers
(causal attention, GELU FFN); init N(0, 0.02); pad outputs are not zeroed (methods.md
§1.4). Differences from the reference code: one fused QKV projection (same function,
different parameter layout), positions indexed from the right so a batch can be
padded to its own width, and the padding embedding row is kept at zero.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import nn

from seqaug.backbones.base import BACKBONES, Backbone, BackboneParams
from seqaug.backbones.layers import (
    Dropout,
    PostLNBlock,
    RightAlignedPositions,
    attention_bias,
    init_normal,
    zero_padding_row,
)


class SASRecParams(BackboneParams):
    name: Literal["sasrec"] = "sasrec"
    hidden_size: int = Field(64, gt=0)
    num_layers: int = Field(2, ge=1)
    num_heads: int = Field(2, ge=1)
    inner_size: int | None = Field(None, gt=0, description="FFN width; default 4 * hidden_size")
    dropout: float = Field(0.5, ge=0.0, lt=1.0)
    attn_dropout: float | None = Field(None, ge=0.0, lt=1.0, description="default: dropout")
    layer_norm_eps: float = Field(1e-12, gt=0.0)
    init_std: float = Field(0.02, gt=0.0)


class SASRec(Backbone):
    causal = True
    supports_attn_mask = True

    def __init__(
        self,
        num_items: int,
        max_len: int,
        *,
        hidden_size: int = 64,
        num_layers: int = 2,
        num_heads: int = 2,
        inner_size: int | None = None,
        dropout: float = 0.5,
        attn_dropout: float | None = None,
        layer_norm_eps: float = 1e-12,
        init_std: float = 0.02,
    ) -> None:
        super().__init__()
        self.hidden_size, self.max_len, self.num_heads = hidden_size, max_len, num_heads
        self.item_embedding = nn.Embedding(num_items + 2, hidden_size, padding_idx=0)
        self.positions = RightAlignedPositions(max_len, hidden_size)
        self.ln_emb = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
        self.emb_dropout = Dropout(dropout)
        self.layers = nn.ModuleList(
            PostLNBlock(
                hidden_size,
                num_heads,
                inner_size or 4 * hidden_size,
                dropout,
                dropout if attn_dropout is None else attn_dropout,
                layer_norm_eps,
            )
            for _ in range(num_layers)
        )
        init_normal(self, init_std)
        zero_padding_row(self.item_embedding)

    def encode(
        self,
        inputs_embeds: torch.Tensor,  # [B, L, D]
        pad_mask: torch.Tensor,  # [B, L] True at padding
        attn_mask: torch.Tensor | None = None,  # bool, True = may attend; replaces causality
        return_head_states: bool = False,
    ) -> torch.Tensor:  # [B, L, D]  (or (hidden, [per layer [B, L, H, D/H]]))
        x = inputs_embeds + self.positions(inputs_embeds.shape[1])
        x = self.emb_dropout(self.ln_emb(x))
        bias = attention_bias(pad_mask, self.causal, attn_mask, x.dtype)
        heads = []
        for layer in self.layers:
            x, ctx = layer(x, bias)
            heads.append(ctx)
        return (x, heads) if return_head_states else x


@BACKBONES.register("sasrec", SASRecParams)
def build_sasrec(params: SASRecParams, *, num_items: int, max_len: int) -> SASRec:
    return SASRec(num_items, max_len, **params.model_dump(exclude={"name"}))
