"""Two-stage runs: pretrain → main from the best pretrained backbone, resumable."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from seqaug import experiment
from seqaug.config import stage_config, validate
from seqaug.errors import ConfigError
from seqaug.train.checkpoint import load_checkpoint
from seqaug.train.trainer import Trainer
from tests.conftest import tiny_config


def two_stage(data: Path, **main_train) -> dict:
    return tiny_config(
        data,
        method={"name": "next_item", "loss": "bce"},
        train={"epochs": 2, **main_train},
        pretrain={"method": {"name": "next_item", "loss": "ce"}, "train": {"epochs": 3, "lr": 0.005}},
    )


def test_stage_config_merges_overrides(synthetic_file: Path) -> None:
    cfg = validate(two_stage(synthetic_file))
    pre = stage_config(cfg, "pretrain")
    assert pre.method.loss == "ce" and pre.train.epochs == 3 and pre.train.lr == 0.005
    assert pre.train.batch_size == cfg.train.batch_size and pre.pretrain is None
    with pytest.raises(ConfigError, match="pretrain.train.batchsize: unknown key; valid keys: epochs, lr"):
        validate(tiny_config(synthetic_file, pretrain={"train": {"batchsize": 3}}), "x")


def test_main_stage_starts_from_pretrained_backbone(synthetic_file: Path, tmp_path: Path) -> None:
    cfg = validate(two_stage(synthetic_file, lr=1e-12))  # main stage cannot move the weights
    res = experiment.train(cfg, tmp_path / "run", log=lambda _m: None)
    pre_best = load_checkpoint(tmp_path / "run" / "pretrain" / "best.pt")["model"]
    main_best = load_checkpoint(tmp_path / "run" / "best.pt")["model"]
    for k, v in pre_best.items():
        assert torch.allclose(v, main_best[k], atol=1e-6), k
    pre_res = (tmp_path / "run" / "pretrain" / "results.json").read_text()
    assert '"method": "next_item"' in pre_res and res["test"]["ndcg@10"] > 0


class Boom(Exception):
    pass


def test_kill_in_main_stage_resumes_identically(
    synthetic_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = validate(two_stage(synthetic_file))
    ref = experiment.train(cfg, tmp_path / "ref", log=lambda _m: None)
    original = Trainer._train_epoch

    def die_in_main_stage(self: Trainer) -> dict:
        if self.run_dir == tmp_path / "run":
            raise Boom  # before the main stage finishes its first epoch: no last.pt yet
        return original(self)

    monkeypatch.setattr(Trainer, "_train_epoch", die_in_main_stage)
    with pytest.raises(Boom):
        experiment.train(cfg, tmp_path / "run", log=lambda _m: None)
    assert (tmp_path / "run" / "pretrain" / "results.json").exists()
    assert not (tmp_path / "run" / "last.pt").exists()
    monkeypatch.setattr(Trainer, "_train_epoch", original)
    got = experiment.train(cfg, tmp_path / "run", log=lambda _m: None)
    assert got["test"] == ref["test"]
