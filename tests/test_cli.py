"""The real CLI in a subprocess: exit codes, one-line errors, no half-written run folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from seqaug.backbones import BACKBONES
from seqaug.methods import METHODS
from tests.conftest import ROOT, tiny_config


def cli(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "SEQAUG_DATA_DIR"}
    # One thread: on a shared 2-core machine, torch's default threads spin against each other.
    full_env.update({"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "seqaug.cli", *args], cwd=cwd, env=full_env, capture_output=True, text=True
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode != 0
    err = proc.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for f in fragments:
        assert f in err, err


def write_cfg(path: Path, cfg: dict) -> Path:
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.parametrize("name", BACKBONES.names())
def test_every_backbone_has_a_smoke_config_that_trains(name: str, tmp_path: Path) -> None:
    configs = sorted((ROOT / "configs" / "smoke").glob(f"*_{name}.yaml"))
    assert configs, f"no smoke config for backbone {name}"
    proc = cli("train", str(configs[0]), "--out", str(tmp_path / "run"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "run" / "results.json").read_text())
    assert res["backbone"] == name and 0.0 <= res["test"]["ndcg@10"] <= 1.0


@pytest.mark.parametrize("name", METHODS.names())
def test_every_method_has_a_smoke_config(name: str) -> None:
    assert sorted((ROOT / "configs" / "smoke").glob(f"{name}_*.yaml")), f"no smoke config for method {name}"


def test_train_evaluate_report(synthetic_file: Path, tmp_path: Path) -> None:
    cfg = write_cfg(tmp_path / "exp.yaml", tiny_config(synthetic_file, train={"epochs": 2}))
    proc = cli("train", str(cfg), "--out", str(tmp_path / "run"), "--set", "train.seed=3")
    assert proc.returncode == 0, proc.stderr
    assert "ndcg@10" in proc.stdout and "epoch   1" in proc.stdout
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert saved["train"]["seed"] == 3 and Path(saved["data"]["path"]).is_absolute()
    res = json.loads((tmp_path / "run" / "results.json").read_text())
    ev = cli("evaluate", str(tmp_path / "run"))
    assert ev.returncode == 0, ev.stderr
    assert json.loads(ev.stdout)["test"] == res["test"]
    sampled = cli(
        "evaluate", str(tmp_path / "run"), "--set", "eval.protocol=sampled-fixed", "--set", "eval.num_negatives=20"
    )
    assert json.loads(sampled.stdout)["test"]["hr@10"] > res["test"]["hr@10"]
    rep = cli("report", str(tmp_path / "run"), str(tmp_path / "run"), "--group", "--format", "csv")
    assert rep.returncode == 0 and "2," in rep.stdout.splitlines()[1]
    rec = cli("recommend", str(tmp_path / "run"), "--out", str(tmp_path / "recs.csv"), "--k", "4", "--users", "1,7")
    assert rec.returncode == 0, rec.stderr
    lines = (tmp_path / "recs.csv").read_text().splitlines()
    assert lines[0] == "user,rank,item,score" and len(lines) == 9 and lines[5].startswith("7,1,")
    bad = cli("recommend", str(tmp_path / "run"), "--out", str(tmp_path / "bad.csv"), "--users", "1,nobody")
    assert_one_line_error(bad, "--users", "unknown user 'nobody'")
    assert not (tmp_path / "bad.csv").exists()


def test_data_stats(synthetic_file: Path) -> None:
    proc = cli("data", "stats", str(synthetic_file), "--json")
    assert json.loads(proc.stdout)["users"] == 300


BAD_DATA = {
    "malformed": ("1 1 2 3\n2 4 five 6\n", "bad.txt:2: item id 'five' is not an integer"),
    "empty": ("", "bad.txt: file is empty"),
    "short_user": ("1 1 2 3\n2 4 5\n", "bad.txt:2: user 2 has 2 interaction(s)"),
}


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_is_one_line_and_leaves_no_run_folder(case: str, tmp_path: Path) -> None:
    text, expected = BAD_DATA[case]
    (tmp_path / "bad.txt").write_text(text)
    cfg = write_cfg(tmp_path / "exp.yaml", tiny_config(tmp_path / "bad.txt"))
    proc = cli("train", str(cfg), "--out", str(tmp_path / "run"))
    assert_one_line_error(proc, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt", "exp.yaml"]


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"backbone": {"layers": 2}}, "backbone.layers: unknown key; valid keys:"),
        ({"train": {"lr": -1}}, "train.lr: Input should be greater than 0"),
        ({"data": {"path": "does/not/exist.txt"}}, "data.path:"),
        ({"eval": {"protocol": "sampled-fixed", "negatives_file": "nope.txt"}}, "nope.txt does not exist"),
    ],
)
def test_bad_config_is_one_line(patch: dict, expected: str, synthetic_file: Path, tmp_path: Path) -> None:
    cfg = write_cfg(tmp_path / "exp.yaml", tiny_config(synthetic_file, **patch))
    proc = cli("train", str(cfg), "--out", str(tmp_path / "run"))
    assert_one_line_error(proc, expected)
    assert not (tmp_path / "run").exists()


def test_corrupt_checkpoint_on_evaluate_and_resume(synthetic_file: Path, tmp_path: Path) -> None:
    cfg = write_cfg(tmp_path / "exp.yaml", tiny_config(synthetic_file, train={"epochs": 2}))
    assert cli("train", str(cfg), "--out", str(tmp_path / "run"), "--set", "train.epochs=1").returncode == 0
    (tmp_path / "run" / "best.pt").write_bytes(b"\x00garbage")
    assert_one_line_error(cli("evaluate", str(tmp_path / "run")), "best.pt: corrupt or incompatible checkpoint")
    (tmp_path / "run2").mkdir()
    proc = cli("train", str(cfg), "--out", str(tmp_path / "run2"))
    assert_one_line_error(proc, "run2: exists and is not a seqaug run folder")


def test_missing_config_and_bad_option(tmp_path: Path) -> None:
    assert_one_line_error(cli("train", str(tmp_path / "nope.yaml")), "nope.yaml: config file not found")
    assert_one_line_error(cli("data", "stats", str(tmp_path / "x.txt")), "x.txt: no such file")
    proc = cli("report", str(tmp_path))
    assert_one_line_error(proc, "no results.json")
    proc = cli("train", str(tmp_path / "x.yaml"), "--data-dir", str(tmp_path))  # an option train does not have
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "No such option: --data-dir" in proc.stderr, proc.stderr
