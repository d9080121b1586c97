"""benchmarks/similarity.py: the Table-6-style cosine summary read from run folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.benchmarks.scripts import load_script


def load():
    return load_script("similarity")


def fake_run(root: Path, name: str, key: str, values: list[float], test: dict | None = None) -> Path:
    run = root / name
    run.mkdir()
    lines = [json.dumps({"epoch": i, "loss": 1.0, key: v}) for i, v in enumerate(values)]
    (run / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    (run / "config.yaml").write_text("method:\n  name: basrec\nbackbone:\n  name: gru4rec\n")
    if test is not None:
        (run / "results.json").write_text(json.dumps({"test": test}))
    return run


def test_rows_summarise_the_logged_cosine(tmp_path: Path) -> None:
    sim = load()
    run = fake_run(tmp_path, "a", "cos_ssa", [0.5, 0.7, 0.9], {"ndcg@10": 0.04, "hr@10": 0.08})
    row = sim.run_row(run)
    assert (row["key"], row["epochs"], row["first"], row["last"]) == ("cos_ssa", 3, 0.5, 0.9)
    assert row["mean"] == pytest.approx(0.7)
    assert (row["method"], row["backbone"], row["test_ndcg10"]) == ("basrec", "gru4rec", 0.04)
    table = sim.markdown([row, sim.run_row(fake_run(tmp_path, "b", "cos_views", [0.2]))])
    assert "| a | basrec | gru4rec | cos_ssa | 3 | 0.5000 | 0.7000 | 0.9000 | 0.0400 | 0.0800 |" in table
    assert "| b |" in table and table.count("—") == 2


def test_a_run_without_cosine_is_an_error(tmp_path: Path) -> None:
    run = fake_run(tmp_path, "plain", "rec", [1.0])
    with pytest.raises(SystemExit, match=r"plain/metrics.jsonl: no cos_ssa or cos_views logged"):
        load().run_row(run)
