"""Validation curves of two or more training folders, compared at the epochs they share.

For diagnostics that cannot run to the end (a run too slow for one session), compare a
variant with its baseline epoch by epoch: the first run is the baseline, each other run is
reported as its value and its ratio to the baseline at the same epoch. Reads the per-epoch
``metrics.jsonl`` (finished or still running; stage 2 only, ``pretrain/`` is not read).
Summary per run over the shared epochs: the mean over windows of ``--window`` epochs (with
each run's ratio to the baseline) and the best value and its epoch.

Usage: python benchmarks/curves.py BASE_RUN RUN [RUN ...] [--metric ndcg@20] [--window 10] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def curve(run: Path, metric: str) -> dict[int, float]:
    """``{epoch: validation metric}`` of one training folder."""
    path = run / "metrics.jsonl"
    if not path.exists():
        raise SystemExit(f"error: {path}: no such file (not a training folder)")
    out: dict[int, float] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        valid = record.get("valid")
        if valid is None:
            continue
        if metric not in valid:
            raise SystemExit(f"error: {path}:{n}: no validation {metric}; logged: {', '.join(sorted(valid))}")
        out[int(record["epoch"])] = float(valid[metric])
    return out


def compare(curves: list[dict[int, float]], window: int) -> dict:
    """Windows of shared epochs: the mean of every curve in each, and every curve's best."""
    shared = sorted(set.intersection(*(set(c) for c in curves)))
    if not shared:
        raise SystemExit("error: the runs share no validated epoch")
    windows = [shared[i : i + window] for i in range(0, len(shared), window)]
    rows = [{"epochs": [w[0], w[-1]], "means": [statistics.fmean(c[e] for e in w) for c in curves]} for w in windows]
    best = [max(shared, key=lambda e, c=c: c[e]) for c in curves]
    return {
        "shared_epochs": [shared[0], shared[-1]],
        "windows": rows,
        "best": [{"epoch": e, "value": c[e]} for e, c in zip(best, curves)],
    }


def markdown(names: list[str], table: dict, metric: str) -> str:
    head = " | ".join(f"{n} (ratio)" for n in names[1:])
    out = [f"| epochs (mean valid {metric}) | {names[0]} | {head} |", "|---|" + "---:|" * len(names)]
    for row in table["windows"]:
        base, *others = row["means"]
        cells = " | ".join(f"{v:.4f} ({v / base - 1:+.1%})" for v in others)
        out.append(f"| {row['epochs'][0]}–{row['epochs'][1]} | {base:.4f} | {cells} |")
    best = ", ".join(f"{n}: {b['value']:.4f} @ {b['epoch']}" for n, b in zip(names, table["best"]))
    out.append(f"\nBest over the shared epochs {table['shared_epochs'][0]}–{table['shared_epochs'][1]}: {best}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="training folders; the first is the baseline")
    parser.add_argument("--metric", default="ndcg@20")
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the comparison here")
    args = parser.parse_args()
    if len(args.runs) < 2:
        parser.error("give a baseline run and at least one other")
    table = compare([curve(r, args.metric) for r in args.runs], args.window)
    names = [r.name for r in args.runs]
    print(markdown(names, table, args.metric))
    if args.json:
        payload = {"runs": [str(r) for r in args.runs], "metric": args.metric, "window": args.window, **table}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
