"""Two-stage runs: pretrain → main from the best pretrained backbone, resumable."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

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
    assert pre.train.length_bucketing and cfg.train.length_bucketing  # not overridden: the main stage's
    raw = two_stage(synthetic_file, length_bucketing=False)
    raw["pretrain"]["train"]["length_bucketing"] = True  # stage 1 bucketed, stage 2 random batches
    mixed = validate(raw)
    assert stage_config(mixed, "pretrain").train.length_bucketing and not mixed.train.length_bucketing
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


def test_stage_one_is_reused_from_a_finished_run(synthetic_file: Path, tmp_path: Path) -> None:
    """``pretrain.from_run``: stage 1 is copied (not retrained) from a run with the same
    stage-1 config, and the result equals training it here (same seed and threads)."""
    base = two_stage(synthetic_file)
    experiment.train(validate(base), tmp_path / "a", log=lambda _m: None)
    variant = {**base, "name": "variant", "method": {"name": "next_item", "loss": "ce"}}
    trained = experiment.train(validate(variant), tmp_path / "trained", log=lambda _m: None)
    logs: list[str] = []
    reuse = {**variant, "pretrain": {**variant["pretrain"], "from_run": str(tmp_path / "a")}}
    got = experiment.train(validate(reuse), tmp_path / "reused", log=logs.append)
    assert any(m.startswith("stage 1/2: reused from") for m in logs)
    assert not any(m == "stage 1/2: pretrain" for m in logs)
    src, dst = tmp_path / "a" / "pretrain", tmp_path / "reused" / "pretrain"
    for name in ("results.json", "metrics.jsonl", "best.pt"):
        assert (dst / name).read_bytes() == (src / name).read_bytes()
    assert got["test"] == trained["test"]
    again = experiment.train(validate(reuse), tmp_path / "reused", log=lambda _m: None)  # finished: no copy, no error
    assert again["test"] == got["test"]


def test_reuse_refuses_a_different_or_unfinished_stage_one(synthetic_file: Path, tmp_path: Path) -> None:
    base = two_stage(synthetic_file)
    experiment.train(validate(base), tmp_path / "a", log=lambda _m: None)
    other = {**base["pretrain"], "train": {"epochs": 4, "lr": 0.005}, "from_run": str(tmp_path / "a")}
    want = r"pretrain.from_run: .*a trained a different stage 1 \(train.epochs: 3 → 4\)"
    with pytest.raises(ConfigError, match=want):
        experiment.train(validate({**base, "pretrain": other}), tmp_path / "b", log=lambda _m: None)
    assert not (tmp_path / "b").exists()
    (tmp_path / "a" / "pretrain" / "best.pt").unlink()
    same = {**base["pretrain"], "from_run": str(tmp_path / "a")}
    with pytest.raises(ConfigError, match=r"pretrain.from_run: .* has no finished stage 1 \(missing best.pt\)"):
        experiment.train(validate({**base, "pretrain": same}), tmp_path / "b", log=lambda _m: None)
    with pytest.raises(ConfigError, match=r"pretrain.from_run: .*nowhere is not a seqaug run folder"):
        bad = {**base["pretrain"], "from_run": str(tmp_path / "nowhere")}
        experiment.train(validate({**base, "pretrain": bad}), tmp_path / "b", log=lambda _m: None)
    assert not (tmp_path / "b").exists()


def test_a_one_stage_run_is_reused_as_stage_one(synthetic_file: Path, tmp_path: Path) -> None:
    """``pretrain.from_run`` may name a finished one-stage run (a baseline) whose config equals
    the stage-1 config: its checkpoint seeds stage 2 exactly as training stage 1 here does."""
    base = two_stage(synthetic_file)
    trained = experiment.train(validate(base), tmp_path / "trained", log=lambda _m: None)
    pre = stage_config(validate(base), "pretrain")
    baseline = {**base, "name": "baseline", "method": {"name": "next_item", "loss": "ce"}, "pretrain": None}
    baseline["train"] = {**base["train"], "epochs": pre.train.epochs, "lr": pre.train.lr}
    experiment.train(validate(baseline), tmp_path / "baseline", log=lambda _m: None)
    logs: list[str] = []
    reuse = {**base, "pretrain": {**base["pretrain"], "from_run": str(tmp_path / "baseline")}}
    got = experiment.train(validate(reuse), tmp_path / "reused", log=logs.append)
    assert any(m.startswith("stage 1/2: reused from") for m in logs)
    copied = tmp_path / "reused" / "pretrain" / "best.pt"
    assert copied.read_bytes() == (tmp_path / "baseline" / "best.pt").read_bytes()
    assert got["test"] == trained["test"]
    other = {**baseline, "train": {**baseline["train"], "lr": 0.01}}
    experiment.train(validate(other), tmp_path / "other", log=lambda _m: None)
    wrong = {**base, "pretrain": {**base["pretrain"], "from_run": str(tmp_path / "other")}}
    with pytest.raises(ConfigError, match=r"pretrain.from_run: .*other trained a different stage 1 \(train.lr: 0.01"):
        experiment.train(validate(wrong), tmp_path / "refused", log=lambda _m: None)
    assert not (tmp_path / "refused").exists()


def test_stage_one_may_set_its_own_dropout(synthetic_file: Path, tmp_path: Path) -> None:
    """``pretrain.backbone`` changes stage 1's backbone keys only; the saved stage-1 config
    says so, the main stage keeps its own and starts from stage 1's weights."""
    base = two_stage(synthetic_file, lr=1e-12)
    base["pretrain"] = {**base["pretrain"], "backbone": {"dropout": 0.5}}
    cfg = validate(base)
    pre = stage_config(cfg, "pretrain")
    assert pre.backbone.dropout == 0.5 and cfg.backbone.dropout == 0.1 and pre.pretrain is None
    res = experiment.train(cfg, tmp_path / "run", log=lambda _m: None)
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert saved["pretrain"]["backbone"] == {"dropout": 0.5} and saved["backbone"]["dropout"] == 0.1
    main_best = load_checkpoint(tmp_path / "run" / "best.pt")["model"]
    for k, v in load_checkpoint(tmp_path / "run" / "pretrain" / "best.pt")["model"].items():
        assert torch.allclose(v, main_best[k], atol=1e-6), k
    plain = experiment.train(validate(two_stage(synthetic_file, lr=1e-12)), tmp_path / "plain", log=lambda _m: None)
    assert res["test"] != plain["test"]  # stage 1 really trained with another dropout


def test_stage_one_backbone_keys_are_checked(synthetic_file: Path, tmp_path: Path) -> None:
    def with_keys(keys: dict) -> dict:
        cfg = two_stage(synthetic_file)
        return {**cfg, "pretrain": {**cfg["pretrain"], "backbone": keys}}

    with pytest.raises(ConfigError, match=r"pretrain.backbone.dropuot: not a key stage 1 may change; valid keys: .*"):
        validate(with_keys({"dropuot": 0.5}), "x")
    with pytest.raises(ConfigError, match=r"pretrain.backbone.name: not a key"):
        validate(with_keys({"name": "gru4rec"}), "x")
    with pytest.raises(ConfigError, match=r"pretrain.backbone.dropout: "):
        validate(with_keys({"dropout": 1.5}), "x")
    with pytest.raises(ConfigError, match=r"pretrain.backbone: hidden_size change the backbone's parameters"):
        experiment.train(validate(with_keys({"hidden_size": 8})), tmp_path / "refused", log=lambda _m: None)
    assert not (tmp_path / "refused").exists()
