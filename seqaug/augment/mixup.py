"""Representation-level mixup (BASRec, Dang et al., AAAI 2025; methods.md §3.1).

Pure tensor functions; randomness comes from the caller's generator (or torch's global
generator, which the trainer saves and restores for exact resume).
"""

from __future__ import annotations

import torch


def sample_beta(alpha: float, shape: tuple[int, ...], device: torch.device | str = "cpu") -> torch.Tensor:
    """Beta(alpha, alpha) samples of ``shape`` (via two Gamma draws from torch's global RNG)."""
    conc = torch.full(shape, float(alpha), device=device)
    x = torch._standard_gamma(conc)
    y = torch._standard_gamma(conc)
    return x / (x + y).clamp_min(torch.finfo(x.dtype).tiny)


def embedding_mixup(original: torch.Tensor, augmented: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """``λ·E(x) + (1-λ)·E(x')`` with λ [B, 1, 1] multiplying the original; inputs [B, L, D]."""
    return lam * original + (1.0 - lam) * augmented


def mix_with_partner(tensors: list[torch.Tensor], weight: torch.Tensor, perm: torch.Tensor) -> list[torch.Tensor]:
    """Mix each [B, L, D] tensor with its batch partner ``perm``: ``Λ∘t + (1-Λ)∘t[perm]``.

    The same ``weight`` Λ and permutation apply to every tensor (BASRec applies them to the
    output states and to the positive and negative item embeddings alike). Λ is [B, L, 1]
    (item-wise), [B, 1, D] (feature-wise) or [B, 1, 1] (linear mixup, the "w/o NL" ablation).
    """
    return [weight * t + (1.0 - weight) * t[perm] for t in tensors]


def mixup_weight_shape(kind: str, batch: int, length: int, dim: int) -> tuple[int, int, int]:
    """Shape of Λ: ``item`` [B, L, 1], ``feature`` [B, 1, D], ``linear`` [B, 1, 1]."""
    shapes = {"item": (batch, length, 1), "feature": (batch, 1, dim), "linear": (batch, 1, 1)}
    if kind not in shapes:
        raise ValueError(f"unknown mixup kind {kind!r}; valid choices: {', '.join(shapes)}")
    return shapes[kind]


def adaptive_weights(rate: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """BASRec's adaptive loss weights: ω = 1/(rate·λ), min-max normalised over the batch [B].

    rate, lam: [B]. A batch whose ω are all equal gets weights of 1.
    """
    omega = 1.0 / (rate * lam).clamp_min(1e-12)
    lo, hi = omega.min(), omega.max()
    if hi - lo <= 0:
        return torch.ones_like(omega)
    return (omega - lo) / (hi - lo)
