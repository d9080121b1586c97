from __future__ import annotations

from pathlib import Path

import pytest

from seqaug.config import apply_overrides, load_config, resolve_data_path, validate
from seqaug.errors import ConfigError
from tests.conftest import tiny_config


def error_of(raw: dict) -> str:
    with pytest.raises(ConfigError) as err:
        validate(raw, "exp.yaml")
    return str(err.value)


def test_defaults_and_sections(tmp_path: Path) -> None:
    cfg = validate(tiny_config(tmp_path / "x.txt"))
    assert cfg.backbone.name == "sasrec" and cfg.backbone.num_layers == 1
    assert cfg.method.loss == "bce" and cfg.train.metric == "ndcg@20" and cfg.eval.protocol == "full"
    assert cfg.data.samples.name == "auto" and cfg.backbone.flavour == "s3rec"
    cloze = validate(tiny_config(tmp_path / "x.txt", data={"samples": {"name": "cloze", "mask_prob": 0.6}}))
    assert cloze.data.samples.mask_prob == 0.6 and cloze.data.samples.last_item_copy is False


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"backbone": {"dropuot": 0.1}}, "exp.yaml: backbone.dropuot: unknown key; valid keys: name, hidden_size"),
        ({"backbone": {"name": "transformerx"}}, "backbone: Input tag 'transformerx'"),
        ({"method": {"loss": "hinge"}}, "method.loss: Input should be 'bce' or 'ce'"),
        ({"train": {"epochs": 0}}, "train.epochs: Input should be greater than or equal to 1"),
        ({"train": {"metric": "auc"}}, "train.metric: 'auc' is not a metric; valid forms: hr@K, ndcg@K, mrr"),
        ({"train": {"metric": "ndcg@50"}}, "needs k=50 in eval.ks"),
        ({"eval": {"protocol": "sampled"}}, "eval.protocol: Input should be 'full', 'sampled-fixed' or"),
        ({"data": {"format": "json"}}, "data.format: Input should be 'auto', 's3rec'"),
        ({"train": {"device": "tpu"}}, "train.device: 'tpu' is not a device; valid choices"),
        ({"trian": {"epochs": 3}}, "trian: unknown key; valid keys: name, data, train, eval, pretrain, backbone"),
        ({"data": {"samples": {"name": "clozee"}}}, "data.samples: Input tag 'clozee' found using 'name' does not"),
        (
            {"data": {"samples": {"name": "window", "width": 3}}},
            "data.samples.width: unknown key; valid keys: name,",
        ),
        ({"data": {"samples": {"name": "window", "stride": 9}}}, "data.samples: stride 9 > length 8 would skip items"),
        (
            {"data": {"samples": {"name": "cloze", "mask_prob": 0}}},
            "data.samples.mask_prob: Input should be greater",
        ),
        ({"backbone": {"name": "sasrec", "flavour": "pre"}}, "backbone.flavour: Input should be 's3rec' or 'kang'"),
        ({"backbone": {"name": "fmlprec", "filter": "past"}}, "backbone.filter: Input should be 'global' or 'causal'"),
        ({"pretrain": {"method": {"name": "next_item", "los": "ce"}}}, "pretrain.method.los: unknown key; valid keys"),
    ],
)
def test_errors_name_key_and_choices(tmp_path: Path, patch: dict, expected: str) -> None:
    assert expected in error_of(tiny_config(tmp_path / "x.txt", **patch))


def test_backbone_name_choices_listed(tmp_path: Path) -> None:
    msg = error_of(tiny_config(tmp_path / "x.txt", backbone={"name": "nope"}))
    assert "'gru4rec'" in msg and "'sasrec'" in msg


def test_overrides_parse_yaml_values() -> None:
    raw = apply_overrides({"train": {"epochs": 5}}, ["train.epochs=3", "eval.ks=[5, 10]", "train.grad_clip=", "x.y=on"])
    assert raw == {"train": {"epochs": 3}, "eval": {"ks": [5, 10]}, "x": {"y": True}} | {
        "train": {"epochs": 3, "grad_clip": None}
    }
    with pytest.raises(ConfigError, match="expected key=value"):
        apply_overrides({}, ["train.epochs"])
    with pytest.raises(ConfigError, match="train.epochs is not a section"):
        apply_overrides({"train": {"epochs": 3}}, ["train.epochs.x=1"])


def test_yaml_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("data:\n  path: x\n backbone: [\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+: invalid YAML"):
        load_config(bad)
    bad.write_text("")
    with pytest.raises(ConfigError, match="empty"):
        load_config(bad)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.yaml")


def test_data_path_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "d.txt").write_text("1 1 2 3\n")
    assert resolve_data_path("d.txt", str(tmp_path)) == (tmp_path / "d.txt").resolve()
    monkeypatch.setenv("SEQAUG_DATA_DIR", str(tmp_path))
    assert resolve_data_path("d.txt", None) == (tmp_path / "d.txt").resolve()
    with pytest.raises(ConfigError, match=r"data.path: .*nothere.txt does not exist \(resolved against"):
        resolve_data_path("nothere.txt", None)


def test_omitted_method_defaults_to_a_validated_next_item(tmp_path: Path) -> None:
    raw = tiny_config(tmp_path / "x.txt")
    del raw["method"]
    cfg = validate(raw)
    assert cfg.method.name == "next_item" and cfg.method.loss == "bce"
