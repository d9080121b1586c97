"""Assemble an experiment from a validated config: data → split → method → protocol →
trainer → results. Used by the CLI, the quickstart and the benchmarks."""

from __future__ import annotations

import datetime as _dt
import platform
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

import seqaug
from seqaug.atomic import atomic_write_json
from seqaug.backbones import BACKBONES
from seqaug.config import resolve_data_path, stage_config, to_dict, validate
from seqaug.data.constructions import SAMPLES, SampleContext, SamplesParams, check_construction, resolve_samples
from seqaug.data.corpus import SequenceCorpus
from seqaug.data.filters import drop_short_users, kcore
from seqaug.data.fractions import training_users
from seqaug.data.negatives import NegativeSampler
from seqaug.data.readers import read_corpus
from seqaug.data.samples import SpanSamples
from seqaug.data.split import MIN_LENGTH, LeaveOneOutSplit, leave_one_out
from seqaug.errors import ConfigError, SeqaugError
from seqaug.evaluate.evaluator import Evaluator, Protocol
from seqaug.evaluate.noise import inject_test_noise
from seqaug.evaluate.protocols import (
    FullRanking,
    SampledRanking,
    draw_fixed_negatives,
    read_negatives,
    write_negatives,
)
from seqaug.methods import METHODS, Method, MethodContext
from seqaug.train.checkpoint import load_checkpoint, load_model_state
from seqaug.train.run_folder import open_run_dir
from seqaug.train.stage_reuse import check_reusable, copy_stage, read_source_config
from seqaug.train.trainer import FitSummary, Trainer, TrainSettings

NEGATIVES_FILE = "negatives.txt"
FINAL_ROUND = -1  # evaluation round of the final valid/test evaluation (sampled-random draws)


def load_split(cfg: Any) -> LeaveOneOutSplit:
    d = cfg.data
    path = resolve_data_path(d.path, d.data_dir)
    corpus = read_corpus(path, d.format, user_col=d.user_col, item_col=d.item_col, time_col=d.time_col)
    corpus = kcore(corpus, d.user_k, d.item_k)
    if d.drop_short_users:
        corpus = drop_short_users(corpus, MIN_LENGTH)
    return leave_one_out(corpus)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"train.device: {name} requested but CUDA is not available; valid choices: auto, cpu")
    return device


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def train_users(cfg: Any, split: LeaveOneOutSplit) -> np.ndarray | None:
    """Indices of the users trained on (``data.train_fraction``), or None for all."""
    d = cfg.data
    if d.train_fraction >= 1.0:
        return None
    return training_users(split.train.num_users, d.train_fraction, d.train_fraction_pick, d.train_fraction_seed)


def train_view(cfg: Any, split: LeaveOneOutSplit) -> SequenceCorpus:
    """What methods fit on and train with: ``split.train``, restricted to the trained users."""
    users = train_users(cfg, split)
    return split.train if users is None else split.train.select_users(users)


def build_method(cfg: Any, split: LeaveOneOutSplit) -> Method:
    """Seeded model construction: the same config and seed give the same weights."""
    seed_everything(cfg.train.seed)
    backbone_entry = BACKBONES.get(cfg.backbone.name)

    def make_backbone() -> Any:
        return backbone_entry.build(cfg.backbone, num_items=split.num_items, max_len=cfg.data.max_len)

    ctx = MethodContext(
        train=train_view(cfg, split),
        num_items=split.num_items,
        max_len=cfg.data.max_len,
        make_backbone=make_backbone,
        seed=cfg.train.seed,
    )
    return METHODS.get(cfg.method.name).build(cfg.method, ctx)


def resolve_construction(cfg: Any, split: LeaveOneOutSplit, method: Method) -> SamplesParams:
    """The ``data.samples`` construction (``auto`` → the backbone's preferred one); a one-line
    ConfigError when it would leak the target, mismatch the scoring or lack timestamps."""
    backbone = method.backbone
    params = resolve_samples(cfg.data.samples, backbone.preferred_samples)
    check_construction(
        params,
        backbone=cfg.backbone.name,
        causal=backbone.causal,
        mask_token=backbone.predict_with_mask_token,
        method=cfg.method.name,
        accepted=method.accepts_samples,
    )
    if backbone.needs_timestamps and split.train.timestamps is None:
        raise ConfigError(
            f"backbone {cfg.backbone.name!r} needs per-item timestamps but {cfg.data.path} has none; "
            "use a format with a time column (presplit, recbole, table)"
        )
    return params


