from __future__ import annotations

import numpy as np
import pytest

from seqaug.data.corpus import corpus_from_lists, segment_positions
from seqaug.data.filters import drop_short_users, kcore
from seqaug.data.split import leave_one_out
from seqaug.data.stats import corpus_stats
from seqaug.errors import DataError


def test_segment_positions() -> None:
    assert segment_positions(np.array([3, 0, 7]), np.array([5, 0, 9])).tolist() == [3, 4, 7, 8]


def test_leave_one_out(small_corpus) -> None:
    sp = leave_one_out(small_corpus)
    assert [sp.train.sequence(u).tolist() for u in range(4)] == [[1, 2, 3], [2], [5, 1, 2, 6], [7, 6]]
    assert sp.valid.targets.tolist() == [4, 3, 7, 5]
    assert sp.test.targets.tolist() == [5, 4, 3, 4]
    assert sp.test.inputs.sequence(2).tolist() == [5, 1, 2, 6, 7]
    assert sp.valid.inputs is sp.train


def test_train_view_cannot_reach_held_out_items(synthetic) -> None:
    """Leakage: the train view owns copies and holds exactly s[:-2] per user."""
    sp = leave_one_out(synthetic)
    full = synthetic
    assert not np.shares_memory(sp.train.items, full.items)
    assert sp.train.num_interactions == full.num_interactions - 2 * full.num_users
    for u in range(full.num_users):
        assert sp.train.sequence(u).tolist() == full.sequence(u)[:-2].tolist()
    held = {(u, int(i)) for u in range(full.num_users) for i in full.sequence(u)[-2:]}
    seen_in_train = {(u, int(i)) for u in range(full.num_users) for i in sp.train.sequence(u)}
    assert not held & seen_in_train  # synthetic sequences have no repeats


def test_short_users_error_names_line() -> None:
    c = corpus_from_lists([[1, 2, 3], [1, 2], [3, 1, 2]], lines=None)
    with pytest.raises(DataError, match=r"has 2 interaction\(s\).*drop_short_users"):
        leave_one_out(c)
    assert leave_one_out(drop_short_users(c, 3)).full.num_users == 2


def naive_kcore(seqs: list[list[int]], uk: int, ik: int) -> list[list[int]]:
    while True:
        counts: dict[int, int] = {}
        for s in seqs:
            for i in s:
                counts[i] = counts.get(i, 0) + 1
        new = [[i for i in s if counts[i] >= ik] for s in seqs]
        new = [s for s in new if len(s) >= uk]
        if new == seqs:
            return seqs
        seqs = new


def test_kcore_matches_naive() -> None:
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 30, rng.integers(1, 12)).tolist() for _ in range(80)]
    c = kcore(corpus_from_lists(seqs), user_k=4, item_k=6)
    expected = naive_kcore(seqs, 4, 6)
    got = [c.item_ids[c.sequence(u)].tolist() for u in range(c.num_users)]
    assert got == expected
    assert c.num_items == len({i for s in expected for i in s})
    assert set(c.items.tolist()) == set(range(1, c.num_items + 1))  # compacted ids


def test_stats(small_corpus) -> None:
    s = corpus_stats(small_corpus)
    assert (s["users"], s["items"], s["interactions"]) == (4, 7, 18)
    assert s["avg_length"] == pytest.approx(4.5)
    assert s["sparsity"] == pytest.approx(1 - 18 / 28)
