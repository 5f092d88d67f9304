"""A deliberately wrong rule makes verification of the scalar problems fail, naming it."""

import pytest
import sympy as sp

import derive
from derive.core.functions import sigmoid
from derive.topics.identities import blocks_identity as identity
from derive.topics.identities import blocks_indexed as indexed
from derive.topics.scalar import calculus


def failures(pid: str) -> str:
    with pytest.raises(derive.VerificationError) as e:
        derive.load(pid).solve()
    return str(e.value)


def test_wrong_sinh_rule_fails_tanh_derivative(monkeypatch):
    monkeypatch.setitem(calculus.RULES, sp.sinh, ("sinh-derivative", lambda u: 2 * sp.cosh(u)))
    assert "a.derivative" in failures("tanh-derivative")


def test_wrong_factor_out_of_sum_fails_the_shift_proof(monkeypatch):
    def forgets_the_factor(e):
        """Σ_k a b_k -> Σ_k b_k: the factor a is lost."""
        num, den = sp.fraction(e, exact=True)
        s = next(iter(den.atoms(sp.Sum)))
        _, rest = s.function.as_independent(s.limits[0][0], as_Add=False)
        after = identity._rebuild(num, den.xreplace({s: sp.Sum(rest, s.limits[0])}))
        return identity.Op(after, sp.Integer(0), [(s.function, rest)])

    monkeypatch.setitem(identity.OPS, "factor-out-of-sum", forgets_the_factor)
    msg = failures("softmax-shift")
    assert "softmax(x + c)_i = softmax(x)_i: step 2 (factor-out-of-sum)" in msg
    assert "does not hold" in msg


def test_a_factor_that_depends_on_the_index_is_refused_symbolically():
    k, n = sp.Symbol("k", integer=True), sp.Symbol("n", integer=True)
    x = sp.IndexedBase("x", real=True)
    bad = identity.Op(sp.Integer(0), sp.Integer(0), [], free_of=[(x[k], k)])
    ok, how = identity._confirm(bad)
    assert not ok and "depends on it" in how
    good = identity.factor_sum(sp.Sum(2 * x[k], (k, 1, n)))
    assert identity._confirm(good)[0]


def test_wrong_softmax_jacobian_fails_loss_gradients(monkeypatch):
    monkeypatch.setitem(indexed.JACOBIANS, "softmax",
                        ("softmax-derivative", lambda p, k, i: p[k] * sp.KroneckerDelta(k, i)))
    msg = failures("loss-gradients")
    assert "c.dL_dz" in msg and "d.dL_dz" in msg


def test_wrong_sigmoid_rule_fails_loss_gradients(monkeypatch):
    monkeypatch.setitem(calculus.RULES, sigmoid,
                        ("sigmoid-derivative", lambda u: sigmoid(u) ** 2))
    msg = failures("loss-gradients")
    assert "b.dL_dz" in msg and "e.dL_dz" in msg


def test_wrong_tanh_rule_fails_rnn_vanishing(monkeypatch):
    monkeypatch.setitem(calculus.RULES, sp.tanh, ("tanh-derivative", lambda u: 1 - sp.tanh(u)))
    msg = failures("rnn-vanishing")
    assert "b.dh4_dh1" in msg and "c.dc4_dc1" not in msg


@pytest.mark.parametrize("f", [sp.exp, sp.erf])  # erf: not on the float64 tree, the fallback
def test_identity_points_tell_a_true_step_from_a_false_one(f):
    """The numeric half of an identity step (Σ_k e^{x_k + c} f(x_k) = e^c Σ_k e^{x_k} f(x_k))
    at seeded points with K pinned: a true step agrees to rounding, one that drops the
    factor e^c does not."""
    import numpy as np

    x = sp.IndexedBase("x")
    k, big_k = sp.symbols("k K", integer=True)
    c = sp.Symbol("c", real=True)
    before = sp.Sum(sp.exp(x[k] + c) * f(x[k]), (k, 1, big_k))
    right = sp.exp(c) * sp.Sum(sp.exp(x[k]) * f(x[k]), (k, 1, big_k))
    wrong = sp.Sum(sp.exp(x[k]) * f(x[k]), (k, 1, big_k))
    r = np.random.default_rng(0)
    assert identity._worst_at_points(before, right, {big_k: 4}, big_k, r) < 1e-12
    assert identity._worst_at_points(before, wrong, {big_k: 4}, big_k, r) > 1e-3
