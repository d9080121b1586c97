"""Training-sample constructions (methods.md §1.3), as epoch iterators of SeqBatch.

A construction turns the train view into *spans*: (owner user, start, end) ranges of the
CSR item array, one per training sample. Each epoch visits every span once, in random or
length-bucketed batches, and cuts the spans into left-padded tensors, vectorized (no
per-sample Python loops). Randomness (order, negatives, masks) comes only from the
numpy generator passed to ``epoch``, so the trainer can save and restore it.

``Seq2SeqSamples``: one row per user of the train view ``t = s[:-2]``: inputs ``t[:-1]``,
targets ``t[1:]`` at every slot (the S3Rec ``s[:-3] → s[1:-2]`` convention) and one
uniform negative per target slot. The other constructions live in ``prefix.py``,
``cloze.py`` and ``windows.py``; ``constructions.py`` selects one by config.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from seqaug.data.batching import SeqBatch, left_pad, length_bucketed_order, random_order
from seqaug.data.corpus import SequenceCorpus
from seqaug.data.negatives import NegativeSampler


@dataclass(frozen=True)
class Spans:
    """One training sample per entry: ``train.items[starts[i]:ends[i]]`` owned by ``users[i]``."""

    users: np.ndarray  # int64 [S] corpus row of the owner (negatives avoid its history)
    starts: np.ndarray  # int64 [S] absolute start in ``train.items``
    ends: np.ndarray  # int64 [S] absolute end (exclusive)

    def __len__(self) -> int:
        return len(self.users)


class SpanSamples:
    """Shared plumbing of every construction: epoch order, negatives, timestamps.

    Subclasses implement ``make_spans(train)`` and ``span_batch(idx, rng)`` for span indices.
    ``timestamps=True`` adds ``SeqBatch.timestamps`` aligned with ``inputs`` (for
    time-aware backbones); the train view must then carry timestamps.
    """

    name = "samples"
    spans: Spans

    def __init__(
        self,
        train: SequenceCorpus,
        negatives: NegativeSampler | None,
        *,
        max_len: int,
        batch_size: int,
        length_bucketing: bool = False,
        slot_weighting: str = "global",
        timestamps: bool = False,
    ) -> None:
        if timestamps and train.timestamps is None:
            raise ValueError("timestamps requested but the corpus has none")
        self.train = train
        self.negatives = negatives
        self.max_len = max_len
        self.batch_size = batch_size
        self.length_bucketing = length_bucketing
        self.timestamps = timestamps
        self.spans = self.make_spans(train)
        # global: every target slot of an epoch weighs the same (see SeqBatch.slot_norm)
        slots = self.target_slots()
        self.slot_norm = float(batch_size * slots.mean()) if slot_weighting == "global" and len(slots) else None

    def make_spans(self, train: SequenceCorpus) -> Spans:
        raise NotImplementedError

    def target_slots(self) -> np.ndarray:
        """float [S] (expected) number of target slots of every span: one per input slot."""
        return self.input_lengths().astype(np.float64)

    def __len__(self) -> int:
        return -(-len(self.spans) // self.batch_size)

    def input_lengths(self) -> np.ndarray:
        """int64 [S] input length of every span (one item of a span is its target)."""
        return np.minimum(self.spans.ends - self.spans.starts - 1, self.max_len)

    def epoch(self, rng: np.random.Generator) -> Iterator[SeqBatch]:
        """Batches of one epoch; all randomness comes from ``rng``."""
        if self.length_bucketing:
            order = length_bucketed_order(self.input_lengths(), self.batch_size, rng)
        else:
            order = random_order(len(self.spans), self.batch_size, rng)
        for idx in order:
            yield self.span_batch(idx, rng)

    def span_batch(self, idx: np.ndarray, rng: np.random.Generator) -> SeqBatch:
        """The batch of spans ``idx`` (indices into ``self.spans``)."""
        raise NotImplementedError

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "samples_per_epoch": len(self.spans)}

    def assemble(
        self, idx: np.ndarray, inputs: np.ndarray, targets: np.ndarray, input_ends: np.ndarray, rng: np.random.Generator
    ) -> SeqBatch:
        """A SeqBatch of spans ``idx`` with negatives for ``targets`` > 0 and, when asked,
        the timestamps of ``items[starts:input_ends]`` aligned with ``inputs`` [B, W]."""
        users = self.spans.users[idx]
        return SeqBatch(
            users=torch.from_numpy(users),
            inputs=torch.from_numpy(inputs),
            targets=torch.from_numpy(targets),
            negatives=self.draw_negatives(users, targets, rng),
            timestamps=self.pad_timestamps(self.spans.starts[idx], input_ends, inputs.shape[1]),
            slot_norm=self.slot_norm,
        )

    def draw_negatives(self, users: np.ndarray, targets: np.ndarray, rng: np.random.Generator) -> torch.Tensor | None:
        """One negative per target > 0 (same shape as ``targets``, 0 elsewhere), or None."""
        if self.negatives is None:
            return None
        out = np.zeros_like(targets)
        slot = targets > 0
        owners = np.broadcast_to(users.reshape((-1,) + (1,) * (targets.ndim - 1)), targets.shape)[slot]
        out[slot] = self.negatives.sample(owners, (len(owners),), rng)
        return torch.from_numpy(out)

    def pad_timestamps(self, starts: np.ndarray, ends: np.ndarray, width: int) -> torch.Tensor | None:
        """Timestamps of ``[starts, ends)`` left-padded like the inputs [B, W], or None."""
        if not self.timestamps:
            return None
        assert self.train.timestamps is not None
        return torch.from_numpy(left_pad(self.train.timestamps, starts, ends, self.max_len, width))


class Seq2SeqSamples(SpanSamples):
    """All-position next-item samples, one row per user with at least one target."""

    name = "seq2seq"

    def make_spans(self, train: SequenceCorpus) -> Spans:
        self.users = np.flatnonzero(train.lengths >= 2)  # users with at least one target
        return Spans(self.users, train.offsets[self.users], train.offsets[self.users + 1])

    def batch(self, users: np.ndarray, rng: np.random.Generator) -> SeqBatch:
        """The batch of corpus rows ``users`` (each must be in ``self.users``)."""
        return self.span_batch(np.searchsorted(self.users, users), rng)

    def span_batch(self, idx: np.ndarray, rng: np.random.Generator) -> SeqBatch:
        """Inputs ``span[:-1]``, targets ``span[1:]`` [B, W], one negative per target slot."""
        starts, ends = self.spans.starts[idx], self.spans.ends[idx]
        inputs = left_pad(self.train.items, starts, ends - 1, self.max_len)
        targets = left_pad(self.train.items, starts + 1, ends, self.max_len, inputs.shape[1])
        return self.assemble(idx, inputs, targets, ends - 1, rng)
