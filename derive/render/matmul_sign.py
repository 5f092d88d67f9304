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

from typing import Any

import sympy as sp


def _matmul_sign(self: Any) -> bool:
    """Whether a matrix product starts with a negative number (-W^T δ)."""
    c = self.args[0]
    return bool(c.is_Number and c.is_extended_negative)


class _CheapMatMulSign:
    """The context of ``cheap_matmul_sign``: a class, as the printers enter it for every
    part they print (~2,400 times for the sheet of the 16, where a generator-based
    context manager cost ~1 µs more each time)."""

    __slots__ = ("saved",)

    def __enter__(self) -> None:
        self.saved = sp.MatMul.could_extract_minus_sign
        sp.MatMul.could_extract_minus_sign = _matmul_sign  # type: ignore[method-assign]

    def __exit__(self, *exc: object) -> None:
        sp.MatMul.could_extract_minus_sign = self.saved  # type: ignore[method-assign]


def cheap_matmul_sign() -> _CheapMatMulSign:
    """Within the block, ``MatMul.could_extract_minus_sign`` reads the leading number."""
    return _CheapMatMulSign()
