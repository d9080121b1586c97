"""Speed of online augmentation on Beauty (issue #4 acceptance 2), in one process:

(a) two CoSeRec views (released Beauty settings: pools SIMRC / SIMCR, K = 12) for a random
    batch of 256 training inputs (padded to 50 by its longest row): the batched operators vs
    two per-sequence Python implementations of the same operators written here as baselines:
    ``python-lean`` (lists + ``random``, top-1 neighbours precomputed as a list: as fast as
    per-sequence Python gets) and ``python-reference-style`` (structured like the reference
    code: a deepcopy per view and each substitute/insert lookup sorting the item's
    neighbour dict; ``-hybrid``: after the warm-up, each lookup also takes a dot product with
    the whole embedding table); also the views of every length-bucketed batch of one epoch;
(b) a CoSeRec training epoch vs the plain SASRec epoch (same batches), for each view width
    (``input`` = default, ``batch``, ``max_len`` = reference); the variants take their
    training steps in turn, batch by batch, so load from other jobs hits them alike; plus the
    one-off ItemCF-IUF build and the per-epoch hybrid table rebuild. ``--phase hybrid`` times
    epochs after the warm-up, each of which starts with that rebuild (counted in the epoch).

Usage: python benchmarks/speed_augment.py --data-dir ../shared/data [--epochs 1] [--widths batch input]
       [--phase memory|hybrid] [--out FILE]
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import random
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import seqaug
from seqaug.augment.correlation import embedding_top1, itemcf_iuf
from seqaug.augment.schedule import correlation_view
from seqaug.backbones.sasrec import SASRec
from seqaug.data.batching import pad_rows
from seqaug.data.negatives import NegativeSampler
from seqaug.data.readers import read_corpus
from seqaug.data.samples import Seq2SeqSamples
from seqaug.data.split import leave_one_out
from seqaug.methods.base import MethodContext
from seqaug.methods.coserec import CoSeRecParams, build_coserec
from seqaug.methods.next_item import NextItem

MAX_LEN = 50
WIDTHS = ("batch", "input", "max_len")
BEAUTY = dict(substitute_rate=0.05, insert_rate=0.5, short_threshold=12, short_pool="SIMRC", long_pool="SIMCR")


# --- (a) the per-sequence baseline: the reference semantics on Python lists ------------------
def py_crop(seq: list[int], rate: float) -> list[int]:
    c = int(rate * len(seq))
    start = random.randint(0, max(len(seq) - c - 1, 0))
    return [seq[start]] if c < 1 else seq[start : start + c]


def py_mask(seq: list[int], rate: float) -> list[int]:
    out = list(seq)
    for i in random.sample(range(len(seq)), int(rate * len(seq))):
        out[i] = 0
    return out


def py_reorder(seq: list[int], rate: float) -> list[int]:
    c = int(rate * len(seq))
    start = random.randint(0, max(len(seq) - c - 1, 0))
    block = seq[start : start + c]
    random.shuffle(block)
    return seq[:start] + block + seq[start + c :]


def py_substitute(seq: list[int], rate: float, top1: list[int]) -> list[int]:
    out = list(seq)
    for i in random.sample(range(len(seq)), max(int(rate * len(seq)), 1)):
        out[i] = top1[out[i]]
    return out


def py_insert(seq: list[int], rate: float, top1: list[int]) -> list[int]:
    chosen = set(random.sample(range(len(seq)), max(int(rate * len(seq)), 1)))
    out: list[int] = []
    for i, item in enumerate(seq):
        if i in chosen:
            out.append(top1[item])
        out.append(item)
    return out


def py_view(seq: list[int], top1: list[int]) -> list[int]:
    pool = "SIMRC" if len(seq) <= BEAUTY["short_threshold"] else "SIMCR"
    op = random.choice(pool)
    if op == "C":
        out = py_crop(seq, 0.2)
    elif op == "M":
        out = py_mask(seq, 0.7)
    elif op == "R":
        out = py_reorder(seq, 0.7)
    elif op == "S":
        out = py_substitute(seq, 0.05, top1)
    else:
        out = py_insert(seq, 0.5, top1)
    out = out[-MAX_LEN:]
    return [0] * (MAX_LEN - len(out)) + out


class RefTop1:
    """List-like top-1 access done the reference's way at every lookup: sort the item's
    ItemCF neighbour dict (memory phase); in the hybrid phase also a dot product of the
    item's embedding with the whole table, keeping the larger min-max normalised score."""

    def __init__(self, neighbours: dict[str, dict[str, float]], emb: np.ndarray | None = None) -> None:
        self.neighbours, self.emb = neighbours, emb
        scores = [v for row in neighbours.values() for v in row.values()]
        self.lo, self.hi = min(scores), max(scores)
        if emb is not None:
            self.lo_e, self.hi_e = float((emb @ emb[:50].T).min()), float((emb @ emb[:50].T).max())

    def __getitem__(self, item: int) -> int:
        best, score = sorted(self.neighbours[str(item)].items(), key=lambda kv: kv[1], reverse=True)[0]
        if self.emb is None:
            return int(best)
        s = self.emb @ self.emb[item]
        s[item] = -np.inf
        j = int(s.argmax())
        online = (s[j] - self.lo_e) / (self.hi_e - self.lo_e)
        return j if online > (score - self.lo) / (self.hi - self.lo) else int(best)


