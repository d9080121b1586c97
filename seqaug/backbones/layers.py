"""Shared blocks: fast dropout, right-aligned positions, attention, Transformer layers
(post-LN S3Rec and pre-LN Kang flavours)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

MASK_BIAS = -10000.0  # additive bias of blocked keys (fully blocked rows stay finite)


class _BitDropout(torch.autograd.Function):
    """Inverted dropout whose keep mask comes from 15-bit slices of 64-bit random words.

    ``F.dropout`` on CPU spends most of its time in ``bernoulli_`` (one 32-bit draw per
    element); this draws one 64-bit word per 4 elements, ~5x faster. ``p`` is resolved
    to 1/32768.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, p: float) -> torch.Tensor:  # type: ignore[override]
        n = x.numel()
        words = torch.empty((n + 3) // 4, dtype=torch.int64, device=x.device).random_()
        bits = words.view(torch.int16)[:n].view(x.shape).bitwise_and_(0x7FFF)
        keep = bits.ge_(round(p * 32768)).to(x.dtype).mul_(1.0 / (1.0 - p))
        ctx.save_for_backward(keep)
        return x * keep

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:  # type: ignore[override]
        (keep,) = ctx.saved_tensors
        return grad * keep, None


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Dropout; on CPU the fast bit-sliced variant, elsewhere ``F.dropout``."""
    if not training or p == 0.0:
        return x
    if x.device.type == "cpu" and 0.0 < p < 1.0:
        return _BitDropout.apply(x, p)
    return F.dropout(x, p, True)


class Dropout(nn.Module):
    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training)


class RightAlignedPositions(nn.Module):
    """Learned absolute positions indexed from the right: the last slot of any batch
    width gets position ``max_len - 1``, so padding width never changes outputs."""

    def __init__(self, max_len: int, hidden_size: int) -> None:
        super().__init__()
        self.max_len = max_len
        self.embedding = nn.Embedding(max_len, hidden_size)

    def forward(self, length: int) -> torch.Tensor:  # [L, D]
        if length > self.max_len:
            raise ValueError(f"sequence width {length} exceeds max_len {self.max_len}")
        return self.embedding.weight[self.max_len - length :]


def attention_bias(
    pad_mask: torch.Tensor, causal: bool, attn_mask: torch.Tensor | None, dtype: torch.dtype
) -> torch.Tensor:
    """Additive bias [B, 1 or H, L, L]: 0 where a query may attend, ``MASK_BIAS`` elsewhere.

    Padded keys are always blocked. ``attn_mask`` (bool, True = allowed, broadcastable to
    [B, H, L, L]) replaces the causal rule when given.
    """
    length = pad_mask.shape[1]
    allowed = ~pad_mask[:, None, None, :]
    if attn_mask is not None:
        allowed = allowed & attn_mask
    elif causal:
        tril = torch.ones(length, length, dtype=torch.bool, device=pad_mask.device).tril_()
        allowed = allowed & tril
    return (allowed.to(dtype) - 1.0) * -MASK_BIAS


class MultiHeadAttention(nn.Module):
    """Self-attention with one fused QKV projection and ``scaled_dot_product_attention``."""

    def __init__(self, hidden_size: int, num_heads: int, attn_dropout: float) -> None:
        super().__init__()
        if hidden_size % num_heads:
            raise ValueError(f"hidden_size {hidden_size} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.attn_dropout = attn_dropout
        self.qkv = nn.Linear(hidden_size, 3 * hidden_size)
        self.out = nn.Linear(hidden_size, hidden_size)

    def forward(
        self, query: torch.Tensor, key_value: torch.Tensor, bias: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns (projected output [B, L, D], per-head context [B, L, H, D/H])."""
        b, length, d = query.shape
        h = self.num_heads
        if query is key_value:
            q, k, v = self.qkv(query).view(b, length, 3, h, d // h).permute(2, 0, 3, 1, 4)
        else:
            w_q, w_kv = self.qkv.weight.split([d, 2 * d])
            b_q, b_kv = self.qkv.bias.split([d, 2 * d])
            q = F.linear(query, w_q, b_q).view(b, length, h, d // h).transpose(1, 2)
            k, v = F.linear(key_value, w_kv, b_kv).view(b, length, 2, h, d // h).permute(2, 0, 3, 1, 4)
        p = self.attn_dropout if self.training else 0.0
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=p)
        ctx = ctx.transpose(1, 2)  # [B, L, H, D/H]
        return self.out(ctx.reshape(b, length, d)), ctx


class PostLNBlock(nn.Module):
    """S3Rec/CoSeRec/BASRec Transformer layer: attention → dropout → residual+LN;
    FFN (D → inner, GELU, → D) → dropout → residual+LN."""

    def __init__(
        self, hidden_size: int, num_heads: int, inner_size: int, dropout: float, attn_dropout: float, eps: float
    ) -> None:
        super().__init__()
        self.attn = MultiHeadAttention(hidden_size, num_heads, attn_dropout)
        self.ln_attn = nn.LayerNorm(hidden_size, eps=eps)
        self.ff_in = nn.Linear(hidden_size, inner_size)
        self.ff_out = nn.Linear(inner_size, hidden_size)
        self.ln_ff = nn.LayerNorm(hidden_size, eps=eps)
        self.p = dropout

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a, ctx = self.attn(x, x, bias)
        x = self.ln_attn(x + dropout(a, self.p, self.training))
        f = self.ff_out(F.gelu(self.ff_in(x)))
        return self.ln_ff(x + dropout(f, self.p, self.training)), ctx


class PreLNBlock(nn.Module):
    """SASRec layer as Kang & McAuley's code (ICDM 2018; ASReP/BiCAT lineage): ``q = LN(x)``,
    ``x = q + MHA(q, x, x)``; ``y = LN(x)``, ``x = y + FFN(y)`` with a point-wise ReLU FFN
    (linear → ReLU → dropout → linear → dropout). Dropout on attention weights, none on
    the attention output (as the reference); our MHA keeps an output projection."""

    def __init__(self, hidden_size: int, num_heads: int, inner_size: int, dropout: float, attn_dropout: float) -> None:
        super().__init__()
        self.ln_attn = nn.LayerNorm(hidden_size, eps=1e-8)
        self.attn = MultiHeadAttention(hidden_size, num_heads, attn_dropout)
        self.ln_ff = nn.LayerNorm(hidden_size, eps=1e-8)
        self.ff_in = nn.Linear(hidden_size, inner_size)
        self.ff_out = nn.Linear(inner_size, hidden_size)
        self.p = dropout

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        q = self.ln_attn(x)
        a, ctx = self.attn(q, x, bias)
        y = self.ln_ff(q + a)
        f = self.ff_out(dropout(F.relu(self.ff_in(y)), self.p, self.training))
        return y + dropout(f, self.p, self.training), ctx


def init_normal(module: nn.Module, std: float) -> None:
    """N(0, std) for Linear/Embedding weights, zero biases, unit LayerNorm (S3Rec init)."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, std)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def zero_padding_row(embedding: nn.Embedding) -> None:
    with torch.no_grad():
        embedding.weight[0].zero_()
