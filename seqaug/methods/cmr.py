"""CMR (BASRec Table 3 baseline; methods.md §8): every step, each training sequence gets one
augmented copy — crop, mask or reorder, drawn per row — that is trained as an extra
sequence with the ordinary next-item loss next to the original.

How the copy gets targets ([OPEN] in methods.md; our choice): the operator augments the
training input ``x = s[:-3]`` and the original final target ``s[-3]`` is appended
un-augmented, so the copy is the sequence ``aug(x) ++ [s[-3]]`` and trains like any
sequence: slot t predicts the item in slot t+1. A target is dropped when it is a masked
item (padding id or mask id), and so is every slot whose *input* is the padding id (a mask
written as 0): a padding query attends to the whole row, so training it would leak the
future. Negatives of the copy are the row's own negatives (uniform non-history draws,
reused cyclically when insert makes the copy longer), so no sampler is needed on device.
Defaults are RecBole-DA's CL4SRec rates (crop keeps 0.6, mask 0.3, reorder 0.6) with
windows anywhere and the mask id N+1.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from seqaug.augment.augmenter import OnlineAugmenter
from seqaug.augment.ops import pad_left
from seqaug.augment.rates import RateSpec
from seqaug.backbones.base import Backbone
from seqaug.data.batching import SeqBatch
from seqaug.methods.base import METHODS, Method, MethodContext, require_causal
from seqaug.methods.losses import next_item_loss
from seqaug.methods.operator_params import OperatorParams, online_augmenter


class AugmentedCopies(Method):
    """Original rows plus one augmented copy each, one next-item loss over both."""

    def __init__(self, backbone: Backbone, num_items: int, augmenter: OnlineAugmenter, loss: str = "bce") -> None:
        super().__init__()
        self.backbone, self.augmenter, self.num_items, self.kind = backbone, augmenter, num_items, loss
        self.needs_negatives = loss == "bce"

    def on_epoch_start(self, epoch: int) -> None:
        self.augmenter.on_epoch_start(epoch, self.backbone.item_embedding.weight)

    def copies(self, batch: SeqBatch) -> SeqBatch:
        """The augmented copy of every row: inputs, targets and negatives [B, W']."""
        x, y = batch.inputs, batch.targets
        assert y is not None
        lengths = (x > 0).sum(1)
        xa = self.augmenter(x).ids  # [B, W']
        tgt = torch.cat([xa[:, 1:], y[:, -1:]], dim=1)
        ok = (xa > 0) & (tgt > 0) & (tgt != self.num_items + 1)
        negatives = None
        if batch.negatives is not None:
            w, wa = x.shape[1], xa.shape[1]
            back = torch.arange(wa - 1, -1, -1, device=x.device)  # distance from the right end
            src = w - 1 - back[None, :] % lengths.clamp(min=1)[:, None]
            negatives = torch.where(ok, batch.negatives.gather(1, src), 0)
        return SeqBatch(users=batch.users, inputs=xa, targets=torch.where(ok, tgt, 0), negatives=negatives)

    def loss(self, batch: SeqBatch) -> dict[str, torch.Tensor]:
        assert batch.targets is not None
        extra = self.copies(batch)
        width = max(batch.inputs.shape[1], extra.inputs.shape[1])

        def both(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return torch.cat([pad_left(a, width), pad_left(b, width)])

        inputs = both(batch.inputs, extra.inputs)
        targets = both(batch.targets, extra.targets)  # type: ignore[arg-type]
        negatives = None if batch.negatives is None else both(batch.negatives, extra.negatives)  # type: ignore[arg-type]
        h = self.backbone(inputs)  # [2B, W, D]
        emb = self.backbone.item_embedding
        return {"loss": next_item_loss(h, targets, negatives, emb, self.kind, self.num_items)}


class CMRParams(OperatorParams):
    name: Literal["cmr"] = "cmr"
    crop_rate: RateSpec = 0.6
    mask_rate: RateSpec = 0.3
    reorder_rate: RateSpec = 0.6
    reorder_rate_from_mask: bool | None = False
    window: Literal["exclude_last", "any"] | None = "any"
    mask_token: Literal["pad", "mask_id"] | None = "mask_id"
    loss: Literal["bce", "ce"] = Field("bce", description="next-item loss")


@METHODS.register("cmr", CMRParams)
def build_cmr(params: CMRParams, ctx: MethodContext) -> Method:
    backbone = ctx.make_backbone()
    require_causal(backbone, "cmr")
    return AugmentedCopies(backbone, ctx.num_items, online_augmenter(params, ctx, backbone), params.loss)
