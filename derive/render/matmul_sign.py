"""A matrix product's sign told from its leading number while derive's printers run.

SymPy's printers ask every product ``could_extract_minus_sign`` (to choose a sign and
parentheses). ``Mul``'s answer first checks ``self == -self``, and negating a matrix
product runs ``MatMul.doit``'s canonicalisation: a tenth of a second of a cold ``derive
solve softmax-backprop``, for an answer that is the leading number's sign whenever the
product is not zero (a product equal to its negation would be a zero matrix, which
SymPy does not leave as a product). Only for the printers' calls: the class attribute is
restored on the way out (nesting is fine; derive prints from one thread).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sympy as sp


def _matmul_sign(self: Any) -> bool:
    """Whether a matrix product starts with a negative number (-W^T δ)."""
    c = self.args[0]
    return bool(c.is_Number and c.is_extended_negative)


@contextmanager
def cheap_matmul_sign() -> Iterator[None]:
    """Within the block, ``MatMul.could_extract_minus_sign`` reads the leading number."""
    saved = sp.MatMul.could_extract_minus_sign
    sp.MatMul.could_extract_minus_sign = _matmul_sign  # type: ignore[method-assign]
    try:
        yield
    finally:
        sp.MatMul.could_extract_minus_sign = saved  # type: ignore[method-assign]
