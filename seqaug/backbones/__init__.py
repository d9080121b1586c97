"""Backbones register themselves on import; ``BACKBONES`` lists them."""

from seqaug.backbones import bert4rec, caser, fmlprec, gru4rec, nextitnet, sasrec  # noqa: F401  (registration)
from seqaug.backbones.base import BACKBONES, Backbone, BackboneParams

__all__ = ["BACKBONES", "Backbone", "BackboneParams"]
