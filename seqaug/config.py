"""Experiment configuration: YAML (safe_load) + ``--set a.b=v`` overrides, validated by
pydantic. Sections ``data``, ``backbone``, ``method``, ``train``, ``eval`` (DESIGN.md,
"Config shape"); the ``backbone`` and ``method`` sections (and ``data.samples``, the
training-sample construction) are validated against the schema their ``name`` selects
in the registry. Every error names the key and the valid choices in one line.
"""

from __future__ import annotations

import os
import re
import typing
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import Field, ValidationError, create_model, field_validator, model_validator

from seqaug.errors import ConfigError
from seqaug.registry import Registry, Section

METRIC_RE = re.compile(r"^(hr|ndcg)@(\d+)$|^mrr$")


class DataConfig(Section):
    path: str = Field(description="data file or folder; relative paths resolve against data_dir")
    format: Literal["auto", "s3rec", "presplit", "recbole", "table"] = "auto"
    data_dir: str | None = Field(None, description="default: the SEQAUG_DATA_DIR environment variable")
    max_len: int = Field(50, gt=0)
    user_k: int = Field(0, ge=0, description="iterated k-core: minimum interactions per user")
    item_k: int = Field(0, ge=0, description="iterated k-core: minimum interactions per item")
    drop_short_users: bool = Field(False, description="drop users with < 3 interactions instead of failing")
    neg_exclude: Literal["train", "full"] = Field(
        "train", description="training negatives avoid the train view (leak-free) or the whole sequence (reference)"
    )
    user_col: str = "user"
    item_col: str = "item"
    time_col: str | None = "timestamp"
    train_fraction: float = Field(1.0, description="train on this fraction of users; evaluation uses all (CoSeRec)")
    train_fraction_pick: Literal["first", "random"] = Field("first", description="first users (reference) or random")
    train_fraction_seed: int = 0

    @field_validator("train_fraction")
    @classmethod
    def _fraction(cls, v: float) -> float:
        if not 0.0 < v <= 1.0:
            raise ValueError(f"{v} is not a fraction of users; valid range: (0, 1]")
        return v


class TrainConfig(Section):
    epochs: int = Field(200, ge=1)
    batch_size: int = Field(256, ge=1)
    lr: float = Field(1e-3, gt=0.0)
    weight_decay: float = Field(0.0, ge=0.0)
    betas: tuple[float, float] = (0.9, 0.999)
    seed: int = 0
    patience: int = Field(40, ge=1)
    metric: str = "ndcg@20"
    eval_every: int = Field(1, ge=1)
    start_eval: int = Field(0, ge=0, description="no validation before this epoch")
    grad_clip: float | None = Field(None, gt=0.0)
    length_bucketing: bool = Field(True, description="batch users of similar length together")
    slot_weighting: Literal["global", "batch"] = Field(
        "global",
        description="global: summed slot losses / slots of an average batch (every slot weighs the same); "
        "batch: mean over the batch's slots (the reference code)",
    )
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N")
    threads: int | None = Field(None, ge=1, description="torch CPU threads; default: torch's choice")

    @field_validator("metric")
    @classmethod
    def _metric(cls, v: str) -> str:
        if not METRIC_RE.match(v):
            raise ValueError(f"{v!r} is not a metric; valid forms: hr@K, ndcg@K, mrr")
        return v

    @field_validator("device")
    @classmethod
    def _device(cls, v: str) -> str:
        if not re.match(r"^(auto|cpu|cuda(:\d+)?|mps)$", v):
            raise ValueError(f"{v!r} is not a device; valid choices: auto, cpu, cuda, cuda:N, mps")
        return v


class EvalConfig(Section):
    protocol: Literal["full", "sampled-fixed", "sampled-random"] = "full"
    ks: list[int] = Field(default_factory=lambda: [1, 5, 10, 20], min_length=1)
    mask_history: bool = True
    s3rec_compat: bool = Field(False, description="full ranking as the CoSeRec/BASRec code: zeroed history")
    negatives_file: str | None = Field(None, description="sampled-fixed: 'user neg ...' file (raw ids)")
    num_negatives: int = Field(99, ge=1)
    negatives_seed: int = 12345
    batch_size: int = Field(256, ge=1)
    test_noise_ratio: float = Field(0.0, description="insert floor(ratio * n) random unseen items into test inputs")
    test_noise_seed: int = 0

    @field_validator("test_noise_ratio")
    @classmethod
    def _noise(cls, v: float) -> float:
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{v} is not a noise ratio; valid range: [0, 1]")
        return v

    @field_validator("ks")
    @classmethod
    def _ks(cls, v: list[int]) -> list[int]:
        if any(k < 1 for k in v):
            raise ValueError("every k must be >= 1")
        return sorted(set(v))


