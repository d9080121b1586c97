"""A method-owned random generator that is saved with the model.

Methods that augment online own a CPU ``torch.Generator`` (draws are moved to the training
device, so the same seed gives the same views on CPU and GPU). This module exposes its
state through ``get_extra_state``/``set_extra_state``, so it travels in the state dict and
a killed-and-resumed run draws exactly what an uninterrupted run would.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class GeneratorState(nn.Module):
    def __init__(self, seed: int, stream: int = 0) -> None:
        super().__init__()
        # A stream of its own: not the global torch stream that drives dropout.
        derived = int(np.random.SeedSequence([seed, 0x5EA6, stream]).generate_state(1)[0])
        self.generator = torch.Generator().manual_seed(derived)

    def get_extra_state(self) -> dict:
        return {"generator": self.generator.get_state()}

    def set_extra_state(self, state: dict) -> None:
        self.generator.set_state(state["generator"].cpu())
