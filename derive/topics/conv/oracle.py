"""Independent float64 routes for the CNN checks (written apart from ``derive.topics.conv.maths``).

``derive.topics.conv.maths`` works on exact SymPy matrices entry by entry; these use numpy arrays,
``np.pad`` and array slices, and count window positions by stepping a cursor, so a
mistake in one route shows up as a disagreement with the other.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np


def np_correlate(x: np.ndarray, k: np.ndarray, stride: int,
                 pad: tuple[int, int, int, int], bias: float = 0.0,
                 flip: bool = False) -> np.ndarray:
    """Cross-correlation of a (C, H, W) input with a (C, kh, kw) filter, plus bias."""
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)
    if x.ndim == 2:
        x, k = x[None], k[None]
    if flip:
        k = k[:, ::-1, ::-1]
    top, bottom, left, right = pad
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    kh, kw = k.shape[1:]
    rows = list(range(0, xp.shape[1] - kh + 1, stride))
    cols = list(range(0, xp.shape[2] - kw + 1, stride))
    out = np.empty((len(rows), len(cols)))
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            out[a, b] = float(np.sum(xp[:, r:r + kh, c:c + kw] * k)) + bias
    return out


def np_pool(x: np.ndarray, size: int, stride: int, mode: str) -> np.ndarray:
    """Max or average pooling of a 2-D array (no padding)."""
    x = np.asarray(x, dtype=float)
    rows = list(range(0, x.shape[0] - size + 1, stride))
    cols = list(range(0, x.shape[1] - size + 1, stride))
    reduce = np.max if mode == "max" else np.mean
    return np.array([[reduce(x[r:r + size, c:c + size]) for c in cols] for r in rows])


def count_positions(n: int, k: int, pad_total: int, stride: Any) -> tuple[int, bool]:
    """Slide a window of size k over n + pad_total cells with a (possibly rational) step.

    Returns how many windows fit and whether the last one ends exactly at the edge.
    """
    length = Fraction(n + pad_total)
    step = Fraction(str(stride)) if not isinstance(stride, Fraction) else stride
    if step <= 0:
        raise ValueError("the stride must be positive")
    count, start, last_end = 0, Fraction(0), None
    while start + k <= length:
        count += 1
        last_end = start + k
        start += step
    return count, last_end == length


def to_array(m: Any) -> np.ndarray:
    """A float array from a SymPy matrix (or nested lists)."""
    if hasattr(m, "tolist"):
        m = m.tolist()
    return np.array([[float(c) for c in row] for row in m], dtype=float)
