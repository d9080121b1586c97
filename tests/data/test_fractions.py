"""Training on a fraction of users: which users, and evaluation still over everyone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seqaug import experiment
from seqaug.config import validate
from seqaug.data.fractions import training_users
from seqaug.errors import ConfigError
from tests.conftest import tiny_config


def test_first_and_random_users() -> None:
    assert training_users(10, 0.35, "first", 0).tolist() == [0, 1, 2]
    a, b = training_users(100, 0.3, "random", 1), training_users(100, 0.3, "random", 1)
    assert np.array_equal(a, b) and len(a) == 30 and np.all(np.diff(a) > 0)
    assert not np.array_equal(a, training_users(100, 0.3, "random", 2))
    with pytest.raises(ConfigError, match=r"data.train_fraction: 0.05 keeps no user of 10; valid range: \(0, 1\]"):
        training_users(10, 0.05, "first", 0)


@pytest.mark.parametrize("pick", ["first", "random"])
def test_samples_and_method_use_the_fraction_evaluation_does_not(synthetic_file: Path, pick: str) -> None:
    cfg = validate(tiny_config(synthetic_file, data={"train_fraction": 0.25, "train_fraction_pick": pick}))
    p = experiment.prepare(cfg)
    users = experiment.train_users(cfg, p.split)
    samples = experiment.build_samples(cfg, p.split, p.method)
    assert samples.train.num_users == len(users) == int(0.25 * p.split.train.num_users)
    assert np.array_equal(samples.train.user_ids, p.split.train.user_ids[users])
    batch = next(samples.epoch(np.random.default_rng(0)))
    history = p.split.train.select_users(users)
    for row, u in enumerate(batch.users.tolist()):  # negatives avoid the same user's history
        seen = set(history.sequence(u).tolist())
        assert not seen & set(batch.negatives[row][batch.targets[row] > 0].tolist())
        assert batch.inputs[row][batch.inputs[row] > 0].tolist() == history.sequence(u)[:-1][-20:].tolist()
    ev = experiment.evaluator_for(cfg, p.split, "test", p.protocol, p.device)
    assert ev.context.inputs.num_users == p.split.full.num_users


def test_bad_fraction_is_one_clear_error(synthetic_file: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"data.train_fraction: 1.5 is not a fraction of users; valid range: \(0, 1\]"
    ):
        validate(tiny_config(synthetic_file, data={"train_fraction": 1.5}))


def test_robustness_run_end_to_end(synthetic_file: Path, tmp_path: Path) -> None:
    extra = {"data": {"train_fraction": 0.5}, "train": {"epochs": 1}}
    clean = experiment.train(validate(tiny_config(synthetic_file, **extra)), tmp_path / "a", log=lambda _m: None)
    noisy_cfg = tiny_config(synthetic_file, **extra, eval={"test_noise_ratio": 0.5})
    noisy = experiment.train(validate(noisy_cfg), tmp_path / "b", log=lambda _m: None)
    assert clean["valid"] == noisy["valid"] and clean["test"] != noisy["test"]
