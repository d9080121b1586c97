"""Repeatability, exact resume after a kill, early stopping, checkpoints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from seqaug import experiment
from seqaug.config import validate
from seqaug.errors import SeqaugError
from seqaug.train.checkpoint import load_checkpoint
from seqaug.train.early_stopping import EarlyStopping
from seqaug.train.trainer import Trainer
from tests.conftest import ROOT, tiny_config


def run(cfg: dict, out: Path) -> dict:
    return experiment.train(validate(cfg), out, log=lambda _m: None)


def test_same_config_and_seed_give_identical_metrics(synthetic_file: Path, tmp_path: Path) -> None:
    cfg = tiny_config(synthetic_file)
    a, b = run(cfg, tmp_path / "a"), run(cfg, tmp_path / "b")
    assert a["test"] == b["test"] and a["valid"] == b["valid"]
    c = run(tiny_config(synthetic_file, train={"seed": 1}), tmp_path / "c")
    assert c["test"] != a["test"]


class Interrupt(Exception):
    pass


ORIGINAL_EPOCH = Trainer._train_epoch


def interrupt_during_epoch(monkeypatch: pytest.MonkeyPatch, epoch: int, call: int = 3) -> None:
    """Make the next run raise :class:`Interrupt` at the ``call``-th loss of ``epoch``; undo
    with ``monkeypatch.setattr(Trainer, "_train_epoch", ORIGINAL_EPOCH)``."""
    calls = {"n": 0}

    def dying_epoch(self: Trainer) -> dict:
        if self.epoch == epoch:
            orig_loss = self.method.loss

            def loss(batch):
                calls["n"] += 1
                if calls["n"] == call:
                    raise Interrupt
                return orig_loss(batch)

            monkeypatch.setattr(self.method, "loss", loss)
        return ORIGINAL_EPOCH(self)

    monkeypatch.setattr(Trainer, "_train_epoch", dying_epoch)


def assert_resume_matches(cfg: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: int = 3) -> None:
    """A run killed in ``epoch`` and resumed from last.pt ends exactly like an uninterrupted one."""
    full = run(cfg, tmp_path / "full")
    interrupt_during_epoch(monkeypatch, epoch)  # after a few optimizer steps of that epoch
    with pytest.raises(Interrupt):
        run(cfg, tmp_path / "resumed")
    assert load_checkpoint(tmp_path / "resumed" / "last.pt")["meta"]["epoch"] == epoch
    monkeypatch.setattr(Trainer, "_train_epoch", ORIGINAL_EPOCH)
    resumed = run(cfg, tmp_path / "resumed")
    assert resumed["test"] == full["test"] and resumed["valid"] == full["valid"]


def test_resume_after_mid_epoch_interrupt_matches_uninterrupted(
    synthetic_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tiny_config(synthetic_file, train={"epochs": 5}, backbone={"dropout": 0.3})
    assert_resume_matches(cfg, tmp_path, monkeypatch)
    lines = (tmp_path / "resumed" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["epoch"] for x in lines] == [0, 1, 2, 3, 4]


def test_sigkill_then_resume_matches(synthetic_file: Path, tmp_path: Path) -> None:
    """A real kill -9 of `seqaug train`, then the same command resumes to the same end."""
    cfg_path = tmp_path / "cfg.json"
    cfg = tiny_config(synthetic_file, train={"epochs": 6})
    cfg_path.write_text(json.dumps(cfg))  # JSON is YAML
    cmd = [sys.executable, "-m", "seqaug.cli", "train", str(cfg_path), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([*cmd, "--out", str(tmp_path / "ref")], check=True, env=env, capture_output=True)
    proc = subprocess.Popen([*cmd, "--out", str(tmp_path / "kill")], env=env, stdout=subprocess.DEVNULL)
    metrics = tmp_path / "kill" / "metrics.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if metrics.exists() and len(metrics.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "kill" / "results.json").exists()
    subprocess.run([*cmd, "--out", str(tmp_path / "kill")], check=True, env=env, capture_output=True)
    ref = json.loads((tmp_path / "ref" / "results.json").read_text())
    got = json.loads((tmp_path / "kill" / "results.json").read_text())
    assert got["test"] == ref["test"]


def test_early_stopping() -> None:
    es = EarlyStopping("ndcg@10", patience=2)
    assert es.update(0.1, 0) and not es.update(0.1, 1) and not es.should_stop
    assert es.update(0.2, 2) and es.bad_evals == 0
    es.update(0.1, 3)
    es.update(0.15, 4)
    assert es.should_stop and es.best_epoch == 2


def test_training_stops_early_and_results_use_best(synthetic_file: Path, tmp_path: Path) -> None:
    res = run(tiny_config(synthetic_file, train={"epochs": 60, "patience": 2, "lr": 0.05}), tmp_path / "r")
    assert res["stopped_early"] and res["epochs_run"] < 60
    log = [json.loads(x) for x in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    best = max(log, key=lambda r: r["valid"]["ndcg@20"])
    assert res["best_epoch"] == best["epoch"]
    assert res["valid"]["ndcg@20"] == pytest.approx(best["valid"]["ndcg@20"])


def test_existing_run_with_other_config_is_refused(synthetic_file: Path, tmp_path: Path) -> None:
    run(tiny_config(synthetic_file, train={"epochs": 1}), tmp_path / "r")
    with pytest.raises(SeqaugError, match=r"different config is there \(train.epochs: 1 → 2\)"):
        run(tiny_config(synthetic_file, train={"epochs": 2}), tmp_path / "r")
    again = run(tiny_config(synthetic_file, train={"epochs": 1}), tmp_path / "r")  # finished: no-op
    assert again["epochs_run"] == 1


def test_resume_may_change_threads_and_device(
    synthetic_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed on one thread goes on with two and ends like an uninterrupted run."""
    cfg = tiny_config(synthetic_file, train={"epochs": 4, "threads": 1, "device": "cpu"})
    full = run(cfg, tmp_path / "full")
    interrupt_during_epoch(monkeypatch, 2)
    with pytest.raises(Interrupt):
        run(cfg, tmp_path / "moved")
    monkeypatch.setattr(Trainer, "_train_epoch", ORIGINAL_EPOCH)
    moved = tiny_config(synthetic_file, train={"epochs": 4, "threads": 2, "device": "auto"})
    try:
        resumed = run(moved, tmp_path / "moved")
    finally:
        torch.set_num_threads(1)
    assert resumed["epochs_run"] == 4 and resumed["test"] == pytest.approx(full["test"], abs=0.02)
    with pytest.raises(SeqaugError, match=r"different config is there \(train.epochs: 4 → 5\)"):
        run(tiny_config(synthetic_file, train={"epochs": 5, "threads": 2}), tmp_path / "moved")


def test_corrupt_checkpoint_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "last.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(SeqaugError, match=r"last.pt: corrupt or incompatible checkpoint"):
        load_checkpoint(bad)
    torch.save({"model": {}, "meta": "{"}, bad)
    with pytest.raises(SeqaugError, match="corrupt"):
        load_checkpoint(bad)
