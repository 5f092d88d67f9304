"""The JSON of ``derive solve --format json`` (shape fixed by interface.md)."""

from __future__ import annotations

import json
from typing import Any

import sympy as sp

from derive.core.arrays import FloatMatrix
from derive.core.derivation import Answer, Solution
from derive.core.values import number_json, to_float
from derive.render.printing import latex, value_str, value_tex


def plain(v: Any) -> Any:
    """A JSON value for an exact SymPy value, list or word."""
    if isinstance(v, FloatMatrix):  # a large given: its floats are its values
        return v.tolist()
    if isinstance(v, sp.MatrixBase):  # ImmutableMatrix is a MatrixExpr too
        return [[plain(c) for c in row] for row in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [plain(c) for c in v]
    if isinstance(v, sp.Integer):
        return int(v)
    if isinstance(v, sp.Basic) and v.is_number:
        return to_float(v)
    if isinstance(v, sp.Basic):
        return value_str(v)
    return v


def answer_dict(a: Answer) -> dict[str, Any]:
    """``{"kind", "value", "latex"}`` (and ``exact`` for a non-decimal rational)."""
    out: dict[str, Any] = {"kind": a.kind}
    if a.kind == "number":
        out.update(number_json(a.value))
    elif a.kind == "shape":
        out["value"] = [int(d) if isinstance(d, (int, sp.Integer)) else str(d) for d in a.value]
    elif a.kind in ("expression", "matrix-expression"):
        out["value"] = value_str(a.value)
    else:
        out["value"] = plain(a.value)
    out["latex"] = answer_latex(a)
    return out


def answer_latex(a: Answer) -> str:
    """The LaTeX of an answer as it is boxed on a sheet."""
    if a.kind == "number":  # the sheet's box: 4/3 as \frac, 1.5e-7 as 1.5 \times 10^{-7}
        return value_tex(a.kind, a.value)
    if a.kind == "shape":
        return r" \times ".join(latex(d) for d in a.value)
    if a.kind == "choice":
        return r"\text{%s}" % a.value
    if a.kind == "matrix":
        from derive.core.values import format_number as fmt

        rows = [" & ".join(fmt(c) for c in r) for r in a.value.tolist()]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    return latex(a.value)


def solution_dict(s: Solution) -> dict[str, Any]:
    return {
        "problem": s.problem.id,
        "givens": {k: plain(v) for k, v in s.givens.items()},
        "answers": {aid: answer_dict(a) for aid, a in s.answers.items()},
    }


def render_json(s: Solution) -> str:
    return json.dumps(solution_dict(s), indent=2, ensure_ascii=False)
