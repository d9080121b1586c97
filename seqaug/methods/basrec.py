"""BASRec (Dang et al., "Augmenting Sequential Recommendation with Balanced Relevance and
Diversity", AAAI 2025; methods.md §3): representation-level mixup on top of any causal
backbone, trained as stage 2 after plain next-item training (a ``pretrain`` section).

Per batch: ``L = L_main + L_ssa + L_csa``.
- ``L_main``: next-item BCE of ``H = Enc(E(x))``.
- single-sequence augmentation (``L_ssa``), ``2·n_pairs`` views: M-Reorder or M-Substitute
  (position-aligned, ``rate ~ U(a, b)`` per row, or each operator's own ``reorder_rate`` /
  ``substitute_rate`` as in the earlier code of the released Yelp log; the code draws the
  operator per view and row, ``op_choice: paired`` gives the paper's one-of-each per pair),
  mixed in embedding space ``λ·E(x) + (1-λ)·E(x')`` with ``λ ~ Beta(α, α)`` per row,
  encoded with the original padding, trained on the original targets and negatives, weighted by
  ``ω = minmax(1/(rate·λ))`` as the reference code really does it (``code_batch_scalar``:
  the batch sum of ω times the plain loss, methods.md §3.2), per sample (the paper), or not.
- cross-sequence augmentation (``L_csa``) on the original outputs ``H``: item-wise
  (Λ [B, L, 1]) and feature-wise (Λ [B, 1, D]) mixup with a shuffled partner, the same Λ
  and permutation applied to the positive and negative item embeddings, anchor's target
  mask, ``n_whole_level`` repetitions each, losses summed.

Ablations (paper Table 5): ``single_sequence: false`` (w/o SA), ``ssa_weighting: none``
(w/o ALW), ``cross_sequence: false`` (w/o CA), ``nonlinear: false`` (w/o NL: one λ per
row), and no ``pretrain`` section (w/o Two). ``cos_ssa`` logs the mean cosine similarity
between the last-slot representations of augmented and original rows (paper Table 6).

Non-causal backbones (FMLP-Rec's global filter) cannot train per position (``data.samples``
refuses it): use their causal variant, or prefix samples, with which every loss uses slot
L-1 only (targets [B]; methods.md §3.5 option (i)). Departures: the Beta draws use torch's global generator
(saved for exact resume); operators and permutations the method's own generator.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field, field_validator, model_validator

from seqaug.augment.augmenter import OnlineAugmenter
from seqaug.augment.mixup import adaptive_weights, embedding_mixup, mixup_weight_shape, sample_beta
from seqaug.augment.ops import AugResult
from seqaug.augment.pool import Operator, OperatorPool
from seqaug.augment.rates import RateSpec, Uniform, check_rate_spec, make_rate
from seqaug.augment.schedule import CorrelationSchedule
from seqaug.backbones.base import ENCODE_CHUNK_TOKENS, Backbone
from seqaug.data.batching import SeqBatch
from seqaug.methods.base import METHODS, Method, MethodContext, MethodParams
from seqaug.methods.losses import bce_pos_neg
from seqaug.methods.operator_params import pool_augmenter

Weighting = Literal["code_batch_scalar", "per_sample", "none"]


class BASRecParams(MethodParams):
    name: Literal["basrec"] = "basrec"
    alpha: float = Field(0.3, gt=0.0, description="Beta(α, α) of every mixup (the code's --beta)")
    rate_min: float = Field(0.2, ge=0.0, le=1.0, description="a of rate ~ U(a, b)")
    rate_max: float = Field(0.51, ge=0.0, le=1.0, description="b of rate ~ U(a, b) (code default 0.51)")
    reorder_rate: RateSpec | None = Field(
        None, description="M-Reorder's own rate, a number or [low, high] (default: U(rate_min, rate_max))"
    )
    substitute_rate: RateSpec | None = Field(
        None, description="M-Substitute's own rate (the released Yelp log: reorder 0.3, substitute 0.2)"
    )
    n_pairs: int = Field(1, ge=1, description="pairs of single-sequence views (2·n_pairs views)")
    n_whole_level: int = Field(1, ge=1, description="repetitions of each cross-sequence mixup")
    op_choice: Literal["per_view", "paired"] = Field(
        "per_view", description="per_view: reorder or substitute drawn per view and row (code); paired: one of each"
    )
    ssa_weighting: Weighting = "code_batch_scalar"
    single_sequence: bool = True
    cross_sequence: bool = True
    nonlinear: bool = Field(True, description="false: one mixup weight per row (the 'w/o NL' ablation)")
    ssa_weight: float = Field(1.0, ge=0.0)
    csa_weight: float = Field(1.0, ge=0.0)
    correlation_view: Literal["inputs", "train"] = Field(
        "inputs", description="ItemCF-IUF from the training inputs s[:-3] (reference) or the train view s[:-2]"
    )
    no_neighbour: Literal["random", "self"] = "random"

    @model_validator(mode="after")
    def _range(self) -> BASRecParams:
        if self.rate_min > self.rate_max:
            raise ValueError(f"rate_min {self.rate_min} > rate_max {self.rate_max}")
        return self

    @field_validator("reorder_rate", "substitute_rate")
    @classmethod
    def _own_rate(cls, v: RateSpec | None) -> RateSpec | None:
        return None if v is None else check_rate_spec(v)


class BASRec(Method):
    accepts_samples = ("seq2seq", "window", "prefix")

    def __init__(
        self,
        backbone: Backbone,
        augmenter: OnlineAugmenter,
        *,
        alpha: float = 0.3,
        n_pairs: int = 1,
        n_whole_level: int = 1,
        op_choice: str = "per_view",
        ssa_weighting: Weighting = "code_batch_scalar",
        single_sequence: bool = True,
        cross_sequence: bool = True,
        nonlinear: bool = True,
        ssa_weight: float = 1.0,
        csa_weight: float = 1.0,
        encode_chunk_tokens: int = ENCODE_CHUNK_TOKENS,
    ) -> None:
        super().__init__()
        self.backbone, self.augmenter = backbone, augmenter
        self.alpha, self.n_pairs, self.n_whole_level = alpha, n_pairs, n_whole_level
        self.op_choice, self.ssa_weighting = op_choice, ssa_weighting
        self.single_sequence, self.cross_sequence, self.nonlinear = single_sequence, cross_sequence, nonlinear
        self.ssa_weight, self.csa_weight = ssa_weight, csa_weight
        self.encode_chunk_tokens = encode_chunk_tokens

    def on_epoch_start(self, epoch: int) -> None:
        self.augmenter.on_epoch_start(epoch, self.backbone.item_embedding.weight)

    def loss(self, batch: SeqBatch) -> dict[str, torch.Tensor]:
        assert batch.targets is not None and batch.negatives is not None
        x, y, neg = batch.inputs, _per_slot(batch.targets, batch.inputs), _per_slot(batch.negatives, batch.inputs)
        emb = self.backbone.item_embedding
        pad, slot, norm = x == 0, y > 0, batch.slot_norm
        b, views = x.shape[0], 2 * self.n_pairs if self.single_sequence else 0
        ex = emb(x)  # [B, L, D]
        pos, negs = emb(y)[slot], emb(neg)[slot]  # [T, D] at the target slots
        if views:  # the original and every mixed view stacked ([(1+V)·B, L, D]), encoded in row blocks
            aug = self._paired(x, views) if self.op_choice == "paired" else self.augmenter(x, views, x.shape[1])
            lam = sample_beta(self.alpha, (views, b), x.device)  # [V, B]
            mixed = embedding_mixup(ex.repeat(views, 1, 1), emb(aug.ids), lam.reshape(-1, 1, 1))
            stacked, stacked_pad = torch.cat([ex, mixed]), pad.repeat(views + 1, 1)
            states = self.backbone.encode_in_chunks(stacked, stacked_pad, self.encode_chunk_tokens)
            h, h_aug = states[:b], states[b:]
        else:
            h = self.backbone.encode(ex, pad)
        main = bce_pos_neg(h[slot], pos, negs, norm)
        out = {"main": main.detach()}
        total = main
        if views:
            ssa = self._single_sequence_loss(h_aug.view(views, *h.shape), slot, pos, negs, aug.rate, lam, norm)
            total = total + self.ssa_weight * ssa
            with torch.no_grad():
                cos = F.cosine_similarity(h_aug[:, -1], h[:, -1].repeat(views, 1), dim=-1).mean()
            out.update(ssa=ssa.detach(), cos_ssa=cos)
        if self.cross_sequence:
            csa = self._cross_sequence(h, emb(y), emb(neg), slot, norm)
            total = total + self.csa_weight * csa
            out["csa"] = csa.detach()
        return {"loss": total, **out}

    def _single_sequence_loss(
        self,
        h_aug: torch.Tensor,  # [V, B, L, D] outputs of the mixed views
        slot: torch.Tensor,  # [B, L] bool
        pos: torch.Tensor,  # [T, D]
        negs: torch.Tensor,  # [T, D]
        rate: torch.Tensor,  # [V·B] sampled operator rates
        lam: torch.Tensor,  # [V, B]
        norm: float | None,
    ) -> torch.Tensor:
        """Σ over views of the (weighted) BCE on the original targets; every view has the
        original's target slots, so the slot terms form a [V, T] matrix."""
        views, b = lam.shape
        terms = _bce_terms(h_aug[:, slot], pos, negs)  # [V, T]
        if self.ssa_weighting == "none":
            return _mean(terms, norm, dim=1).sum()
        omega = adaptive_weights(rate.view(views, b), lam.to(torch.float64)).to(terms.dtype)  # [V, B]
        if self.ssa_weighting == "code_batch_scalar":  # Σ_b ω_b × the plain loss, per view (§3.2)
            return (omega.sum(1) * _mean(terms, norm, dim=1)).sum()
        row = torch.arange(b, device=slot.device)[:, None].expand_as(slot)[slot]  # [T] row of each slot
        return _mean(terms * omega[:, row], norm, dim=1).sum()  # per sample: a row's slots weigh ω_row

    def _paired(self, x: torch.Tensor, views: int) -> AugResult:
        """Views alternating reorder (even) and substitute (odd), as the paper describes."""
        aug, lengths = self.augmenter, (x > 0).sum(1)
        single = [OperatorPool([op]) for op in aug.pool.long]  # [reorder, substitute]
        parts = [
            single[v % 2](x, lengths, aug.rng.generator, table=aug.table, max_len=aug.max_len, width=x.shape[1])
            for v in range(views)
        ]
        return AugResult(*(torch.cat([getattr(p, f.name) for p in parts]) for f in fields(AugResult)))

    def _cross_sequence(
        self,
        h: torch.Tensor,  # [B, L, D]
        pos: torch.Tensor,  # [B, L, D]
        negs: torch.Tensor,  # [B, L, D]
        slot: torch.Tensor,  # [B, L] bool, the anchor's targets
        norm: float | None,
    ) -> torch.Tensor:
        """All ``2·n_whole_level`` partner mixups at once, evaluated at the anchor's target
        slots only: Λ and the partner are gathered there (same numbers as mixing whole
        [B, L, D] tensors and masking afterwards)."""
        b, length, d = h.shape
        r = self.n_whole_level
        gen = self.augmenter.rng.generator
        perms = torch.stack([torch.randperm(b, generator=gen) for _ in range(2 * r)]).to(h.device)  # [2R, B]
        item, feat = ("item", "feature") if self.nonlinear else ("linear", "linear")
        w_item = sample_beta(self.alpha, (r, *mixup_weight_shape(item, b, length, d)), h.device)
        w_feat = sample_beta(self.alpha, (r, *mixup_weight_shape(feat, b, length, d)), h.device)
        rows, cols = slot.nonzero(as_tuple=True)  # [T]
        weight = torch.cat([_at_slots(w, rows, cols).expand(-1, -1, d) for w in (w_item, w_feat)])  # [2R, T, D]
        partner = perms[:, rows]  # [2R, T]
        mixed = [torch.lerp(t[partner, cols], t[rows, cols], weight) for t in (h, pos, negs)]  # Λ·t + (1-Λ)·t'
        return _mean(_bce_terms(*mixed), norm, dim=1).sum()


