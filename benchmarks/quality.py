"""Quality check: train a config for several seeds (resumable), average the test metrics,
compare with published targets, write JSON and optionally a line in RESULTS.md.

Usage:
  python benchmarks/quality.py CONFIG --seeds 0 1 2 --data-dir ../shared/data \
      [--set key=value ...] [--target ndcg@10=0.0338 --target hr@10=0.0639] \
      [--jobs 2] [--out benchmarks/out] [--record benchmarks/RESULTS.md] [--label TEXT]

``{seed}`` in a ``--set`` value becomes each run's seed, e.g. to reuse one stage 1 per seed:
``--set pretrain.from_run=runs/stage1-s{seed}``.

Each seed runs in ``OUT/<name>-s<seed>/``; rerunning the same command resumes unfinished
runs and reuses finished ones.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seed_sets(sets: list[str], seed: int) -> list[str]:
    """The ``--set`` overrides of one seed's run: ``{seed}`` replaced, ``train.seed`` appended."""
    return [s.replace("{seed}", str(seed)) for s in sets] + [f"train.seed={seed}"]


def run_seed(config: str, seed: int, out: Path, sets: list[str], threads: int | None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "seqaug.cli", "train", config, "--out", str(out), "--quiet"]
    for s in seed_sets(sets, seed) + ([f"train.threads={threads}"] if threads else []):
        cmd += ["--set", s]
    log = open(out.parent / f"{out.name}.log", "a")  # noqa: SIM115
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--set", dest="sets", action="append", default=[])
    ap.add_argument("--target", action="append", default=[], help="metric=value (published figure)")
    ap.add_argument("--jobs", type=int, default=1, help="seeds trained at once (1 thread each when > 1)")
    ap.add_argument("--out", default="benchmarks/out")
    ap.add_argument("--record", default=None, help="append a line to this RESULTS.md")
    ap.add_argument("--label", default=None)
    args = ap.parse_args()
    os.environ["SEQAUG_DATA_DIR"] = str(Path(args.data_dir).resolve())
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    name = args.label or Path(args.config).parent.name + "-" + Path(args.config).stem
    threads = 1 if args.jobs > 1 else None
    pending = list(args.seeds)
    running: list[tuple[int, subprocess.Popen]] = []
    start = time.time()
    while pending or running:
        while pending and len(running) < args.jobs:
            seed = pending.pop(0)
            running.append((seed, run_seed(args.config, seed, out / f"{name}-s{seed}", args.sets, threads)))
        time.sleep(2)
        for seed, proc in list(running):
            if proc.poll() is not None:
                running.remove((seed, proc))
                if proc.returncode != 0:
                    sys.exit(f"seed {seed} failed (exit {proc.returncode}); see {out / f'{name}-s{seed}.log'}")
    results = [json.loads((out / f"{name}-s{s}" / "results.json").read_text()) for s in args.seeds]
    summary = summarise(
        name=name,
        config=args.config,
        sets=args.sets,
        protocol=results[0]["protocol"],
        per_seed={str(r["seed"]): r["test"] for r in results},
        best_epochs=[r["best_epoch"] for r in results],
        seconds_per_epoch=[r["timings"]["seconds_per_epoch"] for r in results],
        targets=args.target,
    )
    summary["wall_seconds_this_call"] = round(time.time() - start, 1)
    publish(summary, out / f"{name}.json", args.record)


def summarise(
    *,
    name: str,
    config: str,
    sets: list[str],
    protocol: dict,
    per_seed: dict[str, dict[str, float]],
    best_epochs: list,
    seconds_per_epoch: list,
    targets: list[str],
) -> dict:
    """Mean and std of the test metrics over seeds (``per_seed``: seed → test metrics), with
    each ``metric=value`` target marked met or not."""
    runs = list(per_seed.values())
    metrics = list(runs[0])
    summary = {
        "name": name,
        "config": config,
        "sets": sets,
        "seeds": [int(s) for s in per_seed],
        "protocol": protocol,
        "test_mean": {m: statistics.mean(r[m] for r in runs) for m in metrics},
        "test_std": {m: statistics.stdev(r[m] for r in runs) if len(runs) > 1 else 0.0 for m in metrics},
        "per_seed": per_seed,
        "best_epochs": best_epochs,
        "seconds_per_epoch": seconds_per_epoch,
        "date": time.strftime("%Y-%m-%d"),
    }
    checked = {}
    for t in targets:
        m, v = t.split("=")
        got = summary["test_mean"][m]
        checked[m] = {"target": float(v), "measured": got, "met": got >= float(v)}
    summary["targets"] = checked
    return summary


def results_line(summary: dict, command: str) -> str:
    """One row of the RESULTS.md mean tables."""
    mean, seeds, targets = summary["test_mean"], summary["seeds"], summary["targets"]
    return (
        f"| {summary['date']} | {summary['name']} | {summary['protocol']['name']} | {len(seeds)} "
        f"({','.join(map(str, seeds))}) | {mean['ndcg@10']:.4f} | {mean['hr@10']:.4f} | "
        f"{mean.get('ndcg@20', float('nan')):.4f} | {mean.get('hr@20', float('nan')):.4f} | "
        + (", ".join(f"{m} {d['target']:.4f} {'met' if d['met'] else 'NOT met'}" for m, d in targets.items()) or "—")
        + f" | `{command}` |"
    )


def publish(summary: dict, path: Path, record: str | None, command: str | None = None) -> None:
    """Write the summary JSON, print the means and the RESULTS.md row (``command``: how the
    figures were made; default the quality.py call), optionally append the row to ``record``."""
    path.write_text(json.dumps(summary, indent=2) + "\n")
    if command is None:
        command = f"python benchmarks/quality.py {summary['config']} --seeds {' '.join(map(str, summary['seeds']))}"
        command += "".join(f" --set {s}" for s in summary["sets"])
    line = results_line(summary, command)
    print(json.dumps(summary["test_mean"], indent=2))
    print(line)
    if record:
        with open(record, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


if __name__ == "__main__":
    main()
