"""SymPy's print order of a sum's terms (``Expr.as_ordered_terms`` in its default lex
order), found in O(n log n) instead of O(n²).

SymPy writes every term's monomial as a dense tuple over all the sum's generators, so a
sum of n terms in n different names (Σ exp(y_i) of a 10,000-entry ``--set x=[…]``)
builds n tuples of n entries and sorts them: 50 s for ``derive solve softmax-shift``'s
text at 9,999 entries. Here each monomial is kept sparse (generator index, exponent) and
two are compared at their first differing generator, which is what comparing the dense
tuples does: the same order, term for term (``tests/test_term_order.py`` compares it
with SymPy's on random sums). Sums this does not model (noncommutative factors, O(·)
terms, two terms, another order) are left to SymPy.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.exprtools import decompose_power
from sympy.core.sorting import default_sort_key


class _TermKey:
    """SymPy's sort key of a term, ``(neg(monomial), ncpart, coefficient)``, with the
    monomial sparse: sorted (generator index, exponent) pairs, no zero exponents. Only
    ``<`` is defined: it is all that sorting uses."""

    __slots__ = ("monomial", "coefficient")

    def __init__(self, monomial: list[tuple[int, int]], coefficient: tuple[Any, ...]):
        self.monomial = monomial
        self.coefficient = coefficient

    def _monomial_order(self, other: _TermKey) -> int:
        """-1, 0 or 1 as SymPy's negated dense monomial tuples compare: at the first
        generator where the exponents differ, the larger exponent comes first."""
        a, b = self.monomial, other.monomial
        p = q = 0
        while p < len(a) or q < len(b):
            ia = a[p][0] if p < len(a) else None
            ib = b[q][0] if q < len(b) else None
            if ia is not None and (ib is None or ia < ib):
                ea, eb = a[p][1], 0
                p += 1
            elif ib is not None and (ia is None or ib < ia):
                ea, eb = 0, b[q][1]
                q += 1
            else:
                ea, eb = a[p][1], b[q][1]
                p += 1
                q += 1
            if ea != eb:
                return -1 if ea > eb else 1
        return 0

    def __lt__(self, other: _TermKey) -> bool:
        order = self._monomial_order(other)
        # equal monomials: the coefficients' tuples decide, as in SymPy's key (a NaN
        # coefficient compares as Python's tuples compare it there)
        return order < 0 or (order == 0 and self.coefficient < other.coefficient)


def lex_terms(expr: Any, order: Any) -> list[Any] | None:
    """``expr.as_ordered_terms(order)`` for a commutative sum of three or more terms in
    the default (lex) order; None where SymPy's own ordering is needed."""
    if order not in (None, "lex") or not isinstance(expr, sp.Add) or len(expr.args) < 3:
        return None  # two terms: SymPy's special case of 1 - 2x
    rows: list[tuple[Any, complex, dict[Any, int]]] = []
    generators: set[Any] = set()
    for term in expr.args:  # as Expr.as_terms reads each term
        if term.is_Order:
            return None
        coeff, rest = term.as_coeff_Mul()
        c = complex(coeff)
        powers: dict[Any, int] = {}
        if rest is not sp.S.One:
            for factor in sp.Mul.make_args(rest):
                if factor.is_number:
                    try:
                        c *= complex(factor)
                    except (TypeError, ValueError):
                        pass
                    else:
                        continue
                if not factor.is_commutative:
                    return None
                base, e = decompose_power(factor)
                powers[base] = int(e)
                generators.add(base)
        rows.append((term, c, powers))
    index = {g: i for i, g in enumerate(sorted(generators, key=default_sort_key))}

    def key(row: tuple[Any, complex, dict[Any, int]]) -> _TermKey:
        _, c, powers = row
        monomial = sorted((index[g], e) for g, e in powers.items() if e != 0)
        return _TermKey(monomial, ((bool(c.imag), c.imag), (c.real, c.imag)))

    return [term for term, _, _ in sorted(rows, key=key)]
