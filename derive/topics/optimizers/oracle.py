"""The independent route for optimizers: each update rule written again in float64 numpy.

Gradients come from central differences of f (``core.numeric.gradient_sided``), never from
the symbolic gradient; this module imports nothing of the topic's maths (``rules``), so a
wrong rule there disagrees with the rule here (``tests/test_architecture.py`` enforces
the separation). Conventions are documented in ``rules`` and restated where they bite.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from derive.core.numeric import gradient_sided


def run(method: str, f: Callable[[np.ndarray], float], x0: np.ndarray, steps: int, *,
        eta: float, beta: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
        eps: float = 1e-8, convention: str = "sum", nesterov: str = "lookahead",
        near: list[np.ndarray] | None = None) -> list[dict[str, np.ndarray]]:
    """Iterate in float64; one dict per step with g, the carried quantities, x and f
    (x and f after the step). ``near[t]``, the gradient under check at step t, only picks
    a side where f has a kink (``gradient_sided``); everywhere else it is unused."""
    x = np.array(x0, dtype=float)
    zeros = np.zeros_like(x)
    v, s, m = zeros.copy(), zeros.copy(), zeros.copy()
    rows: list[dict[str, np.ndarray]] = []
    for t in range(steps):
        row: dict[str, np.ndarray] = {}
        if method == "nesterov" and nesterov == "lookahead":
            # the gradient at the look-ahead point
            g = gradient_sided(f, x - eta * beta * v, near[t] if near else None)
        else:
            g = gradient_sided(f, x, near[t] if near else None)
        row["g"] = g
        if method == "gd":
            x = x - eta * g
        elif method in ("momentum", "nesterov"):
            v = beta * v + (g if convention == "sum" else (1.0 - beta) * g)
            row["v"] = v
            x = x - eta * (g + beta * v if (method == "nesterov" and nesterov == "pytorch")
                           else v)
        elif method == "adagrad":
            s = s + g * g
            row["s"] = s
            x = x - eta * g / (np.sqrt(s) + eps)
        elif method == "rmsprop":
            s = beta * s + (1.0 - beta) * g * g
            row["s"] = s
            x = x - eta * g / (np.sqrt(s) + eps)
        elif method == "adam":
            m = beta1 * m + (1.0 - beta1) * g
            v = beta2 * v + (1.0 - beta2) * g * g
            mhat = m / (1.0 - beta1 ** (t + 1))  # bias correction: step t is the (t+1)-th
            vhat = v / (1.0 - beta2 ** (t + 1))
            row.update(m=m, v=v, mhat=mhat, vhat=vhat)
            x = x - eta * mhat / (np.sqrt(vhat) + eps)
        else:
            raise ValueError(f"unknown method {method!r}")
        row["x"] = x.copy()
        row["f"] = np.array(float(f(x)))
        rows.append(row)
    return rows
