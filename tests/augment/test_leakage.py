"""Correlation tables and augmented views never contain a validation or test item.

The corpus is built so that every held-out item (each user's last two) is an item that
occurs nowhere else: any held-out id in a table or a view would prove a leak.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from seqaug import experiment
from seqaug.augment import schedule as schedule_mod
from seqaug.config import validate
from seqaug.data.corpus import SequenceCorpus, corpus_from_lists
from seqaug.data.negatives import NegativeSampler
from seqaug.data.readers import write_s3rec
from seqaug.data.samples import Seq2SeqSamples
from seqaug.data.split import leave_one_out
from seqaug.methods import coserec as coserec_mod
from tests.conftest import tiny_config

SHARED, USERS = 40, 80


def corpus() -> SequenceCorpus:
    rng = np.random.default_rng(0)
    seqs = []
    for u in range(USERS):
        prefix = rng.choice(np.arange(1, SHARED + 1), size=int(rng.integers(2, 9)), replace=False).tolist()
        seqs.append([*prefix, SHARED + 1 + 2 * u, SHARED + 2 + 2 * u])
    lonely = SHARED + 2 * USERS + 1  # only input item of one user: no co-occurrence in s[:-3]
    seqs.append([lonely, 1, lonely + 1, lonely + 2])
    return corpus_from_lists(seqs)


@pytest.fixture
def setup(tmp_path: Path):
    data = corpus()
    write_s3rec(data, tmp_path / "leak.txt")
    split = leave_one_out(data)
    held_out = torch.from_numpy(np.union1d(split.valid.targets, split.test.targets))
    assert not np.isin(split.train.items, held_out.numpy()).any()  # the premise
    return tmp_path / "leak.txt", split, held_out


def method_config(path: Path, name: str, **extra: object):
    method = {"name": name, **extra}
    return validate(tiny_config(path, method=method, backbone={"dropout": 0.0}))


def test_builders_fit_on_the_train_view_only(setup, monkeypatch: pytest.MonkeyPatch) -> None:
    path, split, held_out = setup
    seen: dict[str, object] = {}
    real_itemcf, real_schedule = schedule_mod.itemcf_iuf, coserec_mod.CorrelationSchedule

    def spy_itemcf(view: SequenceCorpus, num_items: int):
        seen["view"] = view
        return real_itemcf(view, num_items)

    def spy_schedule(train: SequenceCorpus, **kw):
        seen["train"] = train
        return real_schedule(train, **kw)

    monkeypatch.setattr(schedule_mod, "itemcf_iuf", spy_itemcf)
    monkeypatch.setattr(coserec_mod, "CorrelationSchedule", spy_schedule)
    experiment.build_method(method_config(path, "coserec"), split)
    assert seen["train"] is split.train
    assert np.array_equal(seen["view"].items, split.train.drop_last(1).items)  # s[:-3]
    assert not np.isin(seen["view"].items, held_out.numpy()).any()
    experiment.build_method(method_config(path, "cmrsi", correlation_view="train"), split)
    assert np.array_equal(seen["view"].items, split.train.items)  # s[:-2]


@pytest.mark.parametrize("name", ["coserec", "cmrsi", "cl4srec", "cmr"])
@pytest.mark.parametrize("view", ["inputs", "train"])
def test_tables_and_views_never_hold_a_held_out_item(setup, name: str, view: str) -> None:
    path, split, held_out = setup
    extra = {} if name in ("cl4srec", "cmr") else {"correlation_view": view, "short_threshold": 3}
    if name == "coserec":
        extra.update(warmup_epochs=0, long_pool="SIMCR", short_pool="SI")
    cfg = method_config(path, name, **extra)
    method = experiment.build_method(cfg, split)
    with torch.no_grad():  # tempt the embedding correlation: held-out rows look like everything
        emb = method.backbone.item_embedding.weight
        emb[held_out] = emb[1 : SHARED + 1].mean(0) * 100
    samples = Seq2SeqSamples(split.train, NegativeSampler(split.train, split.num_items), max_len=20, batch_size=16)
    rng = np.random.default_rng(0)
    for epoch in range(3):
        method.on_epoch_start(epoch)
        table = method.augmenter.table
        if table is not None:
            assert not torch.isin(table.neighbour, held_out).any()
            assert not torch.isin(table.pool, held_out).any()
            if epoch == 0 and view == "inputs":
                assert (table.neighbour < 0).any(), "the random fallback is exercised"
        for batch in samples.epoch(rng):
            outputs = [method.views(batch.inputs).ids] if name in ("coserec", "cl4srec") else []
            if name in ("cmr", "cmrsi"):
                copy = method.copies(batch)  # (negatives come from the core sampler: any catalogue item)
                outputs += [copy.inputs, copy.targets]
            for out in outputs:
                assert not torch.isin(out, held_out).any()


def test_the_check_would_catch_a_leaky_table(setup) -> None:
    """With every item as a candidate (``model_candidates: all_items``) the tempting
    held-out embeddings do win the model-based top-1: the test above can fail."""
    path, split, held_out = setup
    method = experiment.build_method(
        method_config(path, "coserec", warmup_epochs=0, model_candidates="all_items"), split
    )
    with torch.no_grad():
        emb = method.backbone.item_embedding.weight
        emb[held_out] = emb[1 : SHARED + 1].mean(0) * 100
    method.on_epoch_start(1)
    assert torch.isin(method.augmenter.table.neighbour, held_out).any()
