"""Operator specs and the length-aware random choice of CoSeRec (Liu et al. 2021, Eq. 12):
a row whose input length is ``<= threshold`` draws one operator uniformly from the short
pool, otherwise from the long pool (paper {S, I, M} / {S, I, M, C, R}; the released Beauty
script uses all five for short rows too). CL4SRec (Xie et al. 2022) is one pool {C, M, R}
without a threshold.

Vectorized: the choice is a tensor of operator indices and :func:`seqaug.augment.ops.apply`
applies each row's operator in one fused pass (per-row settings gathered from small
tables). No row grouping, hence no device→host read in the training step; the output
width is known on the host (input width plus the most items insert can add).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from seqaug.augment import ops
from seqaug.augment.ops import AugResult, Neighbours, Operator, OpTables, op_count_bound
from seqaug.augment.rates import Fixed, uniform

__all__ = ["Operator", "OperatorPool"]


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
        self._tables: dict[torch.device, OpTables] = {}
        # choices[p, i]: operator of draw i of m = lcm(pool sizes) for pool p (0 long, 1 short):
        # uniform i picks each operator of either pool m / size times.
        sizes = [len(self.long), len(self.short or self.long)]
        self._m = math.lcm(*sizes)
        self._choices = torch.tensor(
            [[self.operators.index(pool[i * len(pool) // self._m]) for i in range(self._m)]
             for pool in (self.long, self.short or self.long)]
        )  # fmt: skip
        self._choices_on: dict[torch.device, torch.Tensor] = {}

    @property
    def needs_table(self) -> bool:
        return any(op.needs_table for op in self.operators)

    def width(self, width: int, max_len: int) -> int:
        """Common output width for inputs ``width`` wide."""
        return max(op.max_width(width, max_len) for op in self.operators)

    def choose(self, lengths: torch.Tensor, generator: torch.Generator) -> torch.Tensor:  # [B] index
        """Index into ``self.operators`` per row."""
        choices = self._choices_on.get(lengths.device)
        if choices is None:
            choices = self._choices_on[lengths.device] = self._choices.to(lengths.device).flatten()
        i = (uniform((len(lengths),), generator, lengths.device) * self._m).long()  # [B] in [0, m)
        if self.threshold is None:
            return choices[i]
        return choices[i.add_(lengths <= self.threshold, alpha=self._m)]

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
        tables = self._tables.get(ids.device)
        if tables is None:
            tables = self._tables[ids.device] = OpTables.of(self.operators, ids.device)
        rate = None  # fixed rates: apply reads them (and their counts) from its tables
        if not tables.fixed:
            u = uniform((len(lengths),), generator, ids.device)
            rate = tables.low[choice] + (tables.high - tables.low)[choice] * u
        return ops.apply(
            ids, lengths, choice, rate, tables, generator, table=table, width=width, picks=self.picks(ids.shape[1])
        )

    def picks(self, width: int) -> int:
        """Most substitute or insert slots of a row ``width`` wide (+1 for a sampled rate: it
        may exceed its upper bound by rounding)."""
        counts = [
            op_count_bound(op.rate.high, width, op.rounding) + (not isinstance(op.rate, Fixed))
            for op in self.operators
            if op.needs_table
        ]
        return min(max(counts, default=0), width)
