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
different operator to every row — per-row settings are gathered from small per-operator
tables, random positions come from one integer sort, and one compaction right-aligns the
result — so a pool of five operators costs about as many tensor calls as one operator and
no Python loop runs over rows. The five public functions apply one operator to all rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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
    rounding: torch.Tensor  # int64 [J], index into ROUNDINGS
    window_any: torch.Tensor  # bool [J]
    token: torch.Tensor  # int64 [J]
    low: torch.Tensor  # float64 [J] rate range (low == high for a fixed rate)
    high: torch.Tensor  # float64 [J]
    aligned: torch.Tensor  # bool [len(OPS)]

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
            rounding=t([ROUNDINGS.index(op.rounding) for op in operators], torch.int64),
            window_any=t([op.window == "any" for op in operators], torch.bool),
            token=t([op.token for op in operators], torch.int64),
            low=t([lo for lo, _ in rates], torch.float64),
            high=t([hi for _, hi in rates], torch.float64),
            aligned=t([ALIGNED[name] for name in OPS], torch.bool),
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
def seq_positions(lengths: torch.Tensor, width: int) -> torch.Tensor:  # [B, W]
    """Index of each slot inside its sequence (0 = oldest item); negative on padding."""
    cols = torch.arange(width, device=lengths.device)
    return cols[None, :] - (width - lengths)[:, None]


def op_count(rate: torch.Tensor, lengths: torch.Tensor, rounding: Rounding | torch.Tensor) -> torch.Tensor:  # [B]
    """Items an operator touches: ``floor``/``ceil`` of ``rate * n`` (float64, like Python's
    ``int(rate * n)``), ``floor_min1`` at least one; never more than ``n``. ``rounding``:
    one name, or per-row indices into ROUNDINGS."""
    if isinstance(rounding, str):
        rounding = torch.full_like(lengths, ROUNDINGS.index(rounding))
    raw = rate * lengths.to(torch.float64)
    k = torch.where(rounding == 2, torch.ceil(raw), torch.floor(raw)).to(torch.int64)
    k = torch.where(rounding == 1, k.clamp(min=1), k)
    return torch.minimum(k, lengths)


def op_count_bound(rate_high: float, length: int, rounding: Rounding) -> int:
    """Host-side upper bound of :func:`op_count` for rows of at most ``length`` items."""
    raw = rate_high * length
    k = math.ceil(raw) if rounding == "ceil" else math.floor(raw)
    return min(max(k, 1) if rounding == "floor_min1" else k, length)


def random_rank(lengths: torch.Tensor, width: int, generator: torch.Generator) -> torch.Tensor:  # [B, W]
    """A uniformly random order of each row's real slots: ranks 0..n-1 on the real slots
    (a random permutation), n..W-1 on the padding. One integer sort per call."""
    b = len(lengths)
    cols = torch.arange(width, device=lengths.device)
    draws = torch.randint(0, 2**40, (b, width), generator=generator).to(lengths.device, non_blocking=True)
    keys = draws * width + cols  # distinct keys: no ties
    keys = torch.where(seq_positions(lengths, width) < 0, 2**62 + cols, keys)  # padding last
    order = keys.argsort(dim=1)
    return torch.empty_like(order).scatter_(1, order, cols.expand(b, width))


def random_start(high: torch.Tensor, generator: torch.Generator) -> torch.Tensor:  # [B]
    """Uniform integer in ``[0, high]`` per row (``high >= 0``)."""
    u = uniform((len(high),), generator, high.device)
    return torch.floor(u * (high + 1).to(torch.float64)).to(torch.int64)


