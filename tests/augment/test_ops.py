"""Property tests of the five batched operators against their per-sequence definitions."""

from __future__ import annotations

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqaug.augment import ops
from seqaug.augment.ops import AugResult

OFFSET = 100  # the test table maps item i to i + OFFSET: replacements are recognisable


class ShiftTable:
    def lookup(self, ids: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return torch.where(ids > 0, ids + OFFSET, ids)


rows_st = st.lists(st.lists(st.integers(1, 60), min_size=1, max_size=12), min_size=1, max_size=6)
rate_st = st.floats(0.0, 1.0)
rounding_st = st.sampled_from(["floor", "floor_min1", "ceil"])
window_st = st.sampled_from(["exclude_last", "any"])


def batch(rows: list[list[int]], extra: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows) + extra
    ids = torch.tensor([[0] * (width - len(r)) + r for r in rows])
    return ids, torch.tensor([len(r) for r in rows])


def expected_count(rate: float, n: int, rounding: str) -> int:
    k = math.ceil(rate * n) if rounding == "ceil" else int(rate * n)
    return min(max(k, 1) if rounding == "floor_min1" else k, n)


def seq(res: AugResult, b: int) -> list[int]:
    """Row b of a result as a list (the last ``length`` slots), checking left padding."""
    row, n = res.ids[b].tolist(), int(res.lengths[b])
    assert row[: len(row) - n] == [0] * (len(row) - n), "padding must stay on the left"
    return row[len(row) - n :]


def run(op, rows, rate, seed, **kw) -> tuple[torch.Tensor, torch.Tensor, AugResult]:
    ids, lengths = batch(rows)
    rates = torch.full((len(rows),), rate, dtype=torch.float64)
    return ids, lengths, op(ids, lengths, rates, torch.Generator().manual_seed(seed), **kw)


@settings(max_examples=80, deadline=None)
@given(rows_st, rate_st, rounding_st, window_st, st.integers(0, 2**31))
def test_crop_keeps_a_contiguous_block(rows, rate, rounding, window, seed) -> None:
    _, _, res = run(ops.crop, rows, rate, seed, rounding=rounding, window=window)
    for b, r in enumerate(rows):
        n, raw = len(r), expected_count(rate, len(r), rounding)
        out = seq(res, b)
        assert len(out) == min(max(raw, 1), n)
        starts = [s for s in range(n - len(out) + 1) if r[s : s + len(out)] == out]
        assert starts, "crop must be a contiguous block"
        if window == "exclude_last" and 1 <= raw < n and len(set(r)) == n:
            assert starts[0] + len(out) <= n - 1, "the code's window never holds the last item"
    assert not res.aligned.any() and (res.op == ops.OPS.index("crop")).all()


@settings(max_examples=80, deadline=None)
@given(rows_st, rate_st, rounding_st, st.sampled_from([0, 61]), st.integers(0, 2**31))
def test_mask_replaces_exactly_count_items(rows, rate, rounding, token, seed) -> None:
    _, lengths, res = run(ops.mask, rows, rate, seed, rounding=rounding, token=token)
    assert torch.equal(res.lengths, lengths) and res.aligned.all()
    for b, r in enumerate(rows):
        out = seq(res, b)
        masked = [i for i, (x, y) in enumerate(zip(r, out)) if x != y]
        assert len(masked) == expected_count(rate, len(r), rounding)
        assert all(out[i] == token for i in masked)


@settings(max_examples=80, deadline=None)
@given(rows_st, rate_st, rounding_st, window_st, st.integers(0, 2**31))
def test_reorder_permutes_one_block(rows, rate, rounding, window, seed) -> None:
    _, lengths, res = run(ops.reorder, rows, rate, seed, rounding=rounding, window=window)
    assert torch.equal(res.lengths, lengths) and res.aligned.all()
    for b, r in enumerate(rows):
        out, c = seq(res, b), expected_count(rate, len(r), rounding)
        assert sorted(out) == sorted(r), "reorder must preserve the multiset"
        changed = [i for i in range(len(r)) if out[i] != r[i]]
        if changed:
            assert changed[-1] - changed[0] < c, "changes must lie in one block of the count"
        if window == "exclude_last" and c < len(r):
            assert out[-1] == r[-1]


@settings(max_examples=80, deadline=None)
@given(rows_st, rate_st, rounding_st, st.integers(0, 2**31))
def test_substitute_uses_the_table(rows, rate, rounding, seed) -> None:
    _, lengths, res = run(ops.substitute, rows, rate, seed, table=ShiftTable(), rounding=rounding)
    assert torch.equal(res.lengths, lengths) and res.aligned.all()
    for b, r in enumerate(rows):
        out = seq(res, b)
        replaced = [i for i in range(len(r)) if out[i] != r[i]]
        assert len(replaced) == expected_count(rate, len(r), rounding)
        assert all(out[i] == r[i] + OFFSET for i in replaced)


@settings(max_examples=80, deadline=None)
@given(rows_st, rate_st, rounding_st, st.integers(1, 14), st.integers(0, 2**31))
def test_insert_puts_the_neighbour_before_its_item(rows, rate, rounding, max_len, seed) -> None:
    _, _, res = run(ops.insert, rows, rate, seed, table=ShiftTable(), rounding=rounding, max_len=max_len)
    assert res.ids.shape[1] <= max_len and not res.aligned.any()
    for b, r in enumerate(rows):
        k = expected_count(rate, len(r), rounding)
        out = seq(res, b)
        assert len(out) == min(len(r) + k, max_len)
        originals = [x for x in out if x < OFFSET]
        assert originals == r[len(r) - len(originals) :], "originals keep their order; the most recent are kept"
        for i, x in enumerate(out):
            if x > OFFSET:
                assert out[i + 1] == x - OFFSET, "an inserted item sits right before its source"


@settings(max_examples=30, deadline=None)
@given(rows_st, rate_st, st.integers(0, 2**31))
def test_same_seed_same_output(rows, rate, seed) -> None:
    for op, kw in [
        (ops.crop, {}),
        (ops.mask, {}),
        (ops.reorder, {}),
        (ops.substitute, {"table": ShiftTable()}),
        (ops.insert, {"table": ShiftTable(), "max_len": 20}),
    ]:
        a, b = run(op, rows, rate, seed, **kw)[2], run(op, rows, rate, seed, **kw)[2]
        assert torch.equal(a.ids, b.ids) and torch.equal(a.lengths, b.lengths)


def test_count_rounding_matches_python() -> None:
    rates = torch.tensor([0.7, 0.7, 0.2, 0.1, 0.05, 0.6], dtype=torch.float64)
    n = torch.tensor([2, 10, 4, 30, 3, 5])
    for rounding in ("floor", "floor_min1", "ceil"):
        got = ops.op_count(rates, n, rounding).tolist()
        want = [expected_count(float(r), int(m), rounding) for r, m in zip(rates, n)]
        assert got == want
        assert all(ops.op_count_bound(float(r), int(m), rounding) >= g for r, m, g in zip(rates, n, got))


def test_reorder_shuffles_uniformly() -> None:
    """All 3! orders of a fully reordered block show up about equally often."""
    ids = torch.tensor([[1, 2, 3]]).repeat(6000, 1)
    res = ops.reorder(
        ids,
        torch.full((6000,), 3),
        torch.ones(6000, dtype=torch.float64),
        torch.Generator().manual_seed(0),
        window="any",
    )
    _, counts = torch.unique(res.ids, dim=0, return_counts=True)
    assert len(counts) == 6 and counts.min() > 850


def test_mask_with_padding_token_keeps_length_and_device_draws_are_cpu() -> None:
    ids = torch.tensor([[0, 5, 6, 7, 8]])
    res = ops.mask(ids, torch.tensor([4]), torch.tensor([0.5], dtype=torch.float64), torch.Generator())
    assert int(res.lengths[0]) == 4 and int((res.ids[0, 1:] == 0).sum()) == 2
