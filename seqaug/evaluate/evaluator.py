"""Vectorized evaluation of a method on one EvalContext under one protocol.

Users are processed in batches sorted by input length, so each batch is padded only to
its own longest history; the order does not change any metric (exact means).
"""

from __future__ import annotations

import numpy as np
import torch

from seqaug.data.batching import SeqBatch, left_pad, pad_rows
from seqaug.data.split import EvalContext
from seqaug.evaluate.metrics import MetricAccumulator
from seqaug.evaluate.protocols import FullRanking, SampledRanking
from seqaug.methods.base import Method

Protocol = FullRanking | SampledRanking


class Evaluator:
    def __init__(
        self,
        context: EvalContext,
        protocol: Protocol,
        *,
        ks: list[int],
        max_len: int,
        batch_size: int = 1024,
        device: torch.device | str = "cpu",
    ) -> None:
        self.context = context
        self.protocol = protocol
        self.ks = ks
        self.max_len = max_len
        self.batch_size = batch_size
        self.device = torch.device(device)
        lengths = np.minimum(context.inputs.lengths, max_len)
        order = np.argsort(lengths, kind="stable")
        self._batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]

    @torch.no_grad()
    def evaluate(self, method: Method, round: int = 0) -> dict[str, float]:
        """Metrics (``hr@k``, ``ndcg@k``, ``mrr``) averaged over all users.

        ``round`` (the epoch during training) seeds the redrawn negatives of
        ``sampled-random``, so a resumed run draws what an uninterrupted one would.
        """
        was_training = method.training
        method.eval()
        try:
            if isinstance(self.protocol, SampledRanking):
                self.protocol.start(round, self.context.name)
            acc = MetricAccumulator(self.ks)
            for users in self._batches:
                acc.add(self._ranks(method, users).cpu())
            return acc.result()
        finally:
            method.train(was_training)

    def _ranks(self, method: Method, users: np.ndarray) -> torch.Tensor:
        ctx = self.context
        targets_np = ctx.targets[users]
        inputs = pad_rows(ctx.inputs, users, self.max_len)
        times = None
        if getattr(getattr(method, "backbone", None), "needs_timestamps", False):  # time-aware backbones
            assert ctx.inputs.timestamps is not None
            starts, ends = ctx.inputs.offsets[users], ctx.inputs.offsets[users + 1]
            times = torch.from_numpy(left_pad(ctx.inputs.timestamps, starts, ends, self.max_len, inputs.shape[1]))
        batch = SeqBatch(
            users=torch.from_numpy(users),
            inputs=torch.from_numpy(inputs),
            candidates=self.protocol.candidates(users, targets_np),
            timestamps=times,
        ).to(self.device)
        scores = method.score(batch)
        targets = torch.from_numpy(targets_np).to(self.device)
        return self.protocol.ranks(scores, targets, ctx.inputs, users)
