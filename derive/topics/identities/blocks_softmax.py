"""softmax of a vector of numbers, exactly, and its stable evaluation for shifted inputs."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from derive.core.blockkit import tame, to_float
from derive.core.derivation import Context
from derive.core.local_names import label
from derive.core.numeric import rel_error, softmax
from derive.core.registry import Param, block
from derive.core.values import format_number


def _name_of(ctx: Context, vec: Any) -> str:
    """The given a vector expression stands for (``x``), or a neutral name."""
    for g in ctx.problem.givens:
        if ctx.problem.namespace.get(g) == vec:
            return g
    return "v"


@block(
    "softmax",
    answer=Param("answer", doc="a matrix answer: the probabilities softmax(of), a row (a "
                               "matrix for a matrix)"),
    of=Param("expr", takes="array", doc="a vector, e.g. x; or a matrix, each row on its own "
                                        "(attention's softmax(QKᵀ/√d))"),
    shift=Param("expr", takes="scalar", required=False,
                doc="also evaluate softmax(x + shift) stably: subtract the max first"),
)
def softmax_block(ctx: Context, answer: str, of: Any, shift: Any) -> None:
    """softmax(x)_i = e^{x_i} / Σ_k e^{x_k}, exactly; optionally x + shift, stably."""
    if not isinstance(of, sp.MatrixBase):
        raise ctx.fail("of", "expected a vector (a row or a column) or a matrix")
    if min(of.shape) != 1:
        if shift is not None:
            raise ctx.fail("shift", "a shift is evaluated for a vector; of is a "
                           f"{of.rows}×{of.cols} matrix")
        _by_rows(ctx, answer, of)
        return
    name = _name_of(ctx, of)
    values = ctx.value(of)
    n = len(values)
    x = sp.IndexedBase(name, real=True)
    i, k = sp.Symbol("i", integer=True), sp.Symbol("k", integer=True)
    ctx.step("definition", sp.exp(x[i]) / sp.Sum(sp.exp(x[k]), (k, 1, n)),
             lhs=label(f"softmax({name})_i"))
    probs, idx = _evaluate(ctx, of, values, "S", f"softmax({name})")
    probs = ctx.emit(answer, probs, idx)
    want = softmax(np.asarray(to_float(values), dtype=float).ravel())

    def check() -> tuple[bool, float, str]:
        got = np.asarray(to_float(probs), dtype=float).ravel()
        err = rel_error(got, want, floor=1e-12)
        return err < 1e-9, err, "numpy's stable softmax in float64"

    ctx.check(f"{answer}: softmax({name})", [answer], "numpy-recompute", check)
    if shift is None:
        return

    c = ctx.value(shift)
    shifted_label = (f"{name} + {format_number(c)}" if c >= 0
                     else f"{name} - {format_number(-c)}")
    shifted = (values + sp.ones(*values.shape) * c).as_immutable()
    ctx.step("substitute", shifted, lhs=label(shifted_label))
    m = max(shifted, key=lambda v: to_float(v))
    ctx.step("max", m, lhs=label("m"), before=label(f"max({shifted_label})"))
    centred = (shifted - sp.ones(*values.shape) * m).as_immutable()
    y = "y" if name != "y" else "u"
    ctx.step("subtract-the-max", centred, lhs=label(y), before=label(f"{shifted_label} - m"))
    ys = sp.ImmutableMatrix(*values.shape, [sp.Symbol(f"{y}_{j + 1}") for j in range(n)])
    stable, _ = _evaluate(ctx, ys, centred, "S'", f"softmax({shifted_label})",
                          rule="shift-invariance",
                          facts=(sp.Eq(label(f"softmax({shifted_label})"),
                                       label(f"softmax({y})")),))
    want_shifted = softmax(np.asarray(to_float(shifted), dtype=float).ravel())

    def check_stable() -> tuple[bool, float, str]:
        got = np.asarray(to_float(stable), dtype=float).ravel()
        ans = np.asarray(to_float(probs), dtype=float).ravel()
        err = max(rel_error(got, want_shifted, floor=1e-12), rel_error(got, ans, floor=1e-12))
        return err < 1e-9, err, "stable evaluation = numpy's softmax = the answer"

    ctx.check(f"{answer}: softmax({shifted_label}) evaluated stably", [answer],
              "numpy-recompute", check_stable)


def _by_rows(ctx: Context, answer: str, of: Any) -> None:
    """softmax along each row of a matrix: row r's sum S_r, then its probabilities."""
    name = _name_of(ctx, of)
    values = ctx.value(of)
    x = sp.IndexedBase(name, real=True)
    i, j, k = (sp.Symbol(c, integer=True) for c in "ijk")
    ctx.step("definition", sp.exp(x[i, j]) / sp.Sum(sp.exp(x[i, k]), (k, 1, values.cols)),
             lhs=label(f"softmax({name})_{{ij}}"))
    rows, idx = [], 0
    for r in range(values.rows):
        row = values.row(r)
        symbolic = sp.ImmutableMatrix(1, values.cols,
                                      [label(f"{name}_{r + 1}{c + 1}") for c in range(values.cols)])
        probs, idx = _evaluate(ctx, symbolic, row, f"S_{r + 1}", f"softmax({name})_{r + 1}")
        rows.append(list(probs))
    probs = ctx.emit(answer, sp.ImmutableMatrix(rows), idx)
    z = np.asarray(to_float(values), dtype=float).reshape(values.shape)
    want = np.vstack([softmax(row) for row in z])

    def check() -> tuple[bool, float, str]:
        got = np.asarray(to_float(probs), dtype=float).reshape(want.shape)
        err = rel_error(got, want, floor=1e-12)
        return err < 1e-9, err, "numpy's stable softmax of each row in float64"

    ctx.check(f"{answer}: softmax({name}) by rows", [answer], "numpy-recompute", check)


def _evaluate(ctx: Context, symbolic: Any, values: Any, sum_name: str, shown: str,
              rule: str = "substitute", facts: tuple[Any, ...] = ()) -> tuple[Any, int]:
    """S = Σ e^{v_k}, then [e^{v_k} / S], recorded; returns the exact probabilities."""
    exps = [sp.exp(v) for v in values]
    total = tame(sp.Add(*exps))
    s = label(sum_name)
    sum_before = sp.Add(*[sp.exp(e) for e in symbolic])
    # no written-in values: SymPy would reorder e^{(-1)} + e^{(-2)} once substituted
    ctx.step("substitute", total, lhs=s, before=sum_before)
    ratios = sp.ImmutableMatrix(*values.shape, [sp.exp(e) / s for e in symbolic])
    probs = sp.ImmutableMatrix(*values.shape, [tame(e / total) for e in exps])
    return probs, ctx.step(rule, probs, lhs=label(shown), before=ratios, facts=facts)
