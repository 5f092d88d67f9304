"""Independent numerical routes used by the checks: finite differences, seeded points.

Nothing here uses the symbolic derivative rules; it only evaluates functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: the verification's seed: the same points on every run and machine
SEED = 20261121
#: CS231n-style tolerance for analytic vs numeric gradients in float64
GRAD_TOL = 1e-6
#: below this magnitude, errors are measured absolutely (a relative error of ~0 is noise)
FLOOR = 1e-4


def rng(salt: int = 0) -> np.random.Generator:
    """A seeded generator (``salt`` separates the streams of different checks)."""
    return np.random.default_rng(SEED + salt)


def rel_error(a: Any, b: Any, floor: float = FLOOR) -> float:
    """max |a − b| / max(|a|, |b|, floor), elementwise for arrays."""
    if isinstance(a, float | int) and isinstance(b, float | int) and floor > 0:
        # two numbers (half the calls): the same float64 operations, without arrays
        a, b = float(a), float(b)
        if not (math.isfinite(a) and math.isfinite(b)):
            return float("inf")
        return abs(a - b) / max(abs(a), abs(b), floor)
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("inf")
    den = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return float((np.abs(a - b) / den).max()) if a.size else 0.0


def central_diff(f: Callable[[float], float], x: float, h: float | None = None) -> float:
    """(f(x+h) − f(x−h)) / 2h with Richardson extrapolation (error O(h⁴))."""
    at, h = central_diff_points(x, h)
    return central_diff_from([f(t) for t in at], h)


def central_diff_points(x: float, h: float | None = None) -> tuple[list[float], float]:
    """Where :func:`central_diff` evaluates f (x ± h, x ± h/2), and the step h: for a
    caller that evaluates f at many points at once, then :func:`central_diff_from`."""
    h = h if h is not None else 1e-3 * max(1.0, abs(x))
    return [x + h, x - h, x + h / 2, x - h / 2], h


def central_diff_from(values: Sequence[float], h: float) -> float:
    """The derivative from f at :func:`central_diff_points`, in their order."""
    d1 = (values[0] - values[1]) / (2 * h)
    d2 = (values[2] - values[3]) / h
    return float((4 * d2 - d1) / 3)


def gradient_fd(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """The gradient of a scalar function of an array by central differences."""
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    flat = x.reshape(-1)
    gf = g.reshape(-1)
    for i in range(flat.size):
        xi = flat[i]

        def fi(t: float, i: int = i) -> float:
            flat[i] = t
            return float(f(x))

        gf[i] = central_diff(fi, xi)
        flat[i] = xi
    return g


def sample_points(n: int, dim: int, salt: int = 0, low: float = -2.0,
                  high: float = 2.0) -> np.ndarray:
    """``n`` seeded random points in [low, high]^dim."""
    return rng(salt).uniform(low, high, size=(n, dim))


def softmax(z: Sequence[float]) -> np.ndarray:
    """Numerically stable softmax of a vector (the numpy route)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()


def one_sided_diffs(f: Callable[[float], float], x: float,
                    h: float | None = None) -> tuple[float, float]:
    """The left and right derivatives of f at x (second-order one-sided differences)."""
    h = h if h is not None else 1e-5 * max(1.0, abs(x))
    fx = f(x)
    right = (-3 * fx + 4 * f(x + h) - f(x + 2 * h)) / (2 * h)
    left = (3 * fx - 4 * f(x - h) + f(x - 2 * h)) / (2 * h)
    return float(left), float(right)


def remembered(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``f`` keeping its value at each float it was called at.

    The stencils of one check meet at the same points (x itself in both of
    :func:`kink_near`'s one-sided differences, its central stencil again when the check
    then takes the central difference), and the functions checked are pure, so the value
    kept is the value ``f`` would compute again. A point is its type and its value with
    its sign (0.0 and −0.0 are equal keys, and 1/x tells them apart); anything but a
    Python or numpy float is evaluated every time.
    """
    kept: dict[tuple[type, float, bool], Any] = {}

    def f_kept(t: Any) -> Any:
        kind = type(t)
        if kind is not float and kind is not np.float64:
            return f(t)
        key = (kind, t, math.copysign(1.0, t) < 0)
        value = kept.get(key, _MISSING)
        if value is _MISSING:
            value = kept[key] = f(t)
        return value

    return f_kept


_MISSING = object()


def kink_near(f: Callable[[float], float], x: float) -> bool:
    """True when pieces of f meet within the stencil ``central_diff`` uses at x: a kink
    or a jump, or a join where only f'' jumps (smooth L1 at |r| = β).

    At a kink the one-sided slopes over a wider step disagree; at a smooth join they
    agree but the central difference, straddling it, is off by far more than they
    disagree. For a smooth f all three agree to O(h²). Checks of piecewise functions
    sample away from such points.
    """
    h = 2e-3 * max(1.0, abs(x))
    left, right = one_sided_diffs(f, x, h)
    if abs(left - right) > 1e-3 * max(1.0, abs(left), abs(right)):
        return True
    left, right = one_sided_diffs(f, x)
    scale = max(1.0, abs(left), abs(right))
    return abs(central_diff(f, x) - (left + right) / 2) > max(1e-7 * scale,
                                                               100 * abs(left - right))


def kink_slopes(left: float, right: float) -> tuple[float, float, float]:
    """What a derivative at a kink may be by convention: one side's slope (the piece
    whose condition holds there: ReLU′(0) = 0) or their mean (|x|′(0) = sign(0) = 0, the
    symmetric subgradient, which is also what a central difference measures there)."""
    return left, right, (left + right) / 2


def gradient_sided(f: Callable[[np.ndarray], float], x: np.ndarray,
                   near: np.ndarray | None = None) -> np.ndarray:
    """``gradient_fd``, except along a coordinate where pieces of f meet within the
    central stencil: there the one-sided slopes, measured on either side of x.

    Where pieces meet with equal slopes (smooth L1 at |r| = β: f is C¹, not C²) the
    central difference loses its accuracy and the one-sided slopes, each exact on its
    side, are the derivative. At a kink a convention picks one piece (the one whose
    condition holds there), so a derived gradient is one of the two one-sided slopes and
    the central difference is neither: the slope nearer ``near`` (the value under check)
    is taken; ``near`` only chooses between two measured slopes, so a value equal to
    neither still disagrees.
    """
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    want = None if near is None else np.asarray(near, dtype=float).reshape(-1)
    flat, gf = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        xi = flat[i]

        def along(t: float, i: int = i) -> float:
            flat[i] = t
            return float(f(x))

        # the central stencil is kink_near's again: each point evaluated once
        fi = remembered(along)
        gf[i] = central_diff(fi, xi)  # gradient_fd's entry
        left, right = one_sided_diffs(fi, xi)
        scale = max(1.0, abs(left), abs(right))
        if abs(left - right) <= 1e-7 * scale:
            # pieces meet near x and the slope goes on: the central difference is off by
            # far more than the two sides disagree (not by rounding noise)
            if abs(gf[i] - left) > max(1e-7 * scale, 100 * abs(left - right)):
                gf[i] = (left + right) / 2
        elif want is not None and kink_near(fi, xi):
            gf[i] = min(kink_slopes(left, right), key=lambda s: abs(s - want[i]))
        flat[i] = xi
    return g
