"""derive.core.op_count.count_ops is SymPy's count_ops, counted as an integer.

Every decision made on an operation count (tame's exact-or-40-digits, the bounds on
symbolic confirmation, folding cases, printing long exact values) must come out as it
did with ``sympy.count_ops``: the expected counts here are SymPy's own.
"""

from __future__ import annotations

import random
import sys

import pytest
import sympy as sp

import derive
from derive.core import blockkit, op_count

x, y, z = sp.symbols("x y z", real=True)


def _random_expr(r: random.Random, depth: int) -> sp.Expr:
    leaves = [x, y, z, sp.Integer(r.randint(-5, 5)), sp.Rational(r.randint(-7, 7), 3),
              sp.Float(r.uniform(-3, 3), 20), sp.E, sp.pi]
    if depth == 0 or r.random() < 0.2:
        return r.choice(leaves)
    a, b = _random_expr(r, depth - 1), _random_expr(r, depth - 1)
    if (a + b).has(sp.zoo, sp.nan):  # no Max of an infinity
        return a
    return r.choice([
        lambda: a + b, lambda: a - b, lambda: -a - b, lambda: a * b, lambda: -a * b,
        lambda: a / b if b.is_zero is False else a, lambda: 1 / (1 + sp.exp(-a)), lambda: sp.exp(a),
        lambda: a ** 2, lambda: a ** -2, lambda: sp.sqrt(sp.Abs(a) + 1), lambda: sp.tanh(a),
        lambda: sp.Max(a, b), lambda: sp.Piecewise((a, x > 0), (b, True)),
        lambda: sp.log(sp.Abs(a) + 2), lambda: sp.Function("f")(a),
    ])()


def _random_exprs(seed: int, n: int, depth: int) -> list[sp.Expr]:
    """Seeded random expressions, the infinite ones left out."""
    r = random.Random(seed)
    exprs = [_random_expr(r, depth) for _ in range(n)]
    return [e for e in exprs if not e.has(sp.zoo, sp.nan, sp.oo, -sp.oo)]


def test_random_expressions_count_as_sympy_counts() -> None:
    for e in _random_exprs(13, 400, 4):
        assert op_count.count_ops(e) == sp.count_ops(e), e


def test_matrix_expressions_and_relations() -> None:
    A, B = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("B", 2, 2)
    for e in [A * B, -A * B, A + B, A - B, -A - B, sp.Eq(x, y + 1), x > y,
              sp.ImmutableMatrix([[x - 1, 1 / y], [sp.exp(-z), 2]])]:
        assert op_count.count_ops(e) == sp.count_ops(e), e


@pytest.mark.parametrize("pid", ["gelu-descent", "piecewise-by-cases", "softmax-shift",
                                 "loss-gradients", "adam-vs-rmsprop", "mlp-forward-backward"])
def test_every_count_a_solve_asks_for(pid: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every expression whose operations a solve counts, counted both ways."""
    derive.load(pid).solve()  # every module it needs imported, so that all are patched
    monkeypatch.setattr(blockkit, "_TOO_BIG", {})  # tame asks again, not its memo
    seen: list[tuple[object, int | None]] = []
    count = op_count.count_ops

    def recording(e: object, limit: int | None = None) -> int:
        seen.append((e, limit))
        return count(e, limit)

    for name, module in list(sys.modules.items()):
        if name.startswith("derive.") and module is not op_count and \
                getattr(module, "count_ops", None) is count:
            monkeypatch.setattr(module, "count_ops", recording)
    derive.load(pid).solve()
    derive.load(pid, **_other_givens(pid)).solve()
    assert seen, f"{pid}: no operation count asked for"
    for e, limit in seen:
        assert op_count.count_ops(e) == sp.count_ops(e), e
        if limit is not None:  # the bound's decision is SymPy's
            assert (op_count.count_ops(e, limit) > limit) == (sp.count_ops(e) > limit), e


def _other_givens(pid: str) -> dict[str, object]:
    """Other numbers, so that the counted iterates are not only the defaults' ones."""
    return {"gelu-descent": {"x0": 1, "eta": 0.3}}.get(pid, {})


def test_a_limit_stops_the_walk_but_keeps_every_comparison_with_it() -> None:
    for e in _random_exprs(7, 300, 5):
        full = sp.count_ops(e)
        for limit in (0, 3, 10, 40):
            got = op_count.count_ops(e, limit)
            assert (got > limit) == (full > limit), (e, limit)
            assert got <= full


def test_remembered_counts_are_sympy_counts_in_any_order() -> None:
    """Subexpressions met again (an iterate inside the next, as a descent builds them) are
    counted from memory: every count, cold or warm, and every bound's decision is SymPy's."""
    t = sp.Rational(17, 10)
    iterates = [sp.Rational(-3)]
    for _ in range(4):  # x_{t+1} = x_t − η f'(x_t), f = x σ(αx): each holds the last
        x_t = iterates[-1]
        s = 1 / (1 + sp.exp(-t * x_t))
        iterates.append(x_t - sp.Rational(1, 10) * (s + t * x_t * s * (1 - s)))
    exprs = iterates + _random_exprs(29, 150, 4)
    want = [sp.count_ops(e) for e in exprs]
    for order in (list(range(len(exprs))), list(reversed(range(len(exprs))))):
        op_count._COUNTS.clear()
        for i in order:
            assert op_count.count_ops(exprs[i]) == want[i], exprs[i]
            for limit in (0, 5, 40, 200):  # warm now: a remembered part jumps the count
                got = op_count.count_ops(exprs[i], limit)
                assert (got > limit) == (want[i] > limit), (exprs[i], limit)
                assert got <= want[i]


def test_products_written_unevaluated_count_as_sympy_counts() -> None:
    """Products whose factors would multiply out (twice the same factor, a zero, I·I, a
    product inside, p/q times a sum) and random products of random factors, all kept
    unevaluated: the shortcut for products must leave every one of them to SymPy's way."""
    half, third = sp.Rational(1, 2), sp.Rational(2, 3)
    s = sp.Function("f")(x)
    tricky = [sp.Mul(x, x, evaluate=False), sp.Mul(half, x, x, evaluate=False),
              sp.Mul(third, s, s, evaluate=False), sp.Mul(0, x, evaluate=False),
              sp.Mul(sp.I, sp.I, x, evaluate=False), sp.Mul(2, 3, x, evaluate=False),
              sp.Mul(x, sp.Mul(2, 1 / x, evaluate=False), evaluate=False),
              sp.Mul(third, x + y, evaluate=False), sp.Mul(half, x + y, z, evaluate=False),
              sp.Mul(1, x + y, evaluate=False), sp.Mul(2, x + y, evaluate=False),
              sp.Mul(sp.Rational(1, 3), x + y, evaluate=False), sp.Mul(-third, x, y),
              sp.Mul(third, sp.Add(x, -x, evaluate=False), evaluate=False),
              sp.Mul(sp.Float(0.5), x, evaluate=False), sp.Mul(half, sp.pi, sp.pi, evaluate=False)]
    r = random.Random(11)
    leaves = [x, y, z, x + 1, s, sp.pi, sp.E, sp.tanh(y), sp.Integer(3), sp.Rational(3, 7),
              sp.Rational(-5, 2), sp.Integer(0), sp.I, sp.Integer(-1)]
    for _ in range(300):
        tricky.append(sp.Mul(*r.choices(leaves, k=r.randint(2, 4)), evaluate=False))
    op_count._COUNTS.clear()
    for e in tricky:
        assert op_count.count_ops(e) == sp.count_ops(e), e
