"""Noise injected into test inputs only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seqaug import experiment
from seqaug.config import validate
from seqaug.data.corpus import SequenceCorpus
from seqaug.data.split import leave_one_out
from seqaug.errors import ConfigError
from seqaug.evaluate.noise import inject_test_noise
from tests.conftest import tiny_config


def test_noise_items_are_unseen_and_originals_keep_their_order(synthetic: SequenceCorpus) -> None:
    split = leave_one_out(synthetic)
    noisy = inject_test_noise(split.test, split.full, 0.3, seed=5).inputs
    clean = split.test.inputs
    assert np.array_equal(noisy.lengths, clean.lengths + np.floor(0.3 * clean.lengths).astype(int))
    for u in range(0, clean.num_users, 7):
        full, seq = set(split.full.sequence(u).tolist()), noisy.sequence(u).tolist()
        originals = [x for x in seq if x in full]
        assert originals == clean.sequence(u).tolist()
        assert len(seq) - len(originals) == int(0.3 * clean.lengths[u])
        assert all(1 <= x <= split.num_items for x in seq)
    again = inject_test_noise(split.test, split.full, 0.3, seed=5).inputs
    assert np.array_equal(again.items, noisy.items)
    assert not np.array_equal(inject_test_noise(split.test, split.full, 0.3, seed=6).inputs.items, noisy.items)


def test_only_the_test_split_is_noisy(synthetic_file: Path) -> None:
    cfg = validate(tiny_config(synthetic_file, eval={"test_noise_ratio": 0.5}))
    p = experiment.prepare(cfg)
    test = experiment.evaluator_for(cfg, p.split, "test", p.protocol, p.device)
    valid = experiment.evaluator_for(cfg, p.split, "valid", p.protocol, p.device)
    assert test.context.inputs.num_interactions > p.split.test.inputs.num_interactions
    assert valid.context is p.split.valid
    assert np.array_equal(test.context.targets, p.split.test.targets)
    with pytest.raises(ConfigError, match=r"eval.test_noise_ratio: 2.0 is not a noise ratio; valid range: \[0, 1\]"):
        validate(tiny_config(synthetic_file, eval={"test_noise_ratio": 2.0}))
