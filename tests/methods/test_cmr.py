"""CMR/CMRSI augmented copies: which slots become targets, and which negatives they get."""

from __future__ import annotations

import torch

from seqaug.augment.augmenter import OnlineAugmenter
from seqaug.augment.pool import Operator, OperatorPool
from seqaug.augment.rates import Fixed
from seqaug.backbones.sasrec import SASRec
from seqaug.data.batching import SeqBatch
from seqaug.methods.cmr import AugmentedCopies

N = 30


def method(op: Operator) -> AugmentedCopies:
    backbone = SASRec(N, 10, hidden_size=8, num_layers=1, num_heads=1)
    return AugmentedCopies(backbone, N, OnlineAugmenter(OperatorPool([op]), max_len=10, seed=0))


def batch() -> SeqBatch:
    seqs = [[1, 2, 3, 4, 5, 6, 7], [8, 9, 10], [11, 12, 13, 14, 15, 16, 17, 18]]  # s[:-2] per user
    width = max(len(s) for s in seqs) - 1
    pad = lambda r: [0] * (width - len(r)) + r  # noqa: E731
    inputs = torch.tensor([pad(s[:-1]) for s in seqs])
    targets = torch.tensor([pad(s[1:]) for s in seqs])
    negatives = torch.where(targets > 0, targets + 10, 0)  # recognisable per row, still item ids
    return SeqBatch(users=torch.arange(3), inputs=inputs, targets=targets, negatives=negatives)


def test_copy_is_augmented_input_plus_the_original_final_target() -> None:
    b = batch()
    for token in (0, N + 1):
        m = method(Operator("mask", Fixed(0.5), "floor", token=token))
        copy = m.copies(b)
        x, nxt = copy.inputs[:, :-1], copy.inputs[:, 1:]
        valid = (x > 0) & (nxt > 0) & (nxt != N + 1)
        assert valid.any() and (copy.inputs == token).any()
        assert torch.equal(copy.targets[:, :-1], torch.where(valid, nxt, 0)), "slot t predicts the item in slot t+1"
        assert not ((copy.targets == 0) | (copy.targets <= N)).logical_not().any(), "masked items are never targets"
        assert not (copy.targets[copy.inputs == 0] > 0).any(), "no target at a padding-id input slot"
        last_real = copy.inputs[:, -1] > 0
        assert torch.equal(copy.targets[last_real, -1], b.targets[last_real, -1])
        row_negs = [set(r[r > 0].tolist()) for r in b.negatives]
        for r in range(3):
            got = copy.negatives[r][copy.targets[r] > 0].tolist()
            assert set(got) <= row_negs[r], "a copy reuses its own row's negatives"
        assert (copy.negatives[copy.targets > 0] > 10).all() and not copy.negatives[copy.targets == 0].any()


def test_insert_copies_are_longer_and_fully_supervised() -> None:
    class Shift:
        def lookup(self, ids, generator):
            return torch.where(ids > 0, ids + 1, ids)

    m = method(Operator("crop", Fixed(0.5), "floor_min1"))
    m.augmenter.pool = OperatorPool([Operator("insert", Fixed(0.5), "floor_min1")])
    m.augmenter.table = Shift()
    b = batch()
    copy = m.copies(b)
    n = (b.inputs > 0).sum(1)
    assert torch.equal((copy.inputs > 0).sum(1), n + torch.clamp((0.5 * n).floor().long(), min=1))
    assert torch.equal((copy.targets > 0).sum(1), (copy.inputs > 0).sum(1))
    assert (copy.negatives[copy.targets > 0] > 10).all()
    parts = m.loss(b)
    assert torch.isfinite(parts["loss"])
