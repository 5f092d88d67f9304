"""Indexed sums with a non-linear function of the sum, for a symbolic size K."""

import math

import numpy as np
import pytest
import sympy as sp
from testkit import solve_json

import derive


def test_log_sum_exp_gradient_is_softmax_for_every_k():
    v = derive.load("log-sum-exp").solve().answers["a.grad"].value
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
