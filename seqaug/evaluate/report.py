"""Tables of results across runs (markdown, CSV or LaTeX), optionally averaged over seeds."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from seqaug.errors import SeqaugError

DEFAULT_METRICS = ["hr@10", "ndcg@10", "hr@20", "ndcg@20"]
KEYS = ["dataset", "backbone", "method", "protocol"]


def load_results(run_dirs: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for d in run_dirs:
        path = Path(d) / "results.json" if Path(d).is_dir() else Path(d)
        if not path.exists():
            raise SeqaugError(f"{d}: no results.json (is the run finished?)")
        try:
            res = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise SeqaugError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from None
        res["run"] = str(d)
        rows.append(res)
    return rows


def _protocol(res: dict) -> str:
    p = res.get("protocol", {})
    return str(p.get("name", "?")) + ("/compat" if p.get("s3rec_compat") else "")


def table(
    rows: list[dict], metrics: list[str], split: str = "test", group: bool = False
) -> tuple[list[str], list[list[str]]]:
    """Header and string rows. ``group`` averages runs that differ only in seed."""
    missing = [m for m in metrics if any(m not in r.get(split, {}) for r in rows)]
    if missing:
        raise SeqaugError(f"metric {missing[0]!r} is not in every run's {split} results")
    if not group:
        header = ["run", *KEYS, "seed", *metrics]
        body = [
            [
                r["run"],
                r.get("dataset", "?"),
                r.get("backbone", "?"),
                r.get("method", "?"),
                _protocol(r),
                str(r.get("seed", "?")),
                *[f"{r[split][m]:.4f}" for m in metrics],
            ]
            for r in rows
        ]
        return header, body
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r.get("dataset"), r.get("backbone"), r.get("method"), _protocol(r))].append(r)
    header = [*KEYS, "seeds", *metrics]
    body = []
    for key, rs in groups.items():
        cells = []
        for m in metrics:
            vals = [r[split][m] for r in rs]
            mean = sum(vals) / len(vals)
            std = (sum((v - mean) ** 2 for v in vals) / max(len(vals) - 1, 1)) ** 0.5
            cells.append(f"{mean:.4f}" + (f" ± {std:.4f}" if len(vals) > 1 else ""))
        body.append([*map(str, key), str(len(rs)), *cells])
    return header, body


FORMATS = ("markdown", "csv", "latex")
_LATEX_SPECIAL = {c: "\\" + c for c in "&%$#_{}"}


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text).replace(" ± ", " $\\pm$ ")


def _leading_float(cell: str) -> float | None:
    try:
        return float(cell.split(" ")[0])
    except ValueError:
        return None


def render_latex(header: list[str], body: list[list[str]], n_metrics: int) -> str:
    """A booktabs ``tabular``; the best (highest) value of each of the last ``n_metrics`` columns in bold."""
    first_metric = len(header) - n_metrics
    best = {}
    for col in range(first_metric, len(header)):
        values = [_leading_float(r[col]) for r in body]
        known = [v for v in values if v is not None]
        if len(known) > 1:
            best[col] = max(known)
    lines = [
        "\\begin{tabular}{" + "l" * first_metric + "r" * n_metrics + "}",
        "\\toprule",
        " & ".join(map(_latex_escape, header)) + " \\\\",
        "\\midrule",
    ]
    for row in body:
        cells = [_latex_escape(c) for c in row]
        for col, top in best.items():
            if _leading_float(row[col]) == top:
                cells[col] = "\\textbf{" + cells[col] + "}"
        lines.append(" & ".join(cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines)


def render(header: list[str], body: list[list[str]], fmt: str, n_metrics: int = 0) -> str:
    """``fmt``: markdown, csv or latex (``n_metrics``: how many trailing columns are metrics)."""
    if fmt not in FORMATS:
        raise SeqaugError(f"format {fmt!r}: valid choices: {', '.join(FORMATS)}")
    if fmt == "latex":
        return render_latex(header, body, n_metrics)
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows(body)
        return buf.getvalue()
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *map(line, body)])
