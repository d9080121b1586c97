"""Table-6-style analysis (BASRec, Dang et al. AAAI 2025): how similar augmented samples'
representations stay to the originals' over training.

Reads the per-epoch ``metrics.jsonl`` of finished or running training folders and reports
the logged mean cosine similarity between the last-slot outputs of augmented and original
rows: ``cos_ssa`` (BASRec's mixed single-sequence views) or ``cos_views`` (CL4SRec/CoSeRec
views). Per run: the value at the first and last logged epoch, the mean over all epochs,
and the test NDCG@10/HR@10 when ``results.json`` exists. Differs from the paper, which
reports one number per method without saying at which point of training it is taken.

Usage: python benchmarks/similarity.py RUN_DIR [RUN_DIR ...] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import yaml

KEYS = ("cos_ssa", "cos_views")


def run_row(run: Path) -> dict:
    """Cosine statistics of one training folder (stage 2 only: ``pretrain/`` is not read)."""
    lines = (run / "metrics.jsonl").read_text().splitlines()
    epochs = [json.loads(line) for line in lines if line.strip()]
    key = next((k for k in KEYS if epochs and k in epochs[0]), None)
    if key is None:
        raise SystemExit(f"error: {run / 'metrics.jsonl'}: no {' or '.join(KEYS)} logged (not an augmentation run)")
    values = [e[key] for e in epochs]
    config = yaml.safe_load((run / "config.yaml").read_text()) if (run / "config.yaml").exists() else {}
    row = {
        "run": run.name,
        "key": key,
        "epochs": len(values),
        "first": values[0],
        "mean": statistics.fmean(values),
        "last": values[-1],
        "method": (config.get("method") or {}).get("name", "?"),
        "backbone": (config.get("backbone") or {}).get("name", "?"),
    }
    results = run / "results.json"
    if results.exists():
        test = json.loads(results.read_text())["test"]
        row.update(test_ndcg10=test.get("ndcg@10"), test_hr10=test.get("hr@10"))
    return row


def markdown(rows: list[dict]) -> str:
    out = [
        "| run | method | backbone | quantity | epochs | first | mean | last | test NDCG@10 | test HR@10 |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        test = [f"{r[k]:.4f}" if r.get(k) is not None else "—" for k in ("test_ndcg10", "test_hr10")]
        out.append(
            f"| {r['run']} | {r['method']} | {r['backbone']} | {r['key']} | {r['epochs']} | {r['first']:.4f} "
            f"| {r['mean']:.4f} | {r['last']:.4f} | {test[0]} | {test[1]} |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = ap.parse_args()
    missing = [str(r) for r in args.runs if not (r / "metrics.jsonl").exists()]
    if missing:
        raise SystemExit(f"error: no metrics.jsonl in {', '.join(missing)}")
    rows = [run_row(r) for r in args.runs]
    print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
