"""``decimalize`` (short terminating rationals as Floats, for display) is SymPy's
``xreplace`` with each such rational's decimal, however often its subtrees were met
before: checked against that xreplace built here, with the decimals written by
``decimal.Decimal`` (not by derive)."""

from __future__ import annotations

import random
from decimal import Decimal, localcontext

import sympy as sp
from exprkit import random_expressions

from derive.core.functions import sigmoid
from derive.core.values import decimal_string
from derive.render import decimals
from derive.render.decimals import decimalize


def _short_decimal(r: sp.Rational, max_digits: int) -> str | None:
    """The exact decimal of ``r`` when it ends within ``max_digits`` places, else None."""
    with localcontext() as ctx:
        ctx.prec = 60
        d = Decimal(int(r.p)) / Decimal(int(r.q))
    if d * int(r.q) != int(r.p):  # not exact: the expansion does not end
        return None
    places = -d.normalize().as_tuple().exponent  # type: ignore[operator]
    return None if places > max_digits else format(d.normalize(), "f")


def _by_xreplace(e: sp.Basic, max_digits: int = 8) -> sp.Basic:
    """The xreplace, with every power's exponent kept exact (√3 stays √3, not 3**0.5 =
    1.73205…): a power keeps its exponent, the rest is replaced node by node."""
    if isinstance(e, sp.Pow):
        return sp.Pow(_by_xreplace(e.base, max_digits), e.exp)
    if not e.args:
        return _by_rule(e, max_digits)
    new = [_by_xreplace(a, max_digits) if isinstance(a, sp.Basic) else a for a in e.args]
    return e.func(*new) if new != list(e.args) else e


def _by_rule(e: sp.Basic, max_digits: int) -> sp.Basic:
    rule = {}
    for r in e.atoms(sp.Rational):
        if not r.is_Integer and (d := _short_decimal(r, max_digits)) is not None:
            rule[r] = sp.Float(d, 30)
    return e.xreplace(rule) if rule else e


def _trees(seed: int) -> list[sp.Expr]:
    """Random trees with short, long and endless fractions among their leaves."""
    x = sp.Symbol("x", real=True)
    rand = random.Random(seed)
    fractions = [sp.Rational(851, 500), sp.Rational(-1, 20), sp.Rational(1, 3),
                 sp.Rational(1, 1024), sp.Rational(7, 10), sp.Rational(123456789, 10**9),
                 sp.Rational(-1, 64)]
    out = []
    for e in random_expressions(120, seed):
        f = rand.choice(fractions)
        out += [e, e * f, sigmoid(f * x) + e]
    return out


def test_decimalize_is_xreplace_of_the_short_decimals_on_random_trees() -> None:
    trees = _trees(13)
    decimals._DECIMAL.clear()
    for digits in (8, 3, 8, 3):  # memo empty, then every subtree met before, each way
        for e in trees:
            got, want = decimalize(e, digits), _by_xreplace(e, digits)
            assert got == want and type(got) is type(want), (e, got, want)


def test_a_whole_after_its_parts_and_matrices_entry_by_entry() -> None:
    x, y = sp.symbols("x y")
    part = sp.Rational(851, 500) * x + sp.Rational(1, 3)
    whole = sp.exp(part) / (1 + sp.exp(part)) + sp.Rational(-1, 20) * y
    decimals._DECIMAL.clear()
    decimalize(part)
    assert decimalize(whole) == _by_xreplace(whole)
    assert "1.702" in str(decimalize(whole)) and "1/3" in str(decimalize(whole))
    m = sp.ImmutableMatrix([[part, sp.Rational(1, 4)], [sp.Integer(0), whole]])
    assert decimalize(m) == _by_xreplace(m)
    exact = sp.ImmutableMatrix([[x, sp.Rational(1, 3)]])
    assert decimalize(exact) is exact  # nothing to write as a decimal: the same matrix
    assert decimalize(sp.Rational(3, 8)) == sp.Float("0.375", 30)
    assert decimalize(2.5) == 2.5  # not SymPy: as given


def test_decimal_string_is_the_exact_decimal_of_either_sign() -> None:
    rand = random.Random(3)
    for _ in range(2000):
        r = sp.Rational(rand.randint(-10**6, 10**6),
                        rand.choice([1, 2, 3, 4, 5, 7, 8, 20, 25, 64, 125, 1000, 1024, 3 * 2**4]))
        for places in (0, 3, 8, 12):
            assert decimal_string(r, max_digits=places) == _short_decimal(r, places), (r, places)


def test_unevaluated_context_is_kept_apart() -> None:
    """Inside ``evaluate(False)`` a rebuilt node stays as built, as xreplace leaves it."""
    x = sp.Symbol("x")
    e = sp.Add(sp.Rational(1, 2), sp.Rational(1, 4) * x, sp.Rational(3, 4), evaluate=False)
    decimals._DECIMAL.clear()
    outside = decimalize(e)
    with sp.evaluate(False):
        inside, want = decimalize(e), _by_xreplace(e)
    assert inside == want and outside == _by_xreplace(e)
    assert inside != outside  # 0.5 + 0.75 added only outside
