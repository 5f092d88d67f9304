"""When SymPy's ``factor`` may take an expression as it is written.

The tidy-ups factor ``cancel(together(e))``. For a polynomial in independent generators
(names, indexed entries) with rational coefficients, ``together`` and ``cancel`` only
multiply it out, and ``factor`` finds the same irreducible factors from the product as
written (it factors each factor): the two were most of the cost of a small tidy-up.
"""

from __future__ import annotations

from typing import Any

import sympy as sp


def is_plain_polynomial(e: Any, fractions: bool = False) -> bool:
    """Whether ``e`` is a polynomial with rational coefficients (sums, products, whole
    positive powers) in generators that multiplying out cannot rewrite: commutative
    symbols, indexed entries, and at most one function application (δ_ik) with plain
    arguments, standing once and outside every power (SymPy rewrites products of some
    functions when expanding: δ² = δ). No float: SymPy may round it another way.

    ``fractions``: whole negative powers too (a rational function, −t/y − (t − 1)/(1 − y)):
    factor brings it over one denominator itself, and the irreducible factors common to
    both sides cancel in its product as cancel would have cancelled them."""
    functions = 0

    def plain(node: Any, in_power: bool) -> bool:
        nonlocal functions
        if node.is_Symbol:
            return node.is_commutative
        if node.is_Rational:
            return True
        if node.is_Add or node.is_Mul:
            return all(plain(a, in_power) for a in node.args)
        if node.is_Pow:
            return bool(node.exp.is_Integer and (fractions or node.exp > 0)) \
                and plain(node.base, True)
        if isinstance(node, sp.Function):
            functions += 1
            if functions > 1 or in_power:
                return False
        elif not isinstance(node, sp.Indexed):
            return False
        return all(a.is_Symbol or a.is_Integer or isinstance(a, sp.IndexedBase)
                   for a in node.args)

    return isinstance(e, sp.Basic) and plain(e, False)
