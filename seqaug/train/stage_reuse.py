"""Reusing a finished first stage (``pretrain.from_run``).

BASRec's reference code runs every stage-2 variant (and the paper's ablations) from one
shipped stage-1 checkpoint. ``pretrain.from_run: RUN`` does the same: this run's
``pretrain/`` becomes a copy of RUN's, provided RUN's stage-1 config equals this run's
(keys that do not change the numbers, ``name``, ``train.device`` and ``train.threads``, may
differ; with the same threads the copy is what training here would have produced). RUN may
also be a one-stage run (no ``pretrain`` section) whose config equals this run's stage 1,
e.g. a finished baseline: its files become this run's ``pretrain/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from seqaug.atomic import atomic_dir
from seqaug.errors import ConfigError
from seqaug.train.run_folder import PLACEMENT, config_diff

KEY = "pretrain.from_run"
IGNORED = ("name", *PLACEMENT)
STAGE_FILES = ("best.pt", "results.json")


def check_reusable(source: Path, want: dict, source_stage: dict, stage: Path | None = None) -> Path:
    """The stage-1 folder of ``source`` (``source/pretrain``, or ``stage`` when given: a
    one-stage run is its own stage 1) after checking that it is finished and that its config
    (``source_stage``, a resolved config dict) equals ``want``."""
    stage = source / "pretrain" if stage is None else stage
    missing = [name for name in STAGE_FILES if not (stage / name).exists()]
    if missing:
        raise ConfigError(f"{KEY}: {stage} has no finished stage 1 (missing {', '.join(missing)})")
    changes = config_diff(source_stage, want, ignore=IGNORED)
    if changes:
        raise ConfigError(f"{KEY}: {source} trained a different stage 1 ({'; '.join(changes[:3])})")
    return stage


def read_source_config(source: Path) -> dict:
    """The resolved config saved in ``source`` (a run folder)."""
    path = source / "config.yaml"
    if not path.exists():
        raise ConfigError(f"{KEY}: {source} is not a seqaug run folder (no config.yaml)")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def copy_stage(stage: Path, dest: Path) -> None:
    """Copy a finished stage folder to ``dest`` atomically (all files or none)."""

    def fill(tmp: Path) -> None:
        for path in stage.iterdir():
            if path.is_file():
                shutil.copy2(path, tmp / path.name)

    atomic_dir(dest, fill)
