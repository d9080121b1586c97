"""Multi-task contrastive training shared by CL4SRec (Xie et al. 2022) and CoSeRec
(Liu et al. 2021, §4.3; methods.md §2.1 steps 6–9):

``loss = L_rec(Enc(x)) + λ · NT-Xent(repr(Enc(v1)), repr(Enc(v2)))`` with two views of each
training input drawn from an operator pool. ``representation="flatten"`` concatenates all
``width`` output slots, padding slots included (the CoSeRec code, dot product, τ = 1);
``"last"`` uses the last slot only (a cleaner ablation).

View width: the reference pads views to ``max_len`` = 50, so its flattened vector has
L·D entries and the outputs of the padding slots (which attend to the whole view) take part
in the similarity. ``view_width="max_len"`` reproduces that. The default ``"input"`` keeps
views at the input width of the (length-bucketed) batch: an insert view longer than that
loses its oldest items, as the reference's views lose theirs beyond 50. ``"batch"`` pads
both views to the widest view the batch can produce (its input width plus the most items
insert can add, known on the host), so no view loses items; ~1.5x the view tokens of
``"input"`` when the pool has insert, the same views without it (CL4SRec). On Beauty, one
CPU thread, quiet machine: CoSeRec epoch 2.65–3.18x plain SASRec with ``"input"``,
3.66–4.12x with ``"batch"`` over five runs (``benchmarks/speed_augment.py``); test
NDCG@10 / HR@10, mean of 3 seeds: 0.0346 / 0.0631 with ``"input"``, 0.0347 / 0.0636 with
``"batch"`` (benchmarks/RESULTS.md).
Padding to less than 50 is a departure from the reference, chosen for cost, and it changes
the objective's scale: a padding query attends to every key, so at width 50 the ~45
padding slots of a short view each carry a pooled summary of the view, and with τ = 1 the
flattened dot products (the logits) grow with the width. At initialisation the reference
width gives NT-Xent ≈ 145–150 on length-bucketed Beauty batches of widths 2–9, ``"batch"``
27–78 (equal at width 50), a softer contrastive task. Over the first 30 epochs of CoSeRec on
Beauty ``"batch"`` learned as fast as the reference width (validation NDCG@10 0.0133 vs
0.0121 at epoch 29) at a quarter of the epoch time.
"""

from __future__ import annotations

from typing import Any, Literal

import torch
import torch.nn.functional as F
from pydantic import Field

from seqaug.augment.augmenter import OnlineAugmenter
from seqaug.augment.ops import AugResult
from seqaug.backbones.base import ENCODE_CHUNK_TOKENS, Backbone
from seqaug.data.batching import SeqBatch
from seqaug.methods.base import Method, MethodParams
from seqaug.methods.losses import next_item_loss, nt_xent

Representation = Literal["flatten", "last"]
ViewWidth = Literal["max_len", "batch", "input"]


class ContrastiveKeys(MethodParams):
    """Config keys of the contrastive objective (defaults: the CoSeRec code)."""

    cl_weight: float = Field(0.1, ge=0.0, description="λ, weight of the NT-Xent loss")
    temperature: float = Field(1.0, gt=0.0)
    similarity: Literal["dot", "cosine"] = "dot"
    representation: Representation = "flatten"
    view_width: ViewWidth = Field(
        "input", description="views at the input width (default), batch (as wide as insert can make them) or max_len"
    )
    loss: Literal["bce", "ce"] = Field("bce", description="next-item loss")


def contrastive_kwargs(params: ContrastiveKeys) -> dict[str, Any]:
    """Keyword arguments of :class:`ContrastiveRec` from its config keys."""
    return {
        "cl_weight": params.cl_weight,
        "temperature": params.temperature,
        "similarity": params.similarity,
        "representation": params.representation,
        "view_width": params.view_width,
        "rec_loss": params.loss,
    }


class ContrastiveRec(Method):
    def __init__(
        self,
        backbone: Backbone,
        num_items: int,
        augmenter: OnlineAugmenter,
        *,
        cl_weight: float = 0.1,
        temperature: float = 1.0,
        similarity: str = "dot",
        representation: Representation = "flatten",
        view_width: ViewWidth = "input",
        rec_loss: str = "bce",
        encode_chunk_tokens: int = ENCODE_CHUNK_TOKENS,
    ) -> None:
        super().__init__()
        self.backbone, self.augmenter, self.num_items = backbone, augmenter, num_items
        self.cl_weight, self.temperature, self.similarity = cl_weight, temperature, similarity
        self.representation, self.view_width = representation, view_width
        self.rec_loss = rec_loss
        self.encode_chunk_tokens = encode_chunk_tokens
        self.needs_negatives = rec_loss == "bce"

    def on_epoch_start(self, epoch: int) -> None:
        """Rebuild the correlation table (CoSeRec: hybrid after the warm-up epochs)."""
        self.augmenter.on_epoch_start(epoch, self.backbone.item_embedding.weight)

    def views(self, inputs: torch.Tensor) -> AugResult:  # inputs [B, W]
        """Two independent augmentations of every row, stacked [2B, W'] (view 1 first)."""
        aug = self.augmenter
        widths = {"max_len": aug.max_len, "batch": aug.width(inputs.shape[1]), "input": inputs.shape[1]}
        width = widths[self.view_width]
        return aug(inputs, copies=2, width=width)

    def loss(self, batch: SeqBatch) -> dict[str, torch.Tensor]:
        assert batch.targets is not None
        emb = self.backbone.item_embedding
        h = self.backbone(batch.inputs)  # [B, W, D]
        rec = next_item_loss(h, batch.targets, batch.negatives, emb, self.rec_loss, self.num_items, batch.slot_norm)
        ids = self.views(batch.inputs).ids  # [2B, W']
        z = self.backbone.encode_in_chunks(emb(ids), ids == 0, self.encode_chunk_tokens)  # [2B, W', D]
        with torch.no_grad():  # BASRec Table 6: similarity of augmented and original representations
            cos = F.cosine_similarity(z[:, -1], h[:, -1].repeat(2, 1), dim=-1).mean()
        z = z.flatten(1) if self.representation == "flatten" else z[:, -1]
        z1, z2 = z.chunk(2)
        cl = nt_xent(z1, z2, self.temperature, self.similarity)
        return {"loss": rec + self.cl_weight * cl, "rec": rec.detach(), "cl": cl.detach(), "cos_views": cos}
