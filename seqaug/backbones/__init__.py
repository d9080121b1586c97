"""Backbones register themselves on import; ``BACKBONES`` lists them."""

from seqaug.backbones import gru4rec, sasrec  # noqa: F401  (registration)
from seqaug.backbones.base import BACKBONES, Backbone, BackboneParams

__all__ = ["BACKBONES", "Backbone", "BackboneParams"]
