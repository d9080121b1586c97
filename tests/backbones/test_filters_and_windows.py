"""Backbone-specific checks: FMLP-Rec's frequency filters against direct convolutions,
Caser's window locality, NextItNet's dilation layout, the SASRec flavours."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from seqaug.backbones.caser import Caser
from seqaug.backbones.fmlprec import FMLPRec, FrequencyFilter
from seqaug.backbones.layers import PostLNBlock, PreLNBlock
from seqaug.backbones.nextitnet import CausalConv, NextItNet
from seqaug.backbones.sasrec import SASRec

L, D = 8, 3


def direct_conv(x: torch.Tensor, kernel: torch.Tensor, circular: bool) -> torch.Tensor:
    """y_t = Σ_j k_j x_{t-j} over [B, W, D], circular over L slots or causal (t-j >= 0)."""
    b, w, d = x.shape
    y = torch.zeros(b, w, d, dtype=x.dtype)
    for t in range(w):
        for j in range(L):
            s = t - j
            if circular:
                s %= L
            if 0 <= s < w:
                y[:, t] += kernel[j] * x[:, s]
    return y


@pytest.mark.parametrize("width", [L, 5])
@pytest.mark.parametrize("causal", [False, True])
def test_frequency_filter_is_the_documented_convolution(causal: bool, width: int) -> None:
    torch.manual_seed(0)
    f = FrequencyFilter(L, D, causal).double()
    x = torch.randn(2, width, D, dtype=torch.float64)
    kernel = torch.fft.irfft(torch.view_as_complex(f.weight), n=L, dim=0)  # lags 0..L-1
    # A batch of width W < L stands for the last W slots of a zero-padded max_len row.
    padded = torch.cat([torch.zeros(2, L - width, D, dtype=x.dtype), x], dim=1)
    expected = direct_conv(padded, kernel, circular=not causal)[:, L - width :]
    assert torch.allclose(f(x), expected, atol=1e-10)


def test_fmlprec_reference_padding_mixes_pad_slots_masked_does_not() -> None:
    x = torch.tensor([[0, 0, 0, 3, 4, 5]])
    for padding, pads_matter in (("reference", True), ("masked", False)):
        torch.manual_seed(0)
        m = FMLPRec(10, 6, hidden_size=8, padding=padding).eval()
        emb = m.item_embedding(x)
        noisy = emb.clone()
        noisy[:, :3] = torch.randn(1, 3, 8)  # garbage in padded slots
        changed = not torch.allclose(m.encode(emb, x == 0)[:, -1], m.encode(noisy, x == 0)[:, -1], atol=1e-6)
        # reference: pad slots are tokens (their embedding is used); masked: they are ignored
        assert changed == pads_matter


def test_caser_slot_sees_only_its_window() -> None:
    torch.manual_seed(0)
    m = Caser(30, 12, hidden_size=8, window=3).eval()
    x = torch.randint(1, 31, (2, 10))
    y = x.clone()
    y[:, 4] = (x[:, 4] % 30) + 1  # slot 4 is in the windows of slots 4, 5, 6 only
    diff = (m(x) - m(y)).abs().sum(-1) > 1e-6  # [B, L]
    assert diff[:, 4:7].all() and not diff[:, :4].any() and not diff[:, 7:].any()


@pytest.mark.parametrize(("kernel", "dilation"), [(3, 1), (3, 4), (2, 8)])
def test_causal_conv_equals_a_left_padded_dilated_conv1d(kernel: int, dilation: int) -> None:
    torch.manual_seed(0)
    conv = CausalConv(D, kernel, dilation).double()
    x = torch.randn(2, 11, D, dtype=torch.float64)
    weight = conv.linear.weight.view(D, kernel, D).permute(0, 2, 1)  # [out, in, k]: tap j ↔ index j
    padded = F.pad(x.transpose(1, 2), ((kernel - 1) * dilation, 0))
    expected = F.conv1d(padded, weight, conv.linear.bias, dilation=dilation).transpose(1, 2)
    assert torch.allclose(conv(x), expected, atol=1e-12)


def test_nextitnet_dilation_layout_and_receptive_field() -> None:
    torch.manual_seed(0)
    m = NextItNet(30, 200, hidden_size=4, dilations=[1, 4], repeats=5).double().eval()
    dil = [(b.conv1.dilation, b.conv2.dilation) for b in m.blocks]
    assert dil == [(1, 2), (4, 8)] * 5
    x = torch.randint(1, 31, (1, 200))
    y = x.clone()
    y[:, 0] = (x[:, 0] % 30) + 1
    reach = ((m(x) - m(y)).abs().sum(-1) > 0)[0]
    # Slot 0 can reach 1 + Σ 2·(d + 2d) = 151 slots, never more; well within that, it does.
    assert reach[:50].all() and not reach[151:].any()


def test_sasrec_flavours_build_their_blocks() -> None:
    assert all(isinstance(b, PostLNBlock) for b in SASRec(10, 5, hidden_size=8).layers)
    kang = SASRec(10, 5, hidden_size=8, flavour="kang", num_heads=1).eval()
    assert all(isinstance(b, PreLNBlock) for b in kang.layers)
    assert kang.layers[0].ff_in.out_features == 8  # point-wise FFN of width D
    with pytest.raises(ValueError, match="valid choices: s3rec, kang"):
        SASRec(10, 5, flavour="bert")
