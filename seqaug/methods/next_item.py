"""Plain next-item training: BCE with one negative (the papers' default) or full-softmax
cross-entropy, with any sample construction: per-position (seq2seq, window), at the
masked slots (cloze: targets are 0 except at mask tokens) or at the last slot only
(prefix: targets [B])."""

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
    accepts_samples = ("seq2seq", "window", "prefix", "cloze")

    def __init__(self, backbone: Backbone, num_items: int, loss: str = "bce") -> None:
        super().__init__()
        self.backbone = backbone
        self.num_items = num_items
        self.kind = loss
        self.needs_negatives = loss == "bce"

    def loss(self, batch: SeqBatch) -> dict[str, torch.Tensor]:
        h = self.backbone(batch.inputs)  # [B, L, D]
        targets, negatives = batch.targets, batch.negatives
        assert targets is not None
        if targets.dim() == 1:  # one target per row, read at the last slot
            h, targets = h[:, -1:], targets[:, None]
            negatives = None if negatives is None else negatives[:, None]
        loss = next_item_loss(
            h, targets, negatives, self.backbone.item_embedding, self.kind, self.num_items, batch.slot_norm
        )
        return {"loss": loss}


@METHODS.register("next_item", NextItemParams)
def build_next_item(params: NextItemParams, ctx: MethodContext) -> NextItem:
    return NextItem(ctx.make_backbone(), ctx.num_items, loss=params.loss)
