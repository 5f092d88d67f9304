"""The laws a step states (e^{a+b} = e^a e^b, Σ_k a δ_ki = a_i, g_t = f′(x_t)) are
equations as written: SymPy is not asked to decide them, so a law never shows as
``True``, and each one that has numbers in it holds at random points."""

from __future__ import annotations

import random

import sympy as sp


def _facts(solution):  # noqa: ANN001, ANN202
    return [(item.rule, f) for item in solution.items for f in getattr(item, "facts", ())]


def _holds_at_random_points(law: sp.Equality) -> bool:
    """Both sides at seeded random values of the free symbols (sums written out at n = 3,
    indexed entries drawn too), compared in floating point."""
    r = random.Random(5)
    lhs, rhs = law.lhs, law.rhs
    sizes = {s: 3 for s in law.free_symbols if s.is_integer and str(s) in ("n", "K")}
    lhs, rhs = (side.xreplace(sizes).doit() for side in (lhs, rhs))
    for _ in range(3):
        both = sp.Tuple(lhs, rhs)
        point = {s: sp.Float(r.uniform(-2, 2)) for s in both.free_symbols}
        point.update({ix: sp.Float(r.uniform(-2, 2)) for ix in both.atoms(sp.Indexed)})
        a, b = (complex(side.xreplace(point).evalf()) for side in (lhs, rhs))
        if abs(a - b) > 1e-12 * max(1.0, abs(a)):
            return False
    return True


def test_identity_laws_are_stated_and_hold(solved) -> None:  # noqa: ANN001
    laws = {rule: f for rule, f in _facts(solved("softmax-shift"))
            if rule in ("exp-of-sum", "factor-out-of-sum")}
    assert set(laws) == {"exp-of-sum", "factor-out-of-sum"}
    a, b = sp.symbols("a b")
    assert isinstance(laws["exp-of-sum"], sp.Equality)
    assert laws["exp-of-sum"].lhs == sp.exp(a + b)
    assert laws["exp-of-sum"].rhs == sp.Mul(sp.exp(a), sp.exp(b), evaluate=False)
    for law in laws.values():
        assert isinstance(law, sp.Equality) and _holds_at_random_points(law), law


def test_kronecker_sum_law_is_stated_and_holds(solved) -> None:  # noqa: ANN001
    laws = [f for rule, f in _facts(solved("loss-gradients")) if rule == "kronecker-delta-sum"]
    assert len(laws) == 2  # parts c and d
    for law in laws:
        assert isinstance(law, sp.Equality)
        assert isinstance(law.lhs, sp.Sum) and isinstance(law.rhs, sp.Indexed)
        # Σ_{k=1..3} a_k δ_ki = a_i for each i = 1..3
        i = next(s for s in law.rhs.free_symbols if str(s) == "i")
        for j in (1, 2, 3):
            assert _holds_at_random_points(sp.Eq(*(side.xreplace({i: j}) for side in law.args),
                                                 evaluate=False)), (law, j)


def test_descent_states_what_g_t_is(solved) -> None:  # noqa: ANN001
    facts = [f for rule, f in _facts(solved("gelu-descent"))
             if rule in ("gd-update", "momentum-velocity")]
    assert facts and all(isinstance(f, sp.Equality) for f in facts)
    assert {str(f.lhs) for f in facts} == {"g_t", "v_0"}
