"""Ranking metrics from 0-based target ranks (methods.md §1.5).

HR@K = 1[r < K]; NDCG@K = 1/log2(r + 2) if r < K; MRR = 1/(r + 1) over all candidates.
Ranks count ties against the model: r = #{other candidates scoring >= the target}.
Computed as ``C - 1 - #{candidates scoring < target}``, so a NaN score (a diverged model)
also counts against the model instead of flattering it.
"""

from __future__ import annotations

import torch


def rank_of_target(scores: torch.Tensor, target_scores: torch.Tensor) -> torch.Tensor:
    """0-based ranks [B] with ties (and NaNs) against the model.

    ``scores`` [B, C] includes the target itself; ``target_scores`` [B, 1].
    """
    below = (scores < target_scores).sum(1, dtype=torch.int32)
    return (scores.shape[1] - 1 - below).to(torch.int64)


class MetricAccumulator:
    """Sums per-user metric values over batches; ``result()`` gives exact means."""

    def __init__(self, ks: list[int]) -> None:
        self.ks = sorted(set(ks))
        self.count = 0
        self.sums: dict[str, float] = {}

    def add(self, ranks: torch.Tensor) -> None:
        ranks = ranks.to(torch.float64)
        self.count += int(ranks.numel())
        inv_log = 1.0 / torch.log2(ranks + 2.0)
        values = {"mrr": (1.0 / (ranks + 1.0)).sum()}
        for k in self.ks:
            hit = ranks < k
            values[f"hr@{k}"] = hit.sum()
            values[f"ndcg@{k}"] = (inv_log * hit).sum()
        for name, v in values.items():
            self.sums[name] = self.sums.get(name, 0.0) + float(v)

    def result(self) -> dict[str, float]:
        if self.count == 0:
            raise ValueError("no users were evaluated")
        order = [f"hr@{k}" for k in self.ks] + [f"ndcg@{k}" for k in self.ks] + ["mrr"]
        return {name: self.sums[name] / self.count for name in order}


def metric_names(ks: list[int]) -> list[str]:
    ks = sorted(set(ks))
    return [f"hr@{k}" for k in ks] + [f"ndcg@{k}" for k in ks] + ["mrr"]