def _at_slots(w: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """Mixup weights [R, B, L or 1, D or 1] read at slots (rows, cols): [R, T, D or 1]."""
    return w[:, rows, cols if w.shape[2] > 1 else torch.zeros_like(cols)]


def _per_slot(values: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """Last-slot targets [B] (prefix samples) as per-slot [B, L] with only slot L-1 set."""
    if values.dim() == 2:
        return values
    out = torch.zeros_like(inputs)
    out[:, -1] = values
    return out


def _bce_terms(h: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:  # [T]
    return F.softplus(-(h * pos).sum(-1)) + F.softplus((h * neg).sum(-1))


def _mean(terms: torch.Tensor, norm: float | None, dim: int | None = None) -> torch.Tensor:
    """Mean over slots (over ``dim`` when given), or their sum / ``norm``."""
    if dim is None:
        return terms.mean() if norm is None else terms.sum() / norm
    return terms.mean(dim) if norm is None else terms.sum(dim) / norm


@METHODS.register("basrec", BASRecParams)
def build_basrec(params: BASRecParams, ctx: MethodContext) -> BASRec:
    backbone = ctx.make_backbone()  # per-position samples on a non-causal encoder are refused by data.samples
    rate = Uniform(params.rate_min, params.rate_max)
    own = {
        k: rate if v is None else make_rate(v)
        for k, v in (("reorder", params.reorder_rate), ("substitute", params.substitute_rate))
    }
    pool = OperatorPool(
        [
            Operator("reorder", own["reorder"], "floor", "exclude_last"),
            Operator("substitute", own["substitute"], "floor_min1"),
        ]
    )
    schedule = CorrelationSchedule(ctx.train, kind="memory", view=params.correlation_view, fallback=params.no_neighbour)
    augmenter = pool_augmenter(pool, ctx, backbone, schedule)
    return BASRec(
        backbone,
        augmenter,
        alpha=params.alpha,
        n_pairs=params.n_pairs,
        n_whole_level=params.n_whole_level,
        op_choice=params.op_choice,
        ssa_weighting=params.ssa_weighting,
        single_sequence=params.single_sequence,
        cross_sequence=params.cross_sequence,
        nonlinear=params.nonlinear,
        ssa_weight=params.ssa_weight,
        csa_weight=params.csa_weight,
    )
