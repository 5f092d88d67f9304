"""The independent route for loops over data: the perceptron rule and mini-batch SGD in
plain float64 numpy, gradients by central differences (``core.numeric``). It imports
nothing of the topic's blocks (``tests/test_architecture.py``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from derive.core.numeric import gradient_fd


def perceptron(points: np.ndarray, labels: np.ndarray, w: np.ndarray, b: float, eta: float,
               epochs: int, signed: bool = True) -> list[tuple[np.ndarray, float, int]]:
    """(w, b, mistakes) after each epoch. Signed labels ±1: a mistake when y(w·x + b) ≤ 0,
    then w += ηyx, b += ηy. Binary labels 0/1: ŷ = [w·x + b > 0], w += η(y − ŷ)x."""
    w = np.array(w, dtype=float).reshape(-1)
    out = []
    for _ in range(epochs):
        mistakes = 0
        for x, y in zip(points, labels, strict=True):
            a = float(w @ x + b)
            step = (y if y * a <= 0 else 0.0) if signed else y - (1.0 if a > 0 else 0.0)
            if step != 0:
                mistakes += 1
                w = w + eta * step * x
                b = b + eta * step
        out.append((w.copy(), b, mistakes))
    return out


def minibatch_sgd(loss: Callable[[np.ndarray, np.ndarray], float], data: np.ndarray,
                  theta: np.ndarray, eta: float, batch: int, epochs: int,
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(mean batch gradient, parameters after the step) per step; batches in data order,
    the last one of an epoch may be smaller."""
    theta = np.array(theta, dtype=float)
    out = []
    for _ in range(epochs):
        for start in range(0, len(data), batch):
            rows = data[start:start + batch]
            g = np.mean([gradient_fd(lambda th, r=r: loss(th, r), theta) for r in rows], axis=0)
            theta = theta - eta * g
            out.append((g, theta.copy()))
    return out
