"""The independent route for scalar descent: the optimizers' float64 iteration, one scalar.

Gradients come from central differences of f (``core.numeric``), never from a derivative
rule of ``calculus``; this module imports nothing of the topic's maths
(``tests/test_architecture.py`` enforces it). Gradient descent and momentum are
the ``gd``/``momentum`` cases of the optimizers' oracle, so the two topics share one
independent implementation of each update rule.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from derive.topics.optimizers.oracle import run


def descent_rows(f: Callable[[float], float], x0: float, eta: float, steps: int,
                 beta: float | None = None, convention: str = "sum",
                 near: list[float] | None = None) -> list[list[float]]:
    """Gradient descent (or momentum with ``beta``) on f from x0 in float64: one row per
    step, ``[g, x_next, f(x_next)]`` or, with momentum, ``[g, v, x_next, f(x_next)]``.

    Momentum conventions: ``sum`` is v <- beta v + g, ``average`` is
    v <- beta v + (1 - beta) g. ``near[t]``, the gradient under check, only picks a side
    at a kink (``gradient_sided``)."""
    rows = run("gd" if beta is None else "momentum", lambda v: f(float(v[0])),
               np.array([x0], dtype=float), steps, eta=eta,
               beta=0.0 if beta is None else beta, convention=convention,
               near=[np.array([n]) for n in near] if near else None)
    keys = ("g", "x", "f") if beta is None else ("g", "v", "x", "f")
    return [[float(np.ravel(r[k])[0]) for k in keys] for r in rows]
