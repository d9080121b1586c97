"""The chunked full-softmax cross-entropy equals the plain ``F.cross_entropy`` form."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from seqaug.methods.losses import full_softmax_ce
from seqaug.methods.softmax_ce import softmax_cross_entropy


def _grads(loss_fn, h0: torch.Tensor, w0: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor):
    h, w = h0.clone().requires_grad_(), w0.clone().requires_grad_()
    rows = loss_fn(h, w, targets)
    (rows * weights).sum().backward()
    return rows.detach(), h.grad, w.grad


@pytest.mark.parametrize("uniform", [True, False], ids=["shared-row-gradient", "per-row-gradient"])
@pytest.mark.parametrize(("rows", "chunk"), [(1, 4), (7, 3), (12, 4), (13, 128), (40, 7)])
def test_matches_plain_cross_entropy(rows: int, chunk: int, uniform: bool) -> None:
    g = torch.Generator().manual_seed(rows * 31 + chunk)
    h = torch.randn(rows, 8, generator=g, dtype=torch.float64) * 3
    w = torch.randn(50, 8, generator=g, dtype=torch.float64)
    targets = torch.randint(0, 50, (rows,), generator=g)
    weights = torch.rand(rows, generator=g, dtype=torch.float64)
    if uniform:  # a mean: every row gets the same upstream gradient (the fused path)
        weights = torch.full_like(weights, 1.0 / rows)
    plain = _grads(lambda a, b, t: F.cross_entropy(a @ b.T, t, reduction="none"), h, w, targets, weights)
    chunked = _grads(lambda a, b, t: softmax_cross_entropy(a, b, t, chunk), h, w, targets, weights)
    for got, want in zip(chunked, plain, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


def test_large_logits_stay_finite() -> None:
    h = torch.full((3, 4), 30.0, dtype=torch.float32)
    w = torch.eye(4).repeat(2, 1) * 10  # logits up to 300: exp overflows without the max shift
    out = softmax_cross_entropy(h, w, torch.tensor([0, 1, 2]))
    want = F.cross_entropy(h @ w.T, torch.tensor([0, 1, 2]), reduction="none")
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, want)


def test_no_grad_for_frozen_weight() -> None:
    h = torch.randn(5, 4, requires_grad=True)
    w = torch.randn(9, 4)  # no grad required
    softmax_cross_entropy(h, w, torch.tensor([1, 2, 3, 4, 5]), chunk=2).sum().backward()
    assert h.grad is not None and w.grad is None


def test_bad_chunk_is_refused() -> None:
    with pytest.raises(ValueError, match="chunk"):
        softmax_cross_entropy(torch.randn(2, 4), torch.randn(5, 4), torch.tensor([0, 1]), chunk=0)


def test_full_softmax_ce_excludes_padding_and_mask_rows() -> None:
    emb = torch.nn.Embedding(7, 4)  # ids 0 (pad), 1..5 items, 6 (mask)
    h = torch.randn(3, 4)
    targets = torch.tensor([1, 3, 5])
    want = F.cross_entropy(h @ emb.weight[1:6].T, targets - 1)
    torch.testing.assert_close(full_softmax_ce(h, emb, targets, num_items=5), want)
