"""A seeded synthetic dataset with learnable sequential structure.

Item popularity follows a power law; sequence lengths have a long tail; each item has
a few fixed successors and the next item follows one of them with probability
``follow``, otherwise it is drawn by popularity. A sequential model can therefore beat
popularity by a wide margin, which makes the data useful for tests and the quickstart.
"""

from __future__ import annotations

import numpy as np

from seqaug.data.corpus import SequenceCorpus, corpus_from_interactions


def make_synthetic(
    num_users: int = 2000,
    num_items: int = 500,
    *,
    mean_length: float = 10.0,
    min_length: int = 5,
    max_length: int = 60,
    zipf: float = 1.0,
    follow: float = 0.7,
    successors: int = 3,
    seed: int = 0,
) -> SequenceCorpus:
    """Generate a corpus (raw ids 1..num_items, users 1..num_users, timestamps = step)."""
    if min_length < 1 or max_length < min_length or num_items < successors + max_length:
        raise ValueError("need 1 <= min_length <= max_length and num_items >= successors + max_length")
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, num_items + 1) ** zipf
    popularity = popularity[rng.permutation(num_items)]
    popularity /= popularity.sum()
    succ = rng.choice(num_items, size=(num_items, successors), p=popularity)
    extra = rng.geometric(1.0 / max(mean_length - min_length + 1, 1.0), size=num_users) - 1
    lengths = np.minimum(min_length + extra, max_length)
    seqs = np.zeros((num_users, max_length), dtype=np.int64)
    seqs[:, 0] = rng.choice(num_items, size=num_users, p=popularity)
    for t in range(1, max_length):
        prev = seqs[:, t - 1]
        nxt = np.where(
            rng.random(num_users) < follow,
            succ[prev, rng.integers(0, successors, num_users)],
            rng.choice(num_items, size=num_users, p=popularity),
        )
        for _ in range(10):  # redraw repeats by popularity, a few rounds over the batch
            rep = (seqs[:, :t] == nxt[:, None]).any(axis=1)
            if not rep.any():
                break
            nxt[rep] = rng.choice(num_items, size=int(rep.sum()), p=popularity)
        seqs[:, t] = nxt
    keep = np.arange(max_length)[None, :] < lengths[:, None]
    users = np.broadcast_to(np.arange(1, num_users + 1)[:, None], seqs.shape)[keep]
    steps = np.broadcast_to(np.arange(max_length)[None, :], seqs.shape)[keep]
    return corpus_from_interactions(users, seqs[keep] + 1, steps.astype(np.int64), source="<synthetic>")
