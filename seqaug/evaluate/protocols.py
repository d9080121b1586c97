"""Named evaluation protocols (methods.md §1.2, §9.2).

- ``full``: every item is a candidate. History items get -inf and ids 0 / N+1 are never
  candidates (default); ``s3rec_compat`` reproduces the CoSeRec/BASRec code instead:
  history scores set to 0 and the padding and mask rows ranked like items.
- ``sampled-fixed``: the target plus negatives fixed per user, read from a file
  (``user neg ...``, raw ids, e.g. LastFM_sample.txt) or drawn once with a seed
  (uniform, excluding the user's whole sequence) and saved; the same for valid and test.
- ``sampled-random``: the same draw, repeated at every evaluation call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from seqaug.atomic import atomic_write_text
from seqaug.data.corpus import SequenceCorpus, segment_positions, segment_rows
from seqaug.data.negatives import NegativeSampler
from seqaug.errors import DataError
from seqaug.evaluate.metrics import rank_of_target

PROTOCOLS = ("full", "sampled-fixed", "sampled-random")


@dataclass
class FullRanking:
    """All-item ranking with history masking."""

    num_items: int
    mask_history: bool = True
    s3rec_compat: bool = False
    name: str = "full"

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "mask_history": self.mask_history, "s3rec_compat": self.s3rec_compat}

    def candidates(self, users: np.ndarray, targets: np.ndarray) -> torch.Tensor | None:
        return None

    def ranks(
        self,
        scores: torch.Tensor,  # [B, N+2]
        targets: torch.Tensor,  # [B]
        history: SequenceCorpus,
        users: np.ndarray,
    ) -> torch.Tensor:  # [B]
        if self.mask_history:
            starts, ends = history.offsets[users], history.offsets[users + 1]
            rows = torch.from_numpy(segment_rows(starts, ends))
            cols = torch.from_numpy(history.items[segment_positions(starts, ends)])
            scores[rows.to(scores.device), cols.to(scores.device)] = 0.0 if self.s3rec_compat else -torch.inf
        if not self.s3rec_compat:
            scores[:, 0] = -torch.inf
            scores[:, self.num_items + 1] = -torch.inf
        return rank_of_target(scores, scores.gather(1, targets[:, None]))


@dataclass
class SampledRanking:
    """Target + ``num_negatives`` candidates per user (target in column 0)."""

    negatives: np.ndarray | None  # [U, C] internal ids (fixed) or None (redrawn)
    sampler: NegativeSampler
    num_negatives: int
    seed: int
    name: str = "sampled-fixed"
    source: str | None = None

    def describe(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "num_negatives": self.num_negatives, "seed": self.seed}
        if self.source:
            out["negatives_file"] = self.source
        return out

    def start(self, round: int, context: str) -> None:
        """Called once per evaluation pass: the draws of ``sampled-random`` depend only on
        (seed, round, valid/test), never on how many evaluations ran before."""
        self._rng = np.random.default_rng([self.seed, round + 2, 0 if context == "valid" else 1])

    def candidates(self, users: np.ndarray, targets: np.ndarray) -> torch.Tensor:
        if self.negatives is not None:
            negs = self.negatives[users]
        else:
            negs = self.sampler.sample_distinct(users, self.num_negatives, self._rng)
        return torch.from_numpy(np.concatenate([targets[:, None], negs], axis=1))

    def ranks(
        self, scores: torch.Tensor, targets: torch.Tensor, history: SequenceCorpus, users: np.ndarray
    ) -> torch.Tensor:
        return rank_of_target(scores, scores[:, :1])


def draw_fixed_negatives(full: SequenceCorpus, num_negatives: int, seed: int) -> np.ndarray:
    """[U, C] uniform negatives per user, distinct, excluding the whole sequence."""
    sampler = NegativeSampler(full, full.num_items)
    return sampler.sample_distinct(np.arange(full.num_users), num_negatives, np.random.default_rng(seed))


def write_negatives(path: Path, full: SequenceCorpus, negatives: np.ndarray) -> None:
    """Write ``user neg ...`` lines with raw ids (the S3Rec ``*_sample.txt`` format)."""
    raw = full.item_ids[negatives]
    lines = [" ".join(map(str, [full.user_ids[u], *raw[u]])) for u in range(full.num_users)]
    atomic_write_text(path, "\n".join(lines) + "\n")


def read_negatives(path: Path, full: SequenceCorpus) -> np.ndarray:
    """Read a ``user neg ...`` file into [U, C] internal ids aligned with ``full``."""
    raw_to_item = {raw: i for i, raw in enumerate(full.item_ids) if i > 0}
    user_index = {raw: u for u, raw in enumerate(full.user_ids)}
    rows: dict[int, list[int]] = {}
    width = None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise DataError(str(path), None, err.strerror or str(err)) from None
    for lineno, line in enumerate(lines, start=1):
        tokens = line.split()
        if not tokens:
            continue
        user = _raw(tokens[0], full.user_ids)
        if user not in user_index:
            raise DataError(str(path), lineno, f"user {tokens[0]} is not in the dataset")
        ids = []
        for tok in tokens[1:]:
            item = _raw(tok, full.item_ids[1:])
            if item not in raw_to_item:
                raise DataError(str(path), lineno, f"item {tok} is not in the dataset")
            ids.append(raw_to_item[item])
        if width is None:
            width = len(ids)
        if len(ids) != width or width == 0:
            raise DataError(str(path), lineno, f"expected {width} negatives, found {len(ids)}")
        rows[user_index[user]] = ids
    missing = [u for u in range(full.num_users) if u not in rows]
    if missing or width is None:
        raise DataError(str(path), None, f"no negatives for user {full.user_ids[missing[0]] if missing else '?'}")
    out = np.asarray([rows[u] for u in range(full.num_users)], dtype=np.int64)
    last = full.offsets[1:] - 1
    clash = (out == full.items[last][:, None]) | (out == full.items[last - 1][:, None])
    if clash.any():
        u = int(np.nonzero(clash)[0][0])
        raise DataError(str(path), None, f"user {full.user_ids[u]}: a negative equals the validation or test target")
    return out


def _raw(token: str, like: np.ndarray) -> object:
    if like.dtype.kind in "iu":
        try:
            return int(token)
        except ValueError:
            return token
    return token
