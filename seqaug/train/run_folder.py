"""Run folders: created atomically with config.yaml, reopened only by the same config
(where it runs, ``train.device`` and ``train.threads``, may change on resume)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from seqaug.atomic import atomic_dir, atomic_write_text
from seqaug.errors import SeqaugError

PLACEMENT = ("train.device", "train.threads")  # where a run computes, not what


def config_diff(a: Any, b: Any, prefix: str = "", ignore: tuple[str, ...] = ()) -> list[str]:
    """``key: old → new`` for every leaf where two nested dicts differ, except dotted keys in ``ignore``."""
    if prefix[:-1] in ignore:
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b)):
            out += config_diff(a.get(k), b.get(k), f"{prefix}{k}.", ignore)
        return out
    return [] if a == b else [f"{prefix[:-1]}: {a!r} → {b!r}"]


def open_run_dir(out: Path, resolved: dict, extra_files: dict[str, Callable[[Path], None]]) -> bool:
    """Create ``out`` atomically with ``config.yaml`` (True) or accept an existing run
    with the same config for resuming (False); ``config.yaml`` keeps the first placement
    (a run started on the CPU may go on with more threads, or on a GPU)."""
    out = Path(out)
    if out.exists():
        cfg_path = out / "config.yaml"
        if not cfg_path.exists():
            raise SeqaugError(f"{out}: exists and is not a seqaug run folder (no config.yaml); choose another --out")
        saved = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
        changes = config_diff(saved, resolved, ignore=PLACEMENT)
        if changes:
            raise SeqaugError(
                f"{out}: a run with a different config is there ({'; '.join(changes[:3])}); "
                "choose another --out or delete it"
            )
        return False

    def fill(tmp: Path) -> None:
        atomic_write_text(tmp / "config.yaml", yaml.safe_dump(resolved, sort_keys=False))
        for name, write in extra_files.items():
            write(tmp / name)

    atomic_dir(out, fill)
    return True