def ref_view(seq: list[int], top1: RefTop1) -> list[int]:
    return py_view(copy.deepcopy(seq), top1)  # type: ignore[arg-type]


def neighbour_dicts(split, items: set[int]) -> dict[str, dict[str, float]]:
    """ItemCF-IUF rows of ``items`` as the reference stores them (dict of str → score)."""
    import scipy.sparse as sp

    from seqaug.data.corpus import segment_rows

    view = correlation_view(split.train, "inputs")
    rows = segment_rows(view.offsets[:-1], view.offsets[1:])
    x = sp.csr_matrix((np.ones(len(rows)), (rows, view.items)), shape=(view.num_users, split.num_items + 2))
    x.data[:] = 1.0
    per_user, per_item = np.diff(x.indptr), np.asarray(x.sum(axis=0)).ravel()
    w = sp.diags(np.where(per_user > 0, 1.0 / np.log1p(np.maximum(per_user, 1)), 0.0))
    wanted = np.array(sorted(items))
    c = (x[:, wanted].T @ w @ x).tocsr()
    out = {}
    for r, i in enumerate(wanted):
        cols, vals = c.indices[c.indptr[r] : c.indptr[r + 1]], c.data[c.indptr[r] : c.indptr[r + 1]]
        row = {str(j): v / np.sqrt(per_item[i] * per_item[j]) for j, v in zip(cols, vals) if j != i}
        out[str(i)] = row or {str(i): 0.0}
    return out


