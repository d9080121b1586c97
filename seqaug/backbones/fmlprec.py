"""FMLP-Rec (Zhou et al., WWW 2022; methods.md §1.4): SASRec-S3Rec with every attention
layer replaced by a learnable frequency-domain filter.

Embedding: item + learned position → LayerNorm → dropout. Block: ``FrequencyFilter``
(rFFT over the sequence axis, × learnable complex weight [L/2+1, D], irFFT) → dropout →
residual + LayerNorm; FFN D → 4D (GELU) → D → dropout → residual + LayerNorm. Init
N(0, 0.02), filter weights N(0, 0.02) per real/imaginary part.

``filter``:
- ``global`` (the paper): a circular convolution over ``max_len`` slots that mixes every
  position with every other one, so the encoder is **not causal** and trains with prefix
  seq2one samples (``data.samples: auto`` → ``prefix``), reading only the last slot.
- ``causal`` (ours, methods.md §3.5): the same learnable kernel (the inverse FFT of the
  complex weight, lags 0..L-1) applied as a linear convolution over the past only (what
  zero-padding to 2L before the FFT gives). Slot t mixes slots <= t, so per-position
  losses (seq2seq, BASRec, DualRec, CoSeRec) are safe.

``padding``:
- ``masked`` (default): padded slots are zeroed before every filter, so outputs depend on
  the real items only; the filter is defined over ``max_len`` slots whatever the batch
  width, so a batch padded to its own width gives exactly the outputs it would give
  padded to ``max_len``.
- ``reference``: as the FMLP-Rec code, padded slots carry their position embedding and
  are mixed like items; every batch is then computed at ``max_len`` (slower: short
  sequences pay for 50 slots).
Other departures: positions are right-aligned (identical to the reference when padded to
``max_len``) and each layer's filter is initialised independently (the reference
deep-copies one layer, so its layers start with the same filter).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from seqaug.backbones.base import BACKBONES, Backbone, BackboneParams
from seqaug.backbones.layers import Dropout, RightAlignedPositions, dropout, init_normal, zero_padding_row


class FMLPRecParams(BackboneParams):
    name: Literal["fmlprec"] = "fmlprec"
    hidden_size: int = Field(64, gt=0)
    num_layers: int = Field(2, ge=1)
    inner_size: int | None = Field(None, gt=0, description="FFN width; default 4 * hidden_size")
    dropout: float = Field(0.5, ge=0.0, lt=1.0)
    filter: Literal["global", "causal"] = Field("global", description="global: the paper (non-causal); causal")
    padding: Literal["masked", "reference"] = Field("masked", description="zero padded slots, or mix them (reference)")
    layer_norm_eps: float = Field(1e-12, gt=0.0)
    init_std: float = Field(0.02, gt=0.0)


class FrequencyFilter(nn.Module):
    """Learnable filter over the sequence axis: ``x`` [B, W, D] (W <= max_len, zeros where no
    item) → [B, W, D].

    The parameter is the paper's complex weight ``w`` [L/2+1, D]. The paper's operation
    ``irfft(rfft(x, ortho) · w, ortho)`` over L slots is the circular convolution of x with
    the real kernel ``k = irfft(w)`` [L, D] (lags 0..L-1, lag L-j being lag -j): it is
    computed here as that convolution restricted to the W slots of the batch (the other
    slots are zeros), a [W, W] matrix per channel, which for short batches costs far less
    than FFTs of length L. ``causal`` keeps the lags >= 0 only: the linear convolution
    that zero-padding to 2L before the FFT would give.
    """

    def __init__(self, max_len: int, hidden_size: int, causal: bool) -> None:
        super().__init__()
        self.max_len, self.causal = max_len, causal
        self.weight = nn.Parameter(torch.randn(max_len // 2 + 1, hidden_size, 2) * 0.02)

    def kernel(self) -> torch.Tensor:  # [L, D] real kernel at lags 0..L-1
        return torch.fft.irfft(torch.view_as_complex(self.weight), n=self.max_len, dim=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        width = x.shape[1]
        t = torch.arange(width, device=x.device)
        lag = t[:, None] - t[None, :]  # [W (out t), W (in s)]
        k = self.kernel()[lag % self.max_len]  # [W, W, D]
        if self.causal:
            k = k * (lag >= 0).unsqueeze(-1).to(k.dtype)
        # y[b, t, d] = Σ_s k[t, s, d] · x[b, s, d], as D batched [B, W] @ [W, W] products
        # (contiguous operands: CPU bmm on strided views falls back to per-matrix copies)
        y = torch.bmm(x.permute(2, 0, 1).contiguous(), k.permute(2, 1, 0).contiguous())  # [D, B, W]
        return y.permute(1, 2, 0)


class FilterBlock(nn.Module):
    """filter → dropout → residual + LN; FFN (GELU) → dropout → residual + LN."""

    def __init__(self, max_len: int, hidden_size: int, inner_size: int, p: float, eps: float, causal: bool) -> None:
        super().__init__()
        self.filter = FrequencyFilter(max_len, hidden_size, causal)
        self.ln_filter = nn.LayerNorm(hidden_size, eps=eps)
        self.ff_in = nn.Linear(hidden_size, inner_size)
        self.ff_out = nn.Linear(inner_size, hidden_size)
        self.ln_ff = nn.LayerNorm(hidden_size, eps=eps)
        self.p = p

    def forward(self, x: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
        mixed = self.filter(x if keep is None else x * keep)
        x = self.ln_filter(x + dropout(mixed, self.p, self.training))
        f = self.ff_out(F.gelu(self.ff_in(x)))
        return self.ln_ff(x + dropout(f, self.p, self.training))


class FMLPRec(Backbone):
    supports_attn_mask = False

    def __init__(
        self,
        num_items: int,
        max_len: int,
        *,
        hidden_size: int = 64,
        num_layers: int = 2,
        inner_size: int | None = None,
        dropout: float = 0.5,
        filter: str = "global",
        padding: str = "masked",
        layer_norm_eps: float = 1e-12,
        init_std: float = 0.02,
    ) -> None:
        super().__init__()
        if filter not in ("global", "causal") or padding not in ("masked", "reference"):
            raise ValueError(f"unknown filter {filter!r} or padding {padding!r}")
        self.causal = filter == "causal"
        self.reference_padding = padding == "reference"
        self.hidden_size, self.max_len = hidden_size, max_len
        self.item_embedding = nn.Embedding(num_items + 2, hidden_size, padding_idx=0)
        self.positions = RightAlignedPositions(max_len, hidden_size)
        self.ln_emb = nn.LayerNorm(hidden_size, eps=layer_norm_eps)
        self.emb_dropout = Dropout(dropout)
        inner = inner_size or 4 * hidden_size
        self.layers = nn.ModuleList(
            FilterBlock(max_len, hidden_size, inner, dropout, layer_norm_eps, self.causal) for _ in range(num_layers)
        )
        init_normal(self, init_std)
        zero_padding_row(self.item_embedding)

    def encode(
        self,
        inputs_embeds: torch.Tensor,  # [B, L, D]
        pad_mask: torch.Tensor,  # [B, L] True at padding
        attn_mask: torch.Tensor | None = None,
        return_head_states: bool = False,
    ) -> torch.Tensor:  # [B, L, D]
        self.check_inputs(inputs_embeds, attn_mask, return_head_states)
        width = inputs_embeds.shape[1]
        if self.reference_padding and width < self.max_len:
            extra = self.max_len - width
            inputs_embeds = F.pad(inputs_embeds, (0, 0, extra, 0))
            pad_mask = F.pad(pad_mask, (extra, 0), value=True)
        keep = None if self.reference_padding else (~pad_mask).unsqueeze(-1).to(inputs_embeds.dtype)
        x = self.emb_dropout(self.ln_emb(inputs_embeds + self.positions(inputs_embeds.shape[1])))
        for layer in self.layers:
            x = layer(x, keep)
        return x[:, -width:]


@BACKBONES.register("fmlprec", FMLPRecParams)
def build_fmlprec(params: FMLPRecParams, *, num_items: int, max_len: int) -> FMLPRec:
    return FMLPRec(num_items, max_len, **params.model_dump(exclude={"name"}))
