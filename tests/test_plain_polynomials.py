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


def test_sifting_a_delta_is_the_sum_written_out():
    """_sift's Σ_k with δ_ik summed out equals the sum written out at K = 4 (random values)
    and has the form the terms multiplied out give (SymPy's expand, then factor)."""
    import numpy as np

    from derive.topics.identities.blocks_indexed import _sift

    size = sp.Symbol("K", integer=True)
    r = random.Random(9)
    gens = [p[k], t[k], p[i], t[i], x]
    rng = np.random.default_rng(3)
    for _ in range(60):
        coefs = [1, -1, 2, sp.Rational(1, 2)]
        f = sp.Add(*[r.choice(coefs) * r.choice(gens) for _ in range(r.randint(1, 2))])
        summand = r.choice(coefs) * r.choice([DELTA, DELTA - r.choice(gens),
                                               r.choice(coefs) * DELTA + f]) * \
            sp.Mul(*r.sample(gens, r.randint(1, 2))) * f ** r.choice([1, 2])
        if not summand.has(DELTA):  # f cancelled the δ-factor's other terms to nothing
            continue
        got = _sift(summand, k, i, 1, size)
        # multiplied out by hand: δ-terms with k -> i outside, the rest's k-free factors out
        picked = [term.xreplace({DELTA: 1}).xreplace({k: i})
                  for term in sp.Add.make_args(sp.expand(summand)) if term.has(DELTA)]
        rest = [term for term in sp.Add.make_args(sp.expand(summand)) if not term.has(DELTA)]
        want = sp.factor(sp.Add(*picked))
        if rest:
            const, dep = sp.factor(sp.Add(*rest)).as_independent(k, as_Add=False)
            want = want + const * sp.Sum(dep, (k, 1, size))
        assert sp.srepr(got) == sp.srepr(want), summand
        # numbers: K = 4, i = 2, the δ as k == i
        pv, tv, xv = rng.normal(size=4), rng.normal(size=4), float(rng.normal())
        values = {**{p[j]: sp.Float(pv[j - 1]) for j in range(1, 5)},
                  **{t[j]: sp.Float(tv[j - 1]) for j in range(1, 5)}, x: sp.Float(xv)}
        # written out: δ_2k is 1 at k = 2 only (SymPy decides it for whole numbers)
        by_hand = sum(float(summand.xreplace({i: 2, k: kk}).xreplace(values))
                      for kk in range(1, 5))
        sifted = float(got.xreplace({i: 2, size: 4}).doit().xreplace(values))
        assert np.isclose(sifted, by_hand, rtol=1e-12, atol=1e-12), summand


def test_factor_of_a_plain_rational_function_is_factor_of_the_cancelled_form():
    """Backprop's tidy-up factors a rational function of plain names directly: the same
    as SymPy's factor(cancel(together(e))) on random sums of fractions (BCE's
    −t/y − (t − 1)/(1 − y) among them); a power of δ below zero is not plain."""
    from derive.topics.networks.blocks_graph import _simplify

    t_, y_ = sp.symbols("t y", real=True)
    bce = -t_ / y_ - (t_ - 1) / (1 - y_)
    assert is_plain_polynomial(bce, fractions=True) and not is_plain_polynomial(bce)
    assert str(_simplify(bce)) == "-(-t + y)/(y*(y - 1))"  # as cancel, then factor, wrote it
    assert not is_plain_polynomial(x / DELTA, fractions=True)
    r = random.Random(11)
    names = [x, y, t_, y_]
    coefs = [1, -1, 2, -3, sp.Rational(1, 2)]

    def poly() -> sp.Expr:
        return sp.Add(*[r.choice(coefs) * sp.Mul(*r.sample(names, r.randint(1, 2)))
                        for _ in range(r.randint(1, 2))], r.choice([0, 1, -1]))

    for _ in range(120):
        e = sp.Add(*[r.choice(coefs) * poly() ** r.choice([1, 2]) / poly() ** r.choice([1, 1, 2])
                     for _ in range(r.randint(1, 3))])
        if e.is_number:
            continue
        assert is_plain_polynomial(e, fractions=True), e
        want = sp.factor(sp.cancel(sp.together(e)))
        assert sp.srepr(sp.factor(e)) == sp.srepr(want), e


def test_linear_as_written_is_linear_as_a_polynomial():
    """calculus._is_linear answers without a polynomial for c·x + d written out, as SymPy's
    Poly(e, x) of degree <= 1 answers, on random sums (products, powers, logs in them)."""
    from derive.topics.scalar.calculus import _is_linear

    def by_poly(e: sp.Expr) -> bool:
        try:
            poly = sp.Poly(e, x)
        except (sp.PolynomialError, sp.GeneratorsNeeded):
            return False
        return poly.degree() <= 1 and not any(c.has(x) for c in poly.coeffs())

    r = random.Random(23)
    pieces = [x, y, 2 * x, -x * y, x ** 2, sp.log(x), sp.log(y), t[k], x * (y + 1),
              sp.Rational(1, 2) * x, 3, x / y, y ** 2 * x]
    for _ in range(300):
        e = sp.Add(*r.sample(pieces, r.randint(1, 4))) * r.choice([1, 1, -1, 2, y])
        assert _is_linear(e, x) == by_poly(e), e
