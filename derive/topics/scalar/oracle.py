"""The independent route for scalar calculus and descent: plain float64 iteration.

Gradients come from central differences of f (``core.numeric``), never from a derivative
rule of ``calculus``; this module imports nothing of the topic's maths
(``tests/test_architecture.py`` enforces it).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from derive.core.numeric import gradient_sided


def descent_rows(f: Callable[[float], float], x0: float, eta: float, steps: int,
                 beta: float | None = None, convention: str = "sum",
                 near: list[float] | None = None) -> list[list[float]]:
    """Gradient descent (or momentum with ``beta``) on f from x0 in float64: one row per
    step, ``[g, x_next, f(x_next)]`` or, with momentum, ``[g, v, x_next, f(x_next)]``.

    Momentum conventions: ``sum`` is v ← βv + g, ``average`` is v ← βv + (1 − β)g.
    ``near[t]``, the gradient under check, only picks a side at a kink
    (``gradient_sided``)."""
    rows: list[list[float]] = []
    x, v = x0, 0.0
    for t in range(steps):
        g = float(gradient_sided(lambda v: f(float(v[0])), np.array([x]),
                                 np.array([near[t]]) if near else None)[0])
        if beta is None:
            x = x - eta * g
            rows.append([g, x, f(x)])
        else:
            v = beta * v + (g if convention == "sum" else (1 - beta) * g)
            x = x - eta * v
            rows.append([g, v, x, f(x)])
    return rows
