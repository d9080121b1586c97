"""Plain next-item training: per-position BCE with one negative (the papers' default)
or full-softmax cross-entropy."""

from __future__ import annotations

from typing import Literal

import torch

from seqaug.backbones.base import Backbone
from seqaug.data.batching import SeqBatch
from seqaug.methods.base import METHODS, Method, MethodContext, MethodParams
from seqaug.methods.losses import next_item_loss


class NextItemParams(MethodParams):
    name: Literal["next_item"] = "next_item"
    loss: Literal["bce", "ce"] = "bce"


class NextItem(Method):
    def __init__(self, backbone: Backbone, num_items: int, loss: str = "bce") -> None:
        super().__init__()
        self.backbone = backbone
        self.num_items = num_items
        self.kind = loss
        self.needs_negatives = loss == "bce"

    def loss(self, batch: SeqBatch) -> dict[str, torch.Tensor]:
        h = self.backbone(batch.inputs)  # [B, L, D]
        assert batch.targets is not None
        loss = next_item_loss(
            h, batch.targets, batch.negatives, self.backbone.item_embedding, self.kind, self.num_items, batch.slot_norm
        )
        return {"loss": loss}


@METHODS.register("next_item", NextItemParams)
def build_next_item(params: NextItemParams, ctx: MethodContext) -> NextItem:
    return NextItem(ctx.make_backbone(), ctx.num_items, loss=params.loss)
