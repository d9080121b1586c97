"""Contract tests run for every registered method (with default parameters, SASRec)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqaug.backbones.sasrec import SASRec
from seqaug.data.corpus import SequenceCorpus
from seqaug.data.negatives import NegativeSampler
from seqaug.data.samples import Seq2SeqSamples
from seqaug.data.split import leave_one_out
from seqaug.methods import METHODS, Method, MethodContext

NAMES = METHODS.names()
MAX_LEN = 12


def build(name: str, corpus: SequenceCorpus, seed: int = 0) -> Method:
    split = leave_one_out(corpus)
    entry = METHODS.get(name)

    def make_backbone() -> SASRec:
        return SASRec(split.num_items, MAX_LEN, hidden_size=16, num_layers=1, num_heads=1, dropout=0.1)

    torch.manual_seed(seed)
    return entry.build(
        entry.params(name=name), MethodContext(split.train, split.num_items, MAX_LEN, make_backbone, seed)
    )


def a_batch(method: Method, corpus: SequenceCorpus, size: int = 24):
    split = leave_one_out(corpus)
    negatives = NegativeSampler(split.train, split.num_items) if method.needs_negatives else None
    samples = Seq2SeqSamples(split.train, negatives, max_len=MAX_LEN, batch_size=size)
    return samples.batch(samples.users[:size], np.random.default_rng(0))


def seeded_loss(method: Method, batch) -> dict[str, torch.Tensor]:
    torch.manual_seed(123)
    return method.loss(batch)


@pytest.mark.parametrize("name", NAMES)
def test_loss_is_finite_and_reaches_the_backbone(name: str, synthetic: SequenceCorpus) -> None:
    m = build(name, synthetic).train()
    m.on_epoch_start(0)
    parts = seeded_loss(m, a_batch(m, synthetic))
    assert "loss" in parts and parts["loss"].dim() == 0
    assert all(torch.isfinite(v).all() for v in parts.values())
    parts["loss"].backward()
    grads = {n: p.grad for n, p in m.backbone.named_parameters()}
    assert grads["item_embedding.weight"] is not None and grads["item_embedding.weight"].abs().sum() > 0
    assert sum(g is not None and bool(g.abs().sum() > 0) for g in grads.values()) > len(grads) // 2


@pytest.mark.parametrize("name", NAMES)
def test_score_shape(name: str, synthetic: SequenceCorpus) -> None:
    m = build(name, synthetic).eval()
    batch = a_batch(m, synthetic, size=5)
    assert m.score(batch).shape == (5, synthetic.num_items + 2)


@pytest.mark.parametrize("name", NAMES)
def test_seeded_repeatability_and_state_round_trip(name: str, synthetic: SequenceCorpus) -> None:
    """Same seed → same loss; a state dict carries everything (e.g. an augmentation
    generator), so a copy loaded mid-training continues exactly like the original."""
    a, b = build(name, synthetic).train(), build(name, synthetic).train()
    batch = a_batch(a, synthetic)
    assert torch.equal(seeded_loss(a, batch)["loss"], seeded_loss(b, batch)["loss"])
    a.on_epoch_start(1)
    seeded_loss(a, batch)  # advance any internal random state
    c = build(name, synthetic, seed=7).train()
    c.load_state_dict(a.state_dict())
    c.on_epoch_start(1)
    assert torch.equal(seeded_loss(a, batch)["loss"], seeded_loss(c, batch)["loss"])
