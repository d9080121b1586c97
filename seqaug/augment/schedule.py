"""Which correlation table the informative operators use in a given epoch (CoSeRec,
Liu et al. 2021, Algorithm 1): memory-based (ItemCF-IUF) while ``epoch <= E`` (0-based, as
the code), then the hybrid of memory and model-based correlation, rebuilt from the live
item embeddings at the start of every later epoch. ``kind="memory"`` / ``"model"`` are the
paper's ablations (Table 3).

Tables are a pure function of the train view and the current embeddings, so a resumed
run rebuilds exactly the table an uninterrupted run had.
"""

from __future__ import annotations

from typing import Literal

import torch

from seqaug.augment.correlation import Fallback, MinMax, Top1, Top1Table, embedding_top1, hybrid, itemcf_iuf
from seqaug.data.corpus import SequenceCorpus

Kind = Literal["hybrid", "memory", "model"]
View = Literal["inputs", "train"]


def correlation_view(train: SequenceCorpus, view: View) -> SequenceCorpus:
    """The corpus ItemCF is fitted on: ``"inputs"`` = training inputs ``s[:-3]`` (the
    reference), ``"train"`` = the whole train view ``s[:-2]``. Never a held-out item."""
    return train.drop_last(1) if view == "inputs" else train


def known_items(train: SequenceCorpus) -> torch.Tensor:  # bool [N+2]
    """Items that occur in the train view: the only candidates a table may produce."""
    return torch.from_numpy(train.item_counts() > 0)


class CorrelationSchedule:
    def __init__(
        self,
        train: SequenceCorpus,
        *,
        kind: Kind = "hybrid",
        warmup: int = 160,
        view: View = "inputs",
        fallback: Fallback = "random",
        minmax: MinMax = "all_pairs",
        candidates: Literal["train_items", "all_items"] = "train_items",
    ) -> None:
        self.kind, self.warmup, self.fallback, self.minmax = kind, warmup, fallback, minmax
        self.known = known_items(train)
        self.candidates = self.known.clone()
        if candidates == "all_items":
            self.candidates[1:-1] = True
        self.memory: Top1 | None = None
        if kind != "model":
            self.memory = itemcf_iuf(correlation_view(train, view), train.num_items)
        self._memory_table: Top1Table | None = None

    def uses_model(self, epoch: int) -> bool:
        return self.kind == "model" or (self.kind == "hybrid" and epoch > self.warmup)

    def table(self, epoch: int, item_weight: torch.Tensor) -> Top1Table:
        """The top-1 table for ``epoch`` (``item_weight`` [N+2, D]: the live embeddings)."""
        device = item_weight.device
        if not self.uses_model(epoch):
            assert self.memory is not None
            if self._memory_table is None:
                self._memory_table = Top1Table.from_top1(self.memory, self.known, self.fallback)
            return self._memory_table.to(device)
        model = embedding_top1(item_weight, self.candidates, minmax=self.minmax)
        if self.memory is None:
            return Top1Table.from_top1(model, self.known, self.fallback)
        neighbour, score = hybrid(self.memory, model)
        return Top1Table(neighbour, score, self.known, self.fallback)
