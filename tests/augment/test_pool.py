"""Length-aware operator pools and their configuration."""

from __future__ import annotations

from dataclasses import fields

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqaug.augment import ops
from seqaug.augment.ops import OPS, AugResult, OpTables
from seqaug.augment.pool import Operator, OperatorPool
from seqaug.augment.rates import Fixed, Uniform
from seqaug.config import validate
from seqaug.errors import ConfigError
from seqaug.methods.coserec import CoSeRecParams
from seqaug.methods.operator_params import operator_pool
from tests.augment.test_ops import OFFSET, ShiftTable, batch, expected_count, seq
from tests.conftest import tiny_config


def lengths_batch(b: int = 400, width: int = 12, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, width + 1, (b,), generator=g)
    ids = torch.randint(1, 50, (b, width), generator=g)
    ids[torch.arange(width)[None, :] < (width - lengths)[:, None]] = 0
    return ids, lengths


def test_short_rows_draw_from_the_short_pool_only() -> None:
    ops = {c: Operator(n, Uniform(0.2, 0.6), "floor_min1") for c, n in zip("CMRSI", OPS)}
    pool = OperatorPool([ops[c] for c in "SIMCR"], [ops[c] for c in "SIM"], threshold=4)
    ids, lengths = lengths_batch()
    res = pool(ids, lengths, torch.Generator().manual_seed(1), table=ShiftTable(), max_len=20)
    names = [OPS[i] for i in res.op.tolist()]
    short = lengths <= 4
    assert {n for n, s in zip(names, short) if s} == {"substitute", "insert", "mask"}
    assert {n for n, s in zip(names, short) if not s} == set(OPS)
    assert ((res.rate >= 0.2) & (res.rate <= 0.6)).all()
    assert torch.equal(res.aligned, torch.tensor([n in ("mask", "reorder", "substitute") for n in names]))
    grow, same = res.op == OPS.index("insert"), res.op > OPS.index("crop")
    assert (res.lengths[grow] > lengths[grow]).all()
    assert torch.equal(res.lengths[same & ~grow], lengths[same & ~grow])
    assert res.ids.shape[1] == pool.width(12, 20) == 12 + 7  # insert adds at most floor(0.6 * 12) items


def test_single_pool_and_uniform_choice() -> None:
    pool = OperatorPool([Operator(n, Fixed(0.5), "floor") for n in ("crop", "mask", "reorder")])
    ids, lengths = lengths_batch(3000)
    res = pool(ids, lengths, torch.Generator().manual_seed(2), max_len=20)
    counts = torch.bincount(res.op, minlength=3)[:3]
    assert counts.min() > 900
    assert res.ids.shape == ids.shape


def test_code_and_paper_semantics() -> None:
    code = operator_pool(CoSeRecParams(), num_items=30)
    by_name = {op.name: op for op in code.operators}
    assert by_name["reorder"].rate == by_name["mask"].rate == Fixed(0.7)
    assert by_name["crop"].rounding == "floor" and by_name["insert"].rounding == "floor_min1"
    assert by_name["mask"].token == 0 and by_name["crop"].window == "exclude_last"
    assert code.threshold == 4 and [o.name for o in code.short] == ["substitute", "insert", "mask"]
    paper = operator_pool(CoSeRecParams(semantics="paper", insert_rate=(0.1, 0.3)), num_items=30)
    by_name = {op.name: op for op in paper.operators}
    assert by_name["reorder"].rate == Fixed(0.2) and by_name["mask"].token == 31
    assert {op.rounding for op in paper.operators} == {"ceil"} and by_name["reorder"].window == "any"
    assert by_name["insert"].rate == Uniform(0.1, 0.3)


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        (
            {"name": "cl4srec", "long_pool": "CMRS"},
            "method.long_pool: 'CMRS' is not a pool of distinct operator letters",
        ),
        ({"name": "coserec", "short_pool": "SS"}, "valid letters: C (crop), M (mask), R (reorder), S (substitute)"),
        ({"name": "coserec", "mask_rate": 1.5}, "method.mask_rate: 1.5: a rate is a number in [0, 1]"),
        ({"name": "coserec", "short_pool": None}, "short_pool and short_threshold go together"),
        ({"name": "cmr", "substitute_rate": 0.1}, "method.substitute_rate: unknown key; valid keys:"),
    ],
)
def test_bad_operator_config_is_one_clear_error(method: dict, expected: str, tmp_path) -> None:
    with pytest.raises(ConfigError) as err:
        validate(tiny_config(tmp_path / "x.txt", method=method))
    assert expected in str(err.value) and "\n" not in str(err.value)


