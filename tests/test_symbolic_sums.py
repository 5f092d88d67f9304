"""Indexed sums with a non-linear function of the sum, for a symbolic size K."""

import math

import numpy as np
import pytest
import sympy as sp
from testkit import solve_json


def test_log_sum_exp_gradient_is_softmax_for_every_k(solved):
    v = solved("log-sum-exp").answers["a.grad"].value
    p = sp.IndexedBase("p", real=True)
    for n in (2, 3, 5, 8):  # any K, not only the checked ones
        z = np.linspace(-1.5, 2.0, n)
        soft = np.exp(z) / np.exp(z).sum()
        for i in range(1, n + 1):
            concrete = v.subs({sp.Symbol("K", integer=True): n, sp.Symbol("i", integer=True): i})
            got = float(concrete.doit().subs({p[m]: z[m - 1] for m in range(1, n + 1)}))
            assert math.isclose(got, soft[i - 1], rel_tol=1e-12)


@pytest.mark.parametrize("sets,x", [((), [1, 2, 3]), (("x=[0.5,-1,2]",), [0.5, -1, 2])])
def test_log_sum_exp_gradient_at_the_scores(sets, x):
    got = solve_json("log-sum-exp", *sets)["answers"]["b.grad"]["value"]
    e = np.exp(x)
    assert np.allclose(got, [e / e.sum()], rtol=1e-12)


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _jacobian_fd(z, h=1e-6):
    n = len(z)
    J = np.zeros((n, n))
    for j in range(n):
        up, dn = z.copy(), z.copy()
        up[j] += h
        dn[j] -= h
        J[:, j] = (_softmax(up) - _softmax(dn)) / (2 * h)
    return J


@pytest.mark.parametrize("n", [3, 7])  # 7: beyond the sizes the block's check draws
def test_softmax_jacobian_for_any_k(n, solved):
    s = solved("softmax-jacobian")
    entry, mat = s.answers["a.entry"].value, s.answers["a.J"].value
    z = np.linspace(-1.0, 1.5, n)
    p = _softmax(z)
    want = _jacobian_fd(z)
    pi = sp.IndexedBase("p", real=True)
    i, j = sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)
    got = np.array([[float(entry.subs({i: a + 1, j: b + 1}).xreplace(
        {pi[m + 1]: p[m] for m in range(n)})) for b in range(n)] for a in range(n)])
    assert np.allclose(got, want, atol=1e-8)
    size = sp.Symbol("K", integer=True, positive=True)  # the block's size symbol
    pm = sp.MatrixSymbol("p", n, 1)
    explicit = mat.xreplace({size: n}).xreplace({pm: sp.Matrix(p)}).doit()
    assert np.allclose(np.array(sp.Matrix(explicit).tolist(), float), want, atol=1e-8)


@pytest.mark.parametrize("sets,x", [((), [1, 0, -1]), (("x=[2,-1,0.5]",), [2, -1, 0.5])])
def test_softmax_jacobian_problem_probabilities(sets, x):
    got = solve_json("softmax-jacobian", *sets)["answers"]["b.p"]["value"]
    e = np.exp(x)
    assert np.allclose(np.array(got).reshape(-1), e / e.sum(), rtol=1e-12)
