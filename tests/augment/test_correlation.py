"""ItemCF-IUF, embedding and hybrid top-1 tables against brute force definitions."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest
import torch

from seqaug.augment.correlation import Top1, Top1Table, embedding_top1, hybrid, itemcf_iuf
from seqaug.augment.schedule import CorrelationSchedule
from seqaug.data.corpus import SequenceCorpus, corpus_from_lists
from seqaug.data.split import leave_one_out


def naive_itemcf(corpus: SequenceCorpus) -> tuple[dict[int, tuple[int, float]], float, float]:
    """Eq. 9 with Python dicts over pairs: top-1 (smallest id on ties) and min/max."""
    users_of: dict[int, set[int]] = defaultdict(set)
    cor: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for u in range(corpus.num_users):
        items = set(corpus.sequence(u).tolist())
        for i in items:
            users_of[i].add(u)
            for j in items:
                if i != j:
                    cor[i][j] += 1.0 / math.log(1 + len(items))
    scores = {
        i: {j: s / math.sqrt(len(users_of[i]) * len(users_of[j])) for j, s in row.items()} for i, row in cor.items()
    }
    top = {i: min(row.items(), key=lambda kv: (-kv[1], kv[0])) for i, row in scores.items() if row}
    values = [s for row in scores.values() for s in row.values()]
    return top, min(values), max(values)


def test_itemcf_iuf_matches_the_pairwise_definition(synthetic: SequenceCorpus) -> None:
    view = leave_one_out(synthetic).train.drop_last(1)
    got = itemcf_iuf(view, view.num_items, block_size=17)  # several blocks
    top, low, high = naive_itemcf(view)
    assert got.low == pytest.approx(low) and got.high == pytest.approx(high)
    for i in range(view.num_items + 2):
        if i in top:
            assert int(got.neighbour[i]) == top[i][0] and float(got.score[i]) == pytest.approx(top[i][1])
        else:
            assert int(got.neighbour[i]) == -1 and math.isnan(float(got.score[i]))
    norm = got.normalised()
    known = got.neighbour >= 0
    assert norm[known].min() >= 0 and norm[known].max() <= 1 and torch.isinf(norm[~known]).all()


def test_repeated_items_count_once() -> None:
    view = corpus_from_lists([[1, 1, 2], [2, 3]])
    got = itemcf_iuf(view, 3)
    assert int(got.neighbour[1]) == 2 and float(got.score[1]) == pytest.approx(1 / math.log(3) / math.sqrt(2))


@pytest.mark.parametrize("minmax", ["all_pairs", "off_diagonal"])
def test_embedding_top1_matches_dense(minmax: str) -> None:
    torch.manual_seed(0)
    w = torch.randn(23, 5)
    cand = torch.rand(23) > 0.3
    cand[0] = cand[-1] = False
    got = embedding_top1(w, cand, minmax=minmax, chunk=4)
    s = w @ w.T
    masked = s.masked_fill(~cand[None, :], -torch.inf)
    masked.fill_diagonal_(-torch.inf)
    best, arg = masked.max(1)
    assert torch.equal(got.neighbour, torch.where(torch.isfinite(best), arg, -1))
    if minmax == "all_pairs":
        assert got.low == pytest.approx(float(s.min())) and got.high == pytest.approx(float(s.max()))
    else:
        off = masked[cand][torch.isfinite(masked[cand])]
        assert got.low == pytest.approx(float(off.min())) and got.high == pytest.approx(float(off.max()))


def test_hybrid_takes_the_larger_normalised_score() -> None:
    nb = torch.tensor([-1, 2, 1, -1])
    memory = Top1(nb, torch.tensor([np.nan, 1.0, 3.0, np.nan], dtype=torch.float64), 1.0, 3.0)  # norm 0, 1
    model = Top1(torch.tensor([-1, 3, 3, 1]), torch.tensor([np.nan, 5.0, 0.0, 2.0], dtype=torch.float64), 0.0, 10.0)
    neighbour, score = hybrid(memory, model)  # model norm .5, 0, .2
    assert neighbour.tolist() == [-1, 3, 1, 1]
    assert score[1:].tolist() == pytest.approx([0.5, 1.0, 0.2])


def test_table_fallbacks_and_special_ids() -> None:
    known = torch.tensor([False, True, True, False, True, False])
    top = Top1(torch.tensor([-1, 2, -1, -1, -1, -1]), torch.full((6,), 1.0, dtype=torch.float64), 0.0, 1.0)
    ids = torch.tensor([[0, 1, 2, 4, 5]]).repeat(200, 1)
    g = torch.Generator().manual_seed(0)
    same = Top1Table.from_top1(top, known, "self").lookup(ids, g)
    assert same[0].tolist() == [0, 2, 2, 4, 5]
    rand = Top1Table.from_top1(top, known, "random").lookup(ids, g)
    assert (rand[:, 0] == 0).all() and (rand[:, 1] == 2).all() and (rand[:, 4] == 5).all()
    assert set(rand[:, 2:4].unique().tolist()) == {1, 2, 4}, "random fallback draws train-view items only"


def test_schedule_switches_after_warmup(synthetic: SequenceCorpus) -> None:
    train = leave_one_out(synthetic).train
    sched = CorrelationSchedule(train, kind="hybrid", warmup=2)
    torch.manual_seed(0)
    w = torch.randn(train.num_items + 2, 8) * 5
    memory = sched.table(0, w).neighbour.clone()
    assert torch.equal(sched.table(2, w).neighbour, memory)
    switched = sched.table(3, w).neighbour
    assert not torch.equal(switched, memory)
    expected, _ = hybrid(sched.memory, embedding_top1(w, sched.candidates))
    known = expected >= 0
    assert torch.equal(switched[1:-1][known[1:-1]], expected[1:-1][known[1:-1]])