class ExperimentBase(Section):
    name: str | None = None
    data: DataConfig
    train: TrainConfig = Field(default_factory=TrainConfig)
    eval: EvalConfig = Field(default_factory=EvalConfig)
    pretrain: Any = Field(
        None,
        description="optional first stage: {method: {...}, train: {overrides}}; the main stage starts "
        "from its best backbone with a fresh optimizer",
    )

    @model_validator(mode="after")
    def _metric_is_computed(self) -> ExperimentBase:
        m = METRIC_RE.match(self.train.metric)
        if m and m.group(2) and int(m.group(2)) not in self.eval.ks:
            raise ValueError(f"train.metric {self.train.metric} needs k={m.group(2)} in eval.ks {self.eval.ks}")
        return self

    @model_validator(mode="after")
    def _stage_one_backbone_keys(self) -> ExperimentBase:
        """``pretrain.backbone`` names keys of this run's backbone (not ``name``: one backbone
        goes through both stages), with valid values."""
        keys = (self.pretrain.backbone if self.pretrain is not None else None) or {}
        if not keys:
            return self
        schema = type(self.backbone)  # type: ignore[attr-defined]
        valid = [k for k in schema.model_fields if k != "name"]
        for key in keys:
            if key not in valid:
                choices = ", ".join(valid)
                raise ValueError(f"pretrain.backbone.{key}: not a key stage 1 may change; valid keys: {choices}")
        try:
            schema.model_validate({**self.backbone.model_dump(), **keys})  # type: ignore[attr-defined]
        except ValidationError as err:
            first = err.errors()[0]
            raise ValueError(f"pretrain.backbone.{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
        return self


def _tagged(models: list[type[Section]]) -> Any:
    if len(models) == 1:
        return models[0]
    return Annotated[Union[tuple(models)], Field(discriminator="name")]


def _registries() -> dict[str, Registry]:
    from seqaug.backbones import BACKBONES
    from seqaug.methods import METHODS

    return {"backbone": BACKBONES, "method": METHODS}


def _tagged_sections() -> dict[tuple[str, ...], dict[str, type[Section]]]:
    """Config paths validated as tagged unions → {tag: schema}."""
    from seqaug.data.constructions import samples_models

    out: dict[tuple[str, ...], dict[str, type[Section]]] = {
        (key,): {n: reg.get(n).params for n in reg.names()} for key, reg in _registries().items()
    }
    out[("pretrain", "method")] = out[("method",)]
    out[("data", "samples")] = {m.model_fields["name"].default: m for m in samples_models()}
    return out


class TrainOverrides(Section):
    """Keys of ``train`` that a pretraining stage may change."""

    epochs: int | None = Field(None, ge=1)
    lr: float | None = Field(None, gt=0.0)
    weight_decay: float | None = Field(None, ge=0.0)
    patience: int | None = Field(None, ge=1)
    metric: str | None = None
    eval_every: int | None = Field(None, ge=1)
    start_eval: int | None = Field(None, ge=0)
    grad_clip: float | None = Field(None, gt=0.0)
    length_bucketing: bool | None = None


@lru_cache(maxsize=1)
def experiment_model() -> type[ExperimentBase]:
    """The full schema, built once every backbone, method and sample construction has registered."""
    from seqaug.data.constructions import AutoSamplesParams, samples_models

    regs = _registries()
    data = create_model(
        "DataConfig",
        __base__=DataConfig,
        samples=(_tagged(samples_models()), Field(default_factory=AutoSamplesParams)),
    )
    method = _tagged(regs["method"].params_models())
    pretrain = create_model(
        "PretrainConfig",
        __base__=Section,
        method=(method, Field(default_factory=lambda: {"name": "next_item"}, validate_default=True)),
        train=(TrainOverrides, Field(default_factory=TrainOverrides)),
        backbone=(
            dict[str, Any] | None,
            Field(
                None,
                description="backbone keys stage 1 sets differently, e.g. {dropout: 0.5}; they may not "
                "change the backbone's parameters",
            ),
        ),
        from_run=(
            str | None,
            Field(
                None,
                description="a finished run folder whose stage 1 (its pretrain/) this run reuses instead of "
                "training one; its stage-1 config must equal this run's",
            ),
        ),
    )
    return create_model(
        "ExperimentConfig",
        __base__=ExperimentBase,
        data=(data, ...),
        backbone=(_tagged(regs["backbone"].params_models()), ...),
        method=(method, Field(default_factory=lambda: {"name": "next_item"}, validate_default=True)),
        pretrain=(pretrain | None, None),
    )


def stage_config(cfg: Any, stage: str) -> Any:
    """The config of one stage: ``"main"`` or ``"pretrain"`` (method and train overrides)."""
    if stage == "main":
        return cfg
    raw = to_dict(cfg)
    pre = raw.pop("pretrain")
    pre.pop("from_run", None)
    raw["backbone"].update(pre.pop("backbone", None) or {})
    raw["method"] = pre["method"]
    raw["train"].update({k: v for k, v in pre["train"].items() if v is not None})
    return validate(raw, "pretrain")


# --- loading -------------------------------------------------------------------------
def load_yaml(path: Path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{where}: invalid YAML ({problem})") from None
    if raw is None:
        raise ConfigError(f"{path}: config file is empty")
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a config must be a mapping of sections (data, backbone, method, train, eval)")
    return raw


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    """Apply ``a.b=value`` strings (values parsed as YAML scalars/lists)."""
    out = _deepcopy(raw)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r}: expected key=value, e.g. train.epochs=3")
        parts = key.strip().split(".")
        node = out
        for i, part in enumerate(parts[:-1]):
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                raise ConfigError(f"--set {item!r}: {'.'.join(parts[: i + 1])} is not a section")
            node = nxt
        try:
            node[parts[-1]] = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError:
            node[parts[-1]] = value
    return out


def _deepcopy(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _deepcopy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_deepcopy(v) for v in obj]
    return obj


def validate(raw: dict, source: str = "config") -> Any:
    """Validate a raw mapping; raise one ConfigError naming the first bad key."""
    model = experiment_model()
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"{source}: {format_error(err, raw)}") from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> Any:
    raw = apply_overrides(load_yaml(Path(path)), overrides or [])
    return validate(raw, str(path))


