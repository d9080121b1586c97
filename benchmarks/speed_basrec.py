"""BASRec stage-2 epoch versus the plain SASRec epoch on Beauty, in one process with the
epochs interleaved batch by batch (so machine load affects both alike).

Settings: the Beauty preset (2 pairs of views, cross-sequence mixups 3 times each), SASRec
D 64, 2 layers, 2 heads, batch 256, max_len 50, length-bucketed batches. Also times the
ablation without single-sequence views (where the encoder passes go) and the stacked
original + views encoded in one call instead of blocks of ``ENCODE_CHUNK_TOKENS`` slots.

Usage: python benchmarks/speed_basrec.py --data-dir ../shared/data [--epochs 1] [--threads 1]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from speed_augment import interleaved_epochs
from speed_core import environment, write_json

from seqaug.backbones.sasrec import SASRec
from seqaug.data.negatives import NegativeSampler
from seqaug.data.readers import read_corpus
from seqaug.data.samples import Seq2SeqSamples
from seqaug.data.split import leave_one_out
from seqaug.methods.base import MethodContext
from seqaug.methods.basrec import BASRecParams, build_basrec
from seqaug.methods.next_item import NextItem

MAX_LEN = 50
BEAUTY = {"alpha": 0.4, "rate_min": 0.2, "rate_max": 0.71, "n_pairs": 2, "n_whole_level": 3}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--dataset", default="Beauty.txt")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", default="benchmarks/out/speed_basrec.json")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    split = leave_one_out(read_corpus(Path(args.data_dir) / args.dataset))
    n = split.num_items

    def backbone() -> SASRec:
        return SASRec(n, MAX_LEN, hidden_size=64, num_layers=2, num_heads=2, dropout=0.1)

    def basrec(**overrides: object):
        torch.manual_seed(0)
        params = BASRecParams(**{**BEAUTY, **overrides})
        method = build_basrec(params, MethodContext(split.train, n, MAX_LEN, backbone, 0))
        return method

    torch.manual_seed(0)
    variants = {
        "sasrec": NextItem(backbone(), n),
        "basrec": basrec(),
        "basrec/no-single-sequence": basrec(single_sequence=False),
        "basrec/one-encoder-call": basrec(),
    }
    variants["basrec/one-encoder-call"].encode_chunk_tokens = 0  # original + views in one call, unchunked
    samples = Seq2SeqSamples(
        split.train, NegativeSampler(split.train, n), max_len=MAX_LEN, batch_size=256, length_bucketing=True
    )
    seconds = interleaved_epochs(variants, samples, args.epochs)
    res: dict = {"dataset": args.dataset, "epochs": args.epochs}
    for name, sec in seconds.items():
        ratio = sec / seconds["sasrec"]
        res[f"{name}/epoch_seconds"] = round(sec, 2)
        res[f"{name}/ratio_to_sasrec"] = round(ratio, 2)
        print(f"{name:28s} epoch {sec:7.2f} s  ({ratio:.2f}x sasrec)")
    res.update(environment())
    write_json(args.out, res)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
