"""Rendering of result tables (markdown, CSV, LaTeX)."""

from __future__ import annotations

import pytest

from seqaug.errors import SeqaugError
from seqaug.evaluate.report import render, table


def _rows() -> list[dict]:
    base = {"dataset": "beauty_v1", "backbone": "sasrec", "method": "next_item", "protocol": {"name": "full"}}
    return [
        {**base, "run": "a", "seed": 0, "test": {"ndcg@10": 0.03, "hr@10": 0.06}},
        {**base, "run": "b", "seed": 1, "test": {"ndcg@10": 0.05, "hr@10": 0.04}},
        {**base, "method": "basrec", "run": "c", "seed": 0, "test": {"ndcg@10": 0.045, "hr@10": 0.08}},
    ]


def test_latex_escapes_and_bolds_the_best_value_per_metric() -> None:
    header, body = table(_rows(), ["ndcg@10", "hr@10"])
    out = render(header, body, "latex", n_metrics=2)
    lines = out.splitlines()
    assert lines[0] == "\\begin{tabular}{llllllrr}" and lines[-1] == "\\end{tabular}"
    assert "beauty\\_v1" in out and "next\\_item" in out  # underscores escaped
    rows = [line for line in lines if line.startswith(("a ", "b ", "c "))]
    assert rows[1].endswith("\\textbf{0.0500} & 0.0400 \\\\")  # best NDCG@10 is run b
    assert rows[2].endswith("0.0450 & \\textbf{0.0800} \\\\")  # best HR@10 is run c
    assert "textbf" not in rows[0]


def test_latex_grouped_means_keep_the_spread() -> None:
    header, body = table(_rows(), ["ndcg@10"], group=True)
    out = render(header, body, "latex", n_metrics=1)
    assert "0.0400 $\\pm$ 0.0141" in out  # mean and sample std of 0.03 and 0.05
    assert "\\textbf{0.0450}" in out


def test_unknown_format_names_the_choices() -> None:
    header, body = table(_rows(), ["ndcg@10"])
    with pytest.raises(SeqaugError, match="valid choices: markdown, csv, latex"):
        render(header, body, "html")
