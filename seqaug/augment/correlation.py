"""Item correlation for the informative operators (CoSeRec, Liu et al. 2021, §4.2;
methods.md §2.3), reduced to what the operators need: the top-1 neighbour of every item,
its min-max normalised score, and the global min/max.

- Memory-based ItemCF-IUF (Eq. 9), ``Σ_{u ∈ N(i) ∩ N(j)} 1/log(1 + |N(u)|) / sqrt(|N(i)| |N(j)|)``,
  as sparse products ``Xᵀ W X`` in row blocks (never a Python dict over pairs); fitted on a
  train-view corpus only (the caller passes ``s[:-3]`` or ``s[:-2]``).
- Model-based (Eq. 10): dot products of the live item-embedding table, chunked matmuls.
- Hybrid (Eq. 11): the max of the two min-max normalised scores at the top-1 level, as the
  reference does.

Where we differ from the reference: ties go to the smallest item id (the reference keeps
dict insertion order); an item without any co-occurrence falls back to a random item drawn
at lookup time from the items of the train view (reference: from all items) or to itself;
the model-based top-1 only considers train-view items by default, never the padding or
mask rows, so no table can produce an item that only occurs in held-out positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
import torch

from seqaug.data.corpus import SequenceCorpus, segment_rows

Fallback = Literal["random", "self"]
MinMax = Literal["all_pairs", "off_diagonal"]


@dataclass
class Top1:
    """Raw top-1 neighbour per id [N+2] (-1: none) with its raw score, and the global score
    range used for min-max normalisation."""

    neighbour: torch.Tensor  # int64 [N+2]
    score: torch.Tensor  # float64 [N+2], NaN where there is no neighbour
    low: float
    high: float

    def normalised(self) -> torch.Tensor:  # float64 [N+2], -inf where there is no neighbour
        span = self.high - self.low
        norm = (self.score - self.low) / span if span > 0 else torch.ones_like(self.score)
        return torch.where(self.neighbour >= 0, norm, -torch.inf)


def itemcf_iuf(view: SequenceCorpus, num_items: int, block_size: int = 2048) -> Top1:
    """ItemCF-IUF top-1 per item from ``view`` (a train-view corpus), with the min/max over
    all stored (co-occurring, off-diagonal) pairs."""
    n_ids = num_items + 2
    rows = segment_rows(view.offsets[:-1], view.offsets[1:])
    x = sp.csr_matrix((np.ones(len(rows)), (rows, view.items)), shape=(view.num_users, n_ids))
    x.sum_duplicates()
    x.data[:] = 1.0  # N(u): distinct items
    per_user = np.diff(x.indptr)
    weight = np.zeros(view.num_users)
    weight[per_user > 0] = 1.0 / np.log1p(per_user[per_user > 0])
    per_item = np.asarray(x.sum(axis=0)).ravel()  # |N(i)|
    xt = x.T.tocsr()
    wx = sp.diags(weight) @ x
    neighbour = np.full(n_ids, -1, dtype=np.int64)
    score = np.full(n_ids, np.nan)
    low, high = np.inf, -np.inf
    for a in range(0, n_ids, block_size):
        c = (xt[a : a + block_size] @ wx).tocoo()
        r, col = c.row.astype(np.int64) + a, c.col.astype(np.int64)
        off = r != col
        r, col, v = r[off], col[off], c.data[off] / np.sqrt(per_item[r[off]] * per_item[col[off]])
        if v.size == 0:
            continue
        low, high = min(low, float(v.min())), max(high, float(v.max()))
        order = np.lexsort((col, -v, r))  # per row: best score first, then smallest id
        first = order[np.r_[True, r[order][1:] != r[order][:-1]]]
        neighbour[r[first]], score[r[first]] = col[first], v[first]
    if not np.isfinite(low):
        low, high = 0.0, 0.0
    return Top1(torch.from_numpy(neighbour), torch.from_numpy(score), low, high)


@torch.no_grad()
def embedding_top1(
    weight: torch.Tensor,  # [N+2, D] item-embedding table
    candidates: torch.Tensor,  # bool [N+2], ids that may be a neighbour
    *,
    minmax: MinMax = "all_pairs",
    chunk: int = 2048,
) -> Top1:
    """Top-1 dot-product neighbour of every id (itself excluded) among ``candidates``.

    ``minmax="all_pairs"``: min/max over every pair of rows including padding, mask and the
    diagonal (the reference); ``"off_diagonal"``: over candidate pairs without self."""
    w = weight.detach()
    n = w.shape[0]
    cand = candidates.to(w.device)
    off = (~cand).nonzero().squeeze(1)  # the few columns that may not be a neighbour
    neighbour = torch.full((n,), -1, dtype=torch.int64, device=w.device)
    score = torch.full((n,), torch.nan, dtype=torch.float64, device=w.device)
    buf = torch.empty(min(chunk, n), n, dtype=w.dtype, device=w.device)  # reused: no page faults per chunk
    wt = w.T.contiguous()
    lows, highs = [], []
    for a in range(0, n, chunk):
        c = min(chunk, n - a)
        s = torch.mm(w[a : a + c], wt, out=buf[:c])  # [c, N+2]
        rows = torch.arange(c, device=w.device)
        own = cand[a : a + c]
        if minmax == "all_pairs":
            lo, hi = torch.aminmax(s)
            lows.append(lo)
            highs.append(hi)
        else:  # candidate rows x candidate columns, without self: +inf fill for the minimum
            s.index_fill_(1, off, torch.inf)
            s[rows, rows + a] = torch.inf
            if own.any():
                lows.append(s.amin(dim=1)[own].min())
        s.index_fill_(1, off, -torch.inf)
        s[rows, rows + a] = -torch.inf
        best, arg = s.max(dim=1)
        ok = torch.isfinite(best)
        if minmax != "all_pairs" and own.any():
            highs.append(best[own].max())
        neighbour[a : a + c] = torch.where(ok, arg, -1)
        score[a : a + c] = torch.where(ok, best.to(torch.float64), torch.nan)
    lows = [x for x in lows if torch.isfinite(x)]
    highs = [x for x in highs if torch.isfinite(x)]
    low = float(torch.stack(lows).min()) if lows else 0.0
    high = float(torch.stack(highs).max()) if highs else 0.0
    return Top1(neighbour, score, low, high)


def hybrid(memory: Top1, model: Top1) -> tuple[torch.Tensor, torch.Tensor]:
    """Per id, the neighbour whose normalised score is larger (ties: memory).
    Returns (neighbour [N+2], normalised score [N+2]) on the model table's device."""
    device = model.neighbour.device
    m_score, e_score = memory.normalised().to(device), model.normalised()
    use_model = e_score > m_score
    neighbour = torch.where(use_model, model.neighbour, memory.neighbour.to(device))
    return neighbour, torch.where(use_model, e_score, m_score)


