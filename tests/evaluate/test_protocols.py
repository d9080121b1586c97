from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from seqaug.data.batching import SeqBatch
from seqaug.data.corpus import corpus_from_lists
from seqaug.data.negatives import NegativeSampler
from seqaug.data.split import leave_one_out
from seqaug.errors import DataError
from seqaug.evaluate.evaluator import Evaluator
from seqaug.evaluate.protocols import (
    FullRanking,
    SampledRanking,
    draw_fixed_negatives,
    read_negatives,
    write_negatives,
)


class FixedScores(torch.nn.Module):
    """A fake method: score of item i is table[i] for every user."""

    def __init__(self, table: list[float]) -> None:
        super().__init__()
        self.table = torch.tensor(table)

    def score(self, batch: SeqBatch) -> torch.Tensor:
        full = self.table.expand(batch.size, -1).clone()
        return full if batch.candidates is None else full.gather(1, batch.candidates)


@pytest.fixture
def split():
    # 6 items. user 0: history [1, 2], target 3; user 1: history [4, 5, 1], target 6.
    return leave_one_out(corpus_from_lists([[1, 2, 9, 3], [4, 5, 1, 9, 6]]))


def ranks_full(split, table, **kw) -> list[int]:
    proto = FullRanking(split.num_items, **kw)
    ev = Evaluator(split.test, proto, ks=[1, 3], max_len=10)
    users = np.arange(2)
    scores = FixedScores(table).score(SeqBatch(torch.from_numpy(users), torch.zeros(2, 1, dtype=torch.long)))
    return proto.ranks(scores, torch.from_numpy(split.test.targets), ev.context.inputs, users).tolist()


def test_full_ranking_masks_history_and_special_rows(split) -> None:
    # internal ids: raw 1..6, 9 → 1..7; index 0 pad, 8 mask.
    table = [5.0, 0.9, 0.8, 0.5, 0.1, 0.2, 0.3, 0.0, 9.0]
    # user 0 history {1, 2, 7(=raw 9)}, target 3 (0.5): others unmasked above it: none → rank 0
    # user 1 history {4, 5, 1, 7}, target 6 (0.3): unmasked above: 2 (0.8), 3 (0.5) → rank 2
    assert ranks_full(split, table) == [0, 2]
    # Without history masking, history items above the target count.
    assert ranks_full(split, table, mask_history=False) == [2, 3]


def test_s3rec_compat_zeroes_history_and_ranks_pad_and_mask_rows(split) -> None:
    table = [5.0, 0.9, 0.8, 0.5, 0.1, 0.2, 0.3, -1.0, 9.0]
    # user 0: pad (5.0) and mask (9.0) rank above; history zeroed (0 < 0.5) → rank 2
    # user 1: pad, mask, item 2 (0.8), item 3 (0.5) above 0.3; zeroed history below → rank 4
    assert ranks_full(split, table, s3rec_compat=True) == [2, 4]


def test_sampled_fixed_file_roundtrip_and_errors(split, tmp_path: Path) -> None:
    negs = draw_fixed_negatives(split.full, 2, seed=1)
    assert negs.shape == (2, 2)
    for u in range(2):
        assert not set(negs[u]) & set(split.full.sequence(u).tolist())
    write_negatives(tmp_path / "neg.txt", split.full, negs)
    assert np.array_equal(read_negatives(tmp_path / "neg.txt", split.full), negs)
    (tmp_path / "bad.txt").write_text("1 2 3\n2 4\n")
    with pytest.raises(DataError, match=r"bad.txt:2: expected 2 negatives"):
        read_negatives(tmp_path / "bad.txt", split.full)
    (tmp_path / "bad.txt").write_text("1 2 4\n5 2 4\n")
    with pytest.raises(DataError, match=r"bad.txt:2: user 5 is not in the dataset"):
        read_negatives(tmp_path / "bad.txt", split.full)
    (tmp_path / "bad.txt").write_text("1 3 4\n2 2 4\n")
    with pytest.raises(DataError, match=r"negative equals the validation or test target"):
        read_negatives(tmp_path / "bad.txt", split.full)


def test_sampled_protocol_ranks_target_among_candidates(synthetic) -> None:
    sp = leave_one_out(synthetic)
    negs = draw_fixed_negatives(sp.full, 10, seed=0)
    proto = SampledRanking(negs, NegativeSampler(sp.full, sp.num_items), 10, 0)
    # Score = item id: the rank of the target is the number of negatives with a larger id.
    table = torch.arange(sp.num_items + 2, dtype=torch.float32)
    res = Evaluator(sp.test, proto, ks=[1, 5], max_len=20).evaluate(FixedScores(table.tolist()))
    expected = (negs > sp.test.targets[:, None]).sum(1)
    assert res["hr@1"] == pytest.approx(np.mean(expected == 0))
    assert res["mrr"] == pytest.approx(np.mean(1 / (expected + 1)))


def test_sampled_random_redraws_each_call_but_is_seeded(synthetic) -> None:
    sp = leave_one_out(synthetic)
    make = lambda: SampledRanking(None, NegativeSampler(sp.full, sp.num_items), 20, seed=4, name="sampled-random")  # noqa: E731
    a, b = make(), make()
    users, targets = np.arange(5), sp.test.targets[:5]
    a.start(0, "test"), b.start(0, "test")
    first_a, first_b = a.candidates(users, targets), b.candidates(users, targets)
    assert torch.equal(first_a, first_b)
    a.start(1, "test")
    assert not torch.equal(a.candidates(users, targets), first_a)
    seen = NegativeSampler(sp.full, sp.num_items).contains(users[:, None], first_a[:, 1:].numpy())
    assert not seen.any()
