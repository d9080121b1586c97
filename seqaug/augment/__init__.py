"""Online sequence augmentation: batched operators, operator pools and item correlation."""

from seqaug.augment.augmenter import OnlineAugmenter
from seqaug.augment.correlation import Top1, Top1Table, embedding_top1, hybrid, itemcf_iuf
from seqaug.augment.ops import ALIGNED, LETTERS, OPS, AugResult, crop, insert, mask, reorder, substitute
from seqaug.augment.pool import Operator, OperatorPool
from seqaug.augment.rates import Fixed, Uniform, make_rate

__all__ = [
    "ALIGNED",
    "LETTERS",
    "OPS",
    "AugResult",
    "Fixed",
    "OnlineAugmenter",
    "Operator",
    "OperatorPool",
    "Top1",
    "Top1Table",
    "Uniform",
    "crop",
    "embedding_top1",
    "hybrid",
    "insert",
    "itemcf_iuf",
    "make_rate",
    "mask",
    "reorder",
    "substitute",
]
