"""Beta(α, α) sampling for BASRec's mixups: ``seqaug.augment.mixup.sample_beta`` (Jöhnk's
batched rejection method for α <= 1) against two ``torch._standard_gamma`` draws (the
previous implementation), alternating in one process, at the shapes of one Beauty batch
(feature-wise Λ [3, 256, 1, 64], item-wise Λ [3, 256, 9, 1], view λ [4, 256]).

Usage: python benchmarks/speed_beta.py [--alpha 0.4] [--repeats 200] [--threads 1]
"""

from __future__ import annotations

import argparse

import torch
from speed_augment import timed
from speed_core import environment, write_json

from seqaug.augment.mixup import sample_beta

SHAPES = [(3, 256, 1, 64), (3, 256, 9, 1), (4, 256)]


def gamma_beta(alpha: float, shape: tuple[int, ...]) -> torch.Tensor:
    conc = torch.full(shape, float(alpha))
    x, y = torch._standard_gamma(conc), torch._standard_gamma(conc)
    return x / (x + y)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--alpha", type=float, default=0.4)
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="benchmarks/out/speed_beta.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    variants = {
        "gamma": lambda: [gamma_beta(args.alpha, s) for s in SHAPES],
        "johnk": lambda: [sample_beta(args.alpha, s) for s in SHAPES],
    }
    ms = {k: v * 1e3 for k, v in timed(variants, args.repeats).items()}
    res = {"alpha": args.alpha, **{f"{k}_ms": round(v, 3) for k, v in ms.items()}}
    res["speedup"] = round(ms["gamma"] / ms["johnk"], 2)
    print(f"one batch of BASRec Beta draws: gamma {ms['gamma']:.2f} ms, johnk {ms['johnk']:.2f} ms ({res['speedup']}x)")
    res.update(environment())
    write_json(args.out, res)


if __name__ == "__main__":
    main()
