"""rel_error of two numbers is the float64 relative error, bit for bit what the array
route gives (a check's printed error must not move with how its numbers arrive)."""

from __future__ import annotations

import math
import random

import numpy as np

from derive.core.numeric import FLOOR, rel_error


def _by_hand(a: float, b: float, floor: float) -> float:
    """|a − b| / max(|a|, |b|, floor) in numpy float64, inf for a non-finite input."""
    x, y = np.float64(a), np.float64(b)
    if not (np.isfinite(x) and np.isfinite(y)):
        return math.inf
    return float(np.abs(x - y) / np.max([np.abs(x), np.abs(y), np.float64(floor)]))


def test_numbers_give_the_float64_relative_error_exactly() -> None:
    r = random.Random(3)
    values = [0.0, -0.0, 1e-300, 5e-5, 1e-4, -3.0, 2.5, 1e308, -1e308, 7, -2, True]
    values += [r.uniform(-5, 5) for _ in range(60)] + [r.uniform(-2e-4, 2e-4) for _ in range(30)]
    with np.errstate(over="ignore"):  # 1e308 − (−1e308) is inf both ways
        _compare_all(values)


def _compare_all(values: list[float]) -> None:
    for a in values:
        for b in values:
            for floor in (FLOOR, 1e-12, 1.0):
                want = _by_hand(a, b, floor)
                for x, y in ((a, b), (np.float64(a), b), (a, np.float64(b))):
                    got = rel_error(x, y, floor)
                    assert type(got) is float and got == want, (x, y, floor, got, want)
                    assert got == rel_error(np.array([a]), np.array([b]), floor)


def test_non_finite_numbers_and_arrays_are_infinitely_wrong() -> None:
    for bad in (math.inf, -math.inf, math.nan):
        assert rel_error(bad, 1.0) == math.inf
        assert rel_error(1.0, bad) == math.inf
        assert rel_error(np.array([1.0, bad]), np.array([1.0, 2.0])) == math.inf
    assert rel_error(np.zeros(2), np.zeros(3)) == math.inf  # shapes differ


def test_arrays_take_the_largest_entry_error() -> None:
    a = np.array([[1.0, 2.0], [1e-6, -3.0]])
    b = np.array([[1.0, 2.5], [0.0, -3.0]])
    pairs = zip(a.ravel(), b.ravel(), strict=True)
    assert rel_error(a, b) == max(_by_hand(x, y, FLOOR) for x, y in pairs)
    assert rel_error(np.empty((0, 2)), np.empty((0, 2))) == 0.0
