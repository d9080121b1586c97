"""Contract tests run for every registered backbone and its variants."""

from __future__ import annotations

import pytest
import torch

from seqaug.backbones import BACKBONES
from seqaug.backbones.base import Backbone
from seqaug.data.constructions import SAMPLES, AutoSamplesParams, Seq2SeqParams, check_construction, resolve_samples
from seqaug.errors import ConfigError

NUM_ITEMS, MAX_LEN, D = 40, 12, 16
# Non-default variants that change the computation; every registered name is covered too.
EXTRA = {
    "sasrec": [{"flavour": "kang"}],
    "bert4rec": [{"flavour": "kang"}],
    "fmlprec": [{"filter": "causal"}, {"padding": "reference"}, {"filter": "causal", "padding": "reference"}],
}
VARIANTS = [(n, {}) for n in BACKBONES.names()] + [(n, kw) for n, kws in EXTRA.items() for kw in kws]
IDS = [n + "".join(f"-{v}" for v in kw.values()) for n, kw in VARIANTS]


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


def change_future(x: torch.Tensor, start: int) -> torch.Tensor:
    y = x.clone()
    y[:, start:] = torch.randint(1, NUM_ITEMS + 1, (x.shape[0], x.shape[1] - start))
    return y


variants = pytest.mark.parametrize(("name", "kw"), VARIANTS, ids=IDS)


@variants
def test_shapes_and_embedding(name: str, kw: dict) -> None:
    m = make(name, **kw)
    assert m.item_embedding.num_embeddings == NUM_ITEMS + 2
    assert torch.all(m.item_embedding.weight[0] == 0)
    out = m(ids())
    assert out.shape == (3, 7, D) and torch.isfinite(out).all()
    emb = m.item_embedding(ids())
    assert torch.allclose(m.encode(emb, ids() == 0), out)


@variants
def test_padding_width_does_not_change_real_slots(name: str, kw: dict) -> None:
    m = make(name, **kw)
    x = ids()
    wider = torch.cat([torch.zeros(3, 4, dtype=torch.long), x], dim=1)
    real = (x > 0).unsqueeze(-1)
    assert torch.allclose(m(x)[:, -1], m(wider)[:, -1], atol=1e-5)
    assert torch.allclose(m(x) * real, m(wider)[:, 4:] * real, atol=1e-5)


@variants
def test_causality_flag_is_honest(name: str, kw: dict) -> None:
    """Causal: changing a future item never changes a past real slot. Non-causal: it does."""
    m = make(name, **kw)
    x = ids(length=8)
    y = change_future(x, 5)
    real = (x[:, :5] > 0).unsqueeze(-1)  # padded slots are not positions of the sequence
    past_same = torch.allclose(m(x)[:, :5] * real, m(y)[:, :5] * real, atol=1e-5)
    assert past_same == m.causal
    assert not torch.allclose(m(x)[:, 5:], m(y)[:, 5:])


@variants
def test_gradients_reach_every_parameter(name: str, kw: dict) -> None:
    m = make(name, **kw).train()
    out = m(ids(length=MAX_LEN))
    out.pow(2).sum().backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None or not torch.any(p.grad != 0)]
    assert not missing, missing


@variants
def test_embedding_override_reaches_the_output(name: str, kw: dict) -> None:
    """``encode(inputs_embeds=...)`` (BASRec mixup) uses the given embeddings, not the ids."""
    m = make(name, **kw)
    x = ids()
    emb = m.item_embedding(x)
    mixed = 0.5 * emb + 0.5 * m.item_embedding(ids(seed=1))
    assert not torch.allclose(m.encode(mixed, x == 0)[:, -1], m(x)[:, -1])


