"""The same code on a CUDA device: every smoke config trains there, its checkpoint scores the
same on CPU and GPU, runs repeat, and the operators draw the same views on both devices.

Skipped where no GPU is present (CI); run on a GPU machine with ``pytest tests/test_cuda.py``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from seqaug.augment import ops
from seqaug.augment.correlation import Top1Table
from seqaug.config import load_config
from seqaug.experiment import evaluate_run, train
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

SMOKE = sorted((ROOT / "configs" / "smoke").glob("*.yaml"))


def train_on(config: Path, run_dir: Path, device: str) -> dict:
    cfg = load_config(config, [f"train.device={device}"])
    return train(cfg, run_dir, log=lambda _: None)


@pytest.mark.parametrize("config", SMOKE, ids=lambda p: p.stem)
def test_smoke_config_trains_on_cuda_and_scores_alike_on_cpu(config: Path, tmp_path: Path) -> None:
    res = train_on(config, tmp_path / "run", "cuda")
    test = res["test"]
    assert all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in test.values()), test
    on_cpu = evaluate_run(tmp_path / "run", ["train.device=cpu"], "test")["test"]
    on_gpu = evaluate_run(tmp_path / "run", ["train.device=cuda"], "test")["test"]
    assert on_gpu == pytest.approx(test, abs=1e-9)  # re-evaluation on the same device is exact
    # Float sums differ between devices; at most a tie or two may flip on 200 fixture users.
    assert on_cpu == pytest.approx(on_gpu, abs=0.011)


@pytest.mark.parametrize("name", ["next_item_sasrec", "coserec_sasrec", "basrec_sasrec"])
def test_same_seed_same_metrics_on_cuda(name: str, tmp_path: Path) -> None:
    config = ROOT / "configs" / "smoke" / f"{name}.yaml"
    first = train_on(config, tmp_path / "a", "cuda")
    second = train_on(config, tmp_path / "b", "cuda")
    assert first["test"] == second["test"] and first["valid"] == second["valid"]


def test_operators_draw_the_same_views_on_cpu_and_cuda() -> None:
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 31, (257,), generator=g)
    ids = torch.zeros(257, 30, dtype=torch.int64)
    for row, n in enumerate(lengths.tolist()):
        ids[row, 30 - n :] = torch.randint(1, 100, (n,), generator=g)
    rate = torch.rand(257, generator=g, dtype=torch.float64)
    neighbour = torch.roll(torch.arange(102), 1)
    table = Top1Table(neighbour, torch.ones(102, dtype=torch.float64), torch.ones(102, dtype=torch.bool))
    calls = {
        "crop": lambda x, n, gen: ops.crop(x, n, rate.to(x.device), gen),
        "mask": lambda x, n, gen: ops.mask(x, n, rate.to(x.device), gen, token=101),
        "reorder": lambda x, n, gen: ops.reorder(x, n, rate.to(x.device), gen),
        "substitute": lambda x, n, gen: ops.substitute(x, n, rate.to(x.device), gen, table=table),
        "insert": lambda x, n, gen: ops.insert(x, n, rate.to(x.device), gen, table=table, max_len=30),
    }
    for name, call in calls.items():
        cpu = call(ids, lengths, torch.Generator().manual_seed(5))
        gpu = call(ids.cuda(), lengths.cuda(), torch.Generator().manual_seed(5))
        assert gpu.ids.is_cuda, name
        assert torch.equal(cpu.ids, gpu.ids.cpu()) and torch.equal(cpu.lengths, gpu.lengths.cpu()), name