def to_dict(config: Any) -> dict:
    return config.model_dump(mode="json")


# --- error messages ------------------------------------------------------------------
def format_error(err: ValidationError, raw: dict) -> str:
    first = err.errors()[0]
    loc = [str(x) for x in first["loc"]]
    fields = None
    for path, schemas in _tagged_sections().items():
        n = len(path)
        if len(loc) > n and tuple(loc[:n]) == path and loc[n] in schemas:
            fields = list(schemas[loc.pop(n)].model_fields)
            break
    if fields is None:
        fields = _fields_at(loc[:-1])
    key = ".".join(loc) if loc else "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        msg = f"unknown key; valid keys: {', '.join(f for f in fields)}" if fields else "unknown key"
    elif kind == "missing":
        msg = "required key is missing"
    elif kind == "value_error":
        msg = first["msg"].removeprefix("Value error, ")
    else:
        msg = first["msg"]
    more = len(err.errors()) - 1
    where = f"{key}: " if loc or kind != "value_error" else ""  # a whole-config check names its keys itself
    return f"{where}{msg}" + (f" (and {more} more error{'s' * (more > 1)})" if more else "")


def _fields_at(loc: list[str]) -> list[str]:
    """Valid keys of the section at ``loc`` (unwrapping ``X | None``)."""
    model: Any = experiment_model()
    for part in loc:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        candidates = [field.annotation, *typing.get_args(field.annotation)]
        models = [c for c in candidates if isinstance(c, type) and issubclass(c, Section)]
        if len(models) != 1:
            return []
        model = models[0]
    return list(getattr(model, "model_fields", {}))


# --- paths ---------------------------------------------------------------------------
def resolve_data_path(path: str, data_dir: str | None) -> Path:
    """Absolute paths stay; relative ones resolve against ``data_dir`` or SEQAUG_DATA_DIR."""
    p = Path(path).expanduser()
    base = data_dir or os.environ.get("SEQAUG_DATA_DIR")
    if not p.is_absolute() and base:
        p = Path(base).expanduser() / p
    if not p.exists():
        hint = f" (resolved against {base})" if base and not Path(path).is_absolute() else ""
        if not base and not Path(path).is_absolute():
            hint = " (relative to the current folder; set data.data_dir or SEQAUG_DATA_DIR)"
        raise ConfigError(f"data.path: {p} does not exist{hint}")
    return p.resolve()
