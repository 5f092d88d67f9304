"""Linear separability decided exactly, with a witness or a certificate.

Points x_i with labels y_i ∈ {0, 1} are separable by a threshold unit (output 1 when
w·(1, x) > 0) exactly when the system

    s_i x̃_i·w ≥ 1,   x̃_i = (1, x_i),   s_i = +1 for label 1, −1 for label 0

has a solution (finitely many strict inequalities can be scaled to a margin of 1, and
a zero on the 0-side can be pushed below zero by lowering the bias a little). The
system is decided by Fourier–Motzkin elimination in exact rationals, each derived
inequality remembering the non-negative multipliers of the original rows:

- feasible: back-substitution picks, variable by variable, the value nearest 0 (a
  whole number when one fits), and the witness is scaled to lowest whole numbers;
- infeasible: some derived row reads 0 ≥ c > 0; its multipliers λ ≥ 0 satisfy
  Σ_i λ_i s_i x̃_i = 0 (Farkas' lemma). Normalised to Σ_{label 1} λ_i = 1, the same
  point is a convex combination of the 1-points and of the 0-points, so no line can
  put it on both sides.

(SymPy 1.14's ``linprog`` is not used: it can return points that violate the
constraints, sympy/sympy#28089.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp


@dataclass(frozen=True)
class Separation:
    """The decision and its proof."""

    separable: bool
    weights: tuple[sp.Integer, ...] | None
    """(w0, w1, …, wd), bias first, lowest whole numbers; None when not separable"""
    certificate: tuple[sp.Rational, ...] | None
    """λ_i per point (Farkas multipliers, Σ over label 1 = 1); None when separable"""
    common_point: tuple[sp.Rational, ...] | None = None
    """Σ_{label 1} λ_i x_i = Σ_{label 0} λ_i x_i, a point in both convex hulls"""


def augmented(points: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """(1, x1, …, xd) for every point: the bias input first."""
    return [[sp.Integer(1)] + [sp.sympify(c) for c in p] for p in points]


@dataclass(frozen=True)
class _Row:
    """a·w ≥ c, derived as Σ m_i (row i of the original system)."""

    a: tuple[Fraction, ...]
    c: Fraction
    m: tuple[Fraction, ...]


#: pairs one elimination may combine, times the points each row remembers: Fourier–Motzkin
#: squares the rows at each stage, so a few hundred points in general position would run
#: for hours and gigabytes (a course asks for ten)
MAX_WORK = 500_000


class TooLarge(ValueError):
    """The elimination would combine more than ``MAX_WORK`` entries."""


def _frac(v: Any) -> Fraction:
    # a float given is the decimal it was written as (nsimplify would guess a surd for
    # some floats, which no Rational holds)
    if isinstance(v, (float, sp.Float)):
        return Fraction(repr(float(v)))
    r = sp.Rational(v)
    return Fraction(int(r.p), int(r.q))


def _scaled(row: _Row, k: Fraction) -> _Row:
    return _Row(tuple(x * k for x in row.a), row.c * k, tuple(x * k for x in row.m))


def _eliminate(rows: list[_Row], j: int) -> list[_Row]:
    """Fourier–Motzkin: remove variable j (every pair of a lower and an upper bound)."""
    lower = [r for r in rows if r.a[j] > 0]
    upper = [r for r in rows if r.a[j] < 0]
    out = [r for r in rows if r.a[j] == 0]
    if lower and upper and len(lower) * len(upper) * len(rows[0].m) > MAX_WORK:
        raise TooLarge(f"eliminating w{j} would combine {len(lower)} x {len(upper)} bounds "
                       f"of {len(rows[0].m)} points (at most {MAX_WORK:,} entries)")
    for lo in lower:
        for up in upper:
            lo1, up1 = _scaled(lo, 1 / lo.a[j]), _scaled(up, -1 / up.a[j])
            out.append(_Row(tuple(x + y for x, y in zip(lo1.a, up1.a, strict=True)),
                            lo1.c + up1.c,
                            tuple(x + y for x, y in zip(lo1.m, up1.m, strict=True))))
    strongest: dict[tuple[Fraction, ...], _Row] = {}
    for r in out:  # keep, per direction, only the tightest bound
        lead = next((abs(x) for x in r.a if x != 0), Fraction(1))
        r = _scaled(r, 1 / lead)
        if r.a not in strongest or r.c > strongest[r.a].c:
            strongest[r.a] = r
    return list(strongest.values())


def _pick(lo: Fraction | None, hi: Fraction | None) -> Fraction:
    """The value nearest 0 in [lo, hi], a whole number when one fits."""
    if (lo is None or lo <= 0) and (hi is None or hi >= 0):
        return Fraction(0)
    if lo is not None and lo > 0:
        whole = Fraction(math.ceil(lo))
        return whole if hi is None or whole <= hi else lo
    assert hi is not None
    whole = Fraction(math.floor(hi))
    return whole if lo is None or whole >= lo else hi


def separate(points: Sequence[Sequence[Any]], labels: Sequence[int]) -> Separation:
    """Decide separability of labelled points exactly (see the module docstring).

    >>> separate([(0, 0), (1, 1), (1, 0)], [1, 1, 0]).weights
    (1, -2, 2)
    """
    if len(points) != len(labels) or not points:
        raise ValueError("one label per point is needed")
    xt = [[_frac(c) for c in row] for row in augmented(points)]
    sign = [1 if y else -1 for y in labels]
    n, dim = len(xt), len(xt[0])
    rows = [_Row(tuple(s * c for c in x), Fraction(1),
                 tuple(Fraction(int(i == k)) for k in range(n)))
            for i, (s, x) in enumerate(zip(sign, xt, strict=True))]
    stages = [rows]
    for j in reversed(range(dim)):
        stages.append(_eliminate(stages[-1], j))
    bad = [r for r in stages[-1] if r.c > 0]
    if bad:
        return _certificate(bad[0], xt, sign)
    w = [Fraction(0)] * dim
    for j in range(dim):  # w0 first: stage dim - 1 - j holds rows in w0 … wj only
        lo = hi = None
        for r in stages[dim - 1 - j]:
            if r.a[j] == 0:
                continue
            rest = r.c - sum(r.a[i] * w[i] for i in range(j))
            bound = rest / r.a[j]
            if r.a[j] > 0:
                lo = bound if lo is None else max(lo, bound)
            else:
                hi = bound if hi is None else min(hi, bound)
        w[j] = _pick(lo, hi)
    return Separation(True, _whole(w), None)


def _certificate(row: _Row, xt: list[list[Fraction]], sign: list[int]) -> Separation:
    total = sum(m for m, s in zip(row.m, sign, strict=True) if s > 0)
    lam = [m / total for m in row.m]
    point = tuple(sp.Rational(sum(lam[i] * xt[i][j] for i in range(len(xt)) if sign[i] > 0))
                  for j in range(1, len(xt[0])))
    return Separation(False, None, tuple(sp.Rational(v) for v in lam), point)


def _whole(w: list[Fraction]) -> tuple[sp.Integer, ...]:
    """A positive multiple of ``w`` in lowest whole numbers (separation is kept)."""
    den = math.lcm(*[c.denominator for c in w])
    ints = [int(c * den) for c in w]
    g = math.gcd(*ints) or 1
    return tuple(sp.Integer(c // g) for c in ints)


def classify(weights: Sequence[Any], point: Sequence[Any]) -> tuple[Any, int]:
    """(w0 + w·x, output) for a bias-first weight vector."""
    z = sp.sympify(weights[0]) + sp.Add(*[sp.sympify(w) * sp.sympify(x)
                                          for w, x in zip(weights[1:], point, strict=True)])
    return z, (1 if z > 0 else 0)
