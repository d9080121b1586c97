"""The training loop: optimizer steps, validation, early stopping, checkpoints, resume.

It knows nothing about which method it runs. After every epoch it writes ``last.pt``
(model, optimizer, torch and data RNG states, early-stopping state) atomically, so a
killed run resumes from the last finished epoch and ends exactly where an
uninterrupted run would. ``best.pt`` holds the best validation model.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from seqaug.atomic import atomic_write_text
from seqaug.data.batching import SeqBatch
from seqaug.errors import SeqaugError
from seqaug.evaluate.evaluator import Evaluator
from seqaug.methods.base import Method
from seqaug.train.checkpoint import load_checkpoint, load_model_state, save_checkpoint
from seqaug.train.early_stopping import EarlyStopping


class Samples(Protocol):
    def __len__(self) -> int: ...

    def epoch(self, rng: np.random.Generator) -> Iterator[SeqBatch]: ...


@dataclass(frozen=True)
class TrainSettings:
    epochs: int
    lr: float
    seed: int
    patience: int
    metric: str
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    eval_every: int = 1
    start_eval: int = 0
    grad_clip: float | None = None


@dataclass
class FitSummary:
    epochs_run: int
    best_epoch: int | None
    best_metric: float | None
    stopped_early: bool
    train_seconds: float
    eval_seconds: float
    resumed_from: int | None


class Trainer:
    def __init__(
        self,
        method: Method,
        samples: Samples,
        evaluator: Evaluator | None,
        settings: TrainSettings,
        run_dir: Path,
        *,
        device: torch.device | str = "cpu",
        log: Callable[[str], None] = print,
        progress: bool = False,
    ) -> None:
        self.method = method.to(device)
        self.samples = samples
        self.evaluator = evaluator
        self.s = settings
        self.run_dir = Path(run_dir)
        self.device = torch.device(device)
        self.log = log
        self.progress = progress
        self.optimizer = torch.optim.Adam(
            [p for p in method.parameters() if p.requires_grad],
            lr=settings.lr,
            betas=settings.betas,
            weight_decay=settings.weight_decay,
            fused=self.device.type in ("cpu", "cuda"),
        )
        self.stopper = EarlyStopping(settings.metric, settings.patience)
        self.data_rng = np.random.default_rng(settings.seed)
        self.epoch = 0
        self.stopped = False
        self.train_seconds = 0.0
        self.eval_seconds = 0.0

    @property
    def last_path(self) -> Path:
        return self.run_dir / "last.pt"

    @property
    def best_path(self) -> Path:
        return self.run_dir / "best.pt"

    @property
    def metrics_path(self) -> Path:
        return self.run_dir / "metrics.jsonl"

    def fit(self) -> FitSummary:
        resumed = self._resume() if self.last_path.exists() else None
        if resumed is not None:
            self.log(f"resuming from epoch {resumed} ({self.last_path})")
        else:  # a fresh stage starts from the same RNG state however it was reached
            torch.manual_seed(self.s.seed)
        while self.epoch < self.s.epochs and not self.stopped:
            record = self._train_epoch()
            if self._due_for_eval():
                record.update(self._validate())
            self.epoch += 1
            self.stopped = self.stopper.should_stop
            self._append_metrics(record)  # before last.pt: a resume truncates redone epochs
            self._save_last()
            self.log(_epoch_line(record, self.stopper))
        if not self.best_path.exists():  # never validated (e.g. epochs < start_eval)
            self._save_model(self.best_path)
        return FitSummary(
            epochs_run=self.epoch,
            best_epoch=self.stopper.best_epoch,
            best_metric=self.stopper.best,
            stopped_early=self.stopped,
            train_seconds=self.train_seconds,
            eval_seconds=self.eval_seconds,
            resumed_from=resumed,
        )

    def _due_for_eval(self) -> bool:
        done = self.epoch + 1 - self.s.start_eval
        return self.evaluator is not None and done > 0 and done % self.s.eval_every == 0

    def _train_epoch(self) -> dict:
        self.method.train()
        self.method.on_epoch_start(self.epoch)
        sums: dict[str, torch.Tensor] = {}
        steps = 0
        start = time.perf_counter()
        for batch in self._batches():
            parts = self.method.loss(batch.to(self.device))
            self.optimizer.zero_grad(set_to_none=True)
            parts["loss"].backward()
            if self.s.grad_clip:
                torch.nn.utils.clip_grad_norm_(self.method.parameters(), self.s.grad_clip)
            self.optimizer.step()
            for k, v in parts.items():
                sums[k] = sums.get(k, 0.0) + v.detach()
            steps += 1
        seconds = time.perf_counter() - start
        self.train_seconds += seconds
        losses = {k: float(v) / max(steps, 1) for k, v in sums.items()}
        if not math.isfinite(losses.get("loss", 0.0)):
            raise SeqaugError(f"training diverged at epoch {self.epoch} (loss is {losses['loss']}); lower train.lr")
        return {"epoch": self.epoch, **losses, "train_seconds": round(seconds, 3)}

    def _batches(self) -> Iterator[SeqBatch]:
        it = self.samples.epoch(self.data_rng)
        if not self.progress:
            return it
        from rich.progress import Progress

        def wrapped() -> Iterator[SeqBatch]:
            with Progress(transient=True) as bar:
                task = bar.add_task(f"epoch {self.epoch}", total=len(self.samples))
                for batch in it:
                    yield batch
                    bar.advance(task)

        return wrapped()

    def _validate(self) -> dict:
        assert self.evaluator is not None
        start = time.perf_counter()
        metrics = self.evaluator.evaluate(self.method, self.epoch)
        seconds = time.perf_counter() - start
        self.eval_seconds += seconds
        if self.s.metric not in metrics:
            raise SeqaugError(f"train.metric {self.s.metric!r} is not computed; valid choices: {', '.join(metrics)}")
        if self.stopper.update(metrics[self.s.metric], self.epoch):
            self._save_model(self.best_path)
        return {"valid": metrics, "eval_seconds": round(seconds, 3)}

    # --- checkpoints -------------------------------------------------------------
    def _meta(self) -> dict:
        return {
            "epoch": self.epoch,
            "stopped": self.stopped,
            "early_stopping": self.stopper.state(),
            "data_rng": self.data_rng.bit_generator.state,
            "train_seconds": self.train_seconds,
            "eval_seconds": self.eval_seconds,
        }

    def _save_model(self, path: Path) -> None:
        save_checkpoint(path, model=self.method.state_dict(), meta={"epoch": self.epoch})

    def _save_last(self) -> None:
        extra = {"cuda_rng": torch.cuda.get_rng_state_all()} if self.device.type == "cuda" else {}
        save_checkpoint(
            self.last_path,
            model=self.method.state_dict(),
            meta=self._meta(),
            optimizer=self.optimizer.state_dict(),
            torch_rng=torch.get_rng_state(),
            **extra,
        )

    def _resume(self) -> int:
        ckpt = load_checkpoint(self.last_path, map_location=self.device)
        load_model_state(self.method, ckpt["model"], self.last_path)
        try:
            self.optimizer.load_state_dict(ckpt["optimizer"])
            meta = ckpt["meta"]
            self.epoch = int(meta["epoch"])
            self.stopped = bool(meta["stopped"])
            self.stopper = EarlyStopping(**meta["early_stopping"])
            self.data_rng.bit_generator.state = meta["data_rng"]
            self.train_seconds = float(meta["train_seconds"])
            self.eval_seconds = float(meta["eval_seconds"])
            torch.set_rng_state(ckpt["torch_rng"].cpu())
            if "cuda_rng" in ckpt and self.device.type == "cuda":
                torch.cuda.set_rng_state_all([s.cpu() for s in ckpt["cuda_rng"]])
        except (KeyError, ValueError, TypeError, RuntimeError) as err:
            raise SeqaugError(f"{self.last_path}: corrupt or incompatible checkpoint ({err})") from None
        self._truncate_metrics()
        return self.epoch

    def _append_metrics(self, record: dict) -> None:
        with open(self.metrics_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")

    def _truncate_metrics(self) -> None:
        """Drop log lines of epochs that the resumed run will redo."""
        if not self.metrics_path.exists():
            return
        kept = [
            line
            for line in self.metrics_path.read_text(encoding="utf-8").splitlines()
            if line.strip() and json.loads(line).get("epoch", -1) < self.epoch
        ]
        atomic_write_text(self.metrics_path, "".join(line + "\n" for line in kept))


def _epoch_line(record: dict, stopper: EarlyStopping) -> str:
    parts = [f"epoch {record['epoch']:>3}"]
    skip = ("epoch", "train_seconds", "eval_seconds", "valid")
    parts += [f"{k} {v:.4f}" for k, v in record.items() if k not in skip]
    if "valid" in record:
        parts.append(f"valid {stopper.metric} {record['valid'][stopper.metric]:.4f}")
        parts.append(f"(best {stopper.best:.4f} @ {stopper.best_epoch})")
    parts.append(f"{record['train_seconds']:.1f}s")
    if "eval_seconds" in record:
        parts.append(f"+ eval {record['eval_seconds']:.1f}s")
    return "  ".join(parts)
