"""core.numeric's stencils: ``remembered`` evaluates each point once and gives f's own
values; ``gradient_sided`` on a smooth function is the Richardson central difference,
here written out with plain numpy, and at a kink one of the two one-sided slopes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from derive.core.numeric import gradient_sided, kink_near, one_sided_diffs, remembered


def _counting(f):
    calls = []

    def g(t):
        calls.append(t)
        return f(t)

    return g, calls


def test_remembered_gives_f_values_and_evaluates_each_point_once():
    f, calls = _counting(lambda t: t ** 3 - 2 * t)
    kept = remembered(f)
    pts = [0.5, np.float64(0.5), -1.25, 0.5, -1.25, np.float64(0.5)]
    assert [kept(t) for t in pts] == [t ** 3 - 2 * t for t in pts]
    # a Python float and a numpy float are different points (their arithmetic differs)
    assert len(calls) == 3
    assert [type(kept(t)) for t in pts] == [type(t ** 3 - 2 * t) for t in pts]


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_remembered_tells_minus_zero_and_nan_and_arrays_apart():
    f, calls = _counting(lambda t: np.float64(1.0) / t)
    kept = remembered(f)
    assert kept(0.0) == math.inf and kept(-0.0) == -math.inf and kept(0.0) == math.inf
    assert len(calls) == 2
    assert math.isnan(kept(float("nan"))) and math.isnan(kept(float("nan")))
    a = np.array([1.0, 2.0])
    before = len(calls)
    np.testing.assert_array_equal(kept(a), [1.0, 0.5])
    np.testing.assert_array_equal(kept(a), [1.0, 0.5])
    assert len(calls) == before + 2  # an array is not kept


def test_one_sided_diffs_and_kink_near_with_a_remembered_function():
    f, calls = _counting(abs)
    kept = remembered(f)
    left, right = one_sided_diffs(kept, 0.0)
    assert (left, right) == (-1.0, 1.0)
    assert len(calls) == 5  # x once, then x ± h and x ± 2h
    assert kink_near(kept, 0.0) and not kink_near(remembered(abs), 0.7)


def _richardson(f, x):
    h = 1e-3 * max(1.0, abs(x))
    d1 = (f(x + h) - f(x - h)) / (2 * h)
    d2 = (f(x + h / 2) - f(x - h / 2)) / h
    return (4 * d2 - d1) / 3


def test_gradient_sided_is_the_central_difference_where_smooth():
    def f(v):
        return float(np.sin(v[0]) * np.exp(v[1]) + v[0] * v[1] ** 2)

    x = np.array([0.3, -0.7])
    want = [_richardson(lambda t: f(np.array([t, x[1]])), x[0]),
            _richardson(lambda t: f(np.array([x[0], t])), x[1])]
    got = gradient_sided(f, x)
    assert got.tolist() == want  # the same operations: the same bits
    by_hand = [math.cos(0.3) * math.exp(-0.7) + 0.49, math.sin(0.3) * math.exp(-0.7) - 0.42]
    np.testing.assert_allclose(got, by_hand, rtol=1e-9)
    assert x.tolist() == [0.3, -0.7]  # the point given is left as it was


def test_gradient_sided_at_a_kink_takes_the_slope_nearer_the_value_checked():
    def f(v):
        return float(abs(v[0]) + 3 * v[1])

    x = np.array([0.0, 1.0])
    right = gradient_sided(f, x, near=np.array([1.0, 3.0]))
    left = gradient_sided(f, x, near=np.array([-1.0, 3.0]))
    np.testing.assert_allclose(right, [1.0, 3.0], rtol=1e-8)
    np.testing.assert_allclose(left, [-1.0, 3.0], rtol=1e-8)
    # the mean of the slopes is |x|'s convention sign(0) = 0 (kink_slopes)
    mean = gradient_sided(f, x, near=np.array([0.0, 3.0]))[0]
    assert abs(mean) < 1e-8
    # a value equal to none of -1, 1, 0 is still compared with the nearest (1), not itself
    neither = gradient_sided(f, x, near=np.array([0.7, 3.0]))[0]
    assert abs(neither - 1.0) < 1e-8
