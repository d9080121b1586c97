"""seqaug: sequential recommendation with data augmentation."""

__version__ = "0.1.0"
