"""Golden tests on hand-computed rankings, including ties."""

from __future__ import annotations

import math

import pytest
import torch

from seqaug.evaluate.metrics import MetricAccumulator, rank_of_target


def test_rank_counts_ties_against_the_model() -> None:
    scores = torch.tensor(
        [
            [0.9, 0.5, 0.1, 0.3],  # target col 0 best → rank 0
            [0.2, 0.5, 0.2, 0.2],  # target 0.2 tied with two others, one above → rank 3
            [0.7, 0.7, 0.7, 0.7],  # all tied → worst rank 3
            [float("nan"), 0.1, 0.2, 0.3],  # NaN target counts against → 3
            [0.5, float("nan"), 0.1, 0.2],  # a NaN candidate counts against → 1
        ]
    )
    ranks = rank_of_target(scores, scores[:, :1])
    assert ranks.tolist() == [0, 3, 3, 3, 1]


def test_metrics_hand_computed() -> None:
    acc = MetricAccumulator([1, 5, 10])
    acc.add(torch.tensor([0, 3]))
    acc.add(torch.tensor([9, 20]))
    r = acc.result()
    assert r["hr@1"] == pytest.approx(1 / 4)
    assert r["hr@5"] == pytest.approx(2 / 4)
    assert r["hr@10"] == pytest.approx(3 / 4)
    assert r["ndcg@1"] == pytest.approx(1 / 4)
    assert r["ndcg@5"] == pytest.approx((1 + 1 / math.log2(5)) / 4)
    assert r["ndcg@10"] == pytest.approx((1 + 1 / math.log2(5) + 1 / math.log2(11)) / 4)
    assert r["mrr"] == pytest.approx((1 + 1 / 4 + 1 / 10 + 1 / 21) / 4)
    assert list(r) == ["hr@1", "hr@5", "hr@10", "ndcg@1", "ndcg@5", "ndcg@10", "mrr"]


def test_empty_accumulator_is_an_error() -> None:
    with pytest.raises(ValueError):
        MetricAccumulator([10]).result()
