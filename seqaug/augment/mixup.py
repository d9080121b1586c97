"""Representation-level mixup (BASRec, Dang et al., AAAI 2025; methods.md §3.1).

Pure tensor functions; randomness comes from the caller's generator (or torch's global
generator, which the trainer saves and restores for exact resume).
"""

from __future__ import annotations

import math

import torch


def sample_beta(alpha: float, shape: tuple[int, ...], device: torch.device | str = "cpu") -> torch.Tensor:
    """Beta(alpha, alpha) samples of ``shape`` from torch's global RNG.

    For alpha <= 1 (every BASRec setting) Jöhnk's exact rejection method on batched uniforms:
    ``X = U^(1/α), Y = V^(1/α)``, accept when ``X + Y <= 1``, return ``X / (X + Y)`` (in logs,
    so small α cannot underflow). The acceptance ``Γ(1+α)² / Γ(1+2α)`` is 0.5–1, so pairs
    are drawn with a 10% margin (another round in the rare case that too few pass). 4x faster
    on CPU than two Gamma draws (a scalar loop in torch), which remain the method for α > 1.
    """
    if alpha > 1.0:
        conc = torch.full(shape, float(alpha), device=device)
        x, y = torch._standard_gamma(conc), torch._standard_gamma(conc)
        return x / (x + y).clamp_min(torch.finfo(x.dtype).tiny)
    accept = math.exp(2 * math.lgamma(1 + alpha) - math.lgamma(1 + 2 * alpha))
    parts, need = [torch.empty(0, device=device)], math.prod(shape)
    while need > 0:  # oversample so that one round almost always suffices
        log_xy = torch.rand(2, int(need / accept * 1.1) + 16, device=device).neg_().log1p_().div_(alpha)
        ok = torch.logaddexp(log_xy[0], log_xy[1]) <= 0.0  # log(X + Y) <= 0; U in (0, 1]
        got = torch.sigmoid(log_xy[0] - log_xy[1])[ok][:need]
        parts.append(got)
        need -= got.numel()
    return torch.cat(parts).view(shape)


def embedding_mixup(original: torch.Tensor, augmented: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """``λ·E(x) + (1-λ)·E(x')`` with λ [B, 1, 1] multiplying the original; inputs [B, L, D]."""
    return torch.lerp(augmented, original, lam)


def mix_with_partner(tensors: list[torch.Tensor], weight: torch.Tensor, perm: torch.Tensor) -> list[torch.Tensor]:
    """Mix each [B, L, D] tensor with its batch partner ``perm``: ``Λ∘t + (1-Λ)∘t[perm]``.

    The same ``weight`` Λ and permutation apply to every tensor (BASRec applies them to the
    output states and to the positive and negative item embeddings alike). Λ is [B, L, 1]
    (item-wise), [B, 1, D] (feature-wise) or [B, 1, 1] (linear mixup, the "w/o NL" ablation).
    """
    return [torch.lerp(t[perm], t, weight) for t in tensors]


def mixup_weight_shape(kind: str, batch: int, length: int, dim: int) -> tuple[int, int, int]:
    """Shape of Λ: ``item`` [B, L, 1], ``feature`` [B, 1, D], ``linear`` [B, 1, 1]."""
    shapes = {"item": (batch, length, 1), "feature": (batch, 1, dim), "linear": (batch, 1, 1)}
    if kind not in shapes:
        raise ValueError(f"unknown mixup kind {kind!r}; valid choices: {', '.join(shapes)}")
    return shapes[kind]


def adaptive_weights(rate: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """BASRec's adaptive loss weights: ω = 1/(rate·λ), min-max normalised over the batch.

    rate, lam: [..., B]; normalised along the last axis. A batch whose ω are all equal
    gets weights of 1.
    """
    omega = 1.0 / (rate * lam).clamp_min(1e-12)
    lo, hi = omega.amin(-1, keepdim=True), omega.amax(-1, keepdim=True)
    span = hi - lo
    return torch.where(span > 0, (omega - lo) / span.clamp_min(1e-300), torch.ones_like(omega))
