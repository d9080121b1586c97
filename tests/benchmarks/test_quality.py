"""benchmarks/quality.py: per-seed overrides."""

from __future__ import annotations

from tests.benchmarks.scripts import load_script


def test_seed_placeholder_is_replaced_per_seed() -> None:
    quality = load_script("quality")
    sets = ["pretrain.from_run=runs/stage1-s{seed}", "train.epochs=3"]
    assert quality.seed_sets(sets, 2) == ["pretrain.from_run=runs/stage1-s2", "train.epochs=3", "train.seed=2"]
    assert quality.seed_sets([], 0) == ["train.seed=0"]
