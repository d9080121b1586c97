"""BASRec: weighting modes, ablation switches, views, last-slot training, resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from seqaug import experiment
from seqaug.augment.mixup import mix_with_partner, mixup_weight_shape, sample_beta
from seqaug.augment.ops import OPS
from seqaug.backbones.sasrec import SASRec
from seqaug.config import validate
from seqaug.data.corpus import SequenceCorpus
from seqaug.data.split import leave_one_out
from seqaug.errors import ConfigError
from seqaug.methods import METHODS, MethodContext
from seqaug.methods import basrec as basrec_mod
from seqaug.methods.losses import bce_pos_neg
from tests.conftest import tiny_config
from tests.methods.test_contract import a_batch
from tests.train.test_trainer import assert_resume_matches


def make(corpus: SequenceCorpus, **params) -> basrec_mod.BASRec:
    split = leave_one_out(corpus)
    entry = METHODS.get("basrec")

    def backbone() -> SASRec:
        return SASRec(split.num_items, 12, hidden_size=16, num_layers=1, num_heads=1, dropout=0.0)

    torch.manual_seed(0)
    m = entry.build(entry.params(name="basrec", **params), MethodContext(split.train, split.num_items, 12, backbone, 0))
    m.on_epoch_start(0)
    return m.train()


def seeded(m, batch):
    torch.manual_seed(5)
    m.augmenter.rng.generator.manual_seed(9)
    return m.loss(batch)


def test_weighting_modes_differ_only_by_the_weights(synthetic: SequenceCorpus, monkeypatch) -> None:
    """With ω ≡ 1, the code's batch-scalar mode is B × the unweighted loss and per-sample
    weighting equals it; with real ω the three modes differ."""
    m = make(synthetic, single_sequence=True, cross_sequence=False, n_pairs=2)
    batch = a_batch(m, synthetic, size=16)
    real = {mode: seeded(_with(m, mode), batch)["ssa"] for mode in ("code_batch_scalar", "per_sample", "none")}
    assert len({round(float(v), 6) for v in real.values()}) == 3
    monkeypatch.setattr(basrec_mod, "adaptive_weights", lambda rate, lam: torch.ones_like(rate))
    ones = {mode: seeded(_with(m, mode), batch)["ssa"] for mode in ("code_batch_scalar", "per_sample", "none")}
    assert torch.allclose(ones["code_batch_scalar"], 16 * ones["none"])
    assert torch.allclose(ones["per_sample"], ones["none"])
    assert torch.allclose(ones["none"], real["none"])


def test_stacked_views_encoded_in_blocks_give_the_same_losses(synthetic: SequenceCorpus) -> None:
    """Dropout 0: encoding original + views in blocks of a few rows changes nothing."""
    m = make(synthetic, n_pairs=2, n_whole_level=2)
    batch = a_batch(m, synthetic, size=16)
    m.encode_chunk_tokens = 0
    whole = seeded(m, batch)
    m.encode_chunk_tokens = 3 * batch.inputs.shape[1]  # 3 rows per encoder call: 27 calls for 80 rows
    blocks = seeded(m, batch)
    for key in ("loss", "main", "ssa", "csa"):
        assert torch.allclose(blocks[key], whole[key], rtol=1e-5), key


def _with(m, mode):
    m.ssa_weighting = mode
    return m


def test_ablation_switches(synthetic: SequenceCorpus) -> None:
    batch = None
    for single, cross in [(True, True), (False, True), (True, False), (False, False)]:
        m = make(synthetic, single_sequence=single, cross_sequence=cross)
        batch = batch or a_batch(m, synthetic, size=16)
        parts = seeded(m, batch)
        assert ("ssa" in parts) == single and ("csa" in parts) == cross
        if not single and not cross:
            assert torch.allclose(parts["loss"], parts["main"])


def test_views_are_aligned_reorder_or_substitute_with_sampled_rates(synthetic: SequenceCorpus) -> None:
    m = make(synthetic, rate_min=0.3, rate_max=0.6, n_pairs=2)
    x = a_batch(m, synthetic, size=32).inputs
    aug = m.augmenter(x, 4, x.shape[1])
    assert aug.ids.shape == (128, x.shape[1]) and aug.aligned.all()
    assert ((aug.rate >= 0.3) & (aug.rate <= 0.6)).all()
    assert torch.equal(aug.ids == 0, (x == 0).repeat(4, 1))  # padding stays where it was
    paired = m._paired(x, 4)
    names = torch.tensor([2, 3, 2, 3]).repeat_interleave(32)  # OPS index: reorder 2, substitute 3
    assert torch.equal(paired.op, names)
    reordered = paired.ids[:32]
    assert torch.equal(reordered.sort(1).values, x.sort(1).values)  # a permutation of each row


def test_each_operator_may_have_its_own_rate(synthetic: SequenceCorpus) -> None:
    """``reorder_rate`` / ``substitute_rate`` replace U(rate_min, rate_max) for that operator
    (the released Yelp log: fixed 0.3 and 0.2); the other keeps the shared range."""
    m = make(synthetic, rate_min=0.5, rate_max=0.6, reorder_rate=0.3, substitute_rate=[0.1, 0.2])
    x = a_batch(m, synthetic, size=32).inputs
    aug = m.augmenter(x, 4, x.shape[1])
    reorder, substitute = aug.op == OPS.index("reorder"), aug.op == OPS.index("substitute")
    assert reorder.any() and substitute.any() and (reorder | substitute).all()
    assert (aug.rate[reorder] == 0.3).all()
    assert ((aug.rate[substitute] >= 0.1) & (aug.rate[substitute] <= 0.2)).all()
    only = make(synthetic, rate_min=0.5, rate_max=0.6, substitute_rate=0.2)
    aug = only.augmenter(x, 4, x.shape[1])
    shared = aug.rate[aug.op == OPS.index("reorder")]
    assert ((shared >= 0.5) & (shared <= 0.6)).all()
    with pytest.raises(ValueError, match="a rate is a number in"):
        METHODS.get("basrec").params(name="basrec", reorder_rate=1.5)


@pytest.mark.parametrize("nonlinear", [True, False])
def test_cross_sequence_equals_whole_tensor_mixups(synthetic: SequenceCorpus, nonlinear: bool) -> None:
    """The stacked, slot-gathered implementation gives the numbers of the definition: mix
    whole [B, L, D] tensors with a permuted partner (item-wise Λ [B, L, 1], feature-wise
    [B, 1, D], or one λ per row without nonlinearity), mask with the anchor's targets."""
    m = make(synthetic, single_sequence=False, nonlinear=nonlinear, n_whole_level=2)
    batch = a_batch(m, synthetic, size=12)
    torch.manual_seed(0)
    h, pos, neg = (torch.randn(12, batch.inputs.shape[1], 16) for _ in range(3))
    slot = batch.targets > 0
    m.augmenter.rng.generator.manual_seed(3)
    torch.manual_seed(4)
    got = m._cross_sequence(h, pos, neg, slot, None)
    m.augmenter.rng.generator.manual_seed(3)
    torch.manual_seed(4)
    perms = [torch.randperm(12, generator=m.augmenter.rng.generator) for _ in range(4)]
    b, length, d = h.shape
    kinds = ("item", "feature") if nonlinear else ("linear", "linear")
    w_item = sample_beta(0.3, (2, *mixup_weight_shape(kinds[0], b, length, d)))
    w_feat = sample_beta(0.3, (2, *mixup_weight_shape(kinds[1], b, length, d)))
    want = torch.zeros(())
    for perm, w in zip(perms, [w_item[0], w_item[1], w_feat[0], w_feat[1]]):
        hm, pm, nm = mix_with_partner([h, pos, neg], w, perm)
        want = want + bce_pos_neg(hm[slot], pm[slot], nm[slot])
    assert torch.allclose(got, want, atol=1e-5)


