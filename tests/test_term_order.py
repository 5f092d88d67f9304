"""``term_order.lex_terms`` orders a sum's terms exactly as SymPy's ``as_ordered_terms``
does (the printers' order), which is the reference here, on random sums and on a wide
one; where it does not model SymPy's order it declines."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from derive.render.term_order import lex_terms

x, y, z = sp.symbols("x y z", real=True)
w = sp.Symbol("w")
A, B = sp.symbols("A B", commutative=False)

COEFFS = [1, -1, 2, sp.Rational(-3, 7), sp.Float(0.25), sp.pi, sp.sqrt(2), sp.I,
          1 + 2 * sp.I, sp.E, -sp.Float(1e-300), sp.Float(3.5e10)]
FACTORS = [x, y, z, w, x**2, y**-1, z**sp.Rational(1, 2), x**sp.Rational(-3, 2), sp.exp(x),
           sp.exp(y)**2, sp.sin(z), sp.Symbol("y_10"), sp.Symbol("y_2"), sp.log(w),
           sp.Function("f")(x, y), sp.exp(2), sp.exp(x * y), sp.Abs(x)]


def _random_sum(rng: random.Random) -> sp.Expr:
    terms = []
    for _ in range(rng.randint(3, 9)):
        t = sp.S(rng.choice(COEFFS))
        for _ in range(rng.randint(0, 3)):
            t *= rng.choice(FACTORS)
        terms.append(t)
    return sp.Add(*terms)


@pytest.mark.parametrize("seed", range(300))
def test_same_order_as_sympy_on_random_sums(seed: int) -> None:
    e = _random_sum(random.Random(seed))
    ours = lex_terms(e, None)
    if ours is None:  # fewer than three terms once SymPy collected them
        assert not isinstance(e, sp.Add) or len(e.args) < 3
        return
    assert ours == e.as_ordered_terms()
    assert lex_terms(e, "lex") == e.as_ordered_terms(order="lex")


def test_wide_sum_of_distinct_names() -> None:
    """Σ exp(y_i) over 600 names, the shape a wide --set builds (y_10 before y_2)."""
    ys = sp.symbols("y_1:601", real=True)
    e = sp.Add(*[sp.exp(v) for v in ys], *[3 * v**2 for v in ys[:50]])
    ours = lex_terms(e, None)
    assert ours == e.as_ordered_terms()
    # names before functions of them, and names in string order
    assert [str(t) for t in ours[:2]] == ["3*y_1**2", "3*y_10**2"]
    assert [str(t) for t in ours[50:52]] == ["exp(y_1)", "exp(y_10)"]


@pytest.mark.parametrize("e, order", [
    (x + 2 * y + A * B, None),  # a noncommutative term
    (x + y + z, "grlex"),  # another order
    (1 - 2 * x, None),  # two terms: SymPy's special case
    (x * y, None),  # not a sum
    (x + y + sp.O(x**3), None),  # an O() term
])
def test_declines_what_it_does_not_model(e: sp.Expr, order: str | None) -> None:
    assert lex_terms(e, order) is None
