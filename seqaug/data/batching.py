"""Left-padded LongTensor batches from CSR arrays, vectorized (no per-user loops).

Real items are right-aligned (the most recent item sits in the last slot) and
truncation keeps the most recent ``max_len`` items. A batch is padded to its own
longest row, not to ``max_len``; backbones index positions from the right, so the
width never changes a real slot's output.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import torch

from seqaug.data.corpus import SequenceCorpus


def left_pad(
    items: np.ndarray, starts: np.ndarray, ends: np.ndarray, max_len: int, width: int | None = None
) -> np.ndarray:
    """Rows ``items[starts[i]:ends[i]]`` (last ``max_len`` kept), left-padded with 0.

    Returns int64 [B, W] with W = ``width`` or the longest kept row (at least 1).
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    lens = np.clip(ends - starts, 0, max_len)
    if width is None:
        width = max(int(lens.max(initial=0)), 1)
    cols = np.arange(width, dtype=np.int64)
    valid = cols[None, :] >= (width - lens)[:, None]
    src = ends[:, None] - width + cols[None, :]
    return np.where(valid, items[np.where(valid, src, 0)], 0)


def pad_rows(corpus: SequenceCorpus, users: np.ndarray, max_len: int, width: int | None = None) -> np.ndarray:
    """Left-padded sequences of ``users`` [B, W]."""
    users = np.asarray(users, dtype=np.int64)
    return left_pad(corpus.items, corpus.offsets[users], corpus.offsets[users + 1], max_len, width)


@dataclass
class SeqBatch:
    """One batch. Shapes: ``inputs`` [B, L]; ``targets``/``negatives`` [B, L] for
    per-position training or [B] for one target per row; ``candidates`` [B, C]
    for sampled evaluation (target first); ``timestamps`` [B, L] aligned with
    ``inputs`` (0 at padding), only when a time-aware backbone asks for them.

    ``slot_norm``: with length-bucketed batches, a per-batch mean would give every user
    about the same weight whatever their length (a batch of long sequences spreads the
    same weight over many more slots). Dividing summed slot losses by the number of slots
    a random batch holds on average keeps every slot of an epoch equally weighted, as in
    the reference code's random batches."""

    users: torch.Tensor  # [B] user indices in the corpus
    inputs: torch.Tensor  # [B, L]
    targets: torch.Tensor | None = None
    negatives: torch.Tensor | None = None
    candidates: torch.Tensor | None = None
    slot_norm: float | None = None  # divide summed per-slot losses by this (None: mean)
    timestamps: torch.Tensor | None = None

    @property
    def size(self) -> int:
        return int(self.inputs.shape[0])

    def to(self, device: torch.device | str) -> SeqBatch:
        moved = {
            f.name: (v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v)
            for f in fields(self)
            if (v := getattr(self, f.name)) is not None
        }
        return replace(self, **moved)


def length_bucketed_order(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of similar lengths in random order (random tie-breaking inside a length)."""
    perm = rng.permutation(len(lengths))
    perm = perm[np.argsort(lengths[perm], kind="stable")]
    batches = [perm[i : i + batch_size] for i in range(0, len(perm), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def random_order(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled indices cut into batches."""
    perm = rng.permutation(n)
    return [perm[i : i + batch_size] for i in range(0, n, batch_size)]
