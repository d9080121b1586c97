"""Everything a method needs to augment online, as one component: an operator pool, the
method's own random generator (saved in the state dict, see ``generator.py``) and, when
the pool substitutes or inserts, the correlation schedule whose top-1 table is rebuilt at
every epoch start. CoSeRec, CL4SRec, CMR and CMRSI hold one (composition)."""

from __future__ import annotations

import torch
from torch import nn

from seqaug.augment.correlation import Top1Table
from seqaug.augment.generator import GeneratorState
from seqaug.augment.ops import AugResult
from seqaug.augment.pool import OperatorPool
from seqaug.augment.schedule import CorrelationSchedule


class OnlineAugmenter(nn.Module):
    def __init__(
        self,
        pool: OperatorPool,
        *,
        max_len: int,
        seed: int,
        correlation: CorrelationSchedule | None = None,
        item_weight: torch.Tensor | None = None,  # [N+2, D] the live embeddings (for epoch 0)
    ) -> None:
        super().__init__()
        if pool.needs_table and (correlation is None or item_weight is None):
            raise ValueError("substitute/insert need a correlation schedule and the item embeddings")
        self.pool, self.max_len, self.correlation = pool, max_len, correlation
        self.rng = GeneratorState(seed)
        self.table: Top1Table | None = None
        if correlation is not None and item_weight is not None:
            self.table = correlation.table(0, item_weight)

    def on_epoch_start(self, epoch: int, item_weight: torch.Tensor) -> None:
        """Rebuild the top-1 table for ``epoch`` (CoSeRec: hybrid after the warm-up)."""
        if self.correlation is not None:
            self.table = self.correlation.table(epoch, item_weight)

    def width(self, input_width: int) -> int:
        """Width of the augmented batch for inputs ``input_width`` wide."""
        return self.pool.width(input_width, self.max_len)

    def forward(self, inputs: torch.Tensor, copies: int = 1, width: int | None = None) -> AugResult:
        """``copies`` independent augmentations of every row of ``inputs`` [B, W] (original,
        unmasked ids), stacked copy by copy: [copies·B, width]. One pool call for all."""
        lengths = (inputs > 0).sum(1)
        if copies > 1:
            inputs, lengths = torch.cat([inputs] * copies), torch.cat([lengths] * copies)
        return self.pool(inputs, lengths, self.rng.generator, table=self.table, max_len=self.max_len, width=width)
