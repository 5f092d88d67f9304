"""core.pointwise: float64 values of expressions at a point, sums as loops, against plain
math written out here."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from exprkit import random_expressions

from derive.core import pointwise
from derive.core.functions import sigmoid

p, t = sp.IndexedBase("p"), sp.IndexedBase("t")
i, k, j, K = sp.symbols("i k j K", integer=True)
x = sp.Symbol("x", real=True)
P = {1: 0.3, 2: -1.2, 3: 0.7, 4: 2.0}
T = {1: 0.0, 2: 1.0, 3: 0.0, 4: 0.5}


def _at(expr, ints=None, xv=0.4):
    return pointwise.evaluate(expr, lambda name: {"x": xv}[name],
                              lambda base, n: {"p": P, "t": T}[base][n], ints)


def test_a_sum_except_the_free_index_is_the_loop_written_out():
    e = sp.Sum(p[k] * (1 - sp.KroneckerDelta(i, k)), (k, 1, K)) + t[i] * sigmoid(x)
    want = sum(P[n] for n in range(1, 5) if n != 3) + T[3] / (1 + math.exp(-0.4))
    assert _at(e, {"K": 4, "i": 3}) == pytest.approx(want, rel=1e-14)


def test_nested_sums_products_and_powers():
    e = sp.Sum(p[j] * p[k], (j, 1, K), (k, 1, K)) + sp.Product(1 + t[k], (k, 1, K)) \
        + sp.sqrt(x) + x ** -2 + sp.log(sp.exp(x) + 1)
    want = sum(P.values()) ** 2 + math.prod(1 + v for v in T.values()) + math.sqrt(0.4) \
        + 0.4 ** -2 + math.log(math.exp(0.4) + 1)
    assert _at(e, {"K": 4}) == pytest.approx(want, rel=1e-13)


def test_outside_the_reals_is_nan_and_unknown_nodes_are_refused():
    assert math.isnan(_at(sp.sqrt(x), xv=-1.0))
    assert math.isnan(_at(sp.log(x), xv=-1.0))
    with pytest.raises(pointwise.Unsupported):
        _at(sp.gamma(x))
    with pytest.raises(pointwise.Unsupported):  # a bound that is not a whole number
        _at(sp.Sum(p[k], (k, 1, x)))


def test_indexed_check_values_by_the_tree_and_by_sympy_where_the_tree_cannot():
    """The indexed-backprop check reads an answer at drawn entries, a row per draw: on
    the tree, or (a function the tree does not know) with the sums written out; both by
    numpy here."""
    from derive.topics.identities.blocks_indexed import _values

    p, y = sp.IndexedBase("p"), sp.IndexedBase("y")
    k, i, n = sp.symbols("k i K", integer=True)
    pv = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    yv = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    values = {"p": pv, "y": yv}
    known = p[i] * sp.Sum(y[k], (k, 1, n)) - y[i]
    np.testing.assert_allclose(_values(known, values, {n: 3, i: 2}),
                               pv[:, 1] * yv.sum(axis=1) - yv[:, 1], rtol=1e-14)
    unknown = sp.erf(p[i]) + sp.Sum(y[k] * p[k], (k, 1, n))
    want = [math.erf(pv[t, 0]) + float(yv[t] @ pv[t]) for t in range(2)]
    np.testing.assert_allclose(_values(unknown, values, {n: 3, i: 1}), want, rtol=1e-12)


@pytest.mark.parametrize("f,f_np", [(sp.exp, np.exp), (sp.erf, np.vectorize(math.erf))])
def test_indexed_check_loss_on_the_tree_or_lambdified(f, f_np):
    """The loss of the indexed-backprop check as a function of p_1..p_n, y_1..y_n: on
    the tree (exp) or, for a function the tree does not know (erf), lambdified."""
    from derive.topics.identities.blocks_indexed import _loss_function

    p, y = sp.IndexedBase("p"), sp.IndexedBase("y")
    k, n = sp.symbols("k K", integer=True)
    loss = -sp.Sum(y[k] * sp.log(f(p[k])), (k, 1, n)) + p[1]
    pv, yv = np.array([0.2, 0.5, 0.3]), np.array([0.0, 1.0, 2.0])
    fn = _loss_function(loss, p, [y], n, 3)
    want = -float(yv @ np.log(f_np(pv))) + pv[0]
    assert fn(np.array([[*pv, *yv]]))[0] == pytest.approx(want, rel=1e-12)


XS = np.array([-1.5, -0.2, 0.0, 0.5, 0.99, 1.0, 3.0])


def _at_points(expr, ints=None, xs=XS):
    """Every point in one walk: x is the column ``xs``, p[k] is P[k] times it."""
    return pointwise.evaluate_points(expr, len(xs), lambda name: {"x": xs}[name],
                                     lambda base, n: {"p": P, "t": T}[base][n] * xs, ints)


def test_many_points_at_once_piecewise_case_by_case():
    e = sp.Piecewise((x ** 2, x < 0), (sp.exp(-x), sp.And(x >= 0, x < 1)), (x, True))
    want = np.where(XS < 0, XS ** 2, np.where(XS < 1, np.exp(-XS), XS))
    np.testing.assert_allclose(_at_points(e), want, rtol=1e-15)
    # no case holds: NaN at those points only
    partial = sp.Piecewise((x, sp.Or(x < -1, sp.Not(x < 1))))
    np.testing.assert_array_equal(np.isnan(_at_points(partial)), (XS >= -1) & (XS < 1))


def test_many_points_at_once_sums_max_and_powers():
    e = sp.Sum(p[k] * t[k], (k, 1, K)) + sp.Max(x, 0) * sp.Min(x, 1) + sp.sqrt(x)
    dot = sum(P[n] * T[n] for n in range(1, 5)) * XS * XS
    with np.errstate(invalid="ignore"):
        want = dot + np.maximum(XS, 0) * np.minimum(XS, 1) + np.sqrt(XS)
    got = _at_points(e, {"K": 4})
    np.testing.assert_array_equal(np.isnan(got), XS < 0)  # √ of a negative: NaN, as at one point
    np.testing.assert_allclose(got[XS >= 0], want[XS >= 0], rtol=1e-14)
    assert math.isnan(_at_points(x ** -1)[XS == 0][0])  # 1/0: NaN, as at one point


def test_many_points_agree_with_one_point_at_a_time_and_constants_broadcast():
    e = sp.Piecewise((sigmoid(x) * p[2], x > 0.4), (sp.tanh(x) - t[i], True))
    together = _at_points(e, {"i": 2})
    for n, xv in enumerate(XS):
        one = pointwise.evaluate(e, lambda name, xv=xv: xv,
                                 lambda base, m, xv=xv: {"p": P, "t": T}[base][m] * xv,
                                 {"i": 2})
        assert together[n] == pytest.approx(one, rel=1e-15)
    np.testing.assert_array_equal(_at_points(sp.Integer(3)), np.full(len(XS), 3.0))
    with pytest.raises(pointwise.Unsupported):  # an index that depends on the point
        _at_points(p[x])


def test_max_and_min_of_an_undefined_argument_are_undefined():
    """NaN where an argument is undefined (√ of a negative), whichever side it is on, at
    one point and at many, as numpy and the lambdified checks give it."""
    for e in (sp.Max(2, sp.sqrt(x)), sp.Max(sp.sqrt(x), -5), sp.Min(sp.sqrt(x), 5),
              sp.Min(-1, sp.log(x))):
        assert math.isnan(_at(e, xv=-1.0)), e
        assert np.isnan(_at_points(e, xs=np.array([-1.0, -4.0]))).all(), e
    assert _at(sp.Max(2, sp.sqrt(x)), xv=9.0) == 3.0
    assert _at(sp.Sum(p[k], (k, 1, sp.Min(K, 3))), {"K": 4}) == pytest.approx(P[1] + P[2] + P[3])


def test_many_points_at_once_are_one_point_at_a_time_on_random_trees():
    """On 300 seeded random trees (powers, Max/Min, Piecewise, the functions checks
    meet), every point of one walk is the value of that point alone."""
    r = np.random.default_rng(1)
    with np.errstate(all="ignore"):
        for e in random_expressions(300, seed=5):
            pts = r.normal(0, 2, (3, 6))
            cols = dict(zip("xyz", pts, strict=True))
            try:
                many = pointwise.evaluate_points(e, 6, cols.__getitem__)
            except pointwise.Unsupported:
                continue
            one = [pointwise.evaluate(e, lambda n, j=j, c=cols: c[n][j]) for j in range(6)]
            np.testing.assert_allclose(many, one, rtol=1e-12, equal_nan=True, err_msg=str(e))
