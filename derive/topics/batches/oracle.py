"""The independent route for batch normalisation: the forward pass in float64 numpy and
the backward pass by central differences of L = Σ g ⊙ y (no backward formula here)."""

from __future__ import annotations

import numpy as np

from derive.core.numeric import gradient_fd


def forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
            eps: float) -> dict[str, np.ndarray]:
    """μ, σ² (biased, over the batch = rows), x̂ and y for a B×N batch."""
    mu = x.mean(axis=0, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=0, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    return {"mean": mu, "var": var, "xhat": xhat, "y": gamma * xhat + beta}


def backward_fd(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float,
                g: np.ndarray) -> dict[str, np.ndarray]:
    """∂L/∂x, ∂L/∂γ, ∂L/∂β of L = Σ g ⊙ y by finite differences."""
    def loss_x(v: np.ndarray) -> float:
        return float(np.sum(g * forward(v, gamma, beta, eps)["y"]))

    def loss_gamma(v: np.ndarray) -> float:
        return float(np.sum(g * forward(x, v, beta, eps)["y"]))

    def loss_beta(v: np.ndarray) -> float:
        return float(np.sum(g * forward(x, gamma, v, eps)["y"]))

    return {"dx": gradient_fd(loss_x, x), "dgamma": gradient_fd(loss_gamma, gamma),
            "dbeta": gradient_fd(loss_beta, beta)}


def softmax_regression(x: np.ndarray, w: np.ndarray, b: np.ndarray,
                       y: np.ndarray) -> dict[str, np.ndarray]:
    """Z = XW + b, P = softmax by rows (shifted by the row maximum), mean cross-entropy."""
    z = x @ w + b
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.sum(y * np.log(p)) / len(x)
    return {"z": z, "p": p, "loss": np.array(loss)}


def softmax_regression_fd(x: np.ndarray, w: np.ndarray, b: np.ndarray,
                          y: np.ndarray) -> dict[str, np.ndarray]:
    """∂E/∂W and ∂E/∂b by central differences of the mean cross-entropy."""
    return {"dW": gradient_fd(lambda v: float(softmax_regression(x, v, b, y)["loss"]), w),
            "db": gradient_fd(lambda v: float(softmax_regression(x, w, v, y)["loss"]), b)}


def dropout_by_enumeration(a: np.ndarray, keep: float, mask: np.ndarray | None = None,
                           ) -> dict[str, np.ndarray]:
    """Inverted dropout y = m ⊙ a / q: the expectation and the variance of each entry over
    every one of the 2^n masks (weighted by their probabilities), and y for a given mask."""
    a = np.asarray(a, dtype=float).reshape(-1)
    n = a.size
    mean, second = np.zeros(n), np.zeros(n)
    for bits in range(2 ** n):
        m = np.array([(bits >> k) & 1 for k in range(n)], dtype=float)
        weight = np.prod(np.where(m == 1, keep, 1 - keep))
        y = m * a / keep
        mean += weight * y
        second += weight * y * y
    out = {"expectation": mean, "variance": second - mean**2}
    if mask is not None:
        out["output"] = np.asarray(mask, dtype=float).reshape(-1) * a / keep
    return out
