"""Batch normalisation forward and backward against numpy written out here."""

import numpy as np
import pytest
from testkit import solve_json

X = np.array([[1, 2], [3, 2], [5, 6], [7, 6]], float)
G = np.array([[1, 0], [0, 1], [-1, 2], [2, -1]], float)


def by_hand(x, gamma, beta, g):
    B = len(x)
    mu = x.sum(0) / B
    var = ((x - mu) ** 2).sum(0) / B
    xhat = (x - mu) / np.sqrt(var)
    y = gamma * xhat + beta
    dbeta = g.sum(0)
    dgamma = (g * xhat).sum(0)
    # the textbook backward pass, term by term through μ and σ²
    dxhat = g * gamma
    dvar = (dxhat * (x - mu) * -0.5 * var ** -1.5).sum(0)
    dmu = (-dxhat / np.sqrt(var)).sum(0) + dvar * (-2 * (x - mu)).sum(0) / B
    dx = dxhat / np.sqrt(var) + dvar * 2 * (x - mu) / B + dmu / B
    return dict(mean=mu, var=var, xhat=xhat, y=y, dbeta=dbeta, dgamma=dgamma, dx=dx)


@pytest.mark.parametrize("sets,gamma,beta,g", [
    ((), [2, 0.5], [0, 1], G),
    (("gamma=[1,3]", "beta=[-1,0]", "G=[[0,1],[1,0],[2,2],[-3,1]]"), [1, 3], [-1, 0],
     np.array([[0, 1], [1, 0], [2, 2], [-3, 1]], float)),
])
def test_batch_norm(sets, gamma, beta, g):
    ans = solve_json("batch-norm", *sets)["answers"]
    want = by_hand(X, np.array(gamma, float), np.array(beta, float), g)
    for part, role in [("a", "mean"), ("a", "var"), ("a", "xhat"), ("a", "y"),
                       ("b", "dbeta"), ("b", "dgamma"), ("b", "dx")]:
        got = np.array(ans[f"{part}.{role}"]["value"], float)
        assert np.allclose(got, np.atleast_2d(want[role]), rtol=1e-12, atol=1e-12), role


def softmax_regression_by_hand(X, W, b, Y):
    Z = X @ W + b
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    B = len(X)
    E = -np.sum(Y * np.log(P)) / B
    return P, E, X.T @ (P - Y) / B, (P - Y).sum(axis=0, keepdims=True) / B


@pytest.mark.parametrize("sets,W,b", [
    ((), [[0.5, -0.5, 0], [0, 1, -1]], [0, 0, 0.5]),
    (("W=[[1,0,-1],[0.5,0.5,0]]", "b=[0.1,0.2,0.3]"), [[1, 0, -1], [0.5, 0.5, 0]],
     [0.1, 0.2, 0.3]),
])
def test_softmax_regression_on_a_batch(sets, W, b, solved):
    X = np.array([[1, 0], [0, 1], [1, 1]], float)
    Y = np.eye(3)
    P, E, dW, db = softmax_regression_by_hand(X, np.array(W, float), np.array([b], float), Y)
    ans = solve_json("softmax-regression-batch", *sets)["answers"]
    assert np.allclose(ans["a.P"]["value"], P, rtol=1e-12)
    assert ans["a.E"]["value"] == pytest.approx(E, rel=1e-12)
    assert np.allclose(ans["c.dW"]["value"], dW, rtol=1e-12)
    assert np.allclose(ans["c.db"]["value"], db, rtol=1e-12)
    # the formula answered is the course's X^T (P - Y)/B: evaluated on random matrices
    import sympy as sp

    form = solved("softmax-regression-batch").answers["b.dW_form"].value
    r = np.random.default_rng(5)
    Xr, Pr, Yr = r.normal(size=(4, 2)), r.normal(size=(4, 3)), r.normal(size=(4, 3))
    syms = {str(m): m for m in form.atoms(sp.MatrixSymbol)}
    sizes = {s: v for s in form.free_symbols if isinstance(s, sp.Symbol)
             for name, v in (("B", 4), ("N", 2), ("K", 3)) if str(s) == name}
    got = form.xreplace({syms["X"]: sp.Matrix(Xr), syms["P"]: sp.Matrix(Pr),
                         syms["Y"]: sp.Matrix(Yr), **sizes}).doit()
    assert np.allclose(np.array(sp.Matrix(got).tolist(), float), Xr.T @ (Pr - Yr) / 4)


@pytest.mark.parametrize("sets,a,q,m", [
    ((), [2, -1, 0.5, 3], 0.8, [1, 0, 1, 1]),
    (("q=0.5", "m=[0,1,1,0]", "a=[1,2,3,4]"), [1, 2, 3, 4], 0.5, [0, 1, 1, 0]),
])
def test_inverted_dropout(sets, a, q, m):
    ans = solve_json("inverted-dropout", *sets)["answers"]
    a, m = np.array(a, float), np.array(m, float)
    assert np.allclose(ans["a.y"]["value"], [m * a / q])
    # expectation and variance by sampling every mask of a Bernoulli(q) by hand
    n = len(a)
    ey, ey2 = np.zeros(n), np.zeros(n)
    for bits in range(2 ** n):
        mk = np.array([(bits >> k) & 1 for k in range(n)], float)
        w = np.prod(np.where(mk == 1, q, 1 - q))
        ey += w * mk * a / q
        ey2 += w * (mk * a / q) ** 2
    assert np.allclose(ans["b.mean"]["value"], [ey])
    assert np.allclose(ans["b.var"]["value"], [ey2 - ey**2])
