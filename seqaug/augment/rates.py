"""Operator rates: a fixed number or a distribution sampled once per row.

CoSeRec (Liu et al. 2021) and CL4SRec (Xie et al. 2022) use fixed rates; BASRec samples
``rate ~ U(a, b)`` per view and row (methods.md §3.1), which is why every operator reports
the rate it used per row. Draws come from an explicit CPU ``torch.Generator`` in float64
(so counts round exactly as Python's ``int(rate * n)`` does) and are moved to ``device``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Fixed:
    """The same rate for every row."""

    value: float

    @property
    def high(self) -> float:
        return self.value

    def sample(self, n: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:  # [n] float64
        return torch.full((n,), self.value, dtype=torch.float64, device=device)


@dataclass(frozen=True)
class Uniform:
    """``U(low, high)`` drawn independently per row."""

    low: float
    high: float

    def sample(self, n: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:  # [n] float64
        u = uniform((n,), generator, device)
        return self.low + (self.high - self.low) * u


Rate = Fixed | Uniform
RateSpec = float | tuple[float, float]
"""How configs write a rate: a number, or ``[low, high]`` for ``Uniform(low, high)``."""


def check_rate_spec(spec: RateSpec) -> RateSpec:
    """``spec`` unchanged if it is a probability or a ``[low, high]`` range inside [0, 1]
    (the config validators of every operator rate), else a ValueError."""
    low, high = spec if isinstance(spec, (tuple, list)) else (spec, spec)
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"{spec!r}: a rate is a number in [0, 1] or [low, high] with 0 <= low <= high <= 1")
    return spec


def make_rate(spec: RateSpec | Rate) -> Rate:
    """``0.3`` → ``Fixed(0.3)``; ``(0.2, 0.5)`` → ``Uniform(0.2, 0.5)``."""
    if isinstance(spec, (Fixed, Uniform)):
        return spec
    if isinstance(spec, (tuple, list)):
        low, high = spec
        if not 0.0 <= low <= high:
            raise ValueError(f"rate range {list(spec)} needs 0 <= low <= high")
        return Uniform(float(low), float(high))
    if spec < 0.0:
        raise ValueError(f"rate {spec} must be >= 0")
    return Fixed(float(spec))


def uniform(shape: tuple[int, ...], generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """float64 U[0, 1) of ``shape`` drawn on the generator's device (CPU), then moved."""
    return torch.rand(shape, generator=generator, dtype=torch.float64).to(device, non_blocking=True)