def build_samples(cfg: Any, split: LeaveOneOutSplit, method: Method) -> SpanSamples:
    params = resolve_construction(cfg, split, method)
    history = split.full if cfg.data.neg_exclude == "full" else split.train
    users = train_users(cfg, split)
    if users is not None:  # user indices of the subset corpora stay aligned
        history = history.select_users(users)
    negatives = NegativeSampler(history, split.num_items) if method.needs_negatives else None
    ctx = SampleContext(
        train=train_view(cfg, split),
        negatives=negatives,
        max_len=cfg.data.max_len,
        batch_size=cfg.train.batch_size,
        length_bucketing=cfg.train.length_bucketing,
        slot_weighting=cfg.train.slot_weighting,
        timestamps=method.backbone.needs_timestamps,
    )
    return SAMPLES.get(params.name).build(params, ctx)


def build_protocol(cfg: Any, split: LeaveOneOutSplit, run_dir: Path | None) -> Protocol:
    """The evaluation protocol; sampled-fixed negatives are read or drawn here."""
    e = cfg.eval
    if e.protocol == "full":
        return FullRanking(split.num_items, mask_history=e.mask_history, s3rec_compat=e.s3rec_compat)
    sampler = NegativeSampler(split.full, split.num_items)
    if e.protocol == "sampled-random":
        return SampledRanking(None, sampler, e.num_negatives, e.negatives_seed, name="sampled-random")
    saved = run_dir / NEGATIVES_FILE if run_dir is not None else None
    if e.negatives_file:
        path = resolve_data_path(e.negatives_file, cfg.data.data_dir)
        negs, source = read_negatives(path, split.full), str(path)
    elif saved is not None and saved.exists():
        negs, source = read_negatives(saved, split.full), str(saved)
    else:
        negs, source = draw_fixed_negatives(split.full, e.num_negatives, e.negatives_seed), None
    return SampledRanking(negs, sampler, negs.shape[1], e.negatives_seed, name="sampled-fixed", source=source)


def evaluator_for(cfg: Any, split: LeaveOneOutSplit, which: str, protocol: Protocol, device: torch.device) -> Evaluator:
    context = split.valid if which == "valid" else split.test
    if which == "test" and cfg.eval.test_noise_ratio > 0:
        context = inject_test_noise(context, split.full, cfg.eval.test_noise_ratio, cfg.eval.test_noise_seed)
    return Evaluator(
        context, protocol, ks=cfg.eval.ks, max_len=cfg.data.max_len, batch_size=cfg.eval.batch_size, device=device
    )


@dataclass
class Prepared:
    cfg: Any
    split: LeaveOneOutSplit
    method: Any  # Method
    protocol: Protocol
    device: torch.device


def prepare(cfg: Any, run_dir: Path | None = None) -> Prepared:
    """Everything that can fail on bad input, before any run folder is written."""
    device = resolve_device(cfg.train.device)
    if cfg.train.threads:
        torch.set_num_threads(cfg.train.threads)
    split = load_split(cfg)
    protocol = build_protocol(cfg, split, run_dir)
    method = build_method(cfg, split)
    return Prepared(cfg, split, method, protocol, device)


