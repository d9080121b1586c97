"""Top-k recommendations: the same items a per-user brute force picks, history and
special rows never recommended, batch composition irrelevant, raw ids in the CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from seqaug.backbones.sasrec import SASRec
from seqaug.data.corpus import SequenceCorpus
from seqaug.errors import SeqaugError
from seqaug.evaluate.recommend import select_users, top_k, write_csv
from seqaug.methods.next_item import NextItem


@pytest.fixture
def method(synthetic: SequenceCorpus) -> NextItem:
    torch.manual_seed(0)
    return NextItem(SASRec(synthetic.num_items, 20, hidden_size=16, num_layers=1, num_heads=1), synthetic.num_items)


def brute_force(method: NextItem, corpus: SequenceCorpus, user: int, k: int, keep_history: bool) -> list[int]:
    seq = corpus.sequence(user)[-20:]
    with torch.no_grad():
        method.eval()
        h = method.backbone(torch.from_numpy(seq)[None])[0, -1]
        scores = (method.backbone.item_embedding.weight @ h).numpy()
    history = set(corpus.sequence(user).tolist())
    candidates = [i for i in range(1, corpus.num_items + 1) if keep_history or i not in history]
    return sorted(candidates, key=lambda i: -scores[i])[:k]


@pytest.mark.parametrize("keep_history", [False, True])
def test_top_k_matches_a_per_user_brute_force(method: NextItem, synthetic: SequenceCorpus, keep_history: bool) -> None:
    users = np.array([5, 0, 17, 42, 3])
    items, scores = top_k(method, synthetic, users, 7, max_len=20, keep_history=keep_history, batch_size=2)
    for row, u in enumerate(users):
        assert items[row].tolist() == brute_force(method, synthetic, int(u), 7, keep_history)
        assert np.all(np.diff(scores[row]) <= 0)
    if not keep_history:
        for row, u in enumerate(users):
            assert not set(items[row]) & set(synthetic.sequence(int(u)).tolist())
    assert items.min() >= 1 and items.max() <= synthetic.num_items  # never padding 0 or mask N+1


def test_top_k_does_not_depend_on_the_batch(method: NextItem, synthetic: SequenceCorpus) -> None:
    users = np.arange(synthetic.num_users)
    a, _ = top_k(method, synthetic, users, 5, max_len=20, batch_size=7)
    b, _ = top_k(method, synthetic, users, 5, max_len=20, batch_size=1000)
    assert np.array_equal(a, b)
    assert method.training  # train mode restored


def test_bad_k_and_unknown_users_are_errors(method: NextItem, synthetic: SequenceCorpus, tmp_path: Path) -> None:
    with pytest.raises(SeqaugError, match="k = 0"):
        top_k(method, synthetic, np.array([0]), 0, max_len=20)
    raw = [str(u) for u in synthetic.user_ids[:2]]
    assert select_users(synthetic, raw).tolist() == [0, 1]
    with pytest.raises(SeqaugError, match=r"users.txt:3: unknown user 'nobody'"):
        select_users(synthetic, [*raw, "nobody"], str(tmp_path / "users.txt"))


def test_csv_has_raw_ids(method: NextItem, synthetic: SequenceCorpus, tmp_path: Path) -> None:
    users = np.array([2, 9])
    items, scores = top_k(method, synthetic, users, 3, max_len=20)
    write_csv(tmp_path / "recs.csv", synthetic, users, items, scores)
    rows = list(csv.DictReader((tmp_path / "recs.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 6 and [r["rank"] for r in rows[:3]] == ["1", "2", "3"]
    assert rows[3]["user"] == str(synthetic.user_ids[9])
    assert rows[3]["item"] == str(synthetic.item_ids[items[1, 0]])
