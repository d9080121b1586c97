"""Training-epoch times of experiment presets on a chosen device (CPU, or a GPU when one is lent).

Each preset trains for a few epochs through the library's own pipeline (``seqaug.experiment.train``:
the same batches, augmentation and optimizer as a real run); a two-stage preset trains its stage 1
for one epoch and stage 2 is timed. The first epoch of each run is a warm-up (CUDA kernels,
allocator); the median of the others is reported with its ratio to the first preset's.

Usage: python benchmarks/speed_device.py CONFIG... --data-dir ../shared/data --device cuda
       [--epochs 4] [--set key=value ...] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
from speed_core import environment, write_json

from seqaug.config import load_config
from seqaug.experiment import train


def epoch_seconds(config: str, device: str, epochs: int, sets: list[str]) -> dict[str, object]:
    """Train ``config`` for ``epochs`` epochs on ``device``; per-epoch train and eval seconds."""
    overrides = [*sets, f"train.device={device}", f"train.epochs={epochs}", "train.start_eval=0"]
    cfg = load_config(config, overrides)
    if cfg.pretrain is not None:
        cfg = load_config(config, [*overrides, "pretrain.train.epochs=1"])
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        train(cfg, Path(tmp) / "run", log=lambda _: None)
        wall = time.perf_counter() - start
        rows = [json.loads(line) for line in (Path(tmp) / "run" / "metrics.jsonl").read_text().splitlines()]
    trains = [r["train_seconds"] for r in rows]
    evals = [r.get("eval_seconds", 0.0) for r in rows]
    timed = trains[1:] or trains
    return {
        "config": config,
        "train_seconds": trains,
        "eval_seconds": evals,
        "median_epoch": statistics.median(timed),
        "wall_seconds": wall,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("configs", nargs="+")
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--epochs", type=int, default=4, help="epochs per preset (the first is a warm-up)")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="override for every preset")
    ap.add_argument("--out", default="benchmarks/out/speed_device.json")
    args = ap.parse_args()
    os.environ["SEQAUG_DATA_DIR"] = str(Path(args.data_dir).resolve())
    results = [epoch_seconds(c, args.device, args.epochs, args.sets) for c in args.configs]
    base = results[0]["median_epoch"]
    for r in results:
        r["ratio_to_first"] = r["median_epoch"] / base
        ratio, epochs = r["ratio_to_first"], r["train_seconds"]
        print(f"{r['config']}: {r['median_epoch']:.3f} s/epoch ({ratio:.2f}x), epochs {epochs}")
    device_name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    env = {**environment(), "device": args.device, "device_name": device_name, "sets": args.sets}
    write_json(args.out, {"environment": env, "results": results})


if __name__ == "__main__":
    main()
