"""Config keys shared by the methods that augment online (cl4srec, coserec, cmr, cmrsi)
and their mapping to an :class:`~seqaug.augment.pool.OperatorPool`.

``semantics`` picks the defaults of every paper/code difference (methods.md §2.2, §2.7):

| key | ``code`` (released CoSeRec code) | ``paper`` |
|---|---|---|
| ``rounding`` | ``code``: floor for crop/mask/reorder, floor with minimum 1 for substitute/insert | ``ceil`` |
| ``window`` (crop, reorder) | ``exclude_last`` | ``any`` |
| ``mask_token`` | ``pad`` (id 0) | ``mask_id`` (N+1) |
| ``reorder_rate_from_mask`` | true (reorder uses ``mask_rate``) | false |

Each can be set explicitly. Rates are a number or ``[low, high]`` (uniform per row);
``crop_rate`` is the fraction *kept*. Pools are operator letters: C crop, M mask,
R reorder, S substitute, I insert.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from seqaug.augment.augmenter import OnlineAugmenter
from seqaug.augment.ops import LETTERS, Rounding
from seqaug.augment.pool import Operator, OperatorPool
from seqaug.augment.rates import RateSpec, check_rate_spec, make_rate
from seqaug.augment.schedule import CorrelationSchedule
from seqaug.backbones.base import Backbone
from seqaug.methods.base import MethodContext, MethodParams

CODE_ROUNDING: dict[str, Rounding] = {
    "crop": "floor",
    "mask": "floor",
    "reorder": "floor",
    "substitute": "floor_min1",
    "insert": "floor_min1",
}
RATE_KEYS = ("crop_rate", "mask_rate", "reorder_rate", "substitute_rate", "insert_rate")


class OperatorParams(MethodParams):
    """Crop, mask and reorder (CL4SRec's operators); one pool unless a short pool is set."""

    letters: ClassVar[str] = "CMR"

    semantics: Literal["code", "paper"] = "code"
    crop_rate: RateSpec = 0.2
    mask_rate: RateSpec = 0.7
    reorder_rate: RateSpec = 0.2
    reorder_rate_from_mask: bool | None = None
    rounding: Literal["code", "floor", "floor_min1", "ceil"] | None = None
    window: Literal["exclude_last", "any"] | None = None
    mask_token: Literal["pad", "mask_id"] | None = None
    short_pool: str | None = Field(None, description="operators for rows with length <= short_threshold")
    long_pool: str = "CMR"
    short_threshold: int | None = Field(None, ge=0, description="K, compared with the input length len(s[:-3])")

    @field_validator(*RATE_KEYS, check_fields=False)
    @classmethod
    def _rate(cls, v: RateSpec) -> RateSpec:
        return check_rate_spec(v)

    @field_validator("short_pool", "long_pool")
    @classmethod
    def _pool(cls, v: str | None) -> str | None:
        if v is None:
            return v
        bad = [c for c in v if c not in cls.letters]
        if not v or bad or len(set(v)) != len(v):
            valid = ", ".join(f"{c} ({LETTERS[c]})" for c in cls.letters)
            raise ValueError(f"{v!r} is not a pool of distinct operator letters; valid letters: {valid}")
        return v

    @model_validator(mode="after")
    def _short_needs_threshold(self) -> OperatorParams:
        if (self.short_pool is None) != (self.short_threshold is None):
            raise ValueError("short_pool and short_threshold go together: set both or neither (null)")
        return self


class InformativeParams(OperatorParams):
    """Adds CoSeRec's substitute and insert (top-1 ItemCF-IUF neighbours) and the
    length-aware pools (code defaults, methods.md §2.4)."""

    letters: ClassVar[str] = "CMRSI"

    substitute_rate: RateSpec = 0.1
    insert_rate: RateSpec = 0.4
    short_pool: str | None = Field("SIM", description="operators for rows with length <= short_threshold")
    long_pool: str = "SIMCR"
    short_threshold: int | None = Field(4, ge=0, description="K, compared with the input length len(s[:-3])")
    correlation_view: Literal["inputs", "train"] = Field(
        "inputs", description="ItemCF fitted on the training inputs s[:-3] (reference) or the train view s[:-2]"
    )
    no_neighbour: Literal["random", "self"] = Field(
        "random", description="items without any co-occurrence: a random train item per lookup, or the item itself"
    )


def operator_pool(params: OperatorParams, num_items: int) -> OperatorPool:
    """The pools ``params`` describe; the mask id is ``num_items + 1``."""
    code = params.semantics == "code"
    rounding = params.rounding or ("code" if code else "ceil")
    window = params.window or ("exclude_last" if code else "any")
    token = 0 if (params.mask_token or ("pad" if code else "mask_id")) == "pad" else num_items + 1
    from_mask = code if params.reorder_rate_from_mask is None else params.reorder_rate_from_mask
    rates = {key.removesuffix("_rate"): getattr(params, key, 0.0) for key in RATE_KEYS}
    if from_mask:
        rates["reorder"] = rates["mask"]

    def make(letter: str) -> Operator:
        name = LETTERS[letter]
        r: Rounding = CODE_ROUNDING[name] if rounding == "code" else rounding  # type: ignore[assignment]
        return Operator(name, make_rate(rates[name]), r, window, token)

    long = [make(c) for c in params.long_pool]
    if params.short_pool is None:
        return OperatorPool(long)
    return OperatorPool(long, [make(c) for c in params.short_pool], params.short_threshold)


def online_augmenter(
    params: OperatorParams, ctx: MethodContext, backbone: Backbone, correlation: CorrelationSchedule | None = None
) -> OnlineAugmenter:
    """The augmenter of a method: its pools, a generator seeded from the run seed, and the
    correlation schedule (substitute/insert) starting from the backbone's embeddings."""
    return pool_augmenter(operator_pool(params, ctx.num_items), ctx, backbone, correlation)


def pool_augmenter(
    pool: OperatorPool, ctx: MethodContext, backbone: Backbone, correlation: CorrelationSchedule | None = None
) -> OnlineAugmenter:
    """An augmenter over a given pool, seeded from the run seed, its correlation starting from
    the backbone's embeddings."""
    weight = backbone.item_embedding.weight
    return OnlineAugmenter(pool, max_len=ctx.max_len, seed=ctx.seed, correlation=correlation, item_weight=weight)
