"""CoSeRec end to end: exact resume with its own generator, the correlation switch, views."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from seqaug import experiment
from seqaug.backbones.sasrec import SASRec
from seqaug.config import validate
from seqaug.data.corpus import SequenceCorpus
from seqaug.data.split import leave_one_out
from seqaug.errors import ConfigError
from seqaug.methods import METHODS, MethodContext
from seqaug.train.checkpoint import load_checkpoint
from seqaug.train.trainer import Trainer
from tests.conftest import tiny_config
from tests.methods.test_contract import a_batch, build

COSEREC = {"name": "coserec", "warmup_epochs": 1, "short_threshold": 6}


class Interrupt(Exception):
    pass


def run(cfg: dict, out: Path) -> dict:
    return experiment.train(validate(cfg), out, log=lambda _m: None)


def test_resume_after_interrupt_matches_uninterrupted(
    synthetic_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed in epoch 3 (hybrid correlation since epoch 2), resumed from last.pt: the
    augmentation generator travels in the state dict, tables are rebuilt, metrics match."""
    cfg = tiny_config(synthetic_file, method=COSEREC, train={"epochs": 4}, backbone={"dropout": 0.3})
    full = run(cfg, tmp_path / "full")
    original = Trainer._train_epoch
    calls = {"n": 0}

    def dying_epoch(self: Trainer) -> dict:
        if self.epoch == 3:
            orig_loss = self.method.loss

            def loss(batch):
                calls["n"] += 1
                if calls["n"] == 3:
                    raise Interrupt
                return orig_loss(batch)

            monkeypatch.setattr(self.method, "loss", loss)
        return original(self)

    monkeypatch.setattr(Trainer, "_train_epoch", dying_epoch)
    with pytest.raises(Interrupt):
        run(cfg, tmp_path / "resumed")
    assert load_checkpoint(tmp_path / "resumed" / "last.pt")["meta"]["epoch"] == 3
    monkeypatch.setattr(Trainer, "_train_epoch", original)
    resumed = run(cfg, tmp_path / "resumed")
    assert resumed["test"] == full["test"] and resumed["valid"] == full["valid"]


def test_views_are_padded_to_max_len_or_to_the_batch(synthetic: SequenceCorpus) -> None:
    m = build("coserec", synthetic)
    batch = a_batch(m, synthetic)
    views = m.views(batch.inputs)
    assert views.ids.shape == (2 * batch.size, m.pool.width(batch.inputs.shape[1], m.max_len))
    v1, v2 = views.ids.chunk(2)
    assert not torch.equal(v1, v2)
    m.view_width = "max_len"
    assert m.views(batch.inputs).ids.shape[1] == m.max_len


def test_hybrid_table_after_warmup(synthetic: SequenceCorpus) -> None:
    m = build("coserec", synthetic)
    m.correlation.warmup = 0  # type: ignore[union-attr]
    m.on_epoch_start(0)
    memory = m.table.neighbour.clone()
    with torch.no_grad():
        m.backbone.item_embedding.weight.mul_(50.0)  # embedding scores dominate after min-max
    m.on_epoch_start(1)
    assert not torch.equal(m.table.neighbour, memory)


def test_non_causal_backbone_is_refused(synthetic: SequenceCorpus) -> None:
    class Bidirectional(SASRec):
        causal = False

    split = leave_one_out(synthetic)
    ctx = MethodContext(split.train, split.num_items, 10, lambda: Bidirectional(split.num_items, 10), 0)
    for name in ("coserec", "cl4srec", "cmr", "cmrsi"):
        entry = METHODS.get(name)
        with pytest.raises(ConfigError, match=f"method '{name}' needs a causal backbone"):
            entry.build(entry.params(name=name), ctx)
