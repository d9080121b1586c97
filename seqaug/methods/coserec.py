"""CoSeRec (Liu et al. 2021, "Contrastive Self-supervised Sequential Recommendation with
Robust Augmentation"): CL4SRec's objective with two informative operators — substitute and
insert the top-1 correlated item — drawn from length-aware pools, and the correlation
switching from ItemCF-IUF to the hybrid of ItemCF-IUF and live embeddings after E epochs.

Defaults are the released code's (methods.md §2.2–2.4): floor counts, windows that avoid
the last item, mask = padding id, reorder with the mask rate, pools SIM / SIMCR with K = 4,
E = 160, λ = 0.1, τ = 1, dot product over the flattened outputs of views padded to max_len.
``semantics: paper`` switches to the paper's operators. Correlation is fitted on the
training inputs ``s[:-3]`` (``correlation_view: train`` for ``s[:-2]``), never on held-out
items. Departures: see :mod:`seqaug.augment.correlation` (tie-breaking, fallback,
candidates) and :mod:`seqaug.methods.contrastive` (view width).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from seqaug.augment.schedule import CorrelationSchedule
from seqaug.methods.base import METHODS, MethodContext, require_causal
from seqaug.methods.contrastive import ContrastiveKeys, ContrastiveRec, contrastive_kwargs
from seqaug.methods.operator_params import InformativeParams, online_augmenter


class CoSeRecParams(InformativeParams, ContrastiveKeys):
    name: Literal["coserec"] = "coserec"
    correlation: Literal["hybrid", "memory", "model"] = "hybrid"
    warmup_epochs: int = Field(160, ge=0, description="E: memory-based correlation while epoch <= E (0-based)")
    model_minmax: Literal["all_pairs", "off_diagonal"] = Field(
        "all_pairs", description="score range of the embedding correlation: every pair (reference) or off-diagonal"
    )
    model_candidates: Literal["train_items", "all_items"] = Field(
        "train_items", description="neighbours from the embedding table: items of the train view, or all items"
    )


@METHODS.register("coserec", CoSeRecParams)
def build_coserec(params: CoSeRecParams, ctx: MethodContext) -> ContrastiveRec:
    backbone = ctx.make_backbone()
    require_causal(backbone, "coserec")
    schedule = CorrelationSchedule(
        ctx.train,
        kind=params.correlation,
        warmup=params.warmup_epochs,
        view=params.correlation_view,
        fallback=params.no_neighbour,
        minmax=params.model_minmax,
        candidates=params.model_candidates,
    )
    augmenter = online_augmenter(params, ctx, backbone, schedule)
    return ContrastiveRec(backbone, ctx.num_items, augmenter, **contrastive_kwargs(params))
