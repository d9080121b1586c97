"""CMRSI (BASRec Table 3 baseline; methods.md §8): CMR with CoSeRec's five operators —
substitute and insert use the ItemCF-IUF top-1 neighbour fitted on the training inputs —
and its length-aware pools. Defaults: the CoSeRec code (§2.4). Targets of the copies as in
:mod:`seqaug.methods.cmr`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from seqaug.augment.schedule import CorrelationSchedule
from seqaug.methods.base import METHODS, Method, MethodContext, require_causal
from seqaug.methods.cmr import AugmentedCopies
from seqaug.methods.operator_params import InformativeParams, online_augmenter


class CMRSIParams(InformativeParams):
    name: Literal["cmrsi"] = "cmrsi"
    loss: Literal["bce", "ce"] = Field("bce", description="next-item loss")


@METHODS.register("cmrsi", CMRSIParams)
def build_cmrsi(params: CMRSIParams, ctx: MethodContext) -> Method:
    backbone = ctx.make_backbone()
    require_causal(backbone, "cmrsi")
    schedule = CorrelationSchedule(ctx.train, kind="memory", view=params.correlation_view, fallback=params.no_neighbour)
    return AugmentedCopies(backbone, ctx.num_items, online_augmenter(params, ctx, backbone, schedule), params.loss)
