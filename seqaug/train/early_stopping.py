"""Early stopping on a validation metric (higher is better)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class EarlyStopping:
    metric: str
    patience: int
    best: float | None = None
    best_epoch: int | None = None
    bad_evals: int = 0

    def update(self, value: float, epoch: int) -> bool:
        """Record an evaluation; True when it is a new best (strictly better)."""
        if self.best is None or value > self.best:
            self.best, self.best_epoch, self.bad_evals = value, epoch, 0
            return True
        self.bad_evals += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.bad_evals >= self.patience

    def state(self) -> dict:
        return asdict(self)
