"""Batch normalisation over a batch of B rows: forward and backward, vectorised, exactly.

Forward μ = (1/B) Σ_b x_b, σ² = (1/B) Σ_b (x_b − μ)² (the biased variance, as in
training), x̂ = (x − μ)/√(σ² + ε), y = γ ⊙ x̂ + β, each column (feature) on its own.
Backward for an upstream g = ∂L/∂y: ∂L/∂β = Σ_b g_b, ∂L/∂γ = Σ_b g_b ⊙ x̂_b and
∂L/∂x = γ/√(σ² + ε) ⊙ (g − mean_b g − x̂ ⊙ mean_b(g ⊙ x̂)). The check recomputes the
forward pass in numpy and the gradients by finite differences of L = Σ g ⊙ y (``oracle``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from derive.core.blockkit import tame, to_float
from derive.core.derivation import Context
from derive.core.numeric import GRAD_TOL, rel_error
from derive.core.registry import Param, block
from derive.topics.batches import oracle

#: roles the block can answer, with their shapes (B rows, N features)
ROLES = {"mean": "1×N", "var": "1×N", "xhat": "B×N", "y": "B×N", "dx": "B×N",
         "dgamma": "1×N", "dbeta": "1×N"}


def _as_matrix(ctx: Context, field: str, e: Any, rows: int | None, cols: int) -> sp.Matrix:
    v = ctx.value(e)
    if not isinstance(v, sp.MatrixBase):
        v = sp.ImmutableMatrix([[v] * cols])
    if rows is not None and v.shape != (rows, cols):
        raise ctx.fail(field, f"expected a {rows}×{cols} matrix, found {v.rows}×{v.cols}")
    if rows is None and v.shape != (1, cols):
        raise ctx.fail(field, f"expected a number or a row of {cols}, found "
                              f"{v.rows}×{v.cols}")
    return sp.Matrix(v)


@block(
    "batch-norm",
    x=Param("expr", takes="array",
            doc="the batch: a B×N matrix given, one example per row (a column "
                        "given for one feature)"),
    gamma=Param("expr", required=False, doc="the scale γ: a number or a row of N "
                                            "(default 1)"),
    beta=Param("expr", required=False, doc="the shift β: a number or a row of N (default 0)"),
    eps=Param("expr", takes="scalar", required=False, doc="ε added to the variance (default 0)"),
    upstream=Param("expr", takes="array", required=False,
                   doc="g = ∂L/∂y, a B×N matrix given (needed for "
                                               "dx, dgamma, dbeta)"),
    answers=Param("answers", doc="role -> answer id; roles: mean, var, xhat, y (forward), "
                                 "dx, dgamma, dbeta (backward); all matrices"),
)
def batch_norm(ctx: Context, x: Any, gamma: Any, beta: Any, eps: Any, upstream: Any,
               answers: dict[str, str]) -> None:
    """Batch normalisation forward (μ, σ², x̂, y) and backward (∂L/∂x, ∂L/∂γ, ∂L/∂β).

    The variance is the biased one (divided by B), as in training; the backward pass is
    the vectorised formula ∂L/∂x = γ/√(σ² + ε) ⊙ (g − mean g − x̂ ⊙ mean(g ⊙ x̂))."""
    for role in answers:
        if role not in ROLES:
            raise ctx.fail(f"answers.{role}", f"unknown role ({', '.join(ROLES)})")
    X = ctx.value(x)
    if not isinstance(X, sp.MatrixBase):
        raise ctx.fail("x", "expected a matrix: one example per row")
    X = sp.Matrix(X)
    B, N = X.shape
    if B < 2:
        raise ctx.fail("x", "a batch needs at least two rows")
    G = _as_matrix(ctx, "gamma", gamma if gamma is not None else 1, None, N)
    Be = _as_matrix(ctx, "beta", beta if beta is not None else 0, None, N)
    e = ctx.value(eps) if eps is not None else sp.S.Zero
    back = {"dx", "dgamma", "dbeta"} & set(answers)
    if back and upstream is None:
        raise ctx.fail("upstream", f"{', '.join(sorted(back))} need the upstream gradient "
                                   "g = ∂L/∂y (a B×N given)")
    S = sp.Symbol
    mu = [tame(sum(X[:, j]) / B) for j in range(N)]
    var = [tame(sum((X[i, j] - mu[j]) ** 2 for i in range(B)) / B) for j in range(N)]
    den = [sp.sqrt(v + e) for v in var]
    xhat = sp.Matrix(B, N, lambda i, j: tame((X[i, j] - mu[j]) / den[j]))
    Y = sp.Matrix(B, N, lambda i, j: tame(G[0, j] * xhat[i, j] + Be[0, j]))
    out = {"mean": sp.ImmutableMatrix([mu]), "var": sp.ImmutableMatrix([var]),
           "xhat": sp.ImmutableMatrix(xhat), "y": sp.ImmutableMatrix(Y)}
    steps = {
        "mean": ctx.step("batch-mean", out["mean"], lhs=S("mu"),
                         before=sp.Sum(S("x_b"), (S("b"), 1, B)) / B),
        "var": ctx.step("batch-variance", out["var"], lhs=S("sigma^2"),
                        before=sp.Sum((S("x_b") - S("mu")) ** 2, (S("b"), 1, B)) / B),
        "xhat": ctx.step("normalise", out["xhat"], lhs=S(r"\hat{x}"),
                         before=(S("x") - S("mu")) / sp.sqrt(S("sigma^2") + S("epsilon"))),
        "y": ctx.step("scale-shift", out["y"], lhs=S("y"),
                      before=S("gamma") * S(r"\hat{x}") + S("beta")),
    }
    if upstream is not None:
        Gu = _as_matrix(ctx, "upstream", upstream, B, N)
        dbeta = [tame(sum(Gu[:, j])) for j in range(N)]
        dgamma = [tame(sum(Gu[i, j] * xhat[i, j] for i in range(B))) for j in range(N)]
        dx = sp.Matrix(B, N, lambda i, j: tame(
            G[0, j] / den[j] * (Gu[i, j] - dbeta[j] / B - xhat[i, j] * dgamma[j] / B)))
        out.update(dbeta=sp.ImmutableMatrix([dbeta]), dgamma=sp.ImmutableMatrix([dgamma]),
                   dx=sp.ImmutableMatrix(dx))
        g_s, xh = S("g"), S(r"\hat{x}")
        steps["dbeta"] = ctx.step("batch-sum", out["dbeta"],
                                  lhs=sp.Derivative(S("L"), S("beta")),
                                  before=sp.Sum(S("g_b"), (S("b"), 1, B)))
        steps["dgamma"] = ctx.step("batch-sum", out["dgamma"],
                                   lhs=sp.Derivative(S("L"), S("gamma")),
                                   before=sp.Sum(S("g_b") * S(r"\hat{x}_b"), (S("b"), 1, B)))
        steps["dx"] = ctx.step(
            "batch-norm-backward", out["dx"], lhs=sp.Derivative(S("L"), S("x")),
            before=S("gamma") / sp.sqrt(S("sigma^2") + S("epsilon")) * (
                g_s - S(r"\bar{g}") - xh * S(r"\overline{g \hat{x}}")))
    for role, aid in answers.items():
        ctx.emit(aid, out[role], steps[role])
    f = {k: np.array(to_float(v), dtype=float) for k, v in out.items()}
    Xf, Gf, Bf, ef = (np.array(to_float(sp.ImmutableMatrix(m)), dtype=float)
                      for m in (X, G, Be, sp.ImmutableMatrix([[e]])))
    Uf = np.array(to_float(sp.ImmutableMatrix(Gu)), dtype=float) if upstream is not None \
        else None

    def check() -> tuple[bool, float, str]:
        want = oracle.forward(Xf, Gf, Bf, float(ef[0, 0]))
        if Uf is not None:
            want.update(oracle.backward_fd(Xf, Gf, Bf, float(ef[0, 0]), Uf))
        err = max(rel_error(f[r], want[r]) for r in answers)
        return err < GRAD_TOL, err, ("forward in float64 numpy, gradients by finite "
                                     "differences of L = Σ g ⊙ y")

    ctx.check(f"{', '.join(answers.values())}: batch normalisation", list(answers.values()),
              "numpy-recompute", check)
