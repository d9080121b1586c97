from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from seqaug.data.corpus import SequenceCorpus, corpus_from_lists
from seqaug.data.readers import write_s3rec
from seqaug.data.synthetic import make_synthetic

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(autouse=True)
def _threads_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEQAUG_DATA_DIR", raising=False)
    torch.set_num_threads(1)


@pytest.fixture
def small_corpus() -> SequenceCorpus:
    return corpus_from_lists([[1, 2, 3, 4, 5], [2, 3, 4], [5, 1, 2, 6, 7, 3], [7, 6, 5, 4]])


@pytest.fixture(scope="session")
def synthetic() -> SequenceCorpus:
    return make_synthetic(num_users=300, num_items=120, max_length=30, seed=3)


@pytest.fixture
def synthetic_file(tmp_path: Path, synthetic: SequenceCorpus) -> Path:
    path = tmp_path / "synthetic.txt"
    write_s3rec(synthetic, path)
    return path


def tiny_config(data_path: Path, **sections: dict) -> dict:
    """A config dict for fast end-to-end runs."""
    cfg = {
        "data": {"path": str(data_path), "max_len": 20},
        "backbone": {"name": "sasrec", "hidden_size": 16, "num_layers": 1, "num_heads": 1, "dropout": 0.1},
        "method": {"name": "next_item"},
        "train": {"epochs": 3, "batch_size": 64, "seed": 0, "patience": 5, "device": "cpu"},
        "eval": {"ks": [5, 10, 20]},
    }
    for name, values in sections.items():
        cfg[name] = {**cfg.get(name, {}), **values}
    return cfg


def naive_left_pad(rows: list[list[int]], max_len: int) -> np.ndarray:
    kept = [r[-max_len:] for r in rows]
    width = max(1, max(len(r) for r in kept))
    return np.array([[0] * (width - len(r)) + r for r in kept], dtype=np.int64)
