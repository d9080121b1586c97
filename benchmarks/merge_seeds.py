"""Combine seeds measured in separate ``benchmarks/quality.py`` calls into one summary.

Seeds of one config are often trained on different days or machines (e.g. seed 0 in one
session, seeds 1 and 2 in the next); each call writes its own summary JSON. This script
checks that the summaries describe the same experiment (config, protocol and ``--set``
overrides, apart from ``train.threads``, which does not change results, and
``pretrain.from_run``, which names each seed's own finished stage 1 and which seqaug refuses
unless that stage's config equals the run's), merges their per-seed test metrics and writes
the mean, std and targets exactly as quality.py does.

Usage:
  python benchmarks/merge_seeds.py A.json B.json [...] --name NAME --out MERGED.json \
      [--target ndcg@10=0.0298 ...] [--record benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import publish, summarise

IGNORED_SETS = ("train.threads=", "pretrain.from_run=")


def experiment_key(summary: dict) -> tuple:
    """What must agree between summaries for their seeds to be averaged."""
    sets = sorted(s for s in summary["sets"] if not s.startswith(IGNORED_SETS))
    return summary["config"], json.dumps(summary["protocol"], sort_keys=True), tuple(sets)


def merge(summaries: list[dict], name: str, targets: list[str]) -> dict:
    """One summary over the union of the seeds (a seed may appear once only)."""
    keys = {experiment_key(s) for s in summaries}
    if len(keys) > 1:
        raise SystemExit(f"summaries describe different experiments: {sorted(keys)}")
    per_seed: dict[str, dict[str, float]] = {}
    best_epochs, seconds = [], []
    for s in summaries:
        for i, seed in enumerate(s["per_seed"]):
            if seed in per_seed:
                raise SystemExit(f"seed {seed} appears in more than one summary")
            per_seed[seed] = s["per_seed"][seed]
            best_epochs.append(s["best_epochs"][i])
            seconds.append(s["seconds_per_epoch"][i])
    order = sorted(per_seed, key=int)
    index = {seed: i for i, seed in enumerate(per_seed)}
    first = summaries[0]
    return summarise(
        name=name,
        config=first["config"],
        sets=[s for s in first["sets"] if not s.startswith(IGNORED_SETS)],
        protocol=first["protocol"],
        per_seed={seed: per_seed[seed] for seed in order},
        best_epochs=[best_epochs[index[seed]] for seed in order],
        seconds_per_epoch=[seconds[index[seed]] for seed in order],
        targets=targets,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("summaries", nargs="+", type=Path)
    ap.add_argument("--name", required=True)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--target", action="append", default=[], help="metric=value (published figure)")
    ap.add_argument("--record", default=None, help="append a line to this RESULTS.md")
    args = ap.parse_args()
    summaries = [json.loads(p.read_text()) for p in args.summaries]
    summary = merge(summaries, args.name, args.target)
    summary["merged_from"] = [p.name for p in args.summaries]
    command = f"python benchmarks/merge_seeds.py {' '.join(p.name for p in args.summaries)} (seeds by quality.py)"
    publish(summary, args.out, args.record, command)


if __name__ == "__main__":
    main()
