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
    zero_token: bool  # every mask writes the padding id 0
    _grid: list[torch.Tensor] = field(default_factory=list, compare=False, repr=False)

    def row_grid(self, max_length: int) -> torch.Tensor:  # int64 [J, L + 1, ROW_COLUMNS]
        """:func:`row_ints` of every operator j (at its fixed rate) and length n <= L at
        ``[j, n]``, L >= ``max_length``; rebuilt (doubling L) when a longer length comes."""
        if not self._grid or self._grid[0].shape[1] <= max_length:
            size = max(max_length, 2 * self._grid[0].shape[1] if self._grid else 0) + 1
            j = torch.arange(len(self.code), device=self.code.device).repeat_interleave(size)
            n = torch.arange(size, device=self.code.device).repeat(len(self.code))
            k = _count(self.low[j], n, self.sign[j], self.least[j])
            rows = row_ints(k, n, self.onehot[j], self.window_any[j], self.token[j])
            self._grid[:] = [rows.view(len(self.code), size, ROW_COLUMNS)]
        return self._grid[0]

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
            zero_token=all(op.token == 0 for op in operators if op.name == "mask"),
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


ROW_COLUMNS = 2 * 9 + 3
_NEVER = -(2**15)  # at or below every column - W (see ``apply``), and an int16


