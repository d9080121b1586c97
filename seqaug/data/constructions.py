"""Sample constructions chosen by config (``data.samples``), as a registry like backbones.

``data.samples: {name: auto | seq2seq | prefix | cloze | window, ...params}``. ``auto``
(the default) is the backbone's preferred construction with its default parameters:
seq2seq for causal encoders, prefix for non-causal ones (FMLP-Rec), cloze for encoders
that predict at a mask token (BERT4Rec). ``check_construction`` refuses combinations
that leak the target or train something the model is not scored on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from seqaug.data.cloze import ClozeSamples
from seqaug.data.corpus import SequenceCorpus
from seqaug.data.negatives import NegativeSampler
from seqaug.data.prefix import PrefixSamples
from seqaug.data.samples import Seq2SeqSamples, SpanSamples
from seqaug.data.windows import WindowSamples
from seqaug.errors import ConfigError
from seqaug.registry import Registry, Section


class SamplesParams(Section):
    """Common base of ``data.samples`` sections. ``per_position``: every slot is trained
    on the next item (leaks into non-causal encoders); ``mask_token``: targets sit at
    mask tokens (only for encoders scored by appending the mask token)."""

    name: str
    per_position: ClassVar[bool] = False
    mask_token: ClassVar[bool] = False


class AutoSamplesParams(SamplesParams):
    name: Literal["auto"] = "auto"


class Seq2SeqParams(SamplesParams):
    name: Literal["seq2seq"] = "seq2seq"
    per_position: ClassVar[bool] = True


class PrefixParams(SamplesParams):
    name: Literal["prefix"] = "prefix"


class ClozeParams(SamplesParams):
    name: Literal["cloze"] = "cloze"
    mask_token: ClassVar[bool] = True
    mask_prob: float = Field(0.2, gt=0.0, le=1.0, description="probability of masking each item")
    last_item_copy: bool = Field(False, description="add a copy of every row with only the last item masked")


class WindowParams(SamplesParams):
    name: Literal["window"] = "window"
    per_position: ClassVar[bool] = True
    length: int = Field(8, ge=2, description="items per window (inputs + 1)")
    stride: int = Field(1, ge=1, description="at most length, so that windows cover every item")
    keep_full: bool = Field(False, description="also keep the whole train view as a sample")

    @model_validator(mode="after")
    def _covering(self) -> WindowParams:
        if self.stride > self.length:
            raise ValueError(f"stride {self.stride} > length {self.length} would skip items; use stride <= length")
        return self


@dataclass(frozen=True)
class SampleContext:
    """What a construction is built from: the train view only, never held-out items."""

    train: SequenceCorpus
    negatives: NegativeSampler | None
    max_len: int
    batch_size: int
    length_bucketing: bool
    timestamps: bool
    slot_weighting: str = "global"

    @property
    def common(self) -> dict[str, Any]:
        return {
            "max_len": self.max_len,
            "batch_size": self.batch_size,
            "length_bucketing": self.length_bucketing,
            "slot_weighting": self.slot_weighting,
            "timestamps": self.timestamps,
        }


BuildSamples = Callable[[SamplesParams, SampleContext], SpanSamples]
SAMPLES: Registry[BuildSamples] = Registry("data.samples")


@SAMPLES.register("seq2seq", Seq2SeqParams)
def build_seq2seq(params: Seq2SeqParams, ctx: SampleContext) -> SpanSamples:
    return Seq2SeqSamples(ctx.train, ctx.negatives, **ctx.common)


@SAMPLES.register("prefix", PrefixParams)
def build_prefix(params: PrefixParams, ctx: SampleContext) -> SpanSamples:
    return PrefixSamples(ctx.train, ctx.negatives, **ctx.common)


@SAMPLES.register("cloze", ClozeParams)
def build_cloze(params: ClozeParams, ctx: SampleContext) -> SpanSamples:
    return ClozeSamples(
        ctx.train,
        ctx.negatives,
        mask_id=ctx.train.mask_id,
        mask_prob=params.mask_prob,
        last_item_copy=params.last_item_copy,
        **ctx.common,
    )


@SAMPLES.register("window", WindowParams)
def build_window(params: WindowParams, ctx: SampleContext) -> SpanSamples:
    return WindowSamples(
        ctx.train,
        ctx.negatives,
        length=params.length,
        stride=params.stride,
        keep_full=params.keep_full,
        **ctx.common,
    )


def samples_models() -> list[type[SamplesParams]]:
    """Every ``data.samples`` schema (``auto`` first), for the config's tagged union."""
    return [AutoSamplesParams, *SAMPLES.params_models()]


def resolve_samples(params: SamplesParams, preferred: str) -> SamplesParams:
    """``auto`` → the backbone's ``preferred`` construction with default parameters."""
    if params.name != "auto":
        return params
    return SAMPLES.get(preferred).params(name=preferred)


def check_construction(
    params: SamplesParams,
    *,
    backbone: str,
    causal: bool,
    mask_token: bool,
    method: str,
    accepted: Sequence[str],
) -> None:
    """One-line ConfigError for a construction the encoder or method cannot train on."""
    name = params.name

    def valid(ok: Callable[[type[SamplesParams]], bool]) -> str:
        names = [n for n in SAMPLES.names() if ok(SAMPLES.get(n).params) and n in accepted]
        return ", ".join(names) or "none"

    if params.per_position and not causal:
        choices = valid(lambda p: not p.per_position and p.mask_token == mask_token)
        raise ConfigError(
            f"data.samples: {name!r} trains every slot on the next item, which leaks the target into the non-causal "
            f"backbone {backbone!r}; valid choices: {choices} (or a causal variant of the backbone)"
        )
    if params.mask_token != mask_token:
        why = "trains at mask tokens but" if params.mask_token else "does not train at mask tokens but"
        how = "is scored at its last item" if not mask_token else "is scored at an appended mask token"
        raise ConfigError(
            f"data.samples: {name!r} {why} backbone {backbone!r} {how}; valid choices: "
            f"{valid(lambda p: p.mask_token == mask_token and (causal or not p.per_position))}"
        )
    if name not in accepted:
        raise ConfigError(
            f"data.samples: method {method!r} does not train on {name!r} samples; valid choices: {', '.join(accepted)}"
        )