def train(cfg: Any, run_dir: Path, *, log: Callable[[str], None] = print, progress: bool = False) -> dict[str, Any]:
    """Train (or resume) ``cfg`` in ``run_dir``; returns and writes ``results.json``.

    With a ``pretrain`` section the run has two stages: ``run_dir/pretrain`` trains the
    pretraining method (its own checkpoints and results), then the main stage starts from
    its best backbone weights with a fresh optimizer (BASRec's two-stage recipe).
    """
    cfg = _resolved(cfg)
    resolved = to_dict(cfg)
    run_dir = Path(run_dir)
    if (run_dir / "results.json").exists() and (run_dir / "config.yaml").exists():
        open_run_dir(run_dir, resolved, {})  # same config or error
        log(f"{run_dir}: already finished; results.json is up to date")
        return yaml.safe_load((run_dir / "results.json").read_text())
    p = prepare(cfg, run_dir)
    pre = replace(p, cfg=stage_config(cfg, "pretrain"), method=None) if cfg.pretrain is not None else None
    if pre is not None:
        pre.method = build_method(pre.cfg, p.split)  # fails early on an invalid combination
        if cfg.pretrain.backbone:
            check_same_parameters(pre.method, p.method, cfg.pretrain.backbone)
    extra: dict[str, Callable[[Path], None]] = {}
    if isinstance(p.protocol, SampledRanking) and p.protocol.negatives is not None and not cfg.eval.negatives_file:
        negs = p.protocol.negatives
        extra[NEGATIVES_FILE] = lambda path: write_negatives(path, p.split.full, negs)
    for stage in (pre, p):  # refuse a bad data.samples before the run folder exists
        if stage is not None:
            resolve_construction(stage.cfg, stage.split, stage.method)
    reused = _reused_stage(cfg, pre.cfg) if pre is not None else None
    open_run_dir(run_dir, resolved, extra)
    if pre is not None:
        pre_dir = run_dir / "pretrain"
        if not (pre_dir / "results.json").exists():  # else stage 1 finished before this resume
            if reused is not None:
                log(f"stage 1/2: reused from {reused}")
                copy_stage(reused, pre_dir)
            else:
                log("stage 1/2: pretrain")
                pre_dir.mkdir(exist_ok=True)
                finish(pre, pre_dir, fit_stage(pre, pre_dir, log=log, progress=progress))
        transfer_backbone(pre_dir / "best.pt", p.method)
        log("stage 2/2: main")
    return finish(p, run_dir, fit_stage(p, run_dir, log=log, progress=progress))


def check_same_parameters(stage_one: Method, main: Method, keys: dict[str, Any]) -> None:
    """Refuse ``pretrain.backbone`` keys that give stage 1 other backbone parameters than
    the main stage (which must start from stage 1's weights)."""
    one, two = stage_one.backbone.state_dict(), main.backbone.state_dict()
    differ = sorted(k for k in set(one) | set(two) if k not in one or k not in two or one[k].shape != two[k].shape)
    if differ:
        raise ConfigError(
            f"pretrain.backbone: {', '.join(keys)} change the backbone's parameters ({', '.join(differ[:3])}), "
            "so the main stage could not start from stage 1; only keys such as dropout may differ"
        )


def _reused_stage(cfg: Any, pre_cfg: Any) -> Path | None:
    """The checked stage-1 folder named by ``pretrain.from_run`` (a two-stage run's
    ``pretrain/``, or a one-stage run itself), or None."""
    if cfg.pretrain.from_run is None:
        return None
    source = Path(cfg.pretrain.from_run)
    source_cfg = validate(read_source_config(source), str(source / "config.yaml"))
    one_stage = source_cfg.pretrain is None  # a one-stage run: its own training is the stage 1
    source_stage = source_cfg if one_stage else stage_config(source_cfg, "pretrain")
    return check_reusable(source, to_dict(pre_cfg), to_dict(source_stage), stage=source if one_stage else None)


def fit_stage(p: Prepared, stage_dir: Path, *, log: Callable[[str], None], progress: bool) -> FitSummary:
    """One training stage in ``stage_dir`` (resumes from its ``last.pt``)."""
    cfg = p.cfg
    samples = build_samples(cfg, p.split, p.method)
    log(f"samples: {samples.name} ({len(samples.spans)} per epoch)")
    settings = TrainSettings(
        epochs=cfg.train.epochs,
        lr=cfg.train.lr,
        seed=cfg.train.seed,
        patience=cfg.train.patience,
        metric=cfg.train.metric,
        weight_decay=cfg.train.weight_decay,
        betas=tuple(cfg.train.betas),
        eval_every=cfg.train.eval_every,
        start_eval=cfg.train.start_eval,
        grad_clip=cfg.train.grad_clip,
    )
    trainer = Trainer(
        p.method,
        samples,
        evaluator_for(cfg, p.split, "valid", p.protocol, p.device),
        settings,
        stage_dir,
        device=p.device,
        log=log,
        progress=progress,
    )
    return trainer.fit()