def compact_right(values: torch.Tensor, keep: torch.Tensor, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Kept entries of each row, order preserved, right-aligned in ``width`` slots (the most
    recent ``width`` kept when there are more). Returns (ids [B, width], lengths [B])."""
    kept = keep.to(torch.int64)
    total = kept.sum(1, keepdim=True)
    dest = width - (total - kept.cumsum(1) + kept)  # width - #kept at or after each slot
    index = torch.where(keep & (dest >= 0), dest, width)  # spill column for dropped entries
    out = torch.zeros(values.shape[0], width + 1, dtype=values.dtype, device=values.device)
    out.scatter_(1, index, values)
    return out[:, :width], total.squeeze(1).clamp(max=width)


def pad_left(ids: torch.Tensor, width: int) -> torch.Tensor:
    """Left-pad to ``width`` columns (or keep the most recent ``width``)."""
    w = ids.shape[1]
    if w >= width:
        return ids[:, w - width :]
    return torch.cat([ids.new_zeros(ids.shape[0], width - w), ids], dim=1)


# --- the fused kernel ---------------------------------------------------------------------
def apply(
    ids: torch.Tensor,  # [B, W] left-padded
    lengths: torch.Tensor,  # [B]
    choice: torch.Tensor,  # [B] operator index into ``tables``
    rate: torch.Tensor,  # [B] float64
    tables: OpTables,
    generator: torch.Generator,
    *,
    table: Neighbours | None = None,
    width: int | None = None,
) -> AugResult:
    """Apply operator ``choice[b]`` with ``rate[b]`` to row b, every row at once; the result
    is ``width`` (default W) columns wide, keeping the most recent items."""
    b, w = ids.shape
    width = width or w
    names, n = tables.names, lengths
    code = tables.code[choice]
    k = op_count(rate, n, tables.rounding[choice])  # [B]
    pos = seq_positions(n, w)
    values, keep = ids, pos >= 0
    rows = {name: (code == OPS.index(name))[:, None] for name in names}
    if names & {"crop", "reorder"}:  # a contiguous block [start, start + count)
        count = torch.where(code == OPS.index("crop"), k.clamp(min=1).minimum(n), k)
        # the code's window: start in [0, n - k - 1] (k before crop's minimum of one); paper: any
        high = torch.where(tables.window_any[choice], n - count, n - k - 1).clamp(min=0)
        start = random_start(high, generator)
        inside = (pos >= start[:, None]) & (pos < (start + count)[:, None])
    # One random slot order serves every row: a row uses one operator, so sharing is exact.
    rank = random_rank(n, w, generator) if names - {"crop"} else None
    chosen = rank < k[:, None] if rank is not None else None
    if "reorder" in names:
        values = _shuffle_block(ids, n, start, inside & rows["reorder"], rank)
    if "mask" in names:
        values = torch.where(chosen & rows["mask"], tables.token[choice][:, None], values)
    if names & {"substitute", "insert"}:
        if table is None:
            raise ValueError("substitute and insert need an item-correlation table")
        neighbour = table.lookup(ids, generator)
    if "substitute" in names:
        values = torch.where(chosen & rows["substitute"], neighbour, values)
    if "crop" in names:
        keep = keep & (~rows["crop"] | inside)
    if "insert" in names:  # the neighbour goes right before its item
        values = torch.stack([neighbour, values], dim=2).view(b, 2 * w)
        keep = torch.stack([chosen & rows["insert"], keep], dim=2).view(b, 2 * w)
    if names & {"crop", "insert"}:
        out, new_len = compact_right(values, keep, width)
    else:
        out, new_len = pad_left(values, width), n.clamp(max=width)
    return AugResult(ids=out, lengths=new_len, op=code, rate=rate, aligned=tables.aligned[code])


def _shuffle_block(
    ids: torch.Tensor, lengths: torch.Tensor, start: torch.Tensor, block: torch.Tensor, rank: torch.Tensor
) -> torch.Tensor:
    """Uniformly permute the ``block`` slots of each row (a contiguous run from ``start``):
    block slots ordered by the random ``rank`` move to ``start, start + 1, ...``."""
    b, w = ids.shape
    by_rank = torch.zeros_like(rank).scatter_(1, rank, block.to(rank.dtype))
    before = (by_rank.cumsum(1) - by_rank).gather(1, rank)  # block slots ranked before each slot
    cols = torch.arange(w, device=ids.device).expand(b, w)
    dest = torch.where(block, (w - lengths + start)[:, None] + before, cols)
    return torch.empty_like(ids).scatter_(1, dest, ids)


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
