"""SASRec (Kang & McAuley, ICDM 2018) in two flavours (methods.md §1.4), ``backbone.flavour``:

- ``s3rec`` (S3Rec/CoSeRec/BASRec/FMLP ``--no_filters``, post-LN): item + learned absolute
  position → LayerNorm → dropout → post-LN Transformer layers (causal attention, GELU
  FFN); init N(0, 0.02); pad outputs are not zeroed.
- ``kang`` (the SASRec/ASReP/BiCAT code, pre-LN): item × √D + position → dropout → pad
  slots zeroed; pre-LN layers (``PreLNBlock``: ReLU point-wise FFN) with pad slots zeroed
  after each; final LayerNorm; Xavier-normal init.

Differences from the reference code: one fused QKV projection (same function, different
parameter layout), positions indexed from the right so a batch can be padded to its own
width, padded keys always blocked, and the padding embedding row kept at zero.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from pydantic import Field
from torch import nn

from seqaug.backbones.base import BACKBONES, Backbone, BackboneParams
from seqaug.backbones.layers import (
    Dropout,
    PostLNBlock,
    PreLNBlock,
    RightAlignedPositions,
    attention_bias,
    init_normal,
    zero_padding_row,
)


class SASRecParams(BackboneParams):
    name: Literal["sasrec"] = "sasrec"
    flavour: Literal["s3rec", "kang"] = Field("s3rec", description="s3rec: post-LN, GELU; kang: pre-LN, ReLU, ×√D")
    hidden_size: int = Field(64, gt=0)
    num_layers: int = Field(2, ge=1)
    num_heads: int = Field(2, ge=1)
    inner_size: int | None = Field(None, gt=0, description="FFN width; default 4D (s3rec), D (kang)")
    dropout: float = Field(0.5, ge=0.0, lt=1.0)
    attn_dropout: float | None = Field(None, ge=0.0, lt=1.0, description="default: dropout")
    layer_norm_eps: float = Field(1e-12, gt=0.0, description="s3rec flavour (kang uses 1e-8)")
    init_std: float = Field(0.02, gt=0.0, description="s3rec flavour (kang uses Xavier-normal)")


class SASRec(Backbone):
    causal = True
    supports_attn_mask = True
    supports_head_states = True

    def __init__(
        self,
        num_items: int,
        max_len: int,
        *,
        flavour: str = "s3rec",
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
        if flavour not in ("s3rec", "kang"):
            raise ValueError(f"unknown SASRec flavour {flavour!r}; valid choices: s3rec, kang")
        self.flavour = flavour
        self.hidden_size, self.max_len, self.num_heads = hidden_size, max_len, num_heads
        self.item_embedding = nn.Embedding(num_items + 2, hidden_size, padding_idx=0)
        self.positions = RightAlignedPositions(max_len, hidden_size)
        if flavour == "s3rec":
            self.ln_emb = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
        self.emb_dropout = Dropout(dropout)
        p_attn = dropout if attn_dropout is None else attn_dropout
        self.layers = nn.ModuleList(
            PostLNBlock(hidden_size, num_heads, inner_size or 4 * hidden_size, dropout, p_attn, layer_norm_eps)
            if flavour == "s3rec"
            else PreLNBlock(hidden_size, num_heads, inner_size or hidden_size, dropout, p_attn)
            for _ in range(num_layers)
        )
        if flavour == "s3rec":
            init_normal(self, init_std)
        else:
            self.ln_final = nn.LayerNorm(hidden_size, eps=1e-8)
            init_xavier(self)
        zero_padding_row(self.item_embedding)

    def encode(
        self,
        inputs_embeds: torch.Tensor,  # [B, L, D]
        pad_mask: torch.Tensor,  # [B, L] True at padding
        attn_mask: torch.Tensor | None = None,  # bool, True = may attend; replaces causality
        return_head_states: bool = False,
    ) -> torch.Tensor:  # [B, L, D]  (or (hidden, [per layer [B, L, H, D/H]]))
        self.check_inputs(inputs_embeds, attn_mask, return_head_states)
        pos = self.positions(inputs_embeds.shape[1])
        bias = attention_bias(pad_mask, self.causal, attn_mask, inputs_embeds.dtype)
        heads = []
        if self.flavour == "s3rec":
            x = self.emb_dropout(self.ln_emb(inputs_embeds + pos))
            for layer in self.layers:
                x, ctx = layer(x, bias)
                heads.append(ctx)
        else:
            keep = (~pad_mask).unsqueeze(-1).to(inputs_embeds.dtype)
            x = self.emb_dropout(inputs_embeds * math.sqrt(self.hidden_size) + pos) * keep
            for layer in self.layers:
                x, ctx = layer(x, bias)
                x = x * keep
                heads.append(ctx)
            x = self.ln_final(x)
        return (x, heads) if return_head_states else x


def init_xavier(module: nn.Module) -> None:
    """Xavier-normal for every matrix (Kang's SASRec PyTorch port), zero biases, unit LayerNorm."""
    for name, p in module.named_parameters():
        if p.dim() > 1:
            nn.init.xavier_normal_(p)
        elif name.endswith("bias"):
            nn.init.zeros_(p)
        else:
            nn.init.ones_(p)


@BACKBONES.register("sasrec", SASRecParams)
def build_sasrec(params: SASRecParams, *, num_items: int, max_len: int) -> SASRec:
    return SASRec(num_items, max_len, **params.model_dump(exclude={"name"}))
