"""Update rules of the common optimizers, exactly, on a vector of parameters.

The parameters and every quantity a rule carries are lists of exact SymPy numbers (one
entry per parameter); the block turns them into a number or a 1×n row. Conventions
(those of ``torch.optim`` unless said otherwise; t counts steps from 0, g_t = ∇f(x_t)):

- ``gd``        x_{t+1} = x_t − η g_t
- ``momentum``  v_{t+1} = β v_t + g_t ('sum') or β v_t + (1 − β) g_t ('average');
                x_{t+1} = x_t − η v_{t+1}; v_0 = 0
- ``nesterov``  'lookahead' (the textbook form): g_t = ∇f(x_t − ηβ v_t), then as momentum;
                'pytorch': g_t = ∇f(x_t), v_{t+1} = β v_t + g_t,
                x_{t+1} = x_t − η (g_t + β v_{t+1})
- ``adagrad``   s_{t+1} = s_t + g_t², x_{t+1} = x_t − η g_t / (√s_{t+1} + ε); s_0 = 0
- ``rmsprop``   s_{t+1} = β s_t + (1 − β) g_t², x_{t+1} = x_t − η g_t / (√s_{t+1} + ε)
- ``adam``      m_{t+1} = β₁ m_t + (1 − β₁) g_t, v_{t+1} = β₂ v_t + (1 − β₂) g_t²,
                m̂ = m_{t+1} / (1 − β₁^{t+1}), v̂ = v_{t+1} / (1 − β₂^{t+1}),
                x_{t+1} = x_t − η m̂ / (√v̂ + ε)

Squares, roots and quotients act entry by entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.core.numbers import approx

METHODS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

#: the quantities each method carries besides g and x, in the order a table shows them
CARRIED: dict[str, tuple[str, ...]] = {
    "gd": (),
    "momentum": ("v",),
    "nesterov": ("v",),
    "adagrad": ("s",),
    "rmsprop": ("s",),
    "adam": ("m", "v", "mhat", "vhat"),
}

Vec = list[Any]


@dataclass(frozen=True)
class Hyper:
    """The hyperparameters of a run (exact values)."""

    eta: Any
    beta: Any = sp.Rational(9, 10)
    beta1: Any = sp.Rational(9, 10)
    beta2: Any = sp.Rational(999, 1000)
    eps: Any = sp.Rational(1, 10**8)
    convention: str = "sum"
    nesterov: str = "lookahead"


def gradient_point(method: str, hp: Hyper, x: Vec, state: dict[str, Vec]) -> Vec:
    """Where the gradient of step t is taken: x_t, or Nesterov's look-ahead x_t − ηβ v_t."""
    if method == "nesterov" and hp.nesterov == "lookahead":
        return [xi - hp.eta * hp.beta * vi for xi, vi in zip(x, state["v"], strict=True)]
    return list(x)


def initial_state(method: str, n: int) -> dict[str, Vec]:
    """Every carried quantity starts at 0."""
    return {k: [sp.S.Zero] * n for k in CARRIED[method] if k not in ("mhat", "vhat")}


#: bits of a rational's numerator or denominator past which its square root is taken in
#: 40-digit floats: to simplify an exact root SymPy factors both integers (seconds at a
#: few hundred digits, which a --set start=1e-400 reaches in one step)
EXACT_ROOT_BITS = 200


def _sqrt(v: Any) -> Any:
    if isinstance(v, sp.Rational) and max(abs(v.p), v.q).bit_length() > EXACT_ROOT_BITS:
        return sp.sqrt(approx(v))
    return sp.sqrt(v)


