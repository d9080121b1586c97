"""benchmarks/curves.py: validation curves of runs compared at their shared epochs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.benchmarks.scripts import load_script


def load():
    return load_script("curves")


def fake_run(root: Path, name: str, values: dict[int, float]) -> Path:
    """A metrics.jsonl with validation at the given epochs and training-only lines between."""
    run = root / name
    run.mkdir()
    lines = []
    for epoch in range(max(values) + 1):
        record = {"epoch": epoch, "loss": 1.0}
        if epoch in values:
            record["valid"] = {"ndcg@20": values[epoch], "hr@20": 2 * values[epoch]}
        lines.append(json.dumps(record))
    (run / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    return run


def test_windows_compare_only_the_shared_epochs(tmp_path: Path) -> None:
    curves = load()
    base = fake_run(tmp_path, "base", {0: 0.10, 1: 0.20, 2: 0.30, 3: 0.40, 4: 0.50})
    other = fake_run(tmp_path, "other", {1: 0.30, 2: 0.30, 3: 0.60})  # shorter, epoch 0 not validated
    table = curves.compare([curves.curve(base, "ndcg@20"), curves.curve(other, "ndcg@20")], window=2)
    assert table["shared_epochs"] == [1, 3]
    assert [w["epochs"] for w in table["windows"]] == [[1, 2], [3, 3]]
    assert table["windows"][0]["means"] == pytest.approx([0.25, 0.30])
    assert table["windows"][1]["means"] == pytest.approx([0.40, 0.60])
    assert table["best"] == [{"epoch": 3, "value": 0.40}, {"epoch": 3, "value": 0.60}]
    text = curves.markdown(["base", "other"], table, "ndcg@20")
    assert "| 1–2 | 0.2500 | 0.3000 (+20.0%) |" in text and "| 3–3 | 0.4000 | 0.6000 (+50.0%) |" in text


def test_missing_metric_and_disjoint_runs_are_one_clear_error(tmp_path: Path) -> None:
    curves = load()
    run = fake_run(tmp_path, "a", {0: 0.1})
    with pytest.raises(SystemExit, match=r"metrics.jsonl:1: no validation ndcg@10; logged: hr@20, ndcg@20"):
        curves.curve(run, "ndcg@10")
    late = fake_run(tmp_path, "b", {3: 0.1})
    with pytest.raises(SystemExit, match="share no validated epoch"):
        curves.compare([curves.curve(run, "ndcg@20"), curves.curve(late, "ndcg@20")], window=5)
    with pytest.raises(SystemExit, match="no such file"):
        curves.curve(tmp_path / "missing", "ndcg@20")
