"""Top-k recommendations for users from a trained method (what a deployment asks for).

Each user's whole known sequence (its last ``max_len`` items) is encoded and every real item
1..N is scored; items the user already has are skipped unless ``keep_history``. This is
RecBole's ``full_sort_topk``; unlike evaluation, nothing is held out.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import torch

from seqaug.atomic import atomic_write
from seqaug.data.batching import SeqBatch, left_pad, pad_rows
from seqaug.data.corpus import SequenceCorpus, segment_positions, segment_rows
from seqaug.errors import SeqaugError
from seqaug.methods.base import Method


@torch.no_grad()
def top_k(
    method: Method,
    corpus: SequenceCorpus,
    users: np.ndarray,  # [U] internal user indices
    k: int,
    *,
    max_len: int,
    keep_history: bool = False,
    batch_size: int = 1024,
    device: torch.device | str = "cpu",
) -> tuple[np.ndarray, np.ndarray]:
    """Internal item ids [U, k] (best first) and their scores [U, k] (float32)."""
    n = corpus.num_items
    if not 1 <= k <= n:
        raise SeqaugError(f"k = {k}: must be between 1 and the number of items ({n})")
    was_training = method.training
    method.eval()
    items = np.zeros((len(users), k), dtype=np.int64)
    scores = np.zeros((len(users), k), dtype=np.float32)
    lengths = np.minimum(corpus.lengths[users], max_len)
    order = np.argsort(lengths, kind="stable")  # batches padded to their own longest row
    try:
        for lo in range(0, len(order), batch_size):
            rows = order[lo : lo + batch_size]
            batch = _batch(method, corpus, users[rows], max_len).to(device)
            s = method.score(batch)[:, : n + 1].float()  # [B, N+1]; the mask row N+1 is never a candidate
            s[:, 0] = -torch.inf
            if not keep_history:
                s[_history_index(corpus, users[rows], device)] = -torch.inf
            top = s.topk(k, dim=1)  # ties: torch's order; -inf rows only when k > unseen items
            items[rows], scores[rows] = top.indices.cpu().numpy(), top.values.cpu().numpy()
    finally:
        method.train(was_training)
    return items, scores


def _batch(method: Method, corpus: SequenceCorpus, users: np.ndarray, max_len: int) -> SeqBatch:
    inputs = pad_rows(corpus, users, max_len)  # [B, W]
    times = None
    if getattr(getattr(method, "backbone", None), "needs_timestamps", False):
        if corpus.timestamps is None:
            raise SeqaugError("this backbone needs timestamps and the data has none")
        starts, ends = corpus.offsets[users], corpus.offsets[users + 1]
        times = torch.from_numpy(left_pad(corpus.timestamps, starts, ends, max_len, inputs.shape[1]))
    return SeqBatch(users=torch.from_numpy(users), inputs=torch.from_numpy(inputs), timestamps=times)


def _history_index(corpus: SequenceCorpus, users: np.ndarray, device: torch.device | str) -> tuple[torch.Tensor, ...]:
    """(row, item) index pairs of every item in the users' whole sequences."""
    starts, ends = corpus.offsets[users], corpus.offsets[users + 1]
    rows, cols = segment_rows(starts, ends), corpus.items[segment_positions(starts, ends)]
    return torch.from_numpy(rows).to(device), torch.from_numpy(cols).to(device)


def select_users(corpus: SequenceCorpus, raw: list[str] | None, source: str = "--users") -> np.ndarray:
    """Internal indices of raw user ids (all users when ``raw`` is None); an unknown id is an
    error naming ``source`` (a file gives ``file:line``)."""
    if raw is None:
        return np.arange(corpus.num_users)
    index = {str(u): i for i, u in enumerate(corpus.user_ids)}
    out = np.empty(len(raw), dtype=np.int64)
    for j, u in enumerate(raw):
        if u not in index:
            where = f"{source}:{j + 1}" if source != "--users" else source
            raise SeqaugError(f"{where}: unknown user {u!r} (not in {corpus.source or 'the data'})")
        out[j] = index[u]
    return out


def write_csv(path: Path, corpus: SequenceCorpus, users: np.ndarray, items: np.ndarray, scores: np.ndarray) -> None:
    """``user,rank,item,score`` rows with raw ids, written atomically."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["user", "rank", "item", "score"])
            k = items.shape[1]
            for i, u in enumerate(corpus.user_ids[users]):
                raw = corpus.item_ids[items[i]]
                w.writerows((u, r + 1, raw[r], f"{scores[i, r]:.6g}") for r in range(k))

    atomic_write(Path(path), write)