def update(method: str, hp: Hyper, t: int, x: Vec, g: Vec, state: dict[str, Vec],
           pin: Callable[[str, Vec], Vec] | None = None) -> tuple[dict[str, Vec], Vec]:
    """One step: the new carried quantities and x_{t+1} (t counts from 0).

    ``pin(name, values)`` is called on each carried quantity as soon as it is computed,
    in the rule's order, and what it returns is used from there on: marking pins a
    student's own v₁ (or m₁, m̂₁) so that x₁ is what the rule gives from it."""
    def kept(name: str, vals: Vec) -> Vec:
        return pin(name, vals) if pin is not None else vals

    eta, b = hp.eta, hp.beta
    if method == "gd":
        return {}, [xi - eta * gi for xi, gi in zip(x, g, strict=True)]
    if method in ("momentum", "nesterov"):
        v = kept("v", [b * vi + (gi if hp.convention == "sum" else (1 - b) * gi)
                       for vi, gi in zip(state["v"], g, strict=True)])
        if method == "nesterov" and hp.nesterov == "pytorch":
            step = [gi + b * vi for gi, vi in zip(g, v, strict=True)]
        else:
            step = v
        return {"v": v}, [xi - eta * di for xi, di in zip(x, step, strict=True)]
    if method in ("adagrad", "rmsprop"):
        if method == "adagrad":
            s = [si + gi**2 for si, gi in zip(state["s"], g, strict=True)]
        else:
            s = [b * si + (1 - b) * gi**2 for si, gi in zip(state["s"], g, strict=True)]
        s = kept("s", s)
        xn = [xi - eta * gi / (_sqrt(si) + hp.eps) for xi, gi, si in zip(x, g, s, strict=True)]
        return {"s": s}, xn
    if method == "adam":
        m = kept("m", [hp.beta1 * mi + (1 - hp.beta1) * gi
                       for mi, gi in zip(state["m"], g, strict=True)])
        v = kept("v", [hp.beta2 * vi + (1 - hp.beta2) * gi**2
                       for vi, gi in zip(state["v"], g, strict=True)])
        mhat = kept("mhat", [mi / (1 - hp.beta1 ** (t + 1)) for mi in m])
        vhat = kept("vhat", [vi / (1 - hp.beta2 ** (t + 1)) for vi in v])
        xn = [xi - eta * mh / (_sqrt(vh) + hp.eps)
              for xi, mh, vh in zip(x, mhat, vhat, strict=True)]
        return {"m": m, "v": v, "mhat": mhat, "vhat": vhat}, xn
    raise ValueError(f"unknown method {method!r}")


def rule_lines(method: str, hp: Hyper) -> tuple[Any, list[tuple[str, Any]]]:
    """The update rule in the course's notation: the point where g_t is taken, then
    (left side, right side) pairs."""
    S = sp.Symbol
    g, x, v, s, m = S("g_t"), S("x_t"), S("v_t"), S("s_t"), S("m_t")
    eta, beta, eps = S("eta"), S("beta"), S("epsilon")
    b1, b2, t = S("beta_1"), S("beta_2"), S("t")
    vn, sn, mn = S("v_{t+1}"), S("s_{t+1}"), S("m_{t+1}")
    avg = hp.convention != "sum"
    if method == "gd":
        return x, [("x_{t+1}", x - eta * g)]
    if method in ("momentum", "nesterov"):
        at = x - eta * beta * v if (method == "nesterov" and hp.nesterov == "lookahead") else x
        lines = [("v_{t+1}", beta * v + ((1 - beta) * g if avg else g))]
        if method == "nesterov" and hp.nesterov == "pytorch":
            return at, lines + [("x_{t+1}", x - eta * (g + beta * vn))]
        return at, lines + [("x_{t+1}", x - eta * vn)]
    if method == "adagrad":
        return x, [("s_{t+1}", s + g**2), ("x_{t+1}", x - eta * g / (sp.sqrt(sn) + eps))]
    if method == "rmsprop":
        return x, [("s_{t+1}", beta * s + (1 - beta) * g**2),
                   ("x_{t+1}", x - eta * g / (sp.sqrt(sn) + eps))]
    mh, vh = S(r"\hat{m}_{t+1}"), S(r"\hat{v}_{t+1}")
    return x, [("m_{t+1}", b1 * m + (1 - b1) * g),
               ("v_{t+1}", b2 * v + (1 - b2) * g**2),
               (r"\hat{m}_{t+1}", mn / (1 - b1 ** (t + 1))),
               (r"\hat{v}_{t+1}", vn / (1 - b2 ** (t + 1))),
               ("x_{t+1}", x - eta * mh / (sp.sqrt(vh) + eps))]
