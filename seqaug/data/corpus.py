"""SequenceCorpus: per-user chronological item sequences stored as CSR arrays.

Internal item ids are 1..N; 0 is padding and N+1 is reserved for a mask token.
A million users cost a few arrays, never Python lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class SequenceCorpus:
    """Users' item sequences in CSR form.

    Attributes:
        offsets: int64 [U+1]; user u owns ``items[offsets[u]:offsets[u+1]]``.
        items: int64 [nnz]; internal item ids in 1..num_items, chronological per user.
        num_items: N, the size of the item vocabulary (ids 1..N).
        user_ids: raw user ids [U], in corpus order.
        item_ids: raw item ids [N+1]; ``item_ids[i]`` is the raw id of internal id i
            (entry 0 is a placeholder for padding).
        timestamps: optional [nnz] timestamps aligned with ``items``.
        source: the file the corpus was read from (for error messages).
        user_lines: optional int64 [U], the first source line of each user.
    """

    offsets: np.ndarray
    items: np.ndarray
    num_items: int
    user_ids: np.ndarray
    item_ids: np.ndarray
    timestamps: np.ndarray | None = None
    source: str | None = None
    user_lines: np.ndarray | None = field(default=None, repr=False)

    @property
    def num_users(self) -> int:
        return len(self.offsets) - 1

    @property
    def num_interactions(self) -> int:
        return int(self.offsets[-1])

    @property
    def lengths(self) -> np.ndarray:
        """int64 [U] sequence lengths."""
        return np.diff(self.offsets)

    @property
    def mask_id(self) -> int:
        """The reserved mask-token id N+1."""
        return self.num_items + 1

    def sequence(self, user: int) -> np.ndarray:
        """Internal item ids of one user (a view, chronological)."""
        return self.items[self.offsets[user] : self.offsets[user + 1]]

    def where(self, user: int) -> str:
        """'file:line' of a user, for error messages."""
        src = self.source or "<data>"
        if self.user_lines is not None:
            return f"{src}:{int(self.user_lines[user])}"
        return f"{src} (user {self.user_ids[user]})"

    def drop_last(self, k: int) -> SequenceCorpus:
        """A copy without the last ``k`` items of every user (users keep their order).

        The result owns new arrays: it cannot reach the dropped items.
        """
        if k == 0:
            return self
        lengths = self.lengths
        if (lengths < k).any():
            raise ValueError(f"drop_last({k}) needs every sequence to have at least {k} items")
        keep_len = lengths - k
        offsets = np.zeros_like(self.offsets)
        np.cumsum(keep_len, out=offsets[1:])
        positions = segment_positions(self.offsets[:-1], self.offsets[:-1] + keep_len)
        return replace(
            self,
            offsets=offsets,
            items=self.items[positions].copy(),
            timestamps=None if self.timestamps is None else self.timestamps[positions].copy(),
        )

    def select_users(self, users: np.ndarray) -> SequenceCorpus:
        """A corpus with only ``users`` (indices, in the given order); items keep their ids."""
        users = np.asarray(users, dtype=np.int64)
        starts, ends = self.offsets[users], self.offsets[users + 1]
        positions = segment_positions(starts, ends)
        offsets = np.zeros(len(users) + 1, dtype=np.int64)
        np.cumsum(ends - starts, out=offsets[1:])
        return replace(
            self,
            offsets=offsets,
            items=self.items[positions],
            user_ids=self.user_ids[users],
            timestamps=None if self.timestamps is None else self.timestamps[positions],
            user_lines=None if self.user_lines is None else self.user_lines[users],
        )

    def item_counts(self) -> np.ndarray:
        """int64 [N+2] number of interactions per internal id (0 and N+1 are 0)."""
        return np.bincount(self.items, minlength=self.num_items + 2)


def segment_positions(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Flat indices of the concatenated ranges ``[starts[i], ends[i])``, vectorized."""
    starts = np.asarray(starts, dtype=np.int64)
    lens = np.asarray(ends, dtype=np.int64) - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    seg_begin = np.repeat(np.cumsum(lens) - lens, lens)
    return np.arange(total, dtype=np.int64) - seg_begin + np.repeat(starts, lens)


def segment_rows(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Row index of every element of :func:`segment_positions`."""
    lens = np.asarray(ends, dtype=np.int64) - np.asarray(starts, dtype=np.int64)
    return np.repeat(np.arange(len(lens), dtype=np.int64), lens)


def corpus_from_interactions(
    users: np.ndarray,
    items: np.ndarray,
    timestamps: np.ndarray | None = None,
    *,
    sort_key: np.ndarray | None = None,
    source: str | None = None,
    lines: np.ndarray | None = None,
) -> SequenceCorpus:
    """Build a corpus from parallel interaction arrays (raw ids, any hashable dtype).

    Users keep the order of their first appearance. Within a user, interactions are
    sorted by ``sort_key`` (default: the timestamps; stable, so ties keep input order)
    or kept in input order when there is neither.
    Internal item ids follow the sorted order of raw ids, so integer ids 1..N map
    to themselves.
    """
    users = np.asarray(users)
    items = np.asarray(items)
    n = len(users)
    if n == 0:
        raise ValueError("no interactions")
    uniq_users, first_idx, user_inv = np.unique(users, return_index=True, return_inverse=True)
    order_of_first = np.argsort(first_idx, kind="stable")
    rank = np.empty_like(order_of_first)
    rank[order_of_first] = np.arange(len(order_of_first))
    user_code = rank[user_inv.reshape(-1)]
    if sort_key is None:
        sort_key = timestamps
    if sort_key is not None:
        order = np.lexsort((np.arange(n), np.asarray(sort_key), user_code))
    else:
        order = np.lexsort((np.arange(n), user_code))
    uniq_items, item_inv = np.unique(items, return_inverse=True)
    internal = item_inv.reshape(-1).astype(np.int64) + 1
    counts = np.bincount(user_code, minlength=len(uniq_users))
    offsets = np.zeros(len(uniq_users) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    user_lines = None
    if lines is not None:
        user_lines = np.asarray(lines, dtype=np.int64)[first_idx[order_of_first]]
    item_ids = np.empty(len(uniq_items) + 1, dtype=uniq_items.dtype if uniq_items.dtype.kind in "iu" else object)
    item_ids[0] = 0 if item_ids.dtype.kind in "iu" else None
    item_ids[1:] = uniq_items
    return SequenceCorpus(
        offsets=offsets,
        items=internal[order],
        num_items=len(uniq_items),
        user_ids=uniq_users[order_of_first],
        item_ids=item_ids,
        timestamps=None if timestamps is None else np.asarray(timestamps)[order],
        source=source,
        user_lines=user_lines,
    )


def corpus_from_lists(sequences: list[list[int]], **kwargs: object) -> SequenceCorpus:
    """Convenience for tests: integer sequences (raw ids), users numbered from 1."""
    lens = [len(s) for s in sequences]
    users = np.repeat(np.arange(1, len(sequences) + 1), lens)
    items = np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences])
    return corpus_from_interactions(users, items, **kwargs)  # type: ignore[arg-type]
