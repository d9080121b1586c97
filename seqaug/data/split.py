"""Leave-one-out split.

Train view ``s[:-2]``; validation predicts ``s[-2]`` from ``s[:-2]``; test predicts
``s[-1]`` from ``s[:-1]``. Anything fitted before training receives ``split.train``
only: that object owns copies of the training items and cannot reach held-out ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqaug.data.corpus import SequenceCorpus
from seqaug.errors import DataError

MIN_LENGTH = 3


@dataclass(frozen=True)
class EvalContext:
    """Inputs (the visible history per user) and one target per user."""

    name: str
    inputs: SequenceCorpus
    targets: np.ndarray  # int64 [U]


@dataclass(frozen=True)
class LeaveOneOutSplit:
    full: SequenceCorpus
    train: SequenceCorpus
    valid: EvalContext
    test: EvalContext

    @property
    def num_items(self) -> int:
        return self.full.num_items


def leave_one_out(corpus: SequenceCorpus) -> LeaveOneOutSplit:
    """Split every user's sequence; users need at least 3 interactions."""
    lengths = corpus.lengths
    short = np.flatnonzero(lengths < MIN_LENGTH)
    if len(short):
        u = int(short[0])
        raise DataError(
            None,
            None,
            f"{corpus.where(u)}: user {corpus.user_ids[u]} has {lengths[u]} interaction(s); leave-one-out "
            f"needs at least {MIN_LENGTH} ({len(short)} such users). Set data.drop_short_users: true "
            f"or data.user_k: {MIN_LENGTH} to drop them",
        )
    last = corpus.offsets[1:] - 1
    with_valid = corpus.drop_last(1)
    train = with_valid.drop_last(1)
    return LeaveOneOutSplit(
        full=corpus,
        train=train,
        valid=EvalContext("valid", train, corpus.items[last - 1].copy()),
        test=EvalContext("test", with_valid, corpus.items[last].copy()),
    )
