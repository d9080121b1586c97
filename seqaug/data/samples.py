"""Training-sample constructions (methods.md §1.3), as epoch iterators of SeqBatch.

``Seq2SeqSamples``: one row per user of the train view ``t = s[:-2]``: inputs ``t[:-1]``,
targets ``t[1:]`` at every slot (the S3Rec ``s[:-3] → s[1:-2]`` convention) and one
uniform negative per target slot.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from seqaug.data.batching import SeqBatch, left_pad, length_bucketed_order, random_order
from seqaug.data.corpus import SequenceCorpus
from seqaug.data.negatives import NegativeSampler


class Seq2SeqSamples:
    """All-position next-item samples, one row per user with at least one target."""

    def __init__(
        self,
        train: SequenceCorpus,
        negatives: NegativeSampler | None,
        *,
        max_len: int,
        batch_size: int,
        length_bucketing: bool = False,
        slot_weighting: str = "global",
    ) -> None:
        self.train = train
        self.negatives = negatives
        self.max_len = max_len
        self.batch_size = batch_size
        self.length_bucketing = length_bucketing
        self.users = np.flatnonzero(train.lengths >= 2)
        slots = np.minimum(train.lengths[self.users] - 1, max_len)
        # global: every target slot of an epoch weighs the same (see SeqBatch.slot_norm)
        self.slot_norm = float(batch_size * slots.mean()) if slot_weighting == "global" and len(slots) else None

    def __len__(self) -> int:
        return -(-len(self.users) // self.batch_size)

    def epoch(self, rng: np.random.Generator) -> Iterator[SeqBatch]:
        """Batches of one epoch; all randomness comes from ``rng``."""
        if self.length_bucketing:
            lengths = np.minimum(self.train.lengths[self.users] - 1, self.max_len)
            order = length_bucketed_order(lengths, self.batch_size, rng)
        else:
            order = random_order(len(self.users), self.batch_size, rng)
        for idx in order:
            yield self.batch(self.users[idx], rng)

    def batch(self, users: np.ndarray, rng: np.random.Generator) -> SeqBatch:
        starts, ends = self.train.offsets[users], self.train.offsets[users + 1]
        inputs = left_pad(self.train.items, starts, ends - 1, self.max_len)
        targets = left_pad(self.train.items, starts + 1, ends, self.max_len, inputs.shape[1])
        negatives = None
        if self.negatives is not None:
            negatives = np.zeros_like(targets)
            slot = targets > 0
            rows = np.nonzero(slot)[0]
            negatives[slot] = self.negatives.sample(users[rows], (len(rows),), rng)
            negatives = torch.from_numpy(negatives)
        return SeqBatch(
            users=torch.from_numpy(users),
            inputs=torch.from_numpy(inputs),
            targets=torch.from_numpy(targets),
            negatives=negatives,
            slot_norm=self.slot_norm,
        )
