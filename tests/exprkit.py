"""Seeded random SymPy expressions, for tests that hold two evaluators of the same tree
against each other (``core.compiled`` against ``sympy.lambdify``, ``core.pointwise`` at
many points against one point at a time)."""

from __future__ import annotations

import random

import sympy as sp

from derive.core.functions import elu, leaky_relu, relu, sigmoid


def random_expressions(count: int, seed: int) -> list[sp.Expr]:
    """Seeded random trees of sums, products, powers (negative and fractional), Max/Min,
    two-case Piecewise and the functions marking and the checks meet."""
    x, y, z = sp.symbols("x y z", real=True)
    rand = random.Random(seed)
    leaves = [x, y, z, sp.Integer(2), sp.Rational(1, 3), sp.Rational(-5, 2), sp.Float("0.7"),
              sp.pi, sp.Integer(-1)]
    unary = [sp.exp, sp.log, sp.tanh, sigmoid, relu, sp.Abs, sp.sqrt, sp.sin, sp.sign,
             sp.cosh, sp.sech, leaky_relu, elu]
    powers = [sp.Integer(2), sp.Integer(-1), sp.Rational(1, 2), sp.Integer(3),
              sp.Rational(-3, 2), sp.Integer(-2)]

    def tree(depth: int) -> sp.Expr:
        if depth == 0 or rand.random() < 0.25:
            return rand.choice(leaves)
        k = rand.random()
        if k < 0.25:
            return tree(depth - 1) + tree(depth - 1)
        if k < 0.45:
            return tree(depth - 1) * tree(depth - 1)
        if k < 0.55:
            return tree(depth - 1) ** rand.choice(powers)
        if k < 0.65:
            return rand.choice([sp.Max, sp.Min])(tree(depth - 1), tree(depth - 1))
        if k < 0.75:
            return sp.Piecewise((tree(depth - 1), tree(depth - 1) < rand.choice([0, 1])),
                                (tree(depth - 1), True))
        return rand.choice(unary)(tree(depth - 1))

    out: list[sp.Expr] = []
    while len(out) < count:
        try:
            e = tree(4)
        except (ValueError, TypeError):  # SymPy refuses Max of a complex number
            continue
        if isinstance(e, sp.Expr) and e.free_symbols and not e.has(sp.I, sp.zoo, sp.nan):
            out.append(e)
    return out
