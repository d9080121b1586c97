from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqaug.data.batching import left_pad, length_bucketed_order, pad_rows
from seqaug.data.corpus import corpus_from_lists
from seqaug.data.negatives import NegativeSampler
from seqaug.data.samples import Seq2SeqSamples
from seqaug.data.split import leave_one_out
from tests.conftest import naive_left_pad


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 50), min_size=0, max_size=12), min_size=1, max_size=8),
    st.integers(1, 10),
)
def test_left_pad_matches_naive(rows: list[list[int]], max_len: int) -> None:
    items = np.array([i for r in rows for i in r] or [0], dtype=np.int64)
    lens = np.array([len(r) for r in rows])
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    got = left_pad(items, starts, starts + lens, max_len)
    assert np.array_equal(got, naive_left_pad(rows, max_len))


def test_pad_rows_width_and_truncation(small_corpus) -> None:
    out = pad_rows(small_corpus, np.array([1, 2]), max_len=4)
    assert out.tolist() == [[0, 2, 3, 4], [2, 6, 7, 3]]
    assert pad_rows(small_corpus, np.array([1]), max_len=10).shape == (1, 3)


def test_seq2seq_samples_shift_and_negatives(synthetic) -> None:
    sp = leave_one_out(synthetic)
    neg = NegativeSampler(sp.train, sp.num_items)
    samples = Seq2SeqSamples(sp.train, neg, max_len=8, batch_size=32, length_bucketing=False)
    rng = np.random.default_rng(0)
    seen_users = []
    for batch in samples.epoch(rng):
        users = batch.users.numpy()
        seen_users += users.tolist()
        x, y, n = batch.inputs.numpy(), batch.targets.numpy(), batch.negatives.numpy()
        rows = [sp.train.sequence(u).tolist() for u in users]
        assert np.array_equal(x, naive_left_pad([r[:-1] for r in rows], 8))
        assert np.array_equal(y, naive_left_pad([r[1:] for r in rows], 8))
        assert ((n > 0) == (y > 0)).all()
        for r, negs in zip(rows, n):
            assert not set(negs[negs > 0].tolist()) & set(r)
    assert sorted(seen_users) == list(range(sp.train.num_users))


def test_length_bucketing_covers_everyone_with_tight_widths(synthetic) -> None:
    sp = leave_one_out(synthetic)
    samples = Seq2SeqSamples(sp.train, None, max_len=30, batch_size=16, length_bucketing=True)
    widths, users = [], []
    for batch in samples.epoch(np.random.default_rng(1)):
        lens = (batch.inputs > 0).sum(1)
        widths.append(batch.inputs.shape[1] - int(lens.min()))
        users += batch.users.tolist()
        assert batch.negatives is None
    assert sorted(users) == list(range(sp.train.num_users))
    assert np.mean(widths) < 2.0  # rows in a bucket have (almost) the same length


def test_bucketed_order_is_seeded() -> None:
    lengths = np.random.default_rng(0).integers(1, 9, 100)
    a = length_bucketed_order(lengths, 10, np.random.default_rng(5))
    b = length_bucketed_order(lengths, 10, np.random.default_rng(5))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_negative_sampler_excludes_history_and_is_seeded() -> None:
    c = corpus_from_lists([[1, 2, 3, 4, 5, 6, 7, 8], [9, 10]])  # user 0 has seen 8 of 10 items
    s = NegativeSampler(c, c.num_items)
    draws = s.sample(np.array([0, 1]), (2, 500), np.random.default_rng(0))
    assert set(np.unique(draws[0])) == {9, 10}
    assert not set(np.unique(draws[1])) & {9, 10}
    again = s.sample(np.array([0, 1]), (2, 500), np.random.default_rng(0))
    assert np.array_equal(draws, again)
    distinct = s.sample_distinct(np.array([1, 1, 1]), 8, np.random.default_rng(2))
    assert all(len(set(row)) == 8 for row in distinct.tolist())


def test_global_slot_weighting_gives_every_slot_the_same_weight(synthetic) -> None:
    """With length-bucketed batches, sum/slot_norm over an epoch equals the mean over all
    slots of the epoch; a per-batch mean would not (it favours short sequences)."""
    import torch

    from seqaug.methods.losses import _reduce

    sp = leave_one_out(synthetic)
    s = Seq2SeqSamples(sp.train, None, max_len=30, batch_size=16, length_bucketing=True)
    per_slot = {}  # a fake per-slot loss: the target item id
    total_global = total_batch = 0.0
    batches = list(s.epoch(np.random.default_rng(0)))
    for b in batches:
        vals = b.targets[b.targets > 0].double()
        total_global += float(_reduce(vals, b.slot_norm))
        total_batch += float(_reduce(vals, None))
        per_slot[len(per_slot)] = vals
    all_slots = torch.cat(list(per_slot.values()))
    n_batches = len(batches)
    # mean over batches of sum/slot_norm == (sum over all slots) / (n_batches * slot_norm)
    assert total_global / n_batches == pytest.approx(float(all_slots.sum()) / (n_batches * s.slot_norm))
    assert s.slot_norm == pytest.approx(16 * np.minimum(sp.train.lengths - 1, 30).mean())
    batch_mode = Seq2SeqSamples(sp.train, None, max_len=30, batch_size=16, slot_weighting="batch")
    assert batch_mode.slot_norm is None
    assert total_batch != pytest.approx(total_global)
