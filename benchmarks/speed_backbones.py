"""Training-epoch time of every backbone on Beauty next to SASRec's, in one process.

Each variant trains NextItem (BCE, one negative) with batch 256, D 64, max_len 50 and its
default sample construction (``data.samples: auto``: seq2seq for causal encoders, prefix
for FMLP-Rec's global filter, cloze for BERT4Rec), built through the same code path as
``seqaug train``. Epochs are interleaved across variants (round r times epoch r of every
variant) so machine noise hits all of them alike; the figure is the median epoch. Beside
the time: samples and tokens (rows × batch width) per epoch, and forward+backward FLOPs
per epoch (the matrix products torch's FlopCounterMode counts, on every 8th batch, scaled
by tokens; element-wise work such as LayerNorm, dropout and activations is not counted).

Usage: python benchmarks/speed_backbones.py --data-dir ../shared/data [--epochs 1] [--threads 1]
       [--only sasrec,fmlprec] [--out benchmarks/out/speed_backbones.json]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np
import torch
from speed_core import environment, write_json  # benchmarks/ is on sys.path when run as a script
from torch.utils.flop_counter import FlopCounterMode

from seqaug import experiment
from seqaug.config import validate

D, MAX_LEN, BATCH = 64, 50, 256
VARIANTS: dict[str, tuple[dict, dict | None]] = {  # label: (backbone section, data.samples or None = auto)
    "sasrec": ({"name": "sasrec", "hidden_size": D}, None),
    "sasrec-kang": ({"name": "sasrec", "flavour": "kang", "hidden_size": D, "num_heads": 1}, None),
    "gru4rec": ({"name": "gru4rec", "hidden_size": D}, None),
    "bert4rec": ({"name": "bert4rec", "hidden_size": D}, None),
    "bert4rec-copy": ({"name": "bert4rec", "hidden_size": D}, {"name": "cloze", "last_item_copy": True}),
    "fmlprec": ({"name": "fmlprec", "hidden_size": D}, None),
    "fmlprec-reference": ({"name": "fmlprec", "hidden_size": D, "padding": "reference"}, None),
    "fmlprec-causal": ({"name": "fmlprec", "hidden_size": D, "filter": "causal"}, None),
    "sasrec-prefix": ({"name": "sasrec", "hidden_size": D}, {"name": "prefix"}),
    "nextitnet": ({"name": "nextitnet", "hidden_size": D}, None),
    "caser": ({"name": "caser", "hidden_size": D}, None),
}


def config(data_dir: str, dataset: str, backbone: dict, samples: dict | None, loss: str = "bce") -> Any:
    data: dict[str, Any] = {"path": dataset, "data_dir": data_dir, "format": "s3rec", "max_len": MAX_LEN}
    if samples:
        data["samples"] = samples
    return validate(
        {
            "data": data,
            "backbone": backbone,
            "method": {"name": "next_item", "loss": loss},
            "train": {"batch_size": BATCH, "seed": 0},
        }
    )


class Run:
    """One variant: model, optimizer, samples and the epoch generator."""

    def __init__(self, cfg: Any, split: Any) -> None:
        self.method = experiment.build_method(cfg, split)
        self.samples = experiment.build_samples(cfg, split, self.method)
        self.opt = torch.optim.Adam(self.method.parameters(), lr=1e-3, fused=True)
        self.rng = np.random.default_rng(0)
        self.times: list[float] = []
        self.tokens = 0

    def step(self, batch: Any) -> None:
        loss = self.method.loss(batch)["loss"]
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()

    def epoch(self, limit: int | None = None) -> float:
        self.method.train()
        start, tokens = time.perf_counter(), 0
        for i, batch in enumerate(self.samples.epoch(self.rng)):
            if limit is not None and i >= limit:
                break
            self.step(batch)
            tokens += batch.inputs.numel()
        self.tokens = tokens
        return time.perf_counter() - start

    def flops(self) -> float:
        """Forward+backward FLOPs of one epoch, from every 8th batch scaled by tokens."""
        counted, tokens, total_tokens = 0, 0, 0
        for i, batch in enumerate(self.samples.epoch(np.random.default_rng(1))):
            total_tokens += batch.inputs.numel()
            if i % 8:
                continue
            with FlopCounterMode(display=False) as fc:
                self.method.loss(batch)["loss"].backward()
            counted += fc.get_total_flops()
            tokens += batch.inputs.numel()
        self.method.zero_grad(set_to_none=True)
        return counted * total_tokens / max(tokens, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--dataset", default="Beauty.txt")
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs per variant (after a short warm-up)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--only", default=None, help="comma-separated variant labels (sasrec is always run)")
    ap.add_argument("--out", default="benchmarks/out/speed_backbones.json")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    labels = list(VARIANTS) if not args.only else ["sasrec", *[v for v in args.only.split(",") if v != "sasrec"]]
    split = experiment.load_split(config(args.data_dir, args.dataset, *VARIANTS["sasrec"]))
    runs = {label: Run(config(args.data_dir, args.dataset, *VARIANTS[label]), split) for label in labels}
    for run in runs.values():
        run.epoch(limit=5)  # warm-up (allocator, kernels)
    for r in range(args.epochs):
        for label, run in runs.items():
            run.times.append(run.epoch())
            print(f"round {r}  {label:18s} {run.times[-1]:7.2f} s", flush=True)
    results: dict[str, Any] = {"dataset": args.dataset, "batch_size": BATCH, "hidden_size": D, "max_len": MAX_LEN}
    base = statistics.median(runs["sasrec"].times)
    base_flops = runs["sasrec"].flops()
    print(f"\n{'variant':18s} {'samples':>9s} {'epoch s':>8s} {'x sasrec':>8s} {'tokens':>10s} {'GFLOP':>8s} {'x':>8s}")
    for label, run in runs.items():
        sec = statistics.median(run.times)
        flops = base_flops if label == "sasrec" else run.flops()
        row = {
            "samples": run.samples.describe(),
            "epoch_seconds": round(sec, 3),
            "ratio_to_sasrec": round(sec / base, 2),
            "runs": [round(t, 2) for t in run.times],
            "tokens_per_epoch": run.tokens,
            "gflop_per_epoch": round(flops / 1e9, 1),
            "flop_ratio_to_sasrec": round(flops / base_flops, 2) if flops else None,
        }
        results[label] = row
        fr = f"{row['flop_ratio_to_sasrec']:8.2f}" if flops else f"{'n/a':>8s}"
        print(
            f"{label:18s} {len(run.samples.spans):9d} {sec:8.2f} {sec / base:8.2f} {run.tokens:10d} "
            f"{flops / 1e9:8.1f} {fr}"
        )
    results.update(environment())
    write_json(args.out, results)


if __name__ == "__main__":
    main()
