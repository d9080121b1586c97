"""NT-Xent against the reference code's construction (methods.md §2.1 step 8)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from seqaug.methods.losses import nt_xent


def reference_nt_xent(z1: torch.Tensor, z2: torch.Tensor, tau: float) -> torch.Tensor:
    """Row i of view 1: logits [z1_i·z2_j for all j] ++ [z1_i·z1_j for j != i], label i;
    symmetric for view 2; cross-entropy averaged over the 2B rows."""
    b = len(z1)
    losses = []
    for a, o in ((z1, z2), (z2, z1)):
        for i in range(b):
            same = torch.stack([a[i] @ a[j] for j in range(b) if j != i]) if b > 1 else torch.zeros(0)
            logits = torch.cat([torch.stack([a[i] @ o[j] for j in range(b)]), same]) / tau
            losses.append(F.cross_entropy(logits[None], torch.tensor([i])))
    return torch.stack(losses).mean()


@pytest.mark.parametrize("tau", [1.0, 0.5])
def test_nt_xent_matches_reference(tau: float) -> None:
    torch.manual_seed(0)
    z1, z2 = torch.randn(6, 10), torch.randn(6, 10)
    assert nt_xent(z1, z2, tau) == pytest.approx(float(reference_nt_xent(z1, z2, tau)), rel=1e-5)
    n1, n2 = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    cos = nt_xent(z1, z2, tau, similarity="cosine")
    assert cos == pytest.approx(float(reference_nt_xent(n1, n2, tau)), rel=1e-5)


def test_nt_xent_prefers_matching_views() -> None:
    torch.manual_seed(0)
    z = torch.randn(8, 16)
    assert nt_xent(z, z + 0.01 * torch.randn(8, 16)) < nt_xent(z, torch.randn(8, 16))
    with pytest.raises(ValueError, match="valid choices: dot, cosine"):
        nt_xent(z, z, similarity="l2")
