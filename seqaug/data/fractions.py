"""Training on a fraction of the users (CoSeRec's robustness experiment, Liu et al. 2021
§5.4; reference flag ``--training_data_ratio``). Evaluation still covers every user."""

from __future__ import annotations

from typing import Literal

import numpy as np

from seqaug.errors import ConfigError


def training_users(num_users: int, fraction: float, pick: Literal["first", "random"], seed: int) -> np.ndarray:
    """Sorted indices of the ``floor(fraction * U)`` users to train on: the first ones in
    file order (the reference) or a seeded random subset."""
    count = int(fraction * num_users)
    if count < 1:
        raise ConfigError(f"data.train_fraction: {fraction} keeps no user of {num_users}; valid range: (0, 1]")
    if pick == "first":
        return np.arange(count, dtype=np.int64)
    chosen = np.random.default_rng(seed).choice(num_users, size=count, replace=False)
    return np.sort(chosen).astype(np.int64)
