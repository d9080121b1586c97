"""Methods register themselves on import; ``METHODS`` lists them."""

from seqaug.methods import cl4srec, cmr, cmrsi, coserec, next_item  # noqa: F401  (registration)
from seqaug.methods.base import METHODS, Method, MethodContext, MethodParams

__all__ = ["METHODS", "Method", "MethodContext", "MethodParams"]
