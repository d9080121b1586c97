"""Sliding-window samples (Caser's training windows; the SW baseline, methods.md §8).

Every contiguous window of ``length`` items of a user's train view, starting every
``stride`` (<= ``length``) items, is one seq2seq sample (inputs ``w[:-1]``, targets ``w[1:]``). A last
window aligned with the end of the sequence is added when the stride does not land on
it, so the windows always cover the whole train view; a view of at most ``length``
items is one window. ``keep_full`` also keeps the whole (``max_len``-truncated) view
as a sample, as the SW baseline does [OPEN in methods.md §8].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seqaug.data.corpus import SequenceCorpus, segment_rows
from seqaug.data.negatives import NegativeSampler
from seqaug.data.samples import Seq2SeqSamples, Spans, SpanSamples


def window_spans(train: SequenceCorpus, length: int, stride: int, keep_full: bool = False) -> Spans:
    """Window spans of every user with at least 2 items (vectorized)."""
    if length < 2 or not 1 <= stride <= length:
        raise ValueError(f"windows need length >= 2 and 1 <= stride <= length, got {length}, {stride}")
    users = np.flatnonzero(train.lengths >= 2)
    n = train.lengths[users]
    last_start = np.maximum(n - length, 0)
    counts = -(-last_start // stride) + 1  # starts 0, s, 2s, ... and finally last_start
    rows = segment_rows(np.zeros_like(counts), counts)
    k = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    rel = np.minimum(k * stride, last_start[rows])
    starts = train.offsets[users[rows]] + rel
    ends = starts + np.minimum(length, n[rows])
    owners = users[rows]
    if keep_full:
        long = n > length
        owners = np.concatenate([owners, users[long]])
        starts = np.concatenate([starts, train.offsets[users[long]]])
        ends = np.concatenate([ends, train.offsets[users[long] + 1]])
    return Spans(owners, starts, ends)


class WindowSamples(SpanSamples):
    """Seq2seq samples over sliding windows instead of whole sequences.

    ``common``: the ``SpanSamples`` keywords (max_len, batch_size, length_bucketing, timestamps).
    """

    name = "window"

    def __init__(
        self,
        train: SequenceCorpus,
        negatives: NegativeSampler | None,
        *,
        length: int,
        stride: int = 1,
        keep_full: bool = False,
        **common: Any,
    ) -> None:
        self.length, self.stride, self.keep_full = length, stride, keep_full
        super().__init__(train, negatives, **common)

    def make_spans(self, train: SequenceCorpus) -> Spans:
        return window_spans(train, self.length, self.stride, self.keep_full)

    span_batch = Seq2SeqSamples.span_batch  # inputs window[:-1], targets window[1:]

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "length": self.length, "stride": self.stride, "keep_full": self.keep_full}
