"""Caser (Tang & Wang, WSDM 2018), the CoSeRec/DualRec baseline, as a per-slot encoder.

Caser embeds the last ``window`` items as an image [window, D] and applies horizontal
convolutions (``num_horizontal`` filters of every height h = 1..window, width D, ReLU,
max-pooled over time) and vertical convolutions (``num_vertical`` filters, a weighted sum
of the window's rows per dimension); the concatenation goes through dropout and a
fully-connected layer with ReLU to one representation.

Encoder contract: slot t's output is Caser's representation of the window of ``window``
items ending at t (slots before the sequence start count as zero embeddings, as Caser's
left-padded input), computed for every slot at once with 1-D convolutions along the
sequence and a sliding max. So Caser is an honest **causal** encoder: slot t sees slots
t-window+1..t only, and seq2seq training is Caser's sliding-window training with one
target (T = 1) per window. Departures: no user embedding (the encoder contract has no
user ids; Caser concatenates one before the output layer) and one target per window
instead of T = 3.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from seqaug.backbones.base import BACKBONES, Backbone, BackboneParams
from seqaug.backbones.layers import Dropout, zero_padding_row


class CaserParams(BackboneParams):
    name: Literal["caser"] = "caser"
    hidden_size: int = Field(64, gt=0)
    window: int = Field(5, ge=1, description="items per window (Caser's L)")
    num_horizontal: int = Field(16, ge=1, description="horizontal filters per height")
    num_vertical: int = Field(4, ge=1, description="vertical filters")
    dropout: float = Field(0.5, ge=0.0, lt=1.0)


class Caser(Backbone):
    causal = True

    def __init__(
        self,
        num_items: int,
        max_len: int,
        *,
        hidden_size: int = 64,
        window: int = 5,
        num_horizontal: int = 16,
        num_vertical: int = 4,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.hidden_size, self.max_len, self.window = hidden_size, max_len, window
        self.item_embedding = nn.Embedding(num_items + 2, hidden_size, padding_idx=0)
        self.horizontal = nn.ModuleList(nn.Conv1d(hidden_size, num_horizontal, h) for h in range(1, window + 1))
        self.vertical = nn.Conv1d(1, num_vertical, window)  # shared over the D dimensions
        self.dropout = Dropout(dropout)
        self.fc = nn.Linear(num_vertical * hidden_size + num_horizontal * window, hidden_size)
        nn.init.normal_(self.item_embedding.weight, 0.0, 1.0 / hidden_size)
        zero_padding_row(self.item_embedding)

    def encode(
        self,
        inputs_embeds: torch.Tensor,  # [B, L, D]
        pad_mask: torch.Tensor,  # [B, L] True at padding
        attn_mask: torch.Tensor | None = None,
        return_head_states: bool = False,
    ) -> torch.Tensor:  # [B, L, D]
        self.check_inputs(inputs_embeds, attn_mask, return_head_states)
        b, length, d = inputs_embeds.shape
        x = inputs_embeds.masked_fill(pad_mask.unsqueeze(-1), 0.0).transpose(1, 2)  # [B, D, L]
        x = F.pad(x, (self.window - 1, 0))  # zeros before the sequence start
        feats = []
        for h, conv in enumerate(self.horizontal, start=1):
            act = F.relu(conv(x))  # [B, nh, L + window - h]: output i covers padded slots i..i+h-1
            # slot t's window is padded slots t..t+window-1: max over the outputs i = t..t+window-h
            feats.append(F.max_pool1d(act, self.window - h + 1, stride=1))  # [B, nh, L]
        vert = self.vertical(x.reshape(b * d, 1, -1))  # [B·D, nv, L]
        vert = vert.view(b, d, -1, length).transpose(1, 2).reshape(b, -1, length)  # [B, nv·D, L]
        z = torch.cat([vert, *feats], dim=1).transpose(1, 2)  # [B, L, nv·D + nh·window]
        return F.relu(self.fc(self.dropout(z)))


@BACKBONES.register("caser", CaserParams)
def build_caser(params: CaserParams, *, num_items: int, max_len: int) -> Caser:
    return Caser(num_items, max_len, **params.model_dump(exclude={"name"}))
