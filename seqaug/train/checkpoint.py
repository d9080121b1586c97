"""Checkpoints: state dicts + a JSON metadata string in one file, written atomically,
loaded with ``weights_only=True``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from seqaug.atomic import atomic_write
from seqaug.errors import SeqaugError


def save_checkpoint(path: Path, *, model: dict, meta: dict[str, Any], **tensors: Any) -> None:
    """Write ``{"model", "meta" (JSON text), **tensors}`` to ``path`` atomically."""
    payload = {"model": model, "meta": json.dumps(meta), **tensors}
    atomic_write(path, lambda tmp: torch.save(payload, tmp))


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint; any failure is one clear error naming the file."""
    path = Path(path)
    if not path.exists():
        raise SeqaugError(f"{path}: checkpoint not found")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
        payload["meta"] = json.loads(payload["meta"])
        if not isinstance(payload.get("model"), dict):
            raise KeyError("model")
    except Exception as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise SeqaugError(f"{path}: corrupt or incompatible checkpoint ({reason[:200]})") from None
    return payload


def load_model_state(module: torch.nn.Module, state: dict, path: Path) -> None:
    try:
        module.load_state_dict(state)
    except RuntimeError as err:
        first = str(err).strip().splitlines()
        raise SeqaugError(f"{path}: checkpoint does not match the model ({first[-1].strip()[:200]})") from None
