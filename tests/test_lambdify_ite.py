"""A Piecewise whose condition is an ITE (a case of a function of a Piecewise) compiles
to a function true to the cases, at the kinks included (functions.lambdify rewrites the
ITE instead of letting NumPy's printer simplify it)."""

from __future__ import annotations

import numpy as np
import sympy as sp

from derive.core.functions import lambdify


def test_ite_condition_evaluates_as_the_cases() -> None:
    w = sp.Symbol("w", real=True)
    cond = sp.ITE(w < 0, sp.Abs(w / 5 - sp.Rational(3, 2)) < 1,
                  sp.ITE(w <= sp.Rational(1, 2), sp.Abs(2 * w - sp.Rational(3, 2)) < 1,
                         sp.Abs(w - 1) < 1))
    f = lambdify([w], sp.Piecewise((w ** 2, cond), (-w, True)))

    def by_hand(x: float) -> float:
        if x < 0:
            inside = abs(x / 5 - 1.5) < 1
        elif x <= 0.5:
            inside = abs(2 * x - 1.5) < 1
        else:
            inside = abs(x - 1) < 1
        return x * x if inside else -x

    for x in [-3.0, -0.5, 0.0, 0.125, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5]:
        assert float(f(x)) == by_hand(x), x
    xs = np.linspace(-3, 3, 61)
    assert np.array_equal(np.asarray(f(xs), dtype=float), [by_hand(x) for x in xs])
