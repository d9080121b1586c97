"""Full-softmax CE training steps: the chunked loss (``seqaug.methods.softmax_ce``) against the
plain ``F.cross_entropy(h @ W.T)`` form it replaced, in one process.

Two copies of the same model (same init, same batches) take their steps in turn, batch by
batch, one with each loss, so machine noise hits both alike; the figure is the summed step
time over one epoch and its ratio. NextItem with ``loss: ce``, batch 256, D 64, max_len 50,
through the same code path as ``seqaug train``.

Usage: python benchmarks/speed_ce.py --data-dir ../shared/data [--backbones sasrec,nextitnet]
       [--threads 1] [--batches N] [--out benchmarks/out/speed_ce.json]
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from speed_backbones import BATCH, D, config  # benchmarks/ is on sys.path when run as a script
from speed_core import environment, write_json

import seqaug.methods.losses as losses
from seqaug import experiment


def plain_ce(h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The replaced form: [T, N] logits, then ``F.cross_entropy``."""
    return F.cross_entropy(h @ weight.T, targets, reduction="none")


@contextlib.contextmanager
def loss_impl(plain: bool) -> Iterator[None]:
    saved = losses.softmax_cross_entropy
    if plain:
        losses.softmax_cross_entropy = plain_ce  # type: ignore[assignment]
    try:
        yield
    finally:
        losses.softmax_cross_entropy = saved


def timed_step(method: Any, opt: torch.optim.Optimizer, batch: Any, plain: bool) -> float:
    start = time.perf_counter()
    with loss_impl(plain):
        loss = method.loss(batch)["loss"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
    opt.step()
    return time.perf_counter() - start


def compare(cfg: Any, batches: int | None) -> dict[str, float]:
    split = experiment.load_split(cfg)
    methods = []
    for _ in range(2):
        torch.manual_seed(0)
        m = experiment.build_method(cfg, split)
        methods.append((m, torch.optim.Adam(m.parameters(), lr=1e-3)))
        m.train()
    samples = experiment.build_samples(cfg, split, methods[0][0])
    totals = [0.0, 0.0]
    for i, batch in enumerate(samples.epoch(np.random.default_rng(0))):
        if batches is not None and i >= batches:
            break
        for k, (m, opt) in enumerate(methods):
            t = timed_step(m, opt, batch, plain=(k == 0))
            if i >= 3:  # warm-up batches not counted
                totals[k] += t
    plain, chunked = totals
    return {"plain_s": round(plain, 3), "chunked_s": round(chunked, 3), "speedup": round(plain / chunked, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--dataset", default="Beauty.txt")
    ap.add_argument("--backbones", default="sasrec")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--batches", type=int, default=None, help="stop each epoch after N batches")
    ap.add_argument("--out", default="benchmarks/out/speed_ce.json")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    results: dict[str, Any] = {"dataset": args.dataset, "batch_size": BATCH, "hidden_size": D}
    for name in args.backbones.split(","):
        cfg = config(args.data_dir, args.dataset, {"name": name, "hidden_size": D}, None, loss="ce")
        row = compare(cfg, args.batches)
        results[name] = row
        print(f"{name:12s} plain {row['plain_s']:8.2f} s  chunked {row['chunked_s']:8.2f} s  x{row['speedup']}")
    results.update(environment())
    write_json(args.out, results)


if __name__ == "__main__":
    main()