class Top1Table:
    """Precomputed top-1 neighbours: operators do one gather per call (:meth:`lookup`).

    Ids without a neighbour get ``fallback``: a random train-view item drawn per lookup
    (the reference draws a random item per lookup too) or the item itself. Padding (0) and
    the mask id (N+1) map to themselves."""

    def __init__(
        self, neighbour: torch.Tensor, score: torch.Tensor, known: torch.Tensor, fallback: Fallback = "random"
    ) -> None:
        n = len(neighbour)
        ids = torch.arange(n, device=neighbour.device)
        neighbour = neighbour.clone()
        neighbour[0], neighbour[n - 1] = 0, n - 1
        pool = torch.nonzero(known.to(neighbour.device)).flatten()
        if fallback == "self" or len(pool) == 0:
            neighbour = torch.where(neighbour < 0, ids, neighbour)
        self.neighbour = neighbour  # int64 [N+2]
        self.score = score  # float64 [N+2] normalised, -inf where none
        self.pool = pool  # int64 [P] items a random fallback draws from
        self.draws = bool((neighbour < 0).any())  # read once here, never in the training step
        self._small: tuple[torch.Tensor, torch.Tensor] | None = None

    @classmethod
    def from_top1(cls, top1: Top1, known: torch.Tensor, fallback: Fallback = "random") -> Top1Table:
        return cls(top1.neighbour, top1.normalised(), known, fallback)

    def to(self, device: torch.device | str) -> Top1Table:
        self.neighbour, self.score, self.pool = (t.to(device) for t in (self.neighbour, self.score, self.pool))
        self._small = None
        return self

    def top1(self, item_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(neighbour ids, normalised scores) of ``item_ids``; -1 / -inf where none."""
        return self.neighbour[item_ids], self.score[item_ids]

    def lookup(self, ids: torch.Tensor, generator: torch.Generator) -> torch.Tensor:  # [B, W] -> int32 [B, W]
        """Top-1 neighbour of every id; where there is none, a random pool item drawn per slot."""
        if self.neighbour.device != ids.device:
            self.to(ids.device)
        if self._small is None:  # int32 copies: the gathers move half the bytes
            self._small = (self.neighbour.to(torch.int32), self.pool.to(torch.int32))
        neighbour, pool = self._small
        out = neighbour.index_select(0, ids.reshape(-1))
        if self.draws:
            pick = torch.randint(0, len(pool), out.shape, generator=generator, dtype=torch.int32)
            out = torch.where(out < 0, pool.index_select(0, pick.to(ids.device, non_blocking=True)), out)
        return out.view(ids.shape)
