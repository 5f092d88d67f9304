"""The softmax Jacobian for a symbolic size K: ∂p_i/∂z_j = p_i(δ_ij − p_j), i.e.
J = diag(p) − p pᵀ for a column p.

The quotient rule is applied to p_i = e^{z_i} / Σ_k e^{z_k} with the two local
derivatives ∂e^{z_i}/∂z_j = δ_ij e^{z_i} and ∂(Σ_k e^{z_k})/∂z_j = e^{z_j} (the sum sifted
by its Kronecker delta); nothing depends on K. The check never uses these rules: for
K = 2..6 at seeded points the Jacobian of a numpy softmax by central differences is
compared with the entry formula and with the matrix formula, both evaluated.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from derive.core.derivation import Context
from derive.core.numeric import GRAD_TOL, central_diff, rel_error, rng, softmax
from derive.core.registry import Param, block
from derive.topics.networks.matrix_calculus import Diag

SIZES = range(2, 7)


@block(
    "softmax-jacobian",
    entry=Param("answer", required=False, doc="an expression answer: ∂p_i/∂z_j in p_i, p_j "
                                              "and δ_ij"),
    matrix=Param("answer", required=False, doc="a matrix-expression answer: diag(p) − p pᵀ "
                                               "(p a K×1 column)"),
)
def softmax_jacobian(ctx: Context, entry: str | None, matrix: str | None) -> None:
    """∂p_i/∂z_j of p = softmax(z) for every size K, entry by entry and as a matrix."""
    if not (entry or matrix):
        raise ctx.fail("entry", "ask for entry, matrix or both")
    i, j, k = (sp.Symbol(n, integer=True) for n in "ijk")
    size = sp.Symbol("K", integer=True, positive=True)
    z, p = sp.IndexedBase("z", real=True), sp.IndexedBase("p", real=True)
    total = sp.Sum(sp.exp(z[k]), (k, 1, size))
    s_sym = sp.Symbol("S", positive=True)
    defn = ctx.step("definition", sp.exp(z[i]) / total, lhs=p[i],
                    facts=(sp.Eq(s_sym, total),))
    d_num = ctx.step("exp-derivative", sp.KroneckerDelta(i, j) * sp.exp(z[i]),
                     lhs=sp.Derivative(sp.exp(z[i]), z[j]))
    d_den = ctx.step("kronecker-delta-sum", sp.exp(z[j]), lhs=sp.Derivative(s_sym, z[j]),
                     before=sp.Sum(sp.KroneckerDelta(j, k) * sp.exp(z[k]), (k, 1, size)))
    quotient = (sp.KroneckerDelta(i, j) * sp.exp(z[i]) * s_sym
                - sp.exp(z[i]) * sp.exp(z[j])) / s_sym**2
    q = ctx.step("quotient-rule", quotient, lhs=sp.Derivative(p[i], z[j]),
                 uses=[defn, d_num, d_den])
    result = p[i] * (sp.KroneckerDelta(i, j) - p[j])
    last = ctx.step("simplify", result, lhs=sp.Derivative(p[i], z[j]), before=quotient,
                    uses=[q], facts=(sp.Eq(p[i], sp.exp(z[i]) / s_sym),))
    pm = sp.MatrixSymbol("p", size, 1)
    jac = Diag(pm) - pm * pm.T
    mform = ctx.step("matrix-form", jac, lhs=sp.Symbol("J"), uses=[last])
    if entry:
        ctx.emit(entry, result, last)
    if matrix:
        ctx.emit(matrix, jac, mform)

    def check() -> tuple[bool, float, str]:
        r = rng(911)
        worst = 0.0
        for n in SIZES:
            zv = r.normal(0.0, 1.5, size=n)
            pv = softmax(zv)
            fd = np.array([[central_diff(lambda t, a=a, b=b, n=n, zv=zv: float(
                softmax(np.where(np.arange(n) == b, t, zv))[a]), zv[b])
                for b in range(n)] for a in range(n)])
            # p_1..p_n built once per size (an Indexed works out its assumptions when made)
            at = {p[m + 1]: pv[m] for m in range(n)}
            ent = np.array([[float(result.xreplace({i: sp.Integer(a + 1), j: sp.Integer(b + 1)})
                                   .xreplace(at)) for b in range(n)] for a in range(n)])
            mat = np.array(sp.Matrix(jac.xreplace({size: n}).xreplace(
                {sp.MatrixSymbol("p", n, 1): sp.Matrix(pv)}).doit()).tolist(), dtype=float)
            worst = max(worst, rel_error(ent, fd), rel_error(mat, fd))
        return worst < GRAD_TOL, worst, f"K = {SIZES.start}..{SIZES.stop - 1}"

    ctx.check("softmax Jacobian", [a for a in (entry, matrix) if a], "central-differences",
              check)
