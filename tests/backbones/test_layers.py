from __future__ import annotations

import pytest
import torch

from seqaug.backbones.layers import attention_bias, dropout


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_bit_dropout_rate_scale_and_gradient(p: float) -> None:
    torch.manual_seed(0)
    x = torch.ones(400_000, requires_grad=True)
    y = dropout(x, p, training=True)
    kept = y != 0
    assert kept.float().mean().item() == pytest.approx(1 - p, abs=0.005)
    assert torch.allclose(y[kept], torch.full_like(y[kept], 1 / (1 - p)))
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())  # d(x*keep)/dx = keep
    assert dropout(x, p, training=False) is x


def test_bit_dropout_is_seeded_and_unbiased_per_bit_lane() -> None:
    torch.manual_seed(1)
    a = dropout(torch.ones(64, 1024), 0.5, True)
    torch.manual_seed(1)
    b = dropout(torch.ones(64, 1024), 0.5, True)
    assert torch.equal(a, b)
    # Every one of the 4 int16 lanes of a 64-bit word keeps ~half (the top lane included).
    lanes = (a != 0).view(-1, 4).float().mean(0)
    assert torch.all((lanes - 0.5).abs() < 0.01)


def test_attention_bias() -> None:
    pad = torch.tensor([[True, False, False]])
    bias = attention_bias(pad, causal=True, attn_mask=None, dtype=torch.float32)[0, 0]
    allowed = bias == 0
    assert allowed.tolist() == [[False, False, False], [False, True, False], [False, True, True]]
    # A fully blocked row is finite (uniform attention), never NaN.
    assert torch.isfinite(bias).all()
