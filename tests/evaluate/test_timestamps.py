"""Timestamps reach time-aware backbones in evaluation batches too, and are required."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqaug import experiment
from seqaug.backbones.sasrec import SASRec
from seqaug.config import validate
from seqaug.data.split import leave_one_out
from seqaug.errors import ConfigError
from seqaug.evaluate.evaluator import Evaluator
from seqaug.evaluate.protocols import FullRanking
from seqaug.methods.next_item import NextItem
from tests.conftest import tiny_config


class Recorder(NextItem):
    """Checks that every scored batch carries timestamps aligned with its inputs."""

    def __init__(self, num_items: int, times: dict) -> None:
        super().__init__(SASRec(num_items, 8, hidden_size=8), num_items)
        self.backbone.needs_timestamps = True
        self.times, self.checked = times, 0

    def score(self, batch):
        assert batch.timestamps is not None and batch.timestamps.shape == batch.inputs.shape
        for u, xs, ts in zip(batch.users.tolist(), batch.inputs.tolist(), batch.timestamps.tolist()):
            assert [self.times[(u, x)] for x in xs if x] == [t for x, t in zip(xs, ts) if x]
            self.checked += 1
        return super().score(batch)


def test_evaluation_batches_carry_timestamps_for_time_aware_backbones(synthetic) -> None:
    sp = leave_one_out(synthetic)
    times = {}
    for u in range(synthetic.num_users):
        lo, hi = synthetic.offsets[u], synthetic.offsets[u + 1]
        times.update({(u, int(i)): int(t) for i, t in zip(synthetic.items[lo:hi], synthetic.timestamps[lo:hi])})
    method = Recorder(sp.num_items, times).eval()
    Evaluator(sp.test, FullRanking(sp.num_items), ks=[5], max_len=8, batch_size=64).evaluate(method)
    assert method.checked == synthetic.num_users


def test_a_time_aware_backbone_needs_timestamps_in_the_data(synthetic_file: Path) -> None:
    cfg = validate(tiny_config(synthetic_file))  # the S3Rec text format has no timestamps
    split = experiment.load_split(cfg)
    assert split.train.timestamps is None
    method = experiment.build_method(cfg, split)
    experiment.resolve_construction(cfg, split, method)
    method.backbone.needs_timestamps = True
    with pytest.raises(ConfigError, match="needs per-item timestamps but .* has none"):
        experiment.resolve_construction(cfg, split, method)