def timed(variants: dict, repeats: int) -> dict[str, float]:
    """Median seconds per variant; variants alternate within each repeat, so a machine
    shared with other jobs slows them alike."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def micro(split, method, repeats: int) -> dict:
    users = np.random.default_rng(0).choice(split.train.num_users, 256, replace=False)
    inputs_corpus = split.train.drop_last(1)
    seqs = [inputs_corpus.sequence(u).tolist() for u in users]
    inputs = torch.from_numpy(pad_rows(inputs_corpus, users, MAX_LEN))
    top1 = [t if t >= 0 else i for i, t in enumerate(method.augmenter.table.neighbour.tolist())]
    neighbours = neighbour_dicts(split, {i for s in seqs for i in s})
    memory, hybrid = RefTop1(neighbours), RefTop1(neighbours, method.backbone.item_embedding.weight.detach().numpy())
    random.seed(0)
    variants = {
        "python-reference-style": lambda: [(ref_view(s, memory), ref_view(s, memory)) for s in seqs],
        "python-lean": lambda: [(py_view(s, top1), py_view(s, top1)) for s in seqs],
        "batched": lambda: method.views(inputs),
    }
    ms = {name: sec * 1e3 for name, sec in timed(variants, repeats).items()}
    slow = {"python-reference-style-hybrid": lambda: [(ref_view(s, hybrid), ref_view(s, hybrid)) for s in seqs]}
    ms.update({name: sec * 1e3 for name, sec in timed(slow, 3).items()})  # seconds per call: 3 repeats
    variants.update(slow)
    out = {f"{name}_ms": round(v, 3) for name, v in ms.items()}
    print(f"(a) two views of 256 sequences (width {inputs.shape[1]}), median of {repeats}:")
    for name in variants:
        if name != "batched":
            out[f"speedup_vs_{name}"] = round(ms[name] / ms["batched"], 1)
        extra = f"  (batched is {ms[name] / ms['batched']:.1f}x faster)" if name != "batched" else ""
        print(f"    {name:30s} {ms[name]:8.2f} ms{extra}")
    return out


def epoch_views(split, method, samples: Seq2SeqSamples) -> dict:
    """Two views of every length-bucketed batch of one epoch (what training does)."""
    batches = list(samples.epoch(np.random.default_rng(0)))
    inputs_corpus = split.train.drop_last(1)
    seqs = [[inputs_corpus.sequence(u).tolist()[-MAX_LEN:] for u in b.users.tolist()] for b in batches]
    top1 = [t if t >= 0 else i for i, t in enumerate(method.augmenter.table.neighbour.tolist())]
    start = time.perf_counter()
    for rows in seqs:
        [(py_view(s, top1), py_view(s, top1)) for s in rows]
    lean = time.perf_counter() - start
    start = time.perf_counter()
    for b in batches:
        method.views(b.inputs)
    batched = time.perf_counter() - start
    print(f"    views for all {len(batches)} batches of an epoch: lean python {lean:.2f} s, batched {batched:.2f} s")
    return {"python-lean_s": round(lean, 3), "batched_s": round(batched, 3), "speedup": round(lean / batched, 1)}


# --- (b) epochs ----------------------------------------------------------------------------
def interleaved_epochs(methods: dict, samples: Seq2SeqSamples, epochs: int, first: int = 0) -> dict[str, float]:
    """Seconds per epoch of each method; for every batch each method takes its step in turn.
    Epochs are numbered from ``first``; ``on_epoch_start`` (the hybrid table rebuild) is timed."""
    opts = {name: torch.optim.Adam(m.parameters(), lr=1e-3, fused=True) for name, m in methods.items()}
    seconds = dict.fromkeys(methods, 0.0)
    rng = np.random.default_rng(0)
    for epoch in range(first, first + epochs):
        for name, m in methods.items():
            m.train()
            start = time.perf_counter()
            m.on_epoch_start(epoch)
            seconds[name] += time.perf_counter() - start
        for batch in samples.epoch(rng):
            for name, m in methods.items():
                start = time.perf_counter()
                loss = m.loss(batch)["loss"]
                opts[name].zero_grad(set_to_none=True)
                loss.backward()
                opts[name].step()
                seconds[name] += time.perf_counter() - start
    return {name: sec / epochs for name, sec in seconds.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--dataset", default="Beauty.txt")
    ap.add_argument("--epochs", type=int, default=1, help="timed epochs per variant (0: skip part b)")
    ap.add_argument("--repeats", type=int, default=20, help="repeats of the micro-benchmark")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--widths", nargs="+", default=list(WIDTHS), choices=WIDTHS, help="view widths to time in (b)")
    ap.add_argument(
        "--phase",
        default="memory",
        choices=("memory", "hybrid"),
        help="(b) epochs in the memory-correlation phase, or in the hybrid phase (table rebuilt every epoch)",
    )
    ap.add_argument("--one-call", action="store_true", help="(b) also time views encoded in one call (unchunked)")
    ap.add_argument("--out", default="benchmarks/out/speed_augment.json")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    split = leave_one_out(read_corpus(Path(args.data_dir) / args.dataset))
    n = split.num_items
    res: dict = {"dataset": args.dataset, "users": split.full.num_users, "items": n}

    start = time.perf_counter()
    itemcf_iuf(correlation_view(split.train, "inputs"), n)
    res["itemcf_build_seconds"] = round(time.perf_counter() - start, 3)

    def make(view_width: str = "max_len", warmup: int = 220):
        torch.manual_seed(0)
        ctx = MethodContext(split.train, n, MAX_LEN, lambda: SASRec(n, MAX_LEN, dropout=0.5), 0)
        return build_coserec(CoSeRecParams(view_width=view_width, warmup_epochs=warmup, **BEAUTY), ctx)

    coserec = make()
    res["micro"] = micro(split, coserec, args.repeats)
    start = time.perf_counter()
    embedding_top1(coserec.backbone.item_embedding.weight, coserec.augmenter.correlation.candidates)
    res["hybrid_table_seconds"] = round(time.perf_counter() - start, 3)

    samples = Seq2SeqSamples(
        split.train, NegativeSampler(split.train, n), max_len=MAX_LEN, batch_size=256, length_bucketing=True
    )
    res["epoch_views"] = epoch_views(split, coserec, samples)
    torch.manual_seed(0)
    variants = {"sasrec": NextItem(SASRec(n, MAX_LEN, dropout=0.5), n)}
    hybrid = args.phase == "hybrid"  # warm-up 0: every timed epoch (from 1) rebuilds the hybrid table
    variants.update({f"coserec/{w}": make(w, 0 if hybrid else 220) for w in args.widths})
    if args.one_call:  # the views encoded in one call instead of blocks of ENCODE_CHUNK_TOKENS slots
        for w in args.widths:
            variants[f"coserec/{w}/one-call"] = make(w, 0 if hybrid else 220)
            variants[f"coserec/{w}/one-call"].encode_chunk_tokens = 0
    epoch_s = interleaved_epochs(variants, samples, args.epochs, first=int(hybrid)) if args.epochs > 0 else {}
    res["phase"] = args.phase
    for name, sec in epoch_s.items():
        res[f"{name}/epoch_seconds"] = round(sec, 2)
        ratio = sec / epoch_s["sasrec"]
        if name != "sasrec":
            res[f"{name}/ratio_to_sasrec"] = round(ratio, 2)
        print(f"(b) {name:16s} epoch {sec:7.2f} s  ({ratio:.2f}x sasrec)")
    print(f"ItemCF-IUF build {res['itemcf_build_seconds']} s, hybrid table rebuild {res['hybrid_table_seconds']} s")
    res.update(
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        seqaug=seqaug.__version__,
        machine=f"{platform.node()} {platform.processor() or platform.machine()}",
        date=time.strftime("%Y-%m-%d"),
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
