"""Factoring a plain polynomial as written finds what SymPy's cancel-then-factor finds."""

from __future__ import annotations

import random

import sympy as sp

from derive.core.plain_polynomials import is_plain_polynomial

p, t = sp.IndexedBase("p"), sp.IndexedBase("t")
i, k = sp.symbols("i k", integer=True)
x, y = sp.symbols("x y", real=True)
DELTA = sp.KroneckerDelta(k, i)


def _random_product(r: random.Random, with_delta: bool) -> sp.Expr:
    gens = [x, y, p[i], p[k], t[k], t[i]]
    coefs = [1, -1, 2, -3, sp.Rational(1, 2), -sp.Rational(2, 3)]

    def poly() -> sp.Expr:
        terms = [r.choice(coefs) * sp.Mul(*r.sample(gens, r.randint(1, 2)))
                 for _ in range(r.randint(1, 3))]
        return sp.Add(*terms, r.choice([0, 0, 1, -1]))

    factors = [poly() ** r.choice([1, 1, 2]) for _ in range(r.randint(1, 3))]
    if with_delta:  # once, to the first power, in a sum or as a factor
        factors.append(r.choice([DELTA, DELTA - r.choice(gens), r.choice(coefs) * DELTA + y]))
    r.shuffle(factors)
    return r.choice(coefs) * sp.Mul(*factors)


def test_factor_as_written_is_factor_of_the_cancelled_form():
    r = random.Random(5)
    for n in range(200):
        e = _random_product(r, with_delta=n % 2 == 0)
        assert is_plain_polynomial(e), e
        want = sp.factor(sp.cancel(sp.together(e)))
        assert sp.srepr(sp.factor(e)) == sp.srepr(want), e


def test_what_multiplying_out_could_rewrite_is_not_plain():
    # δ² = δ when expanded: δ twice, or in a power, goes SymPy's whole way
    assert not is_plain_polynomial((DELTA - 2) * (DELTA + y))
    assert not is_plain_polynomial((DELTA + y) ** 2)
    assert sp.factor((DELTA + y) ** 2) != sp.factor(sp.cancel((DELTA + y) ** 2))
    for e in (1 / x, x ** sp.Rational(1, 2), sp.Float(0.5) * x, sp.exp(-x) * y,
              p[k + 1] * x, sp.Symbol("n", commutative=False) * x):
        assert not is_plain_polynomial(e), e
    assert is_plain_polynomial((DELTA - p[i]) * (p[k] - t[k]) * p[k])


def test_indexed_tidy_keeps_the_cancelled_forms():
    from derive.topics.identities.blocks_indexed import _tidy

    for e in (-(DELTA - p[i]) * t[k], (DELTA - p[i]) * (p[k] - t[k]) * p[k],
              -t[k] / p[k] * p[k] * (DELTA - p[i]), (p[k] - t[k]) / p[k] * (DELTA - p[i]),
              (DELTA - p[i]) * (DELTA - p[k])):
        want = sp.factor(sp.cancel(e))
        from derive.core.op_count import count_ops
        want = want if count_ops(want) <= count_ops(e) else e
        assert sp.srepr(_tidy(e)) == sp.srepr(want), e