def test_last_slot_targets(synthetic: SequenceCorpus) -> None:
    m = make(synthetic)
    batch = a_batch(m, synthetic, size=8)
    batch.targets, batch.negatives = batch.targets[:, -1], batch.negatives[:, -1]
    parts = seeded(m, batch)
    assert torch.isfinite(parts["loss"])
    per_slot = basrec_mod._per_slot(batch.targets, batch.inputs)
    assert (per_slot[:, :-1] == 0).all() and torch.equal(per_slot[:, -1], batch.targets)


def test_non_causal_backbone_needs_last_slot_samples(synthetic_file: Path) -> None:
    """FMLP-Rec's global filter with BASRec: per-position samples are refused, prefix accepted."""
    base = tiny_config(synthetic_file, method={"name": "basrec"})
    base["backbone"] = {"name": "fmlprec", "hidden_size": 16, "num_layers": 1}
    cfg = validate({**base, "data": {**base["data"], "samples": {"name": "seq2seq"}}})
    split = experiment.load_split(cfg)
    with pytest.raises(ConfigError, match="leaks the target into the non-causal backbone 'fmlprec'"):
        experiment.resolve_construction(cfg, split, experiment.build_method(cfg, split))
    cfg = validate({**base, "data": {**base["data"], "samples": {"name": "prefix"}}})
    method = experiment.build_method(cfg, split)
    assert experiment.resolve_construction(cfg, split, method).name == "prefix"


def test_rate_range_is_validated() -> None:
    with pytest.raises(ValueError, match="rate_min 0.8 > rate_max 0.5"):
        METHODS.get("basrec").params(name="basrec", rate_min=0.8, rate_max=0.5)


def test_two_stage_resume_matches(synthetic_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tiny_config(
        synthetic_file,
        method={"name": "basrec", "n_pairs": 2},
        train={"epochs": 4},
        pretrain={"method": {"name": "next_item"}, "train": {"epochs": 2}},
    )
    assert_resume_matches(cfg, tmp_path, monkeypatch, epoch=2)
