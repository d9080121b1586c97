"""Prefix seq2one samples (methods.md §1.3): every prefix of the train view is a sample.

For a train view ``t`` of length n the samples are ``t[:j] → t[j]`` for j = 1..n-1
(Σ(n-1) samples per epoch); inputs keep the last ``max_len`` items, the target is one
item per row (``targets`` [B]) and the loss is read at the last slot only. This is
FMLP-Rec's construction and the one a non-causal encoder needs (its input never holds
its target). Departure from the FMLP-Rec code: the reference also emits the empty prefix
(all padding → first item) and only the prefixes ending inside the last ``max_len``
items; we skip the empty prefix and keep every prefix (truncated to ``max_len``).
"""

from __future__ import annotations

import numpy as np

from seqaug.data.batching import SeqBatch, left_pad
from seqaug.data.corpus import SequenceCorpus, segment_positions, segment_rows
from seqaug.data.samples import Spans, SpanSamples


def prefix_spans(train: SequenceCorpus) -> Spans:
    """Spans ``[user start, target + 1)`` for every target position after the first item."""
    users = np.flatnonzero(train.lengths >= 2)
    starts, ends = train.offsets[users], train.offsets[users + 1]
    targets = segment_positions(starts + 1, ends)  # absolute target positions
    owners = users[segment_rows(starts + 1, ends)]
    return Spans(owners, train.offsets[owners], targets + 1)


class PrefixSamples(SpanSamples):
    """Rows ``t[:j]`` (left-padded) with one target ``t[j]`` and one negative each."""

    name = "prefix"

    def make_spans(self, train: SequenceCorpus) -> Spans:
        return prefix_spans(train)

    def target_slots(self) -> np.ndarray:
        return np.ones(len(self.spans))  # one target per row: the batch mean already weighs slots equally

    def span_batch(self, idx: np.ndarray, rng: np.random.Generator) -> SeqBatch:
        """inputs [B, W], targets [B], negatives [B]."""
        starts, ends = self.spans.starts[idx], self.spans.ends[idx]
        inputs = left_pad(self.train.items, starts, ends - 1, self.max_len)
        return self.assemble(idx, inputs, self.train.items[ends - 1], ends - 1, rng)
