"""Contract tests run for every registered backbone."""

from __future__ import annotations

import pytest
import torch

from seqaug.backbones import BACKBONES
from seqaug.backbones.base import Backbone

NUM_ITEMS, MAX_LEN, D = 40, 12, 16
NAMES = BACKBONES.names()


def make(name: str, **kw) -> Backbone:
    entry = BACKBONES.get(name)
    params = entry.params(name=name, hidden_size=D, **kw)
    torch.manual_seed(0)
    return entry.build(params, num_items=NUM_ITEMS, max_len=MAX_LEN).eval()


def ids(batch: int = 3, length: int = 7, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(1, NUM_ITEMS + 1, (batch, length), generator=g)
    x[1, :3] = 0  # left padding
    x[2, :5] = 0
    return x


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_embedding(name: str) -> None:
    m = make(name)
    assert m.item_embedding.num_embeddings == NUM_ITEMS + 2
    assert torch.all(m.item_embedding.weight[0] == 0)
    out = m(ids())
    assert out.shape == (3, 7, D) and torch.isfinite(out).all()
    emb = m.item_embedding(ids())
    assert torch.allclose(m.encode(emb, ids() == 0), out)


@pytest.mark.parametrize("name", NAMES)
def test_padding_width_does_not_change_last_slot(name: str) -> None:
    m = make(name)
    x = ids()
    wider = torch.cat([torch.zeros(3, 4, dtype=torch.long), x], dim=1)
    assert torch.allclose(m(x)[:, -1], m(wider)[:, -1], atol=1e-5)


@pytest.mark.parametrize("name", [n for n in NAMES if make(n).causal])
def test_causal_backbones_ignore_the_future(name: str) -> None:
    m = make(name)
    x = ids(length=8)
    y = x.clone()
    y[:, 5:] = torch.randint(1, NUM_ITEMS + 1, (3, 3))
    real = (x[:, :5] > 0).unsqueeze(-1)  # padded slots are not positions of the sequence
    assert torch.allclose(m(x)[:, :5] * real, m(y)[:, :5] * real, atol=1e-5)
    assert not torch.allclose(m(x)[:, 5:], m(y)[:, 5:])


@pytest.mark.parametrize("name", NAMES)
def test_gradients_reach_every_parameter(name: str) -> None:
    m = make(name).train()
    out = m(ids(length=MAX_LEN))
    out.pow(2).sum().backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None or not torch.any(p.grad != 0)]
    assert not missing, missing


@pytest.mark.parametrize("name", NAMES)
def test_width_over_max_len_is_an_error(name: str) -> None:
    with pytest.raises(ValueError, match="exceeds max_len"):
        make(name)(ids(length=MAX_LEN + 1))


@pytest.mark.parametrize("name", NAMES)
def test_attn_mask_capability_is_honest(name: str) -> None:
    m = make(name)
    x = ids()
    mask = torch.ones(7, 7, dtype=torch.bool).tril()
    if m.supports_attn_mask:
        # Passing the causal mask explicitly equals the default causal behaviour.
        assert torch.allclose(m.encode(m.item_embedding(x), x == 0, mask), m(x), atol=1e-6)
    else:
        with pytest.raises(ValueError, match="does not take an attention mask"):
            m.encode(m.item_embedding(x), x == 0, mask)
