"""Cloze samples (BERT4Rec, Sun et al., CIKM 2019; methods.md §1.3, §5.2).

Each row is the last ``max_len`` items of a user's train view. Every real item is
replaced by the mask token N+1 with probability ``mask_prob`` (always the mask token,
never a random item, as BERT4Rec's and RecBole's code); a row where nothing was drawn
gets one uniformly chosen real slot masked, so every row has a target. ``targets`` [B, L]
holds the original item at masked slots and 0 elsewhere; one negative per masked slot.
``last_item_copy`` adds a second row per user with only the last item masked (DiffuASR's
Bert4Rec), which matches inference (append the mask token, read that slot). Masks are
drawn fresh for every batch from the epoch generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seqaug.data.batching import SeqBatch, left_pad
from seqaug.data.corpus import SequenceCorpus
from seqaug.data.negatives import NegativeSampler
from seqaug.data.samples import Spans, SpanSamples


def cloze_mask(
    real: np.ndarray, mask_prob: float, last_only: np.ndarray, rng: np.random.Generator
) -> np.ndarray:  # bool [B, W]
    """Masked slots of right-aligned rows: Bernoulli(``mask_prob``) over real slots, at least
    one per row with a real slot; rows with ``last_only`` [B] get exactly the last slot."""
    b, w = real.shape
    masked = (rng.random((b, w)) < mask_prob) & real
    lengths = real.sum(1)
    pick = w - 1 - np.floor(rng.random(b) * lengths).astype(np.int64)  # a uniform real slot
    empty = ~masked.any(1) & (lengths > 0)
    masked[empty, pick[empty]] = True
    masked[last_only] = False
    masked[last_only, w - 1] = real[last_only, w - 1]
    return masked


class ClozeSamples(SpanSamples):
    """Masked-item samples; ``inputs`` contain ``mask_id`` where ``targets`` > 0.

    ``common``: the ``SpanSamples`` keywords (max_len, batch_size, length_bucketing, timestamps).
    """

    name = "cloze"

    def __init__(
        self,
        train: SequenceCorpus,
        negatives: NegativeSampler | None,
        *,
        mask_id: int,
        mask_prob: float,
        last_item_copy: bool = False,
        **common: Any,
    ) -> None:
        if not 0.0 < mask_prob <= 1.0:
            raise ValueError(f"mask_prob must be in (0, 1], got {mask_prob}")
        self.mask_id, self.mask_prob, self.last_item_copy = mask_id, mask_prob, last_item_copy
        super().__init__(train, negatives, **common)
        copies = 2 if last_item_copy else 1
        self.last_only = np.repeat(np.arange(copies) == 1, len(self.spans) // copies)

    def make_spans(self, train: SequenceCorpus) -> Spans:
        users = np.tile(np.flatnonzero(train.lengths >= 1), 2 if self.last_item_copy else 1)
        return Spans(users, train.offsets[users], train.offsets[users + 1])

    def input_lengths(self) -> np.ndarray:
        return np.minimum(self.spans.ends - self.spans.starts, self.max_len)  # no item is held out

    def target_slots(self) -> np.ndarray:
        """Expected masked slots: ``mask_prob · n`` (at least one); one on last-item copies."""
        lengths = self.input_lengths().astype(np.float64)
        copies = 2 if self.last_item_copy else 1
        last_only = np.arange(len(lengths)) >= len(lengths) // copies if copies == 2 else np.zeros(len(lengths), bool)
        return np.where(last_only, 1.0, np.maximum(self.mask_prob * lengths, 1.0))

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "mask_prob": self.mask_prob, "last_item_copy": self.last_item_copy}

    def span_batch(self, idx: np.ndarray, rng: np.random.Generator) -> SeqBatch:
        """inputs [B, W] with mask tokens, targets/negatives [B, W] (0 where not masked)."""
        ends = self.spans.ends[idx]
        items = left_pad(self.train.items, self.spans.starts[idx], ends, self.max_len)
        masked = cloze_mask(items > 0, self.mask_prob, self.last_only[idx], rng)
        return self.assemble(idx, np.where(masked, self.mask_id, items), np.where(masked, items, 0), ends, rng)
