"""Uniform negative sampling that avoids each user's history, vectorized.

Membership is tested with one sorted array of ``user * (N + 2) + item`` keys and
``np.searchsorted``; rejected draws are redrawn round by round (never per sample).
"""

from __future__ import annotations

import numpy as np

from seqaug.data.corpus import SequenceCorpus, segment_rows
from seqaug.errors import SeqaugError

MAX_ROUNDS = 1000


class NegativeSampler:
    """Draws items in 1..N that the user has not interacted with in ``history``.

    ``history`` is what counts as "seen": the train view by default (leak-free); the
    S3Rec-family reference code excludes the whole sequence (pass the full corpus).
    """

    def __init__(self, history: SequenceCorpus, num_items: int) -> None:
        self.num_items = num_items
        self._stride = num_items + 2
        rows = segment_rows(history.offsets[:-1], history.offsets[1:])
        self._keys = np.unique(rows * self._stride + history.items)
        self._room = num_items - np.bincount(self._keys // self._stride, minlength=history.num_users)

    def contains(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """bool, same shape as ``items``: True where ``items`` is in the user's history."""
        keys = np.asarray(users, dtype=np.int64) * self._stride + items
        pos = np.searchsorted(self._keys, keys)
        pos = np.minimum(pos, len(self._keys) - 1)
        return self._keys[pos] == keys

    def sample(self, users: np.ndarray, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """int64 array of ``shape`` whose first axis is aligned with ``users``."""
        users = np.asarray(users, dtype=np.int64)
        if (self._room[users] <= 0).any():
            bad = int(users[self._room[users] <= 0][0])
            raise SeqaugError(f"user index {bad} has interacted with every item; no negative can be drawn")
        out = rng.integers(1, self.num_items + 1, size=shape, dtype=np.int64)
        owner = np.broadcast_to(users.reshape((-1,) + (1,) * (len(shape) - 1)), shape)
        bad = self.contains(owner, out)
        for _ in range(MAX_ROUNDS):
            n_bad = int(bad.sum())
            if n_bad == 0:
                return out
            out[bad] = rng.integers(1, self.num_items + 1, size=n_bad, dtype=np.int64)
            bad[bad] = self.contains(owner[bad], out[bad])
        raise SeqaugError("negative sampling did not converge; users have seen almost every item")

    def sample_distinct(self, users: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
        """[B, k] negatives, distinct within each row (for sampled evaluation)."""
        users = np.asarray(users, dtype=np.int64)
        if (self._room[users] < k).any():
            bad = int(users[self._room[users] < k][0])
            raise SeqaugError(f"user index {bad} has fewer than {k} unseen items to draw negatives from")
        out = self.sample(users, (len(users), k), rng)
        for _ in range(MAX_ROUNDS):
            srt = np.sort(out, axis=1)
            dup_sorted = np.zeros_like(out, dtype=bool)
            dup_sorted[:, 1:] = srt[:, 1:] == srt[:, :-1]
            if not dup_sorted.any():
                return out
            # Mark the later occurrence of every duplicate in original order.
            order = np.argsort(out, axis=1, kind="stable")
            dup = np.zeros_like(dup_sorted)
            np.put_along_axis(dup, order, dup_sorted, axis=1)
            rows = np.nonzero(dup)[0]
            out[dup] = self.sample(users[rows], (len(rows),), rng)
        raise SeqaugError("could not draw distinct negatives")