def transfer_backbone(checkpoint: Path, method: Method) -> None:
    """Load the ``backbone.*`` weights of a finished stage into ``method.backbone``."""
    state = load_checkpoint(checkpoint)["model"]
    sub = {k.removeprefix("backbone."): v for k, v in state.items() if k.startswith("backbone.")}
    if not sub:
        raise SeqaugError(f"{checkpoint}: no backbone weights to start the main stage from")
    load_model_state(method.backbone, sub, checkpoint)


def finish(p: Prepared, run_dir: Path, summary: FitSummary) -> dict[str, Any]:
    """Evaluate the best checkpoint on valid and test; write results.json."""
    ckpt = load_checkpoint(Path(run_dir) / "best.pt", map_location=p.device)
    load_model_state(p.method, ckpt["model"], Path(run_dir) / "best.pt")
    start = time.perf_counter()
    valid = evaluator_for(p.cfg, p.split, "valid", p.protocol, p.device).evaluate(p.method, FINAL_ROUND)
    test = evaluator_for(p.cfg, p.split, "test", p.protocol, p.device).evaluate(p.method, FINAL_ROUND)
    results = {
        **run_identity(p.cfg),
        "samples": resolve_construction(p.cfg, p.split, p.method).model_dump(),
        "protocol": p.protocol.describe(),
        "valid": valid,
        "test": test,
        "best_epoch": summary.best_epoch,
        "epochs_run": summary.epochs_run,
        "stopped_early": summary.stopped_early,
        "timings": {
            "train_seconds": round(summary.train_seconds, 2),
            "eval_seconds": round(summary.eval_seconds, 2),
            "seconds_per_epoch": round(summary.train_seconds / max(summary.epochs_run, 1), 3),
            "final_eval_seconds": round(time.perf_counter() - start, 2),
        },
        "version": seqaug.__version__,
        "torch": torch.__version__,
        "device": str(p.device),
        "host": platform.node(),
        "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    atomic_write_json(Path(run_dir) / "results.json", results)
    return results


def load_trained(run_dir: Path, overrides: list[str] | None = None) -> Prepared:
    """A run folder's config (with ``overrides``), data and method with ``best.pt`` loaded."""
    from seqaug.config import apply_overrides

    cfg_path = Path(run_dir) / "config.yaml"
    if not cfg_path.exists():
        raise SeqaugError(f"{run_dir}: not a seqaug run folder (no config.yaml)")
    raw = apply_overrides(yaml.safe_load(cfg_path.read_text(encoding="utf-8")), overrides or [])
    cfg = validate(raw, str(cfg_path))
    p = prepare(cfg, Path(run_dir))
    best = Path(run_dir) / "best.pt"
    ckpt = load_checkpoint(best, map_location=p.device)
    load_model_state(p.method, ckpt["model"], best)
    p.method.to(p.device)
    return p


def evaluate_run(run_dir: Path, overrides: list[str], split_name: str) -> dict[str, Any]:
    """Re-evaluate ``best.pt`` of a finished or running run, optionally under other eval keys."""
    p = load_trained(run_dir, overrides)
    metrics = evaluator_for(p.cfg, p.split, split_name, p.protocol, p.device).evaluate(p.method, FINAL_ROUND)
    return {**run_identity(p.cfg), "split": split_name, "protocol": p.protocol.describe(), split_name: metrics}


def run_identity(cfg: Any) -> dict[str, Any]:
    return {
        "name": cfg.name,
        "dataset": Path(cfg.data.path).name,
        "backbone": cfg.backbone.name,
        "method": cfg.method.name,
        "seed": cfg.train.seed,
    }


def _resolved(cfg: Any) -> Any:
    """The config with its data path made absolute (what config.yaml records)."""
    raw = to_dict(cfg)
    raw["data"]["path"] = str(resolve_data_path(cfg.data.path, cfg.data.data_dir))
    if cfg.eval.negatives_file:
        raw["eval"]["negatives_file"] = str(resolve_data_path(cfg.eval.negatives_file, cfg.data.data_dir))
    raw["data"]["data_dir"] = None
    return validate(raw)
