"""NextItNet (Yuan et al., WSDM 2019) as configured in RecBole (methods.md §1.4, BASRec).

Embedding → residual blocks → Linear(D, D). A residual block (the paper's block "b"):
causal dilated 1-D convolution (kernel k, dilation d) → LayerNorm → ReLU → causal
dilated convolution (dilation 2d) → LayerNorm → ReLU, added to the block input. The
block dilations are ``dilations`` repeated ``repeats`` times: RecBole's defaults
``dilations: [1, 4]``, ``block_num: 5`` give 10 blocks whose convolutions have dilations
(1, 2), (4, 8), (1, 2), ... and a receptive field of 151 slots. Causal: every convolution
pads (k-1)·dilation zeros on the left only.

Departures from RecBole: padded slots are zeroed before every convolution, so they act
exactly like the convolutions' own left zero padding and outputs do not depend on the
batch width (RecBole lets the padding slots' non-zero activations flow into real
slots); no L2 regularisation term (add ``train.weight_decay`` instead); optional
embedding dropout (default 0, none in RecBole).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from seqaug.backbones.base import BACKBONES, Backbone, BackboneParams
from seqaug.backbones.layers import Dropout, zero_padding_row


class NextItNetParams(BackboneParams):
    name: Literal["nextitnet"] = "nextitnet"
    hidden_size: int = Field(64, gt=0, description="embedding size = residual channels")
    kernel_size: int = Field(3, ge=2)
    dilations: list[int] = Field(default_factory=lambda: [1, 4], min_length=1)
    repeats: int = Field(5, ge=1, description="how often the dilation pattern repeats (RecBole block_num)")
    dropout: float = Field(0.0, ge=0.0, lt=1.0, description="embedding dropout")


class CausalConv(nn.Module):
    """Dilated 1-D convolution over [B, L, D] with (k-1)·d zeros on the left: output t is a
    linear map of the inputs t-(k-1)d, ..., t-d, t. Computed as one matmul over the k
    shifted copies (im2col), which on CPU trains several times faster than ``nn.Conv1d``
    for these small kernels; same function and the same default initialisation."""

    def __init__(self, channels: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.linear = nn.Linear(kernel_size * channels, channels)  # fan-in k·D, as Conv1d

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, L, D] -> [B, L, D]
        length, d = x.shape[1], self.dilation
        padded = F.pad(x, (0, 0, (self.kernel_size - 1) * d, 0))
        taps = [padded[:, j * d : j * d + length] for j in range(self.kernel_size)]
        return self.linear(torch.cat(taps, dim=-1))


class ResidualBlock(nn.Module):
    """conv(d) → LN → ReLU → conv(2d) → LN → ReLU, plus the input; ``keep`` [B, L, 1]
    zeroes padded slots before each convolution."""

    def __init__(self, channels: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.conv1 = CausalConv(channels, kernel_size, dilation)
        self.ln1 = nn.LayerNorm(channels, eps=1e-8)
        self.conv2 = CausalConv(channels, kernel_size, 2 * dilation)
        self.ln2 = nn.LayerNorm(channels, eps=1e-8)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:  # [B, L, D]
        h = F.relu(self.ln1(self.conv1(x * keep)))
        h = F.relu(self.ln2(self.conv2(h * keep)))
        return x + h


class NextItNet(Backbone):
    causal = True

    def __init__(
        self,
        num_items: int,
        max_len: int,
        *,
        hidden_size: int = 64,
        kernel_size: int = 3,
        dilations: list[int] | None = None,
        repeats: int = 5,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.hidden_size, self.max_len = hidden_size, max_len
        self.item_embedding = nn.Embedding(num_items + 2, hidden_size, padding_idx=0)
        self.emb_dropout = Dropout(dropout)
        pattern = list(dilations or [1, 4]) * repeats
        self.blocks = nn.ModuleList(ResidualBlock(hidden_size, kernel_size, d) for d in pattern)
        self.final = nn.Linear(hidden_size, hidden_size)
        bound = math.sqrt(1.0 / num_items)  # RecBole's embedding init
        nn.init.uniform_(self.item_embedding.weight, -bound, bound)
        nn.init.xavier_normal_(self.final.weight)
        nn.init.constant_(self.final.bias, 0.1)
        zero_padding_row(self.item_embedding)

    def encode(
        self,
        inputs_embeds: torch.Tensor,  # [B, L, D]
        pad_mask: torch.Tensor,  # [B, L] True at padding
        attn_mask: torch.Tensor | None = None,
        return_head_states: bool = False,
    ) -> torch.Tensor:  # [B, L, D]
        self.check_inputs(inputs_embeds, attn_mask, return_head_states)
        keep = (~pad_mask).unsqueeze(-1).to(inputs_embeds.dtype)  # [B, L, 1]
        x = self.emb_dropout(inputs_embeds)
        for block in self.blocks:
            x = block(x, keep)
        return self.final(x)


@BACKBONES.register("nextitnet", NextItNetParams)
def build_nextitnet(params: NextItNetParams, *, num_items: int, max_len: int) -> NextItNet:
    return NextItNet(num_items, max_len, **params.model_dump(exclude={"name"}))
