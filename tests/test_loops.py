"""Loops over data (perceptron rule, mini-batch SGD) against loops written here by hand."""

import numpy as np
import pytest
from testkit import solve_json

import derive
from derive.core.errors import VerificationError


def perceptron_by_hand(X, y, eta, epochs, b=0.0, signed=True):
    w = np.zeros(len(X[0]))
    out = []
    for _ in range(epochs):
        n = 0
        for x, t in zip(np.array(X, float), y, strict=True):
            a = w @ x + b
            if signed:
                step = t if t * a <= 0 else 0
            else:
                step = t - (1 if a > 0 else 0)
            if step:
                n += 1
                w, b = w + eta * step * x, b + eta * step
        out.append((w.copy(), b, n))
    return out


AND = [[1, 1], [1, -1], [-1, 1], [-1, -1]]


@pytest.mark.parametrize("sets,y,eta,epochs", [
    ((), [1, -1, -1, -1], 1, 2),
    (("y=[1,1,1,-1]", "eta=0.5", "epochs=3"), [1, 1, 1, -1], 0.5, 3),
])
def test_perceptron_signed(sets, y, eta, epochs):
    ans = solve_json("perceptron-rule", *sets)["answers"]
    for e, (w, b, n) in enumerate(perceptron_by_hand(AND, y, eta, epochs), start=1):
        assert np.allclose(ans[f"a.w{e}"]["value"], [w])
        assert ans[f"a.b{e}"]["value"] == pytest.approx(b)
        assert ans[f"a.mistakes{e}"]["value"] == n


@pytest.mark.parametrize("sets,y,eta,b0", [
    ((), [0, 1, 1, 1], 0.5, 0),
    (("y=[0,0,0,1]", "eta=1", "b0=1"), [0, 0, 0, 1], 1, 1),
])
def test_perceptron_binary(sets, y, eta, b0):
    ans = solve_json("perceptron-binary", *sets)["answers"]
    X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    for e, (w, b, n) in enumerate(perceptron_by_hand(X, y, eta, 3, b0, signed=False),
                                  start=1):
        assert np.allclose(ans[f"a.w{e}"]["value"], [w])
        assert ans[f"a.b{e}"]["value"] == pytest.approx(b)
        assert ans[f"a.mistakes{e}"]["value"] == n


def sgd_by_hand(grad, U, T, eta, batch, epochs):
    th = np.zeros(2)
    out = []
    for _ in range(epochs):
        for s in range(0, len(U), batch):
            g = np.mean([grad(th, u, t) for u, t in zip(U[s:s + batch], T[s:s + batch],
                                                        strict=True)], axis=0)
            th = th - eta * g
            out.append((g, th.copy()))
    return out


def lin_grad(th, u, t):
    r = th[0] * u + th[1] - t
    return np.array([2 * r * u, 2 * r])


def log_grad(th, u, t):
    p = 1 / (1 + np.exp(-(th[0] * u + th[1])))
    return np.array([(p - t) * u, p - t])


@pytest.mark.parametrize("sets,eta,batch", [((), 0.05, 2), (("eta=0.01", "batch=1"), 0.01, 1)])
def test_minibatch_linear_regression(sets, eta, batch):
    ans = solve_json("minibatch-regression", *sets)["answers"]
    steps = sgd_by_hand(lin_grad, [1, 2, 3, 4], [3, 5, 7, 9], eta, batch, 1)
    assert np.allclose(ans["a.g1"]["value"], [steps[0][0]], rtol=1e-12)
    assert np.allclose(ans["a.x1"]["value"], [steps[0][1]], rtol=1e-12)
    assert np.allclose(ans["a.x2"]["value"], [steps[1][1]], rtol=1e-12)


@pytest.mark.parametrize("sets,eta", [((), 1.0), (("eta=0.5", "U=[-1,-0.5,0.5,3]"), 0.5)])
def test_minibatch_logistic_regression(sets, eta):
    U = [-2, -1, 1, 2] if not sets else [-1, -0.5, 0.5, 3]
    ans = solve_json("minibatch-logistic", *sets)["answers"]
    steps = sgd_by_hand(log_grad, U, [0, 0, 1, 1], eta, 2, 2)
    assert np.allclose(ans["a.g1"]["value"], [steps[0][0]], rtol=1e-10)
    for i in (1, 2, 4):
        assert np.allclose(ans[f"a.x{i}"]["value"], [steps[i - 1][1]], rtol=1e-10)


def test_a_wrong_update_is_caught(monkeypatch):
    """A perceptron that also updates on correct points disagrees with the oracle."""
    from derive.topics.loops import oracle

    real = oracle.perceptron
    monkeypatch.setattr(oracle, "perceptron",
                        lambda *a, **k: [(w + 1, b, n) for w, b, n in real(*a, **k)])
    with pytest.raises(VerificationError):
        derive.load("perceptron-rule").solve()
