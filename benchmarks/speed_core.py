"""Speed of the core on Beauty: SASRec/GRU4Rec training epochs, full-ranking evaluation of
all users, peak RSS. Variants are measured in one process so ratios are comparable:

- ``seqaug``: the defaults (length-bucketed batches, bit-sliced dropout, fused Adam);
- ``no-bucketing``: random batches padded to their longest row;
- ``reference-like``: every batch padded to max_len, ``F.dropout``, unfused Adam.

Usage: python benchmarks/speed_core.py --data-dir ../shared/data [--epochs 3] [--out FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import resource
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import seqaug
from seqaug.backbones import layers
from seqaug.backbones.gru4rec import GRU4Rec
from seqaug.backbones.sasrec import SASRec
from seqaug.data import samples as samples_mod
from seqaug.data.negatives import NegativeSampler
from seqaug.data.readers import read_corpus
from seqaug.data.samples import Seq2SeqSamples
from seqaug.data.split import leave_one_out
from seqaug.evaluate.evaluator import Evaluator
from seqaug.evaluate.protocols import FullRanking
from seqaug.methods.next_item import NextItem


@contextlib.contextmanager
def reference_like() -> Iterator[None]:
    """Pad every batch to max_len and use F.dropout (the reference code's behaviour)."""
    orig_pad, orig_drop = samples_mod.left_pad, layers.dropout

    def pad_full(items, starts, ends, max_len, width=None):
        return orig_pad(items, starts, ends, max_len, max_len)

    samples_mod.left_pad = pad_full
    layers.dropout = lambda x, p, training: F.dropout(x, p, training)
    try:
        yield
    finally:
        samples_mod.left_pad, layers.dropout = orig_pad, orig_drop


def time_epochs(model: NextItem, samples: Seq2SeqSamples, epochs: int, fused: bool) -> list[float]:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused or None)
    rng = np.random.default_rng(0)
    times = []
    model.train()
    for _ in range(epochs):
        start = time.perf_counter()
        for batch in samples.epoch(rng):
            loss = model.loss(batch)["loss"]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return times


def environment() -> dict[str, object]:
    """Threads, versions, machine and date, recorded with every benchmark's figures."""
    return {
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "seqaug": seqaug.__version__,
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}",
        "date": time.strftime("%Y-%m-%d"),
    }


def write_json(path: str | Path, results: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {path}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--dataset", default="Beauty.txt")
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs per variant (after one warm-up)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", default="benchmarks/out/speed_core.json")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    split = leave_one_out(read_corpus(Path(args.data_dir) / args.dataset))
    load_seconds = time.perf_counter() - t0
    n = split.num_items
    neg = NegativeSampler(split.train, n)
    results: dict = {"dataset": args.dataset, "users": split.full.num_users, "load_seconds": round(load_seconds, 2)}

    def make(backbone: str) -> NextItem:
        torch.manual_seed(0)
        enc = (
            SASRec(n, 50, hidden_size=64, num_layers=2, num_heads=2, dropout=0.5)
            if backbone == "sasrec"
            else (GRU4Rec(n, 50, hidden_size=64, gru_size=128, dropout=0.2))
        )
        return NextItem(enc, n, loss="bce")

    variants = {
        "seqaug": dict(bucketing=True, fused=True, ref=False),
        "no-bucketing": dict(bucketing=False, fused=True, ref=False),
        "reference-like": dict(bucketing=False, fused=False, ref=True),
    }
    for backbone in ("sasrec", "gru4rec"):
        for name, v in variants.items():
            if backbone == "gru4rec" and name == "reference-like":
                continue
            samples = Seq2SeqSamples(split.train, neg, max_len=50, batch_size=256, length_bucketing=v["bucketing"])
            model = make(backbone)
            ctx = reference_like() if v["ref"] else contextlib.nullcontext()
            with ctx:
                times = time_epochs(model, samples, args.epochs + 1, v["fused"])[1:]
            results[f"{backbone}/{name}/epoch_seconds"] = round(statistics.median(times), 3)
            runs = [round(t, 2) for t in times]
            print(f"{backbone:8s} {name:15s} epoch {statistics.median(times):6.2f} s  (runs {runs})")
        base = results[f"{backbone}/seqaug/epoch_seconds"]
        for name in variants:
            key = f"{backbone}/{name}/epoch_seconds"
            if key in results and name != "seqaug":
                results[f"{backbone}/{name}/ratio_to_seqaug"] = round(results[key] / base, 2)
    model = make("sasrec")
    ev = Evaluator(split.test, FullRanking(n), ks=[1, 5, 10, 20], max_len=50, batch_size=256)
    ev.evaluate(model)
    eval_times = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        ev.evaluate(model)
        eval_times.append(time.perf_counter() - start)
    results["sasrec/full_eval_seconds"] = round(statistics.median(eval_times), 3)
    print(
        f"full-ranking evaluation of {split.full.num_users} users: {statistics.median(eval_times):.2f} s "
        f"(runs {[round(t, 2) for t in eval_times]})"
    )
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results.update(environment())
    print(f"peak RSS {results['peak_rss_mb']} MB, threads {results['threads']}")
    write_json(args.out, results)


if __name__ == "__main__":
    main()
