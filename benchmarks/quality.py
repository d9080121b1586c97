"""Quality check: train a config for several seeds (resumable), average the test metrics,
compare with published targets, write JSON and optionally a line in RESULTS.md.

Usage:
  python benchmarks/quality.py CONFIG --seeds 0 1 2 --data-dir ../shared/data \
      [--set key=value ...] [--target ndcg@10=0.0338 --target hr@10=0.0639] \
      [--jobs 2] [--out benchmarks/out] [--record benchmarks/RESULTS.md] [--label TEXT]

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


def run_seed(config: str, seed: int, out: Path, sets: list[str], threads: int | None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "seqaug.cli", "train", config, "--out", str(out), "--quiet"]
    for s in [*sets, f"train.seed={seed}"] + ([f"train.threads={threads}"] if threads else []):
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
    metrics = list(results[0]["test"])
    summary = {
        "name": name,
        "config": args.config,
        "sets": args.sets,
        "seeds": args.seeds,
        "protocol": results[0]["protocol"],
        "test_mean": {m: statistics.mean(r["test"][m] for r in results) for m in metrics},
        "test_std": {m: statistics.stdev(r["test"][m] for r in results) if len(results) > 1 else 0.0 for m in metrics},
        "per_seed": {str(r["seed"]): r["test"] for r in results},
        "best_epochs": [r["best_epoch"] for r in results],
        "seconds_per_epoch": [r["timings"]["seconds_per_epoch"] for r in results],
        "wall_seconds_this_call": round(time.time() - start, 1),
        "date": time.strftime("%Y-%m-%d"),
    }
    targets = {}
    for t in args.target:
        m, v = t.split("=")
        got = summary["test_mean"][m]
        targets[m] = {"target": float(v), "measured": got, "met": got >= float(v)}
    summary["targets"] = targets
    (out / f"{name}.json").write_text(json.dumps(summary, indent=2) + "\n")
    mean = summary["test_mean"]
    line = (
        f"| {summary['date']} | {name} | {results[0]['protocol']['name']} | {len(args.seeds)} "
        f"({','.join(map(str, args.seeds))}) | {mean['ndcg@10']:.4f} | {mean['hr@10']:.4f} | "
        f"{mean.get('ndcg@20', float('nan')):.4f} | {mean.get('hr@20', float('nan')):.4f} | "
        + (", ".join(f"{m} {d['target']:.4f} {'met' if d['met'] else 'NOT met'}" for m, d in targets.items()) or "—")
        + f" | `python benchmarks/quality.py {args.config} --seeds {' '.join(map(str, args.seeds))}"
        + "".join(f" --set {s}" for s in args.sets)
        + "` |"
    )
    print(json.dumps(summary["test_mean"], indent=2))
    print(line)
    if args.record:
        with open(args.record, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


if __name__ == "__main__":
    main()