def row_follows(name: str, r: list[int], out: list[int], k: int) -> bool:
    """Does ``out`` follow operator ``name`` on row ``r`` with count ``k`` (ShiftTable)?"""
    changed = [i for i in range(min(len(r), len(out))) if out[i] != r[i]]
    if name == "crop":
        return any(r[s : s + len(out)] == out for s in range(len(r))) and len(out) == min(max(k, 1), len(r))
    if name == "mask":
        return len(out) == len(r) and len(changed) == k and all(out[i] == 0 for i in changed)
    if name == "reorder":
        return sorted(out) == sorted(r) and (not changed or changed[-1] - changed[0] < k)
    if name == "substitute":
        return len(out) == len(r) and len(changed) == k and all(out[i] == r[i] + OFFSET for i in changed)
    originals = [x for x in out if x < OFFSET]
    return originals == r and len(out) == len(r) + k


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 60), min_size=1, max_size=12, unique=True), min_size=1, max_size=12),
    st.floats(0.0, 1.0),
    st.integers(0, 2**31),
)
def test_every_row_follows_its_operator(rows: list[list[int]], rate: float, seed: int) -> None:
    roundings = {"crop": "ceil", "mask": "floor", "reorder": "floor", "substitute": "floor_min1", "insert": "ceil"}
    pool = OperatorPool([Operator(n, Fixed(rate), roundings[n], "any") for n in OPS])
    ids, lengths = batch(rows, extra=1)
    res = pool(ids, lengths, torch.Generator().manual_seed(seed), table=ShiftTable(), max_len=40)
    for b, r in enumerate(rows):
        name = OPS[int(res.op[b])]
        assert row_follows(name, r, seq(res, b), expected_count(rate, len(r), roundings[name])), (name, r)


def run_apply(tables: OpTables, ids, lengths, choice, rate, **kw) -> AugResult:
    return ops.apply(ids, lengths, choice, rate, tables, torch.Generator().manual_seed(1), table=ShiftTable(), **kw)


def same(a: AugResult, b: AugResult) -> bool:
    return all(torch.equal(getattr(a, f.name), getattr(b, f.name)) for f in fields(AugResult))


@pytest.mark.parametrize(("rounding", "window", "token"), [("floor", "exclude_last", 0), ("ceil", "any", 61)])
def test_fixed_rates_read_from_the_grid_equal_computed_counts(rounding: str, window: str, token: int) -> None:
    """With fixed rates (rate=None) the per-row integers come from an (operator, length) grid;
    passing the same rates per row computes them: the views are equal."""
    operators = [Operator(n, Fixed(r), rounding, window, token) for n, r in zip(OPS, (0.2, 0.7, 0.5, 0.3, 0.6))]
    tables = OpTables.of(operators)
    for b, width, out in [(2000, 12, 20), (200, 40, None)]:  # the second grows the grid
        ids, lengths = lengths_batch(b, width, seed=3)
        choice = torch.randint(0, len(OPS), (b,), generator=torch.Generator().manual_seed(4))
        fixed = run_apply(tables, ids, lengths, choice, None, width=out)
        assert same(fixed, run_apply(tables, ids, lengths, choice, tables.low[choice], width=out))


def test_neighbours_of_the_picked_slots_only_change_nothing() -> None:
    """Neighbours are looked up for the pool's bound of substitute/insert slots per row only;
    with a deterministic table the views equal those of a lookup over every slot."""
    pool = OperatorPool([Operator(n, Uniform(0.1, 0.6), "floor_min1") for n in OPS])
    ids, lengths = lengths_batch(2000, 30, seed=5)
    g = torch.Generator().manual_seed(6)
    choice = pool.choose(lengths, g)
    tables = OpTables.of(pool.operators)
    rate = tables.low[choice] + (tables.high - tables.low)[choice] * torch.rand(2000, generator=g, dtype=torch.float64)
    assert pool.picks(30) == 19  # floor(0.6 * 30) + 1 < 30
    bounded = run_apply(tables, ids, lengths, choice, rate, width=40, picks=pool.picks(30))
    assert same(bounded, run_apply(tables, ids, lengths, choice, rate, width=40))