@variants
def test_encoding_in_row_blocks_equals_one_call(name: str, kw: dict) -> None:
    """``encode_in_chunks`` (BASRec's stacked views) gives the rows of one ``encode`` call,
    with its gradients: rows never interact inside an encoder."""
    m = make(name, **kw)
    x = torch.cat([ids(seed=s) for s in range(3)])  # [9, 7]
    emb = m.item_embedding(x).detach().requires_grad_()
    whole = m.encode(emb, x == 0)
    r = torch.randn(whole.shape, generator=torch.Generator().manual_seed(0))  # not LayerNorm-invariant like Σ h²
    (grad_whole,) = torch.autograd.grad((whole * r).sum(), emb)
    for max_tokens in (7, 15, 21, 0):  # 1, 2 and 3 rows per block, then one call
        blocks = m.encode_in_chunks(emb, x == 0, max_tokens)
        assert torch.allclose(blocks, whole, atol=1e-5)
        (grad_blocks,) = torch.autograd.grad((blocks * r).sum(), emb)
        assert torch.allclose(grad_blocks, grad_whole, rtol=1e-4, atol=1e-4)


def test_row_blocks_on_cpu_only() -> None:
    """Blocks are a CPU speed-up; on other devices (here ``meta``) the stack is one call."""
    m = make("sasrec")
    calls: list[int] = []
    m.encode = lambda e, p: calls.append(e.shape[0]) or e  # type: ignore[method-assign]
    m.encode_in_chunks(torch.zeros(9, 7, D), torch.zeros(9, 7, dtype=torch.bool), 14)
    assert calls == [2, 2, 2, 2, 1]
    calls.clear()
    m.encode_in_chunks(torch.zeros(9, 7, D, device="meta"), torch.zeros(9, 7, dtype=torch.bool, device="meta"), 14)
    assert calls == [9]


@variants
def test_width_over_max_len_is_an_error(name: str, kw: dict) -> None:
    with pytest.raises(ValueError, match="exceeds max_len"):
        make(name, **kw)(ids(length=MAX_LEN + 1))


@variants
def test_attn_mask_capability_is_honest(name: str, kw: dict) -> None:
    m = make(name, **kw)
    x = ids(length=8)
    emb, pad = m.item_embedding(x), x == 0
    causal = torch.ones(8, 8, dtype=torch.bool).tril()
    if not m.supports_attn_mask:
        with pytest.raises(ValueError, match="does not take an attention mask"):
            m.encode(emb, pad, causal)
        return
    # The default rule given explicitly changes nothing; the mask replaces the default rule.
    default = causal if m.causal else torch.ones(8, 8, dtype=torch.bool)
    assert torch.allclose(m.encode(emb, pad, default), m(x), atol=1e-6)
    y = change_future(x, 5)
    real = (x[:, :5] > 0).unsqueeze(-1)
    a, b = m.encode(emb, pad, causal), m.encode(m.item_embedding(y), pad, causal)
    assert torch.allclose(a[:, :5] * real, b[:, :5] * real, atol=1e-5)


@variants
def test_head_states_capability_is_honest(name: str, kw: dict) -> None:
    m = make(name, **kw)
    x = ids()
    if not m.supports_head_states:
        with pytest.raises(ValueError, match="no per-head states"):
            m.encode(m.item_embedding(x), x == 0, return_head_states=True)
        return
    hidden, heads = m.encode(m.item_embedding(x), x == 0, return_head_states=True)
    assert torch.allclose(hidden, m(x))
    assert m.num_heads and len(heads) >= 1
    assert all(h.shape == (3, 7, m.num_heads, D // m.num_heads) for h in heads)


@variants
def test_preferred_samples_are_accepted_and_leaky_ones_refused(name: str, kw: dict) -> None:
    """``data.samples: auto`` never picks a construction the checks refuse; per-position
    seq2seq is refused exactly for non-causal encoders."""
    m = make(name, **kw)
    flags = dict(backbone=name, causal=m.causal, mask_token=m.predict_with_mask_token, method="next_item")
    accepted = list(SAMPLES.names())
    check_construction(resolve_samples(AutoSamplesParams(), m.preferred_samples), accepted=accepted, **flags)
    if m.causal and not m.predict_with_mask_token:
        check_construction(Seq2SeqParams(), accepted=accepted, **flags)
    else:
        with pytest.raises(ConfigError, match="data.samples: 'seq2seq'"):
            check_construction(Seq2SeqParams(), accepted=accepted, **flags)
