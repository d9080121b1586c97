from __future__ import annotations

import pytest
import torch
from scipy import stats

from seqaug.augment.mixup import (
    adaptive_weights,
    embedding_mixup,
    mix_with_partner,
    mixup_weight_shape,
    sample_beta,
)


def test_beta_moments_and_seed() -> None:
    torch.manual_seed(0)
    x = sample_beta(0.4, (200_000,))
    assert ((x >= 0) & (x <= 1)).all()
    assert x.mean().item() == pytest.approx(0.5, abs=0.01)
    assert x.var().item() == pytest.approx(1 / (4 * (2 * 0.4 + 1)), abs=0.01)  # αβ/((α+β)²(α+β+1))
    torch.manual_seed(1)
    a = sample_beta(0.3, (5,))
    torch.manual_seed(1)
    assert torch.equal(a, sample_beta(0.3, (5,)))


@pytest.mark.parametrize("alpha", [0.3, 0.6, 1.0, 2.5])
def test_beta_matches_the_distribution(alpha: float) -> None:
    """Kolmogorov-Smirnov against scipy's Beta(α, α) (Jöhnk's method for α <= 1, Gamma above)."""
    torch.manual_seed(0)
    x = sample_beta(alpha, (4, 5000))
    assert x.shape == (4, 5000) and torch.isfinite(x).all()
    assert stats.kstest(x.flatten().double().numpy(), stats.beta(alpha, alpha).cdf).pvalue > 1e-3
    assert stats.kstest(x.flatten().double().numpy(), stats.beta(alpha * 1.3, alpha).cdf).pvalue < 1e-3
    assert sample_beta(alpha, (0, 3)).shape == (0, 3)


def test_embedding_mixup_weights_the_original() -> None:
    e, e2 = torch.ones(2, 3, 4), torch.zeros(2, 3, 4)
    lam = torch.tensor([0.25, 1.0]).view(2, 1, 1)
    out = embedding_mixup(e, e2, lam)
    assert torch.allclose(out[0], torch.full((3, 4), 0.25)) and torch.allclose(out[1], e[1])


@pytest.mark.parametrize("kind", ["item", "feature", "linear"])
def test_partner_mixup_applies_one_weight_and_perm_to_all(kind: str) -> None:
    torch.manual_seed(0)
    h, pos = torch.randn(4, 3, 5), torch.randn(4, 3, 5)
    w = torch.rand(mixup_weight_shape(kind, 4, 3, 5))
    perm = torch.tensor([2, 0, 3, 1])
    h2, pos2 = mix_with_partner([h, pos], w, perm)
    assert torch.allclose(h2, w * h + (1 - w) * h[perm])
    assert torch.allclose(pos2, w * pos + (1 - w) * pos[perm])
    # Λ is constant along the axes its shape broadcasts over.
    if kind == "item":
        assert w.shape == (4, 3, 1)
    elif kind == "feature":
        assert w.shape == (4, 1, 5)
    with pytest.raises(ValueError, match="valid choices: item, feature, linear"):
        mixup_weight_shape("token", 4, 3, 5)


def test_adaptive_weights_min_max() -> None:
    w = adaptive_weights(torch.tensor([0.5, 0.2, 0.4]), torch.tensor([0.5, 0.5, 0.25]))
    # ω¹ = 1/(rate·λ) = [4, 10, 10] → min-max → [0, 1, 1]
    assert torch.allclose(w, torch.tensor([0.0, 1.0, 1.0]))
    assert torch.equal(adaptive_weights(torch.ones(3), torch.ones(3)), torch.ones(3))
