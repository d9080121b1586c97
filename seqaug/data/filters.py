"""Iterated k-core filtering and id compaction."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from seqaug.data.corpus import SequenceCorpus


def kcore(corpus: SequenceCorpus, user_k: int = 0, item_k: int = 0) -> SequenceCorpus:
    """Repeatedly drop items with fewer than ``item_k`` and users with fewer than
    ``user_k`` interactions until both hold; item ids are compacted to 1..N'."""
    if user_k <= 1 and item_k <= 1:
        return corpus
    user_of = np.repeat(np.arange(corpus.num_users), corpus.lengths)
    keep = np.ones(corpus.num_interactions, dtype=bool)
    while True:
        item_counts = np.bincount(corpus.items[keep], minlength=corpus.num_items + 1)
        user_counts = np.bincount(user_of[keep], minlength=corpus.num_users)
        bad = keep & ((item_counts[corpus.items] < item_k) | (user_counts[user_of] < user_k))
        if not bad.any():
            break
        keep &= ~bad
    return _keep(corpus, keep, user_of)


def drop_short_users(corpus: SequenceCorpus, min_len: int) -> SequenceCorpus:
    """Drop users with fewer than ``min_len`` interactions (items are not re-filtered)."""
    user_of = np.repeat(np.arange(corpus.num_users), corpus.lengths)
    keep = (corpus.lengths >= min_len)[user_of]
    return _keep(corpus, keep, user_of)


def _keep(corpus: SequenceCorpus, keep: np.ndarray, user_of: np.ndarray) -> SequenceCorpus:
    if keep.all():
        return corpus
    items = corpus.items[keep]
    users_left = np.unique(user_of[keep])
    counts = np.bincount(user_of[keep], minlength=corpus.num_users)[users_left]
    offsets = np.zeros(len(users_left) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    used = np.unique(items)
    remap = np.zeros(corpus.num_items + 2, dtype=np.int64)
    remap[used] = np.arange(1, len(used) + 1)
    item_ids = np.concatenate([corpus.item_ids[:1], corpus.item_ids[used]])
    return replace(
        corpus,
        offsets=offsets,
        items=remap[items],
        num_items=len(used),
        user_ids=corpus.user_ids[users_left],
        item_ids=item_ids,
        timestamps=None if corpus.timestamps is None else corpus.timestamps[keep],
        user_lines=None if corpus.user_lines is None else corpus.user_lines[users_left],
    )
