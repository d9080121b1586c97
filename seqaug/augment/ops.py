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

All operators are vectorized over the batch (no Python loop). Random positions come from
one integer sort per call (:func:`random_rank`); callers that apply several operators to
the same rows and keep one result per row (the pools) may pass one shared ``rank``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

import torch

from seqaug.augment.rates import uniform

OPS = ("crop", "mask", "reorder", "substitute", "insert")
LETTERS = {"C": "crop", "M": "mask", "R": "reorder", "S": "substitute", "I": "insert"}
ALIGNED = {"crop": False, "mask": True, "reorder": True, "substitute": True, "insert": False}
"""Whether output slot t still holds (a replacement of) input slot t — BASRec's embedding
mixup needs aligned views."""

Rounding = Literal["floor", "floor_min1", "ceil"]
Window = Literal["exclude_last", "any"]


class Neighbours(Protocol):
    """Top-1 correlated item per item (see ``seqaug.augment.correlation.Top1Table``)."""

    def lookup(self, ids: torch.Tensor, generator: torch.Generator) -> torch.Tensor: ...


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


def op_count(rate: torch.Tensor, lengths: torch.Tensor, rounding: Rounding) -> torch.Tensor:  # [B]
    """Items an operator touches: ``floor``/``ceil`` of ``rate * n`` (float64, like Python's
    ``int(rate * n)``), ``floor_min1`` at least one; never more than ``n``."""
    raw = rate * lengths.to(torch.float64)
    k = torch.ceil(raw) if rounding == "ceil" else torch.floor(raw)
    k = k.to(torch.int64)
    if rounding == "floor_min1":
        k = k.clamp(min=1)
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


def random_slots(
    lengths: torch.Tensor, k: torch.Tensor, width: int, generator: torch.Generator, rank: torch.Tensor | None = None
) -> torch.Tensor:
    """[B, W] bool: ``k[b]`` distinct real slots per row, uniformly (sampling without
    replacement as ``random.sample``). ``rank``: a :func:`random_rank` to reuse."""
    if rank is None:
        rank = random_rank(lengths, width, generator)
    return rank < k[:, None]


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


def _result(name: str, ids: torch.Tensor, lengths: torch.Tensor, rate: torch.Tensor) -> AugResult:
    b = len(lengths)
    return AugResult(
        ids=ids,
        lengths=lengths,
        op=torch.full((b,), OPS.index(name), dtype=torch.int64, device=ids.device),
        rate=rate,
        aligned=torch.full((b,), ALIGNED[name], dtype=torch.bool, device=ids.device),
    )


def _window(
    lengths: torch.Tensor, count: torch.Tensor, raw: torch.Tensor, window: Window, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Block ``[start, start + count)`` per row. ``exclude_last``: start in
    ``[0, n - raw - 1]`` (the code's ``randint``, with ``raw`` the count before the minimum
    of one); ``any``: start in ``[0, n - count]``."""
    high = lengths - raw - 1 if window == "exclude_last" else lengths - count
    start = random_start(high.clamp(min=0), generator)
    return start, start + count


# --- operators ---------------------------------------------------------------------------
def crop(
    ids: torch.Tensor,  # [B, W]
    lengths: torch.Tensor,  # [B]
    rate: torch.Tensor,  # [B] float64, fraction kept
    generator: torch.Generator,
    *,
    rounding: Rounding = "floor",
    window: Window = "exclude_last",
) -> AugResult:
    """Keep a contiguous block of ``count(rate, n)`` items (at least one)."""
    raw = op_count(rate, lengths, rounding)
    count = torch.minimum(raw.clamp(min=1), lengths)
    start, end = _window(lengths, count, raw, window, generator)
    pos = seq_positions(lengths, ids.shape[1])
    keep = (pos >= start[:, None]) & (pos < end[:, None])
    out, new_len = compact_right(ids, keep, ids.shape[1])
    return _result("crop", out, new_len, rate)


def mask(
    ids: torch.Tensor,  # [B, W]
    lengths: torch.Tensor,  # [B]
    rate: torch.Tensor,  # [B] float64
    generator: torch.Generator,
    *,
    token: int = 0,
    rounding: Rounding = "floor",
    rank: torch.Tensor | None = None,
) -> AugResult:
    """Replace ``count(rate, n)`` random items by ``token`` (0 = padding id, or N+1)."""
    chosen = random_slots(lengths, op_count(rate, lengths, rounding), ids.shape[1], generator, rank)
    return _result("mask", ids.masked_fill(chosen, token), lengths, rate)


def reorder(
    ids: torch.Tensor,  # [B, W]
    lengths: torch.Tensor,  # [B]
    rate: torch.Tensor,  # [B] float64
    generator: torch.Generator,
    *,
    rounding: Rounding = "floor",
    window: Window = "exclude_last",
    rank: torch.Tensor | None = None,
) -> AugResult:
    """Shuffle a contiguous block of ``count(rate, n)`` items (a uniform permutation)."""
    b, w = ids.shape
    count = op_count(rate, lengths, rounding)
    start, end = _window(lengths, count, count, window, generator)
    if rank is None:
        rank = random_rank(lengths, w, generator)
    pos = seq_positions(lengths, w)
    inside = (pos >= start[:, None]) & (pos < end[:, None])
    # The random ranks restricted to the block order its slots uniformly at random: slot j
    # moves to ``start + #{block slots ranked before j}``.
    by_rank = torch.zeros_like(rank).scatter_(1, rank, inside.to(rank.dtype))
    before = (by_rank.cumsum(1) - by_rank).gather(1, rank)
    cols = torch.arange(w, device=ids.device).expand(b, w)
    dest = torch.where(inside, (w - lengths + start)[:, None] + before, cols)
    return _result("reorder", torch.empty_like(ids).scatter_(1, dest, ids), lengths, rate)


def substitute(
    ids: torch.Tensor,  # [B, W]
    lengths: torch.Tensor,  # [B]
    rate: torch.Tensor,  # [B] float64
    generator: torch.Generator,
    *,
    table: Neighbours,
    rounding: Rounding = "floor_min1",
    rank: torch.Tensor | None = None,
) -> AugResult:
    """Replace ``count(rate, n)`` random items by their top-1 correlated item."""
    chosen = random_slots(lengths, op_count(rate, lengths, rounding), ids.shape[1], generator, rank)
    replaced = torch.where(chosen, table.lookup(ids, generator), ids)
    return _result("substitute", replaced, lengths, rate)


def insert(
    ids: torch.Tensor,  # [B, W]
    lengths: torch.Tensor,  # [B]
    rate: torch.Tensor,  # [B] float64
    generator: torch.Generator,
    *,
    table: Neighbours,
    max_len: int,
    rounding: Rounding = "floor_min1",
    width: int | None = None,
    rank: torch.Tensor | None = None,
) -> AugResult:
    """Insert the top-1 correlated item immediately before ``count(rate, n)`` random items.

    The result keeps the most recent ``max_len`` items; its width is ``width`` or
    ``min(max_len, 2W)`` (enough for any count, known without reading the counts)."""
    b, w = ids.shape
    chosen = random_slots(lengths, op_count(rate, lengths, rounding), w, generator, rank)
    real = seq_positions(lengths, w) >= 0
    values = torch.stack([table.lookup(ids, generator), ids], dim=2).view(b, 2 * w)
    keep = torch.stack([chosen, real], dim=2).view(b, 2 * w)
    width = min(max_len, 2 * w) if width is None else min(width, max_len)
    out, new_len = compact_right(values, keep, width)
    return _result("insert", out, new_len, rate)
