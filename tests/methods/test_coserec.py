"""CoSeRec end to end: exact resume with its own generator, the correlation switch, views."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from seqaug.backbones.sasrec import SASRec
from seqaug.data.corpus import SequenceCorpus
from seqaug.data.split import leave_one_out
from seqaug.errors import ConfigError
from seqaug.methods import METHODS, MethodContext
from tests.conftest import tiny_config
from tests.methods.test_contract import a_batch, build
from tests.train.test_trainer import assert_resume_matches

COSEREC = {"name": "coserec", "warmup_epochs": 1, "short_threshold": 6}


def test_resume_after_interrupt_matches_uninterrupted(
    synthetic_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed in epoch 3 (hybrid correlation since epoch 2), resumed from last.pt: the
    augmentation generator travels in the state dict, tables are rebuilt, metrics match."""
    cfg = tiny_config(synthetic_file, method=COSEREC, train={"epochs": 4}, backbone={"dropout": 0.3})
    assert_resume_matches(cfg, tmp_path, monkeypatch, epoch=3)


def test_views_keep_the_input_width_or_pad_to_the_batch_or_max_len(synthetic: SequenceCorpus) -> None:
    m = build("coserec", synthetic)
    assert m.view_width == "input"  # the default
    batch = a_batch(m, synthetic)
    views = m.views(batch.inputs)
    assert views.ids.shape == (2 * batch.size, batch.inputs.shape[1])
    v1, v2 = views.ids.chunk(2)
    assert not torch.equal(v1, v2)
    m.view_width = "max_len"
    assert m.views(batch.inputs).ids.shape[1] == m.augmenter.max_len == 12
    m.view_width = "batch"
    narrow = batch.inputs[:, -6:]  # a bucketed batch narrower than max_len
    wide = m.augmenter.width(6)
    assert 6 < wide <= m.augmenter.max_len  # insert may lengthen a view up to max_len
    assert m.views(narrow).ids.shape[1] == wide
    m.view_width = "input"
    assert m.views(narrow).ids.shape[1] == 6


def test_hybrid_table_after_warmup(synthetic: SequenceCorpus) -> None:
    m = build("coserec", synthetic)
    m.augmenter.correlation.warmup = 0
    m.on_epoch_start(0)
    memory = m.augmenter.table.neighbour.clone()
    with torch.no_grad():
        m.backbone.item_embedding.weight.mul_(50.0)  # embedding scores dominate after min-max
    m.on_epoch_start(1)
    assert not torch.equal(m.augmenter.table.neighbour, memory)


def test_non_causal_backbone_is_refused(synthetic: SequenceCorpus) -> None:
    class Bidirectional(SASRec):
        causal = False

    split = leave_one_out(synthetic)
    ctx = MethodContext(split.train, split.num_items, 10, lambda: Bidirectional(split.num_items, 10), 0)
    for name in ("coserec", "cl4srec", "cmr", "cmrsi"):
        entry = METHODS.get(name)
        with pytest.raises(ConfigError, match=f"method '{name}' needs a causal backbone"):
            entry.build(entry.params(name=name), ctx)


@pytest.mark.parametrize("name", ["coserec", "cl4srec"])
def test_view_similarity_is_logged(name: str, synthetic: SequenceCorpus) -> None:
    """``cos_views``: mean cosine similarity of each view's last-slot output with the
    original's (BASRec Table 6), computed from the very views the loss used."""
    m = build(name, synthetic).eval()  # no dropout: outputs are functions of the ids
    batch = a_batch(m, synthetic)
    gen = m.augmenter.rng.generator
    state = gen.get_state()
    cos = m.loss(batch)["cos_views"]
    gen.set_state(state)
    with torch.no_grad():
        h = m.backbone(batch.inputs)[:, -1]  # [B, D]
        z = m.backbone(m.views(batch.inputs).ids)[:, -1]  # [2B, D]
    expected = torch.nn.functional.cosine_similarity(z, h.repeat(2, 1), dim=-1).mean()
    assert not cos.requires_grad
    assert float(cos) == pytest.approx(float(expected), abs=1e-6)
    assert float(cos) < 0.999  # the views differ from the input


@pytest.mark.parametrize("name", ["coserec", "cl4srec"])
def test_views_encoded_in_blocks_give_the_same_losses(name: str, synthetic: SequenceCorpus) -> None:
    """No dropout: encoding the 2B views in blocks of 2 rows changes neither loss."""
    m = build(name, synthetic).eval()
    batch = a_batch(m, synthetic)
    gen = m.augmenter.rng.generator
    state = gen.get_state()
    m.encode_chunk_tokens = 0
    whole = m.loss(batch)
    gen.set_state(state)
    m.encode_chunk_tokens = 2 * batch.inputs.shape[1]  # input width: 2 rows per encoder call
    blocks = m.loss(batch)
    for key in ("loss", "rec", "cl"):
        assert torch.allclose(blocks[key], whole[key], rtol=1e-5), key
