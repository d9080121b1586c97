"""The five sequence operators of CoSeRec (Liu et al. 2021; crop/mask/reorder from CL4SRec,
Xie et al. 2022) as pure batched tensor functions.

Input: left-padded ids ``[B, W]`` (real items right-aligned) and ``lengths [B]`` (needed
because a mask may write the padding id 0 inside a sequence), a per-row ``rate [B]``
(float64) and an explicit ``torch.Generator`` (CPU; draws are moved to the ids' device).
Output: an :class:`AugResult` in the same convention — right-aligned, left-padded; crop
shrinks, insert grows and keeps the most recent ``max_len`` items. Every paper/code
difference (methods.md §2.2) is an argument:

- ``rounding``: ``"floor"`` (code: crop, mask, reorder), ``"floor_min1"`` (code: substitute,
  insert), ``"ceil"`` (paper). A crop always keeps at least one item; as in the code, a crop
  whose count rounds to 0 keeps one random item, which may be the last one.
- ``window`` (crop, reorder): ``"exclude_last"`` (code: the block never contains the last
  item when it can avoid it) or ``"any"`` (paper).
- ``token`` (mask): 0 = the padding id (code: masked slots become attention padding) or the
  mask id N+1 (paper).

Implementation: one fused, vectorized function (:func:`apply`) applies a possibly
different operator to every row — per-row integers are gathered from small per-operator
tables (with fixed rates: one gather from an (operator, length) grid), random positions come
from one integer sort, and one scatter writes every slot to its output column — so a pool
of five operators costs about as many tensor calls as one operator and no Python loop runs
over rows. The five public functions apply one operator to all rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Protocol

import torch

from seqaug.augment.rates import Fixed, Rate, uniform

OPS = ("crop", "mask", "reorder", "substitute", "insert")
LETTERS = {"C": "crop", "M": "mask", "R": "reorder", "S": "substitute", "I": "insert"}
ALIGNED = {"crop": False, "mask": True, "reorder": True, "substitute": True, "insert": False}
"""Whether output slot t still holds (a replacement of) input slot t — BASRec's embedding
mixup needs aligned views."""

Rounding = Literal["floor", "floor_min1", "ceil"]
Window = Literal["exclude_last", "any"]
ROUNDINGS: tuple[Rounding, ...] = ("floor", "floor_min1", "ceil")


class Neighbours(Protocol):
    """Top-1 correlated item per item (see ``seqaug.augment.correlation.Top1Table``)."""

    def lookup(self, ids: torch.Tensor, generator: torch.Generator) -> torch.Tensor: ...


@dataclass(frozen=True)
class Operator:
    """One operator with its rate and semantics."""

    name: str  # one of OPS
    rate: Rate
    rounding: Rounding
    window: Window = "exclude_last"  # crop, reorder
    token: int = 0  # mask

    def __post_init__(self) -> None:
        if self.name not in OPS:
            raise ValueError(f"unknown operator {self.name!r}; valid choices: {', '.join(OPS)}")

    @property
    def needs_table(self) -> bool:
        return self.name in ("substitute", "insert")

    def max_width(self, width: int, max_len: int) -> int:
        """Output width for inputs ``width`` wide, known without reading any count."""
        if self.name != "insert":
            return width
        return min(max_len, width + op_count_bound(self.rate.high, width, self.rounding))


@dataclass(frozen=True)
class OpTables:
    """Settings of a list of operators as small tensors (index = position in the list)."""

    names: frozenset[str]
    code: torch.Tensor  # int64 [J], index into OPS
    onehot: torch.Tensor  # bool [J, len(OPS)], onehot[j, i] = (code[j] == i)
    sign: torch.Tensor  # float64 [J], -1 for ceil rounding, else 1 (see ``_count``)
    least: torch.Tensor  # int64 [J], 1 for floor_min1 rounding, else 0
    window_any: torch.Tensor  # bool [J]
    token: torch.Tensor  # int64 [J]
    low: torch.Tensor  # float64 [J] rate range (low == high for a fixed rate)
    high: torch.Tensor  # float64 [J]
    aligned: torch.Tensor  # bool [len(OPS)]
    fixed: bool  # every rate is fixed: per-row integers come from a (operator, length) grid
    _grid: dict[str, torch.Tensor] = field(default_factory=dict, compare=False, repr=False)

    def row_grid(self, max_length: int) -> torch.Tensor:  # int64 [J, L + 1, len(ROW)]
        """:func:`row_ints` of every operator j and length n <= L at the fixed rates, at
        ``[j, n]``; L >= ``max_length``, built once per larger length (host-known widths)."""
        grid = self._grid.get("rows")
        if grid is None or grid.shape[1] <= max_length:
            size = max(max_length, 2 * grid.shape[1] if grid is not None else 0) + 1
            j = torch.arange(len(self.code), device=self.code.device).repeat_interleave(size)
            n = torch.arange(size, device=self.code.device).repeat(len(self.code))
            k = _count(self.low[j], n, self.sign[j], self.least[j])
            rows = row_ints(k, n, self.onehot[j], self.window_any[j], self.token[j])
            grid = self._grid["rows"] = rows.view(len(self.code), size, len(ROW))
        return grid

    @classmethod
    def of(cls, operators: list[Operator], device: torch.device | str = "cpu") -> OpTables:
        def t(values: list, dtype: torch.dtype) -> torch.Tensor:
            return torch.tensor(values, dtype=dtype, device=device)

        rates = [
            (op.rate.value, op.rate.value) if isinstance(op.rate, Fixed) else (op.rate.low, op.rate.high)
            for op in operators
        ]
        return cls(
            names=frozenset(op.name for op in operators),
            code=t([OPS.index(op.name) for op in operators], torch.int64),
            onehot=t([[op.name == name for name in OPS] for op in operators], torch.bool),
            sign=t([-1.0 if op.rounding == "ceil" else 1.0 for op in operators], torch.float64),
            least=t([int(op.rounding == "floor_min1") for op in operators], torch.int64),
            window_any=t([op.window == "any" for op in operators], torch.bool),
            token=t([op.token for op in operators], torch.int64),
            low=t([lo for lo, _ in rates], torch.float64),
            high=t([hi for _, hi in rates], torch.float64),
            aligned=t([ALIGNED[name] for name in OPS], torch.bool),
            fixed=all(isinstance(op.rate, Fixed) for op in operators),
        )


@dataclass
class AugResult:
    """Augmented sequences plus what BASRec-style consumers need per row."""

    ids: torch.Tensor  # [B, W'] left-padded, right-aligned
    lengths: torch.Tensor  # [B] sequence lengths (masked-with-0 slots count)
    op: torch.Tensor  # [B] index into OPS
    rate: torch.Tensor  # [B] float64, the sampled rate (not the rounded count)
    aligned: torch.Tensor  # [B] bool, positions correspond 1:1 to the input


# --- helpers -----------------------------------------------------------------------------
def op_count(rate: torch.Tensor, lengths: torch.Tensor, rounding: Rounding | torch.Tensor) -> torch.Tensor:  # [B]
    """Items an operator touches: ``floor``/``ceil`` of ``rate * n`` (float64, like Python's
    ``int(rate * n)``), ``floor_min1`` at least one; never more than ``n``. ``rounding``:
    one name, or per-row indices into ROUNDINGS."""
    if isinstance(rounding, str):
        rounding = torch.full_like(lengths, ROUNDINGS.index(rounding))
    sign = 1.0 - 2.0 * (rounding == 2).to(torch.float64)
    return _count(rate, lengths, sign, (rounding == 1).to(lengths.dtype))


def _count(rate: torch.Tensor, lengths: torch.Tensor, sign: torch.Tensor, least: torch.Tensor) -> torch.Tensor:  # [B]
    """:func:`op_count` from per-row ``sign`` (-1: ceil, as ``-floor(-x)``; +1: floor) and
    ``least`` (1: floor_min1, else 0)."""
    k = (rate * lengths.to(torch.float64) * sign).floor_() * sign
    return torch.minimum(torch.maximum(k.to(lengths.dtype), least), lengths)


def op_count_bound(rate_high: float, length: int, rounding: Rounding) -> int:
    """Host-side upper bound of :func:`op_count` for rows of at most ``length`` items."""
    raw = rate_high * length
    k = math.ceil(raw) if rounding == "ceil" else math.floor(raw)
    return min(max(k, 1) if rounding == "floor_min1" else k, length)


def pad_left(ids: torch.Tensor, width: int) -> torch.Tensor:
    """Left-pad to ``width`` columns (or keep the most recent ``width``)."""
    w = ids.shape[1]
    if w >= width:
        return ids[:, w - width :]
    return torch.cat([ids.new_zeros(ids.shape[0], width - w), ids], dim=1)


ROW = ("w_n", "start", "count", "w_km", "w_ks", "w_ki", "shift", "crop", "reorder", "high1", "new_len", "token")
"""Columns of :func:`row_ints` (the first seven are filled in for a width W and block start
by :func:`apply`): W - n, block start, block count, W - k for mask, substitute and insert rows
(0 on other rows), output column shift, crop and reorder flags, high + 1 for the random
start (0: no block of its own), output length, mask token."""


def row_ints(
    k: torch.Tensor, n: torch.Tensor, onehot: torch.Tensor, window_any: torch.Tensor, token: torch.Tensor
) -> torch.Tensor:  # int64 [R, len(ROW)]
    """Per-row integers of :func:`apply` that do not depend on the random block start, for
    rows with count ``k`` [R], length ``n`` [R] and operator flags ``onehot`` [R, len(OPS)]."""
    crop, reorder, ins = onehot[:, 0], onehot[:, 2], onehot[:, 4]
    block = crop | reorder
    count_cr = torch.where(crop, k.clamp(min=1).minimum(n), k)
    # the code's window: start in [0, n - k - 1] (k before crop's minimum of one); paper: any
    high = torch.where(window_any, n - count_cr, n - k - 1).clamp(min=0)
    count = torch.where(block, count_cr, n)  # rows without a block of their own: the sequence
    new_len = torch.where(crop, count, n + k * ins)
    shift = (n - count) * crop - k * ins  # less the block start on crop rows
    return torch.stack(
        [-n, torch.zeros_like(n), count, -k * onehot[:, 1], -k * onehot[:, 3], -k * ins, shift, crop.long(),
         reorder.long(), (high + 1) * block, new_len, token * onehot[:, 1]], dim=1
    )  # fmt: skip


# --- the fused kernel ---------------------------------------------------------------------
def apply(
    ids: torch.Tensor,  # [B, W] left-padded
    lengths: torch.Tensor,  # [B]
    choice: torch.Tensor,  # [B] operator index into ``tables``
    rate: torch.Tensor | None,  # [B] float64; None: each operator's fixed rate
    tables: OpTables,
    generator: torch.Generator,
    *,
    table: Neighbours | None = None,
    width: int | None = None,
    picks: int | None = None,
) -> AugResult:
    """Apply operator ``choice[b]`` with ``rate[b]`` to row b, every row at once; the result
    is ``width`` (default W) columns wide, keeping the most recent items. ``picks``: a bound
    on the count of substitute and insert rows (default W): neighbours are looked up (and
    fallbacks drawn) for that many slots per row only.

    Every row has a block ``[start, start + count)`` of sequence positions: crop keeps it,
    reorder shuffles it, and the other operators draw their ``k`` slots from it (their block
    is the whole sequence). One integer sort by (block start inside the block, own position
    outside, random draw) ranks the slots: reorder rows move each slot to its rank, the other
    rows take the ``k`` slots ranked last. One scatter then writes every slot to its output
    column (a second one the inserted neighbours), spill columns catching dropped slots.
    ``[B, W]`` temporaries are int16/int32/bool where possible (int64 ones cost several times
    more on CPU), and with fixed rates the per-row integers are one gather from a grid."""
    b, w = ids.shape
    width = width or w
    names, n, device = tables.names, lengths, ids.device
    idt = torch.int16 if w + width < 2**14 else torch.int32  # positions, ranks, columns
    code = tables.code[choice]
    if rate is None:
        if not tables.fixed:
            raise ValueError("rate=None needs operators with fixed rates")
        rows = tables.row_grid(w)[choice, n]  # [B, len(ROW)]
        rate = tables.low[choice]
    else:
        k = _count(rate, n, tables.sign[choice], tables.least[choice])
        rows = row_ints(k, n, tables.onehot[choice], tables.window_any[choice], tables.token[choice])
    per = torch.add(rows[:, :9], _W_COLUMNS.to(device), alpha=w)  # [B, 9]
    if names & {"crop", "reorder"}:
        u = uniform((b,), generator, device)  # start uniform in [0, high]; 0 without a block
        start = (u * rows[:, 9]).floor_().long()
        per[:, 1] = start
        per[:, 6] -= start * rows[:, 7]
    w_n, start_, count_, w_km, w_ks, w_ki, shift_, crop_, reorder_ = per.to(idt).t()[:, :, None]
    cols = torch.arange(w, dtype=idt, device=device)
    pos = cols - w_n  # [B, W] sequence position, negative on padding
    rel = pos - start_
    inside = (rel >= 0) & (rel < count_)  # [B, W] the block
    cn = cols  # a slot's column after reorder
    if names - {"crop"}:
        # Padding (negative positions) keeps its place, block slots get a uniformly random
        # order. A row uses one operator, so one sort serves every row.
        draws = torch.empty(b, w, dtype=torch.int64).random_(generator=generator)  # [0, 2**63)
        draws = draws.to(device, non_blocking=True).bitwise_right_shift_(23)  # 40 random bits
        order = draws.add_(pos - rel * inside, alpha=2**41).argsort(dim=1)
        rank = torch.empty(b, w, dtype=idt, device=device).scatter_(1, order, cols.expand(b, w))
        if "reorder" in names:
            cn = cols + (rank - cols) * reorder_  # reorder_: 0/1
    values = ids.to(torch.int32, copy=True)  # item ids: int32 halves the bytes moved
    if names & {"substitute", "insert"}:
        if table is None:
            raise ValueError("substitute and insert need an item-correlation table")
        p = min(picks or w, w)
        top, top_rank = order[:, w - p :], cols[w - p :]  # [B, P] the slots ranked last, their ranks
        source = values.gather(1, top)
        neighbour = table.lookup(source, generator).to(torch.int32)  # [B, P]
        if "substitute" in names:
            values.scatter_(1, top, torch.where(top_rank >= w_ks, neighbour, source))
    if names & {"mask", "crop"}:  # masked slots become the token, slots cropped away 0
        drop = rank >= w_km if "mask" in names else torch.zeros_like(inside)
        if "crop" in names:
            drop = drop | (inside < crop_)
        values = torch.where(drop, rows[:, 11, None].to(torch.int32), values)
    dest = cn + (shift_ + (width - w + 1))  # [B, W] 1-based output column: 0 spills
    if "insert" in names:
        ins = rank >= w_ki  # [B, W] slots getting their neighbour right before them
        dest = dest + ins.cumsum(1, dtype=idt)
    out = torch.zeros(b, width + 2, dtype=torch.int32, device=device)  # spill columns 0, width + 1
    out.scatter_(1, dest.clamp(0, width + 1).long(), values)
    if "insert" in names:
        out.scatter_(1, ((dest.gather(1, top) - 1) * (top_rank >= w_ki)).clamp_(min=0).long(), neighbour)
    return AugResult(
        ids=out[:, 1 : width + 1].to(ids.dtype),
        lengths=rows[:, 10].clamp(max=width),
        op=code,
        rate=rate,
        aligned=tables.aligned[code],
    )


_W_COLUMNS = torch.tensor([1, 0, 0, 1, 1, 1, 0, 0, 0])  # columns of ROW that are W - x


# --- one operator on every row -------------------------------------------------------------
# ids [B, W] left-padded, lengths [B], rate [B] float64 (crop: the fraction kept).
Tensor = torch.Tensor


def _single(op: Operator, ids: Tensor, lengths: Tensor, rate: Tensor, generator: torch.Generator, **kw) -> AugResult:
    choice = torch.zeros(len(lengths), dtype=torch.int64, device=ids.device)
    return apply(ids, lengths, choice, rate, OpTables.of([op], ids.device), generator, **kw)


def crop(ids: Tensor, lengths: Tensor, rate: Tensor, generator: torch.Generator, *, rounding: Rounding = "floor",
         window: Window = "exclude_last") -> AugResult:  # fmt: skip
    """Keep a contiguous block of ``count(rate, n)`` items (at least one)."""
    return _single(Operator("crop", Fixed(0.0), rounding, window), ids, lengths, rate, generator)


def mask(ids: Tensor, lengths: Tensor, rate: Tensor, generator: torch.Generator, *, token: int = 0,
         rounding: Rounding = "floor") -> AugResult:  # fmt: skip
    """Replace ``count(rate, n)`` random items by ``token`` (0 = padding id, or N+1)."""
    return _single(Operator("mask", Fixed(0.0), rounding, token=token), ids, lengths, rate, generator)


def reorder(ids: Tensor, lengths: Tensor, rate: Tensor, generator: torch.Generator, *, rounding: Rounding = "floor",
            window: Window = "exclude_last") -> AugResult:  # fmt: skip
    """Shuffle a contiguous block of ``count(rate, n)`` items (a uniform permutation)."""
    return _single(Operator("reorder", Fixed(0.0), rounding, window), ids, lengths, rate, generator)


def substitute(ids: Tensor, lengths: Tensor, rate: Tensor, generator: torch.Generator, *, table: Neighbours,
               rounding: Rounding = "floor_min1") -> AugResult:  # fmt: skip
    """Replace ``count(rate, n)`` random items by their top-1 correlated item."""
    return _single(Operator("substitute", Fixed(0.0), rounding), ids, lengths, rate, generator, table=table)


def insert(ids: Tensor, lengths: Tensor, rate: Tensor, generator: torch.Generator, *, table: Neighbours,
           max_len: int, rounding: Rounding = "floor_min1", width: int | None = None) -> AugResult:  # fmt: skip
    """Insert the top-1 correlated item immediately before ``count(rate, n)`` random items.

    The result keeps the most recent ``max_len`` items; its width is ``width`` or
    ``min(max_len, 2W)`` (enough for any count, known without reading the counts)."""
    width = min(max_len, 2 * ids.shape[1]) if width is None else min(width, max_len)
    op = Operator("insert", Fixed(0.0), rounding)
    return _single(op, ids, lengths, rate, generator, table=table, width=width)
