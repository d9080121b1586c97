"""CL4SRec (Xie et al., ICDE 2022): next-item loss plus NT-Xent between two views made by
crop, mask or reorder (one drawn uniformly per view and row).

Defaults follow the CL4SRec settings the CoSeRec code uses (crop keeps 0.2, mask 0.7,
reorder 0.2, floor counts, windows that avoid the last item, mask = padding id) and the
CoSeRec objective (flattened outputs, dot product, τ = 1, λ = 0.1), because the CL4SRec
numbers we compare with (CoSeRec Table 2) were produced that way. Unlike CoSeRec's
dispatcher, reorder uses its own rate (``reorder_rate_from_mask: false``).
"""

from __future__ import annotations

from typing import Literal

from seqaug.methods.base import METHODS, MethodContext, require_causal
from seqaug.methods.contrastive import ContrastiveKeys, ContrastiveRec, contrastive_kwargs
from seqaug.methods.operator_params import OperatorParams, online_augmenter


class CL4SRecParams(OperatorParams, ContrastiveKeys):
    name: Literal["cl4srec"] = "cl4srec"
    reorder_rate_from_mask: bool | None = False


@METHODS.register("cl4srec", CL4SRecParams)
def build_cl4srec(params: CL4SRecParams, ctx: MethodContext) -> ContrastiveRec:
    backbone = ctx.make_backbone()
    require_causal(backbone, "cl4srec")
    augmenter = online_augmenter(params, ctx, backbone)
    return ContrastiveRec(backbone, ctx.num_items, augmenter, **contrastive_kwargs(params))
