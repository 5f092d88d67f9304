"""core.compiled (what functions.lambdify builds without SymPy's printer): values against
numpy and math written out here, Piecewise case by case, arrays, NaN and infinities,
scalar in -> scalar out, and the fallback to sympy.lambdify for what it does not know."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp
from exprkit import random_expressions

from derive.core import compiled, functions
from derive.core.functions import NUMERIC, clip, huber, lambdify, leaky_relu, relu, sigmoid
from derive.topics.networks.layers import Step

x, y = sp.symbols("x y", real=True)
XS = np.array([-3.0, -1.0, -0.5, 0.0, 0.25, 1.0, 2.5])


def _fn(expr, args=(x,)):
    return compiled.numpy_function(list(args), expr, NUMERIC)


def _sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def test_arithmetic_at_floats_and_arrays():
    e = 3 * x ** 2 - x / 3 + sp.sqrt(y) / (x + y) - 1
    f = _fn(e, (x, y))

    def by_hand(a, b):
        return 3 * a * a - a / 3 + math.sqrt(b) / (a + b) - 1

    for a, b in [(0.5, 2.0), (-1.25, 4.0), (3.0, 0.5)]:
        assert f(a, b) == pytest.approx(by_hand(a, b), rel=1e-15)
    bs = np.array([0.5, 2.0, 1.0, 4.0, 9.0, 0.1, 3.0])
    got = f(XS, bs)
    assert got.shape == XS.shape
    np.testing.assert_allclose(got, [by_hand(a, b) for a, b in zip(XS, bs, strict=True)],
                               rtol=1e-14)


def test_functions_and_their_numeric_twins():
    e = sigmoid(x) + relu(x) + sp.tanh(x) + sp.exp(-x) * sp.log(1 + x ** 2) + sp.Abs(x) \
        + sp.sign(x) + sp.sech(x) + Step(x)

    def by_hand(a):
        sign = (a > 0) - (a < 0)
        return (_sig(a) + max(a, 0.0) + math.tanh(a) + math.exp(-a) * math.log(1 + a * a)
                + abs(a) + sign + 1 / math.cosh(a) + (1.0 if a > 0 else 0.0))

    f = _fn(e)
    for a in XS.tolist():
        assert f(a) == pytest.approx(by_hand(a), rel=1e-14)


def test_piecewise_takes_the_first_case_that_holds_at_each_point():
    f_leaky, f_clip, f_huber = _fn(leaky_relu(x)), _fn(clip(x, -1, 1)), _fn(huber(x))
    for a in XS.tolist():
        assert float(f_leaky(a)) == (a if a > 0 else a / 100)
        assert float(f_clip(a)) == min(max(a, -1.0), 1.0)
        want = a * a / 2 if abs(a) <= 1 else abs(a) - 0.5
        assert float(f_huber(a)) == pytest.approx(want, rel=1e-15)
    np.testing.assert_array_equal(f_clip(XS), np.clip(XS, -1, 1))
    # no case holds: NaN (numpy.select's default, as lambdify's)
    g = _fn(sp.Piecewise((x, x > 0), (-x, x < -1)))
    np.testing.assert_array_equal(g(XS), [3.0, math.nan, math.nan, math.nan, 0.25, 1.0, 2.5])
    # conditions joined by and/or/not, relations of both kinds
    h = _fn(sp.Piecewise((1, sp.And(x >= 0, sp.Not(x > 1))), (2, sp.Or(sp.Eq(x, -1), x < -2)),
                         (3, sp.Ne(x, 5)), (4, True)))
    assert [int(h(a)) for a in XS] == [2, 2, 3, 1, 1, 1, 3]


def test_scalar_in_scalar_out():
    assert isinstance(_fn(2 * x)(1.5), float)
    assert isinstance(_fn(sp.exp(x))(1.5), np.float64)
    assert _fn(sp.Integer(3))(1.0) == 3
    piece = _fn(leaky_relu(x))(2.0)  # numpy.select: a 0-d array, as lambdify gives
    assert np.ndim(piece) == 0 and float(piece) == 2.0


def test_nan_and_infinities_follow_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _fn(1 / x)(np.float64(0.0)) == math.inf
        assert math.isnan(_fn(sp.sqrt(x))(-1.0))
        assert math.isnan(_fn(sigmoid(x) + x)(math.nan))
        assert _fn(sigmoid(x))(-1000.0) == 0.0
        assert _fn(sp.Max(x, 0))(math.inf) == math.inf
        assert math.isnan(float(_fn(leaky_relu(x))(math.nan)))
        np.testing.assert_array_equal(_fn(x / (x - 1))(np.array([1.0, 2.0])), [math.inf, 2.0])
    with pytest.raises(ZeroDivisionError):  # a Python float, as the printed 1/x
        _fn(1 / x)(0.0)


def test_max_min_heaviside_and_a_matrix():
    f = _fn(sp.Max(x, y, 0) - sp.Min(x, 2 * y) + sp.Heaviside(x, 0), (x, y))
    for a, b in [(1.0, -2.0), (-1.0, -2.0), (0.0, 0.5), (-3.0, 1.0)]:
        assert f(a, b) == max(a, b, 0.0) - min(a, 2 * b) + (1.0 if a > 0 else 0.0)
    m = _fn(sp.Matrix([[x, 1], [x * y, sp.Rational(1, 2)]]), (x, y))(3.0, -2.0)
    np.testing.assert_array_equal(m, np.array([[3.0, 1.0], [-6.0, 0.5]]))


def test_arguments_may_be_indexed_entries_or_dummies():
    p = sp.IndexedBase("p")
    d = sp.Dummy("d")
    f = _fn(p[1] * p[2] - d, (p[1], p[2], d))
    assert f(2.0, 3.0, 0.5) == 5.5
    with pytest.raises(TypeError):
        f(2.0, 3.0)


def test_what_it_does_not_know_is_unsupported():
    with pytest.raises(compiled.Unsupported):
        _fn(x + y)  # y is not an argument
    with pytest.raises(compiled.Unsupported):
        _fn(sp.erf(x))
    with pytest.raises(compiled.Unsupported):
        _fn(sp.Function("g")(x))


def test_functions_lambdify_falls_back_to_sympy_for_an_unsupported_node(monkeypatch):
    calls = []
    real = sp.lambdify

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(sp, "lambdify", spy)
    z = sp.Symbol("z_fallback", real=True)
    f = lambdify([z], sp.atan(z) + z)  # atan: known to SymPy's printer, not here
    assert len(calls) == 1
    assert f(0.5) == pytest.approx(math.atan(0.5) + 0.5, rel=1e-15)
    g = lambdify([z], sigmoid(z) * z)
    assert len(calls) == 1  # compiled, no SymPy
    assert g(0.5) == pytest.approx(_sig(0.5) * 0.5, rel=1e-15)
    assert lambdify([z], sigmoid(z) * z) is g  # cached per (args, expr)
    h = lambdify([z], sp.Matrix([[z, sp.atan(z)]]))  # unhashable: made afresh
    np.testing.assert_allclose(h(1.0), [[1.0, math.pi / 4]], rtol=1e-15)
    assert len(calls) == 2


def test_the_same_bits_as_sympy_lambdify():
    """Terms and factors in the printer's order: the same floating-point operations as
    the code SymPy prints, so the same values to the last bit (an independent route)."""
    r = np.random.default_rng(5)
    exprs = [x * y + 3 * x - 1 + x ** 2 / 7, (x + y) ** -2 - 2 * (x - y) / 3,
             -sp.Rational(1, 3) * (x + y) * y + sp.sqrt(2) * x, sp.sech(x) - 1 / sp.sqrt(y),
             sigmoid(x * y) * (1 - sigmoid(x * y)) * x ** sp.Rational(3, 2),
             sp.Float("0.30000000000000004") * x + sp.Float("0.1", 40) * y ** 3,
             huber(x - y, sp.Rational(1, 2)) + sp.exp(-x) / (1 + sp.exp(-x)) ** 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in exprs:
            mine = _fn(e, (x, y))
            theirs = sp.lambdify([x, y], e, modules=[functions.NUMERIC, np])
            a, b = r.normal(0, 3, 50), r.uniform(0.1, 4, 50)
            np.testing.assert_array_equal(mine(a, b), theirs(a, b))
            for u, v in zip(a[:10], b[:10], strict=True):
                assert mine(float(u), float(v)) == theirs(float(u), float(v))


def test_a_long_sum_is_one_loop_not_a_deep_nest():
    f = _fn(sp.Add(*[x ** k / (k + 1) for k in range(1500)]))
    assert f(0.5) == pytest.approx(sum(0.5 ** k / (k + 1) for k in range(1500)), rel=1e-14)


def test_the_same_bits_as_sympy_lambdify_on_random_expressions():
    """What marking hands it is any expression a student writes: on 150 random trees the
    values (NaN where SymPy's code gives NaN) are SymPy's own, at arrays and at floats,
    and a float that raises in SymPy's code raises here too."""
    z = sp.Symbol("z", real=True)
    r = np.random.default_rng(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in random_expressions(150, seed=11):
            mine = _fn(e, (x, y, z))
            theirs = sp.lambdify([x, y, z], functions._without_ite(e),
                                 modules=[functions.NUMERIC, np])
            pts = r.normal(0, 2, (3, 12))
            want = np.broadcast_to(np.asarray(theirs(*pts), dtype=float), (12,))
            got = np.broadcast_to(np.asarray(mine(*pts), dtype=float), (12,))
            np.testing.assert_array_equal(got, want, err_msg=str(e))
            for p in pts.T[:3]:
                try:
                    expected = theirs(*map(float, p))
                except (ZeroDivisionError, ValueError, OverflowError) as error:
                    with pytest.raises(type(error)):
                        mine(*map(float, p))
                    continue
                assert np.array_equal(np.asarray(mine(*map(float, p)), dtype=complex),
                                      np.asarray(expected, dtype=complex), equal_nan=True), e


def _first_that_holds(conds, values):
    for c, v in zip(conds, values, strict=True):
        if c:
            return float(v)
    return math.nan


def test_select_of_scalars_is_numpy_select_value_and_type():
    rng = np.random.default_rng(13)
    pool = [0, 3, -7, 2**62, 0.5, -0.0, math.inf, -math.inf, math.nan,
            np.float64(1.25), np.float64(-2.0), np.float64(math.nan)]
    for _ in range(400):
        n = int(rng.integers(1, 5))
        conds = [bool(t) if rng.random() < 0.5 else np.bool_(t)
                 for t in rng.random(n) < 0.4]
        values = [pool[i] for i in rng.integers(0, len(pool), n)]
        got = compiled.select_scalars(conds, values)
        want = np.select(conds, values, default=math.nan)
        assert type(got) is np.ndarray and got.shape == () and got.dtype == np.float64
        assert got.dtype == want.dtype and got.shape == want.shape
        by_hand = _first_that_holds(conds, values)
        assert (math.isnan(by_hand) and math.isnan(float(got))) or float(got) == by_hand
        assert np.array_equal(got, want, equal_nan=True)
        assert math.copysign(1.0, float(got)) == math.copysign(1.0, float(want))


def test_select_of_anything_else_is_left_to_numpy_select():
    conds = [np.array([True, False, False]), np.array([True, True, False])]
    got = compiled.select_scalars(conds, [1.0, np.array([2.0, 3.0, 4.0])])
    np.testing.assert_array_equal(got, [1.0, 3.0, math.nan])
    assert compiled.select_scalars([False, True], [1, 2j]) == 2j  # complex: numpy's dtype
    assert compiled.select_scalars([True], [np.float32(0.5)]).dtype == np.float32
    with pytest.raises(TypeError):  # an int beyond int64, as numpy.select refuses it
        compiled.select_scalars([True], [2**70])
