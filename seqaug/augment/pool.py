"""Operator specs and the length-aware random choice of CoSeRec (Liu et al. 2021, Eq. 12):
a row whose input length is ``<= threshold`` draws one operator uniformly from the short
pool, otherwise from the long pool (paper {S, I, M} / {S, I, M, C, R}; the released Beauty
script uses all five for short rows too). CL4SRec (Xie et al. 2022) is one pool {C, M, R}
without a threshold.

Vectorized: every operator of the pools runs on the whole batch (each is a handful of
[B, W] tensor ops, far cheaper than the encoder) with one shared random slot order (a row
keeps only one operator's result, so sharing it changes no row's distribution), results
are left-padded to a common width known on the host, and each row takes its operator's
result with ``torch.where``. No row grouping, hence no device→host read in the training
step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from seqaug.augment import ops
from seqaug.augment.ops import OPS, AugResult, Neighbours, Rounding, Window
from seqaug.augment.rates import Rate, uniform


@dataclass(frozen=True)
class Operator:
    """One operator with its rate and semantics (see :mod:`seqaug.augment.ops`)."""

    name: str  # one of OPS
    rate: Rate
    rounding: Rounding
    window: Window = "exclude_last"
    token: int = 0  # mask only

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
        return min(max_len, width + ops.op_count_bound(self.rate.high, width, self.rounding))

    def __call__(
        self,
        ids: torch.Tensor,  # [B, W]
        lengths: torch.Tensor,  # [B]
        generator: torch.Generator,
        *,
        table: Neighbours | None,
        max_len: int,
        rank: torch.Tensor | None = None,
    ) -> AugResult:
        """Apply to every row; ``rank``: a shared :func:`~seqaug.augment.ops.random_rank`."""
        rate = self.rate.sample(len(lengths), generator, ids.device)
        r = self.rounding
        if self.name == "crop":
            return ops.crop(ids, lengths, rate, generator, rounding=r, window=self.window)
        if self.name == "mask":
            return ops.mask(ids, lengths, rate, generator, token=self.token, rounding=r, rank=rank)
        if self.name == "reorder":
            return ops.reorder(ids, lengths, rate, generator, rounding=r, window=self.window, rank=rank)
        if table is None:
            raise ValueError(f"{self.name} needs an item-correlation table")
        if self.name == "substitute":
            return ops.substitute(ids, lengths, rate, generator, table=table, rounding=r, rank=rank)
        width = self.max_width(ids.shape[1], max_len)
        return ops.insert(
            ids, lengths, rate, generator, table=table, max_len=max_len, rounding=r, width=width, rank=rank
        )


class OperatorPool:
    """Each row gets one operator drawn uniformly from its pool (short or long by length)."""

    def __init__(
        self, long: Sequence[Operator], short: Sequence[Operator] | None = None, threshold: int | None = None
    ) -> None:
        if not long or (short is not None and not short):
            raise ValueError("operator pools must not be empty")
        if (short is None) != (threshold is None):
            raise ValueError("a short pool needs a length threshold and vice versa")
        self.long, self.short, self.threshold = list(long), list(short or []), threshold
        self.operators: list[Operator] = []
        for op in [*self.long, *self.short]:
            if op not in self.operators:
                self.operators.append(op)
        self._long_idx = torch.tensor([self.operators.index(o) for o in self.long])
        self._short_idx = torch.tensor([self.operators.index(o) for o in self.short] or [0])

    @property
    def needs_table(self) -> bool:
        return any(op.needs_table for op in self.operators)

    def width(self, width: int, max_len: int) -> int:
        """Common output width for inputs ``width`` wide."""
        return max(op.max_width(width, max_len) for op in self.operators)

    def choose(self, lengths: torch.Tensor, generator: torch.Generator) -> torch.Tensor:  # [B] index
        """Index into ``self.operators`` per row."""
        u = uniform((len(lengths),), generator, lengths.device)
        long_idx = self._long_idx.to(lengths.device)[(u * len(self.long)).to(torch.int64)]
        if self.threshold is None:
            return long_idx
        short_idx = self._short_idx.to(lengths.device)[(u * len(self.short)).to(torch.int64)]
        return torch.where(lengths <= self.threshold, short_idx, long_idx)

    def __call__(
        self,
        ids: torch.Tensor,  # [B, W] left-padded
        lengths: torch.Tensor,  # [B]
        generator: torch.Generator,
        *,
        table: Neighbours | None = None,
        max_len: int,
        width: int | None = None,
    ) -> AugResult:
        """One augmented view of every row, ``width`` (default :meth:`width`) columns wide."""
        width = width or self.width(ids.shape[1], max_len)
        choice = self.choose(lengths, generator)
        # One random slot order and one neighbour lookup serve every operator: each row
        # keeps only one operator's result.
        rank = ops.random_rank(lengths, ids.shape[1], generator)
        table = None if table is None or not self.needs_table else _Once(table)
        out: AugResult | None = None
        for j, op in enumerate(self.operators):
            res = op(ids, lengths, generator, table=table, max_len=max_len, rank=rank)
            res.ids, res.lengths = ops.pad_left(res.ids, width), res.lengths.clamp(max=width)
            if out is None:
                out = res
                continue
            pick = choice == j
            out = AugResult(
                ids=torch.where(pick[:, None], res.ids, out.ids),
                lengths=torch.where(pick, res.lengths, out.lengths),
                op=torch.where(pick, res.op, out.op),
                rate=torch.where(pick, res.rate, out.rate),
                aligned=torch.where(pick, res.aligned, out.aligned),
            )
        assert out is not None
        return out


class _Once:
    """A table whose lookup of the pool's input is computed once per pool call."""

    def __init__(self, table: Neighbours) -> None:
        self.table = table
        self.cached: tuple[torch.Tensor, torch.Tensor] | None = None

    def lookup(self, ids: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.cached is None or self.cached[0] is not ids:
            self.cached = (ids, self.table.lookup(ids, generator))
        return self.cached[1]
