"""NextItem with every sample construction; mask-token scoring; the construction checks
as the experiment runs them (one-line errors, no run folder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seqaug import experiment
from seqaug.backbones.bert4rec import BERT4Rec
from seqaug.backbones.sasrec import SASRec
from seqaug.config import validate
from seqaug.data.batching import SeqBatch
from seqaug.data.readers import write_s3rec
from seqaug.data.split import leave_one_out
from seqaug.data.synthetic import make_synthetic
from seqaug.errors import ConfigError
from seqaug.evaluate.protocols import FullRanking
from seqaug.methods.base import append_mask_token, final_state
from seqaug.methods.next_item import NextItem
from tests.conftest import tiny_config


def test_append_mask_token_keeps_the_newest_items() -> None:
    x = torch.tensor([[0, 0, 3, 4], [1, 2, 3, 4]])
    assert append_mask_token(x, 9, max_len=5).tolist() == [[0, 0, 3, 4, 9], [1, 2, 3, 4, 9]]
    assert append_mask_token(x, 9, max_len=4).tolist() == [[0, 3, 4, 9], [2, 3, 4, 9]]


def test_final_state_reads_the_mask_slot_only_for_mask_token_backbones() -> None:
    torch.manual_seed(0)
    bert, sas = BERT4Rec(20, 4, hidden_size=8).eval(), SASRec(20, 4, hidden_size=8).eval()
    x = torch.tensor([[0, 5, 6, 7], [0, 0, 0, 3]])
    masked = torch.tensor([[5, 6, 7, 21], [0, 0, 3, 21]])  # full row drops its oldest slot
    assert torch.allclose(final_state(bert, x), bert(masked)[:, -1])
    assert torch.allclose(final_state(sas, x), sas(x)[:, -1])


def test_one_target_per_row_is_a_last_slot_loss() -> None:
    torch.manual_seed(0)
    m = NextItem(SASRec(20, 5, hidden_size=8), 20, loss="bce").eval()
    inputs = torch.tensor([[0, 1, 2, 3], [4, 5, 6, 7]])
    batch = SeqBatch(users=torch.arange(2), inputs=inputs, targets=torch.tensor([4, 8]), negatives=torch.tensor([9, 1]))
    h = m.backbone(inputs)[:, -1]
    e = m.backbone.item_embedding.weight
    expected = (F.softplus(-(h * e[[4, 8]]).sum(-1)) + F.softplus((h * e[[9, 1]]).sum(-1))).mean()
    assert torch.allclose(m.loss(batch)["loss"], expected)
    ce = NextItem(m.backbone, 20, loss="ce")
    logits = h @ e[1:21].T
    assert torch.allclose(ce.loss(batch)["loss"], F.cross_entropy(logits, torch.tensor([3, 7])))


def test_cloze_loss_uses_the_masked_slots_only() -> None:
    torch.manual_seed(0)
    m = NextItem(BERT4Rec(20, 5, hidden_size=8), 20, loss="ce").eval()
    inputs = torch.tensor([[0, 1, 21, 3], [21, 5, 6, 21]])
    targets = torch.tensor([[0, 0, 2, 0], [4, 0, 0, 7]])
    h = m.backbone(inputs)
    logits = h[targets > 0] @ m.backbone.item_embedding.weight[1:21].T
    expected = F.cross_entropy(logits, targets[targets > 0] - 1)
    assert torch.allclose(m.loss(SeqBatch(users=torch.arange(2), inputs=inputs, targets=targets))["loss"], expected)


CASES = {  # backbone, data section, expected samples description, epochs
    "fmlprec-auto-prefix": ({"name": "fmlprec", "dropout": 0.1}, {}, {"name": "prefix"}, 3),
    "fmlprec-causal-seq2seq": ({"name": "fmlprec", "dropout": 0.1, "filter": "causal"}, {}, {"name": "seq2seq"}, 8),
    "bert4rec-cloze-copy": (
        {"name": "bert4rec", "dropout": 0.1},
        {"samples": {"name": "cloze", "mask_prob": 0.2, "last_item_copy": True}},
        {"name": "cloze", "mask_prob": 0.2, "last_item_copy": True},
        25,
    ),
    "sasrec-kang-window": (
        {"name": "sasrec", "flavour": "kang", "dropout": 0.1},
        {"samples": {"name": "window", "length": 6, "stride": 3}},
        {"name": "window", "length": 6, "stride": 3},
        8,
    ),
    "nextitnet-auto": ({"name": "nextitnet"}, {}, {"name": "seq2seq"}, 15),
    "caser-prefix": ({"name": "caser", "dropout": 0.1}, {"samples": {"name": "prefix"}}, {"name": "prefix"}, 4),
}


@pytest.fixture(scope="module")
def ordered_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """Synthetic data where order matters and popularity does not (flat popularity, 90% of
    next items are one of 3 fixed successors), and the popularity ranker's test NDCG@10."""
    corpus = make_synthetic(num_users=400, num_items=200, max_length=30, zipf=0.3, follow=0.9, seed=3)
    path = tmp_path_factory.mktemp("ordered") / "ordered.txt"
    write_s3rec(corpus, path)
    split = leave_one_out(corpus)
    counts = torch.from_numpy(np.bincount(split.train.items, minlength=split.num_items + 2)).double()
    scores = counts.expand(split.full.num_users, -1).clone()
    ranks = FullRanking(split.num_items).ranks(
        scores, torch.from_numpy(split.test.targets), split.test.inputs, np.arange(split.full.num_users)
    )
    popularity = float(torch.where(ranks < 10, 1.0 / torch.log2(ranks.double() + 2), 0.0).mean())
    return path, popularity


@pytest.mark.parametrize("case", list(CASES))
def test_every_construction_trains_and_learns_the_order(case: str, ordered_data, tmp_path: Path) -> None:
    backbone, data, expected, epochs = CASES[case]
    path, popularity = ordered_data
    cfg = tiny_config(
        path,
        data=data,
        method={"loss": "ce"},
        train={"epochs": epochs, "lr": 5e-3, "patience": epochs},
        eval={"ks": [10, 20]},
    )
    cfg["backbone"] = {"hidden_size": 16, **backbone}  # not merged with the tiny SASRec keys
    res = experiment.train(validate(cfg), tmp_path / "run", log=lambda _m: None)
    for key, value in expected.items():
        assert res["samples"][key] == value
    assert res["test"]["ndcg@10"] > 1.5 * popularity, (res["test"], popularity)


@pytest.mark.parametrize(
    ("backbone", "samples", "message"),
    [
        ({"name": "fmlprec"}, {"name": "seq2seq"}, "data.samples: 'seq2seq' trains every slot on the next item"),
        ({"name": "bert4rec"}, {"name": "prefix"}, "data.samples: 'prefix' does not train at mask tokens"),
        ({"name": "sasrec"}, {"name": "cloze"}, "data.samples: 'cloze' trains at mask tokens but backbone 'sasrec'"),
    ],
)
def test_refused_constructions_leave_no_run_folder(
    backbone: dict, samples: dict, message: str, synthetic_file: Path, tmp_path: Path
) -> None:
    cfg = tiny_config(synthetic_file, backbone={"hidden_size": 16, **backbone}, data={"samples": samples})
    cfg["backbone"] = {"hidden_size": 16, **backbone}
    with pytest.raises(ConfigError, match=message):
        experiment.train(validate(cfg), tmp_path / "run", log=lambda _m: None)
    assert not (tmp_path / "run").exists()