def row_ints(
    k: torch.Tensor,  # [R] count
    n: torch.Tensor,  # [R] length
    onehot: torch.Tensor,  # bool [R, len(OPS)] operator
    window_any: torch.Tensor,  # bool [R]
    token: torch.Tensor,  # [R] mask token
) -> torch.Tensor:  # int64 [R, ROW_COLUMNS]
    """Per-row integers of :func:`apply`, which counts columns and ranks from the right
    (column - W, so that none depends on W). Columns 0-8 plus the block start times columns
    9-17: n, block start, block count - 1, -k on mask, substitute and insert rows (0 on the
    others), output column shift less the output width, start - n on crop rows (slots ranked
    below are cropped away; ``_NEVER`` on the others), reorder flag. Then high + 1 for the
    random start (0: no block of its own), the output length and the mask token."""
    crop, reorder, ins = onehot[:, 0], onehot[:, 2], onehot[:, 4]
    block = crop | reorder
    count_cr = torch.where(crop, k.clamp(min=1).minimum(n), k)
    # the code's window: start in [0, n - k - 1] (k before crop's minimum of one); paper: any
    high = torch.where(window_any, n - count_cr, n - k - 1).clamp(min=0)
    count = torch.where(block, count_cr, n)  # rows without a block of their own: the sequence
    new_len = torch.where(crop, count, n + k * ins)
    shift = (n - count) * crop - k * ins + 1  # 1-based; less the block start on crop rows
    c, zero = crop.long(), torch.zeros_like(n)
    lo = torch.where(crop, -n, _NEVER)
    base = [n, zero, count - 1, -k * onehot[:, 1], -k * onehot[:, 3], -k * ins, shift, lo, reorder.long()]
    slope = [zero, zero + 1, zero, zero, zero, zero, -c, c, zero]
    return torch.stack([*base, *slope, (high + 1) * block, new_len, token * onehot[:, 1]], dim=1)


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
    on the count of substitute and insert rows (default W); neighbours are looked up (and
    fallbacks drawn) for that many slots per row only. W must be below 2**15.

    Every row has a block ``[start, start + count)`` of sequence positions: crop keeps it,
    reorder shuffles it, and the other operators draw their ``k`` slots from it (their block
    is the whole sequence). One integer sort by (block start inside the block, own position
    outside, random draw) ranks the slots: reorder rows move each slot to its rank, the other
    rows take the ``k`` slots ranked last. One scatter then writes every slot to its output
    column (a second one the inserted neighbours), spill columns catching dropped slots.
    Columns and ranks count from the right (column - W), so no per-row integer depends on W:
    with fixed rates they are one gather from an (operator, length) grid. ``[B, W]``
    temporaries are int16/int32/bool where possible (int64 ones cost several times more on
    CPU)."""
    b, w = ids.shape
    width = width or w
    if w > -_NEVER:
        raise ValueError(f"inputs {w} wide: at most {-_NEVER} columns")
    names, n, device = tables.names, lengths, ids.device
    idt = torch.int16 if w + width < 2**14 else torch.int32  # positions, ranks, columns
    code = tables.code[choice]
    if rate is None:
        if not tables.fixed:
            raise ValueError("rate=None needs operators with fixed rates")
        rows = tables.row_grid(w)[choice, n]  # [B, ROW_COLUMNS]
        rate = tables.low[choice]
    else:
        k = _count(rate, n, tables.sign[choice], tables.least[choice])
        onehot, window_any, token = tables.onehot[choice], tables.window_any[choice], tables.token[choice]
        rows = row_ints(k, n, onehot, window_any, token)
    per = rows[:, :9]
    if names & {"crop", "reorder"}:
        u = uniform((b,), generator, device)  # start uniform in [0, high]; 0 without a block
        per = torch.addcmul(per, (u * rows[:, 18]).floor_().long()[:, None], rows[:, 9:18])
    n_, start_, last_, neg_km, neg_ks, neg_ki, shift_, crop_lo, reorder_ = per.to(idt).t()[:, :, None]
    cols = torch.arange(-w, 0, dtype=idt, device=device)  # column - W: a row's items are its last n
    rank = cols  # a slot's rank: its column, unless sorted
    if names - {"crop"}:
        # Sort by (g, random draw), g = start inside the block, the own position before it and
        # after it less count - 1: padding (negative positions) keeps its place, block slots
        # get a uniformly random order. A row uses one operator, so one sort serves every row.
        pos = cols + n_  # [B, W] sequence position, negative on padding
        g = pos - torch.minimum((pos - start_).clamp_(min=0), last_)
        draws = torch.empty(b, w, dtype=torch.int64).random_(generator=generator)  # [0, 2**63)
        draws = draws.to(device, non_blocking=True).bitwise_right_shift_(23)  # 40 random bits
        order = draws.add_(g, alpha=2**41).argsort(dim=1)
        rank = torch.empty(b, w, dtype=idt, device=device).scatter_(1, order, cols.expand(b, w))
    cn = cols + (rank - cols) * reorder_ if "reorder" in names else cols  # column after reorder
    values = ids.to(torch.int32, copy=True)  # item ids: int32 halves the bytes moved
    if names & {"substitute", "insert"}:
        if table is None:
            raise ValueError("substitute and insert need an item-correlation table")
        p = min(picks or w, w)
        top, top_rank = order[:, w - p :], cols[w - p :]  # [B, P] the slots ranked last, their ranks
        source = values.gather(1, top)
        neighbour = table.lookup(source, generator).to(torch.int32)  # [B, P]
        if "substitute" in names:
            values.scatter_(1, top, torch.where(top_rank >= neg_ks, neighbour, source))
    dest = cn + (shift_ + width)  # [B, W] 1-based output column: 0 spills
    if "insert" in names:
        ins = rank >= neg_ki  # [B, W] slots getting their neighbour right before them
        dest = dest + ins.cumsum(1, dtype=idt)
    if names & {"mask", "crop"}:  # masked slots become the token, slots cropped away 0
        keep = (rank >= crop_lo) & (rank < neg_km)  # [B, W]; crop: after the block spills anyway
        if tables.zero_token:
            dest = dest * keep  # spilled: their output column stays 0
        else:
            values = torch.where(keep, values, rows[:, 20, None].to(torch.int32))
    out = torch.zeros(b, width + 2, dtype=torch.int32, device=device)  # spill columns 0, width + 1
    out.scatter_(1, dest.clamp(0, width + 1).long(), values)
    if "insert" in names:
        out.scatter_(1, ((dest.gather(1, top) - 1) * (top_rank >= neg_ki)).clamp_(min=0).long(), neighbour)
    return AugResult(
        ids=out[:, 1 : width + 1].to(ids.dtype),
        lengths=rows[:, 19].clamp(max=width),
        op=code,
        rate=rate,
        aligned=tables.aligned[code],
    )


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
