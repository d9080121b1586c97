"""Sample constructions: prefix, cloze, windows (property tests against naive versions),
timestamps, and the config-level choice and checks."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqaug.data.cloze import ClozeSamples, cloze_mask
from seqaug.data.constructions import (
    AutoSamplesParams,
    ClozeParams,
    PrefixParams,
    Seq2SeqParams,
    WindowParams,
    check_construction,
    resolve_samples,
)
from seqaug.data.corpus import corpus_from_lists
from seqaug.data.negatives import NegativeSampler
from seqaug.data.prefix import PrefixSamples
from seqaug.data.samples import Seq2SeqSamples
from seqaug.data.split import leave_one_out
from seqaug.data.windows import WindowSamples, window_spans
from seqaug.errors import ConfigError
from tests.conftest import naive_left_pad

sequences = st.lists(st.lists(st.integers(1, 30), min_size=1, max_size=14), min_size=1, max_size=8)


def corpus(rows: list[list[int]]):
    # corpus_from_lists maps raw ids to 1..N in sorted order; keep the raw ids by adding 1..30.
    c = corpus_from_lists([list(range(1, 31)), *rows])
    return c.select_users(np.arange(1, c.num_users))


def all_batches(samples, seed: int = 0) -> list:
    return list(samples.epoch(np.random.default_rng(seed)))


@settings(max_examples=40, deadline=None)
@given(sequences, st.integers(1, 6), st.booleans())
def test_prefix_samples_are_every_prefix_once(rows: list[list[int]], max_len: int, bucketing: bool) -> None:
    c = corpus(rows)
    samples = PrefixSamples(c, None, max_len=max_len, batch_size=5, length_bucketing=bucketing)
    assert len(samples.spans) == sum(len(r) - 1 for r in rows)
    got = Counter()
    for b in all_batches(samples):
        assert b.targets.shape == (b.size,) and b.inputs.shape[1] <= max_len
        for user, row, target in zip(b.users.tolist(), b.inputs.tolist(), b.targets.tolist()):
            real = [x for x in row if x]
            assert row == [0] * (len(row) - len(real)) + real  # left padding
            got[(user, tuple(real), target)] += 1
    expected = Counter((u, tuple(r[:j][-max_len:]), r[j]) for u, r in enumerate(rows) for j in range(1, len(r)))
    assert got == expected


def test_prefix_negatives_avoid_the_history(synthetic) -> None:
    sp = leave_one_out(synthetic)
    samples = PrefixSamples(sp.train, NegativeSampler(sp.train, sp.num_items), max_len=6, batch_size=64)
    rows = 0
    for b in all_batches(samples):
        assert b.negatives.shape == b.targets.shape
        for user, neg in zip(b.users.tolist(), b.negatives.tolist()):
            assert neg not in sp.train.sequence(user).tolist()
        rows += b.size
    assert rows == int((sp.train.lengths - 1).sum())


@settings(max_examples=40, deadline=None)
@given(sequences, st.floats(0.05, 1.0), st.booleans(), st.integers(0, 10**6))
def test_cloze_masks_real_items_only(rows: list[list[int]], p: float, copy: bool, seed: int) -> None:
    c = corpus(rows)
    mask_id = c.num_items + 1
    samples = ClozeSamples(c, None, mask_id=mask_id, mask_prob=p, last_item_copy=copy, max_len=10, batch_size=4)
    assert len(samples.spans) == len(rows) * (2 if copy else 1)
    only_last = Counter()
    for b in all_batches(samples, seed):
        x, y = b.inputs.numpy(), b.targets.numpy()
        for user, xi, yi in zip(b.users.tolist(), x, y):
            original = naive_left_pad([rows[user]], 10)[0][-len(xi) :]
            original = np.concatenate([np.zeros(len(xi) - len(original), dtype=np.int64), original])
            masked = xi == mask_id
            assert masked.any() and (original[masked] > 0).all()  # >= 1 mask, never on padding
            assert (yi[masked] == original[masked]).all() and (yi[~masked] == 0).all()
            assert (xi[~masked] == original[~masked]).all()
            only_last[user] += int(masked.sum() == 1 and masked[-1])
    if copy:  # every user once more with only its last item masked
        assert all(only_last[u] >= 1 for u in range(len(rows)))


def test_cloze_mask_rate_last_only_and_seed() -> None:
    real = np.zeros((4000, 10), dtype=bool)
    real[:, 3:] = True
    m = cloze_mask(real, 0.3, np.zeros(4000, dtype=bool), np.random.default_rng(0))
    assert not m[:, :3].any() and m.any(1).all()
    assert m[:, 3:].mean() == pytest.approx(0.3 + 0.7**7 / 7, abs=0.01)  # + forced single masks
    last = cloze_mask(real, 0.9, np.ones(4000, dtype=bool), np.random.default_rng(0))
    assert last[:, -1].all() and last.sum() == 4000
    again = cloze_mask(real, 0.3, np.zeros(4000, dtype=bool), np.random.default_rng(0))
    assert np.array_equal(m, again)


@settings(max_examples=60, deadline=None)
@given(sequences, st.integers(2, 6), st.integers(1, 6), st.booleans())
def test_windows_cover_each_sequence(rows: list[list[int]], length: int, stride: int, keep_full: bool) -> None:
    c = corpus(rows)
    if stride > length:
        with pytest.raises(ValueError, match="1 <= stride <= length"):
            window_spans(c, length, stride, keep_full)
        return
    spans = window_spans(c, length, stride, keep_full)
    for u, r in enumerate(rows):
        mine = spans.users == u
        starts = spans.starts[mine] - c.offsets[u]
        ends = spans.ends[mine] - c.offsets[u]
        if len(r) < 2:
            assert not mine.any()
            continue
        covered = np.zeros(len(r), dtype=bool)
        for s, e in zip(starts, ends):
            covered[s:e] = True
        assert covered.all() and (starts >= 0).all() and (ends <= len(r)).all()
        windows = sorted(zip(starts.tolist(), ends.tolist()))
        full = [(s, e) for s, e in windows if e - s > length]
        assert full == ([(0, len(r))] if keep_full and len(r) > length else [])
        regular = [w for w in windows if w not in full]
        assert all(e - s == min(length, len(r)) for s, e in regular)
        assert len(set(regular)) == len(regular)
        assert [s for s, _ in regular[:-1]] == list(range(0, stride * (len(regular) - 1), stride))


def test_window_batches_are_seq2seq_inside_windows(small_corpus) -> None:
    samples = WindowSamples(small_corpus, None, length=3, stride=2, max_len=10, batch_size=100)
    (b,) = all_batches(samples)
    pairs = sorted(zip(b.users.tolist(), b.inputs.tolist(), b.targets.tolist()))
    assert pairs == sorted(
        [
            (0, [1, 2], [2, 3]),
            (0, [3, 4], [4, 5]),
            (1, [2, 3], [3, 4]),
            (2, [5, 1], [1, 2]),
            (2, [2, 6], [6, 7]),
            (2, [6, 7], [7, 3]),
            (3, [7, 6], [6, 5]),
            (3, [6, 5], [5, 4]),
        ]
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda c: Seq2SeqSamples(c, None, max_len=4, batch_size=3, timestamps=True),
        lambda c: PrefixSamples(c, None, max_len=4, batch_size=3, timestamps=True),
        lambda c: ClozeSamples(c, None, mask_id=99, mask_prob=0.5, max_len=4, batch_size=3, timestamps=True),
        lambda c: WindowSamples(c, None, length=3, max_len=4, batch_size=3, timestamps=True),
    ],
)
def test_timestamps_are_aligned_with_inputs(make) -> None:
    rows = [[1, 2, 3, 4, 5, 6], [2, 3], [5, 1, 2, 6, 7]]
    times = [np.arange(len(r)) * 10 + 100 * u + 1000 for u, r in enumerate(rows)]
    c = corpus_from_lists(rows, timestamps=np.concatenate(times))
    lookup = {(u, int(t)): rows[u][k] for u in range(3) for k, t in enumerate(times[u])}
    for b in all_batches(make(c)):
        assert b.timestamps.shape == b.inputs.shape
        for u, xs, ts in zip(b.users.tolist(), b.inputs.tolist(), b.timestamps.tolist()):
            for x, t in zip(xs, ts):
                assert (x == 0) == (t == 0) or x == 99  # padding has time 0
                if x not in (0, 99):
                    assert lookup[(u, t)] == x
    with pytest.raises(ValueError, match="the corpus has none"):
        make(corpus_from_lists(rows))


def test_constructions_are_seeded(synthetic) -> None:
    sp = leave_one_out(synthetic)
    neg = NegativeSampler(sp.train, sp.num_items)
    for make in (
        lambda: PrefixSamples(sp.train, neg, max_len=8, batch_size=50, length_bucketing=True),
        lambda: ClozeSamples(sp.train, neg, mask_id=sp.num_items + 1, mask_prob=0.4, max_len=8, batch_size=50),
        lambda: WindowSamples(sp.train, neg, length=4, stride=2, max_len=8, batch_size=50),
    ):
        a, b, c = all_batches(make(), 3), all_batches(make(), 3), all_batches(make(), 4)
        assert all((x.inputs == y.inputs).all() and (x.negatives == y.negatives).all() for x, y in zip(a, b))
        assert any(x.inputs.shape != y.inputs.shape or (x.inputs != y.inputs).any() for x, y in zip(a, c))


FLAGS = {"backbone": "b", "method": "m", "accepted": ["seq2seq", "window", "prefix", "cloze"]}


def test_auto_resolves_to_the_backbone_preference() -> None:
    assert resolve_samples(AutoSamplesParams(), "prefix") == PrefixParams()
    assert resolve_samples(AutoSamplesParams(), "cloze") == ClozeParams()
    assert resolve_samples(WindowParams(length=5), "prefix") == WindowParams(length=5)


@pytest.mark.parametrize(
    ("params", "causal", "mask_token", "message"),
    [
        (Seq2SeqParams(), False, False, "'seq2seq' trains every slot on the next item, which leaks the target into"),
        (WindowParams(), False, False, "valid choices: prefix (or a causal variant"),
        (ClozeParams(), True, False, "'cloze' trains at mask tokens but backbone 'b' is scored at its last item"),
        (PrefixParams(), False, True, "valid choices: cloze"),
    ],
)
def test_invalid_combinations_are_refused(params, causal: bool, mask_token: bool, message: str) -> None:
    with pytest.raises(ConfigError, match="^data.samples: ") as err:
        check_construction(params, causal=causal, mask_token=mask_token, **FLAGS)
    assert message in str(err.value)


def test_method_must_accept_the_construction() -> None:
    check_construction(PrefixParams(), causal=False, mask_token=False, **FLAGS)
    with pytest.raises(ConfigError, match="method 'm' does not train on 'prefix' samples; valid choices: seq2seq"):
        check_construction(PrefixParams(), causal=True, mask_token=False, **{**FLAGS, "accepted": ["seq2seq"]})
