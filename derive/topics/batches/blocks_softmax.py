"""Softmax regression on a mini-batch in matrix form: Z = XW + 1b, P = softmax(Z) row by
row, E = −(1/B) Σ_b Σ_k Y_bk log P_bk, ∂E/∂W = Xᵀ(P − Y)/B, ∂E/∂b = 1ᵀ(P − Y)/B.

The formulas are answers as matrix expressions in the size symbols (B, N, K), and their
values at the givens are exact; the check evaluates the *formula* answered (not the
values) and compares it with central differences of the mean cross-entropy computed in
numpy (``oracle``), and the forward pass with a numpy forward pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from derive.core.blockkit import tame, to_float
from derive.core.derivation import Context
from derive.core.local_names import DirectPartial
from derive.core.numeric import GRAD_TOL, rel_error
from derive.core.registry import Param, block
from derive.topics.batches import oracle

ROLES = ("z", "p", "loss", "dW", "db", "dW_form", "db_form")


@block(
    "batch-softmax-regression",
    x=Param("expr", takes="array", doc="the batch X, B×N (one example per row)"),
    w=Param("expr", takes="array", doc="the weights W, N×K"),
    b=Param("expr", required=False, doc="the bias b, a row of K (default 0)"),
    y=Param("expr", takes="array", doc="the targets Y, B×K (one-hot rows, or probabilities)"),
    answers=Param("answers", doc="role -> answer id; roles: z, p (B×K matrices), loss "
                                 "(number), dW, db (matrices), dW_form, db_form (the matrix "
                                 "formulas Xᵀ(P − Y)/B and 1ᵀ(P − Y)/B)"),
)
def batch_softmax_regression(ctx: Context, x: Any, w: Any, b: Any, y: Any,
                             answers: dict[str, str]) -> None:
    """Softmax regression on a batch: forward pass, mean cross-entropy, and its gradients
    in the matrix form a course writes, ∂E/∂W = Xᵀ(P − Y)/B, ∂E/∂b = 1ᵀ(P − Y)/B."""
    for role in answers:
        if role not in ROLES:
            raise ctx.fail(f"answers.{role}", f"unknown role ({', '.join(ROLES)})")
    X, W, Y = (ctx.value(e) for e in (x, w, y))
    for name, m in (("x", X), ("w", W), ("y", Y)):
        if not isinstance(m, sp.MatrixBase):
            raise ctx.fail(name, "expected a matrix")
    B, N = X.shape
    if W.shape[0] != N:
        raise ctx.fail("w", f"X is {B}×{N}, so W needs {N} rows, found {W.rows}")
    K = W.shape[1]
    if Y.shape != (B, K):
        raise ctx.fail("y", f"expected {B}×{K} (one row of targets per example)")
    bias = ctx.value(b) if b is not None else sp.zeros(1, K)
    if not isinstance(bias, sp.MatrixBase) or bias.shape != (1, K):
        raise ctx.fail("b", f"expected a row of {K}")
    ones = sp.ones(B, 1)
    Z = sp.Matrix(X) * sp.Matrix(W) + ones * sp.Matrix(bias)
    P = sp.Matrix(B, K, lambda r, c: tame(sp.exp(Z[r, c]) / sum(sp.exp(Z[r, j])
                                                                   for j in range(K))))
    loss = tame(-sum(Y[r, c] * sp.log(P[r, c]) for r in range(B) for c in range(K)
                     if Y[r, c] != 0) / B)
    dW = (sp.Matrix(X).T * (P - sp.Matrix(Y)) / B).applyfunc(tame)
    db = (ones.T * (P - sp.Matrix(Y)) / B).applyfunc(tame)
    sb, sn, sk = (sp.Symbol(s, integer=True, positive=True) for s in ("B", "N", "K"))
    Xs, Ws, Ps, Ys = (sp.MatrixSymbol("X", sb, sn), sp.MatrixSymbol("W", sn, sk),
                      sp.MatrixSymbol("P", sb, sk), sp.MatrixSymbol("Y", sb, sk))
    one_s = sp.MatrixSymbol("1", sb, 1)
    dW_form = Xs.T * (Ps - Ys) / sb
    db_form = one_s.T * (Ps - Ys) / sb
    S = sp.Symbol
    items = {
        "z": ctx.step("batch-forward", sp.ImmutableMatrix(Z), lhs=S("Z"),
                      before=Xs * Ws + one_s * sp.MatrixSymbol("b", 1, sk)),
        "p": ctx.step("softmax-rows", sp.ImmutableMatrix(P), lhs=S("P"),
                      before=sp.Function("softmax")(S("Z"))),
        "loss": ctx.step("mean-cross-entropy", loss, lhs=S("E"),
                         before=-sp.Sum(S("Y_bk") * sp.log(S("P_bk")),
                                        (S("b"), 1, sb), (S("k"), 1, sk)) / sb),
    }
    dz = ctx.step("softmax-cross-entropy-gradient", (Ps - Ys) / sb,
                  lhs=DirectPartial(S("E"), S("Z")))
    items["dW_form"] = ctx.step("chain-rule", dW_form, lhs=DirectPartial(S("E"), S("W")),
                                uses=[dz])
    items["db_form"] = ctx.step("chain-rule", db_form, lhs=DirectPartial(S("E"), S("b")),
                                uses=[dz])
    items["dW"] = ctx.step("substitute", sp.ImmutableMatrix(dW),
                           lhs=DirectPartial(S("E"), S("W")), before=dW_form)
    items["db"] = ctx.step("substitute", sp.ImmutableMatrix(db),
                           lhs=DirectPartial(S("E"), S("b")), before=db_form)
    values = {"z": sp.ImmutableMatrix(Z), "p": sp.ImmutableMatrix(P), "loss": loss,
              "dW": sp.ImmutableMatrix(dW), "db": sp.ImmutableMatrix(db),
              "dW_form": dW_form, "db_form": db_form}
    emitted = {role: ctx.emit(aid, values[role], items[role]) for role, aid in answers.items()}
    Xf, Wf, Yf = (np.array(to_float(sp.ImmutableMatrix(m)), dtype=float) for m in (X, W, Y))
    bf = np.array(to_float(sp.ImmutableMatrix(bias)), dtype=float)

    def formula(expr: Any) -> np.ndarray:
        """The answered formula evaluated with the numpy P (so the formula is checked)."""
        fw = oracle.softmax_regression(Xf, Wf, bf, Yf)
        subs = {Xs: sp.Matrix(Xf), Ps: sp.Matrix(fw["p"]), Ys: sp.Matrix(Yf),
                one_s: sp.ones(B, 1), sb: B, sn: N, sk: K}
        return np.array(sp.Matrix(expr.xreplace(subs).doit()).tolist(), dtype=float)

    def check() -> tuple[bool, float, str]:
        fw = oracle.softmax_regression(Xf, Wf, bf, Yf)
        grads = oracle.softmax_regression_fd(Xf, Wf, bf, Yf)
        want = {"z": fw["z"], "p": fw["p"], "loss": fw["loss"], "dW": grads["dW"],
                "db": grads["db"]}
        err = 0.0
        for role in answers:
            if role.endswith("_form"):
                got = formula(emitted[role])
                err = max(err, rel_error(got, grads[role[:-5]]))
            else:
                got = np.array(to_float(values[role]), dtype=float)
                err = max(err, rel_error(got, np.asarray(want[role]).reshape(got.shape)))
        return err < GRAD_TOL, err, ("numpy forward pass; gradients by central differences "
                                     "of the mean cross-entropy")

    ctx.check(f"{', '.join(answers.values())}: softmax regression on a batch",
              list(answers.values()), "central-differences", check)
