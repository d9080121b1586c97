"""benchmarks/merge_seeds.py: seeds from separate quality.py calls averaged as one."""

from __future__ import annotations

import pytest

from tests.benchmarks.scripts import load_script


def load():
    return load_script("merge_seeds")


def summary(seeds: dict[str, float], sets: list[str] | None = None) -> dict:
    return {
        "config": "configs/x.yaml",
        "sets": sets if sets is not None else ["train.threads=1"],
        "protocol": {"name": "full"},
        "per_seed": {s: {"ndcg@10": v, "hr@10": 2 * v} for s, v in seeds.items()},
        "best_epochs": [10 * int(s) for s in seeds],
        "seconds_per_epoch": [1.0 + int(s) for s in seeds],
    }


def test_merge_averages_the_union_of_seeds_in_seed_order() -> None:
    ms = load()
    merged = ms.merge([summary({"2": 0.03}), summary({"0": 0.01, "1": 0.02}, sets=[])], "x", ["ndcg@10=0.025"])
    assert merged["seeds"] == [0, 1, 2]
    assert merged["best_epochs"] == [0, 10, 20]
    assert merged["test_mean"]["ndcg@10"] == pytest.approx(0.02)
    assert merged["test_std"]["hr@10"] == pytest.approx(0.02)
    assert merged["targets"]["ndcg@10"] == {"target": 0.025, "measured": pytest.approx(0.02), "met": False}
    from quality import results_line

    line = results_line(merged, "cmd")
    assert "| x | full | 3 (0,1,2) | 0.0200 | 0.0400 |" in line and "ndcg@10 0.0250 NOT met" in line


def test_merge_refuses_different_experiments_and_repeated_seeds() -> None:
    ms = load()
    with pytest.raises(SystemExit, match="different experiments"):
        ms.merge([summary({"0": 0.01}), summary({"1": 0.02}, sets=["backbone.dropout=0.2"])], "x", [])
    with pytest.raises(SystemExit, match="seed 0 appears"):
        ms.merge([summary({"0": 0.01}), summary({"0": 0.02})], "x", [])


def test_seeds_reusing_their_own_stage_1_merge() -> None:
    """``pretrain.from_run`` differs per seed (each seed's stage 1) and is checked by seqaug
    itself, so it does not split the experiment; other overrides still do."""
    ms = load()
    a = summary({"0": 0.01}, sets=["train.threads=1", "pretrain.from_run=out/base-s0"])
    b = summary({"1": 0.03}, sets=["pretrain.from_run=out/base-s1only-s1"])
    merged = ms.merge([a, b], "x", [])
    assert merged["seeds"] == [0, 1] and merged["sets"] == []
    assert merged["test_mean"]["ndcg@10"] == pytest.approx(0.02)
    c = summary({"2": 0.02}, sets=["pretrain.from_run=out/base-s2", "method.alpha=0.5"])
    with pytest.raises(SystemExit, match="different experiments"):
        ms.merge([a, c], "x", [])
