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
