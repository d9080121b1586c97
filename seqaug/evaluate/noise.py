"""Noisy test histories (CoSeRec's robustness experiment, Liu et al. 2021 §5.4; reference
flag ``--noise_ratio``): ``floor(ratio * n)`` random items the user never interacted with
(not in the whole sequence, so never the target) are inserted into each test input, each
right before a randomly chosen original item (positions without replacement). Validation
inputs and training data are untouched. The inserted items also count as history for the
full-ranking mask (they are part of the history the model sees); being outside the user's
sequence they are never the target, so this only removes wrong candidates.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from seqaug.data.corpus import SequenceCorpus, segment_rows
from seqaug.data.negatives import NegativeSampler
from seqaug.data.split import EvalContext


def inject_test_noise(context: EvalContext, full: SequenceCorpus, ratio: float, seed: int) -> EvalContext:
    """``context`` with noise items inserted into every input sequence (vectorized)."""
    inputs = context.inputs
    if ratio <= 0.0:
        return context
    rng = np.random.default_rng(seed)
    lengths = inputs.lengths
    k = np.floor(ratio * lengths.astype(np.float64)).astype(np.int64)
    rows = segment_rows(inputs.offsets[:-1], inputs.offsets[1:])
    order = np.lexsort((rng.random(len(rows)), rows))  # random order within each user
    rank = np.empty(len(rows), dtype=np.int64)
    rank[order] = np.arange(len(rows)) - inputs.offsets[rows[order]]
    chosen = rank < k[rows]
    noise = NegativeSampler(full, full.num_items).sample(rows[chosen], (int(chosen.sum()),), rng)
    offsets = np.zeros_like(inputs.offsets)
    np.cumsum(lengths + k, out=offsets[1:])
    cs = np.cumsum(chosen)
    before = cs - np.concatenate([[0], cs])[inputs.offsets[rows]]  # insertions up to each item, in its row
    dest = offsets[rows] + (np.arange(len(rows)) - inputs.offsets[rows]) + before  # new slot of each original
    items = np.zeros(int(offsets[-1]), dtype=inputs.items.dtype)
    items[dest] = inputs.items
    items[dest[chosen] - 1] = noise
    noisy = replace(inputs, offsets=offsets, items=items, timestamps=None, user_lines=None)
    return EvalContext(context.name, noisy, context.targets)
