"""What each named vector of a network stands for, in the matrix-expression gold contract
(``derive.check.read.problem_config``): ``f_1 = x W_1 + b_1``, ``a = σ(f_1)``,
``o = softmax(f_2)``, ``J_A = diag(f_A'(W_A x))``.

Marking reads them so that a student may write a name's definition in its place
(``softmax(f_2) - y`` for ``o - y``, ``diag(σ'(f_1))`` for ``diag(a ⊙ (1 - a))``), and so
that named Jacobians are diagonal (``J_A^T = J_A``). Only SymPy's own pieces are used
(MatMul, MatAdd, ``applyfunc`` of a Lambda, DiagMatrix, Inverse, OneMatrix).
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from derive.topics.networks.layers import Activation, Dense, Layer, Softmax


def _applied(fn: Any, z: Any) -> Any:
    u = sp.Dummy("u")
    return z.applyfunc(sp.Lambda(u, fn(u)))


def _derivative(fn: Any, z: Any) -> Any:
    u = sp.Dummy("u")
    return z.applyfunc(sp.Lambda(u, sp.diff(fn(u), u)))


def _softmax(z: Any, batch: str | None = None) -> Any:
    e = _applied(sp.exp, z)
    rows, cols = z.shape
    if batch == "rows":  # a softmax per example (row): diag(E 1)^{-1} E
        return sp.MatMul(sp.Inverse(DiagMatrix(sp.MatMul(e, sp.OneMatrix(cols, 1)))), e)
    if batch == "columns":  # per column: E diag(1ᵀ E)^{-1}
        return sp.MatMul(e, sp.Inverse(DiagMatrix(sp.MatMul(sp.OneMatrix(1, rows), e))))
    if rows == 1:
        return sp.MatMul(sp.Inverse(sp.MatMul(e, sp.OneMatrix(cols, 1))), e)
    return sp.MatMul(e, sp.Inverse(sp.MatMul(sp.OneMatrix(1, rows), e)))


def layer_meanings(layer: Layer) -> dict[str, Any]:
    """name -> definition for what this layer names (its output, its Jacobian)."""
    out: dict[str, Any] = {}
    z = layer.inp.expr
    if isinstance(layer, Dense):
        prod = sp.MatMul(z, layer.W) if layer.convention == "row" else sp.MatMul(layer.W, z)
        bias = layer.b
        if bias is not None and layer.batch == "rows":  # X W + 1 b: the bias of every row
            bias = sp.MatMul(sp.OneMatrix(z.shape[0], 1), bias)
        elif bias is not None and layer.batch == "columns":  # W X + b 1ᵀ
            bias = sp.MatMul(bias, sp.OneMatrix(1, z.shape[1]))
        value: Any = sp.MatAdd(prod, bias) if bias is not None else prod
    elif isinstance(layer, Activation):
        fn = sp.Function(layer.label) if layer.label else layer.rule_.scalar
        value = z if layer.fn == "identity" and not layer.label else _applied(fn, z)
        if layer.jacobian_name is not None:
            out[layer.jacobian_name.name] = DiagMatrix(_derivative(fn, z))
    elif isinstance(layer, Softmax):
        value = _softmax(z, layer.batch)
    else:
        return out
    if layer.out.named:
        out[layer.out.key] = value
    return out
