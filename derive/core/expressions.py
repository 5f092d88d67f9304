"""Expressions written in specs, read into SymPy.

Never evaluated as Python (see ``spec_grammar``): no implicit symbols, exact rationals;
``{a.x1}`` is a placeholder for answer a.x1's value.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.core.errors import SpecError
from derive.core.functions import NAMESPACE
from derive.core.model import (
    AnswerSpec,
)
from derive.core.spec_fields import yaml_kind
from derive.core.spec_grammar import SpecExprError, read_spec_expression
from derive.core.values import ValueError_, to_exact

#: what a spec expression may call besides its definitions: the function table
CALLABLE = tuple(v for v in NAMESPACE.values() if not isinstance(v, sp.Basic))


def parse_spec_expr(path: str, where: str, text: Any, ns: dict[str, Any],
                    answers: dict[str, AnswerSpec] | None = None) -> Any:
    """Read a spec expression (untrusted: specs are shared files) exactly, with no implicit
    names, through the whitelist grammar of :mod:`derive.core.spec_grammar`.

    ``{a.x1}`` refers to a declared answer's value.
    """
    if isinstance(text, bool):
        raise SpecError(path, where, f"expected an expression, found {text!r}")
    if isinstance(text, (int, float)):
        try:
            return to_exact(text)
        except ValueError_ as e:
            raise SpecError(path, where, str(e)) from None
    if isinstance(text, list):
        try:
            return to_exact(text)
        except ValueError_:
            return _list_matrix(path, where, text, ns, answers)
    if not isinstance(text, str) or not text.strip():
        raise SpecError(path, where, "expected an expression (text)")

    def ref(aid: str) -> sp.Symbol:
        if answers is not None and aid not in answers:
            raise SpecError(path, where, f"refers to {{{aid}}}, which is not a declared answer")
        return answer_symbol(aid)

    try:
        out = read_spec_expression(text, ns, ref, CALLABLE)
    except SpecExprError as e:
        shown = text if len(text) <= 60 else text[:57] + "..."
        if e.unknown_name is not None:
            raise SpecError(path, where, f"unknown name '{e.unknown_name}' in {shown!r} "
                            "(expected a given, a symbol, a definition or a function)") from None
        raise SpecError(path, where, f"cannot read expression {shown!r}: {e}") from None
    _no_matrix_answer_in_entries(path, where, text, out, answers)
    return out


#: answer kinds whose value is a matrix
_MATRIX_KINDS = ("matrix", "matrix-expression")


def _no_matrix_answer_in_entries(path: str, where: str, text: str, out: Any,
                                 answers: dict[str, AnswerSpec] | None) -> None:
    """A reference stands for a number while the spec is read, so a matrix answer may
    stand alone (a block's argument) or times numbers (``2*{a.S}``), nothing else: in a
    matrix formula (``{b.a}*V``) it was put into every entry, a nested matrix that failed
    its check ("cannot convert expression to float"); in a function, ``exp({a.S})`` was
    SymPy's matrix exponential, shown as the answer where a course means e^{S_ij}."""
    if not answers or not isinstance(out, (sp.Basic, sp.MatrixBase)):
        return
    if isinstance(out, sp.MatrixBase):
        inside = set().union(*(e.free_symbols for e in out)) if len(out) else set()
    else:
        inside = out.free_symbols
    for aid, spec in answers.items():
        ref = answer_symbol(aid)
        if spec.kind not in _MATRIX_KINDS or ref not in inside:
            continue
        if isinstance(out, sp.MatrixBase):
            raise SpecError(path, where, f"{{{aid}}} is a matrix answer, but {text!r} "
                            "is a formula with a matrix, which reads a reference as one "
                            "number; products of a matrix answer are not in the spec "
                            f"language: pass '{{{aid}}}' alone to a block that takes a "
                            "vector or matrix, or write the product from givens")
        scaled = out == ref or (isinstance(out, sp.Mul)
                                and [a for a in out.args if a.has(ref)] == [ref])
        if not scaled:
            raise SpecError(path, where, f"{{{aid}}} is a matrix answer, which a formula "
                            f"reads as one number: {text!r} would not act on its entries; "
                            f"use '{{{aid}}}' alone (or times a number) as a block's "
                            "argument")


def _list_matrix(path: str, where: str, text: list[Any], ns: dict[str, Any],
                 answers: dict[str, AnswerSpec] | None) -> sp.ImmutableMatrix:
    """A YAML list of expressions as a row, a list of such lists as a matrix; anything
    else (ragged rows, lists three deep, mappings) is named, not handed to SymPy."""
    if not text:
        raise SpecError(path, where, "expected an expression, found an empty list")
    nested = [isinstance(r, list) for r in text]
    if any(nested) and not all(nested):
        raise SpecError(path, where, "a list mixes entries and lists (expected a row "
                        "[a, b] or a matrix [[a, b], [c, d]])")
    rows = text if all(nested) else [text]
    if len({len(r) for r in rows}) != 1 or not rows[0]:
        raise SpecError(path, where, "matrix rows have different lengths or are empty")
    out = []
    for i, r in enumerate(rows):
        row = []
        for j, c in enumerate(r):
            if isinstance(c, (list, dict)):
                at = f"[{i}][{j}]" if all(nested) else f"[{j}]"
                raise SpecError(path, where + at, "entries of a matrix are numbers or "
                                f"expressions, found {yaml_kind(c)}")
            v = parse_spec_expr(path, where, c, ns, answers)
            if isinstance(v, (sp.MatrixBase, sp.MatrixExpr)):
                raise SpecError(path, where, f"entries of a matrix are numbers or scalar "
                                f"expressions, found {c!r}, a matrix")
            row.append(v)
        out.append(row)
    return sp.ImmutableMatrix(out)


def answer_symbol(aid: str) -> sp.Symbol:
    """The placeholder that stands for an answer's value inside a spec expression."""
    return sp.Symbol(f"{{{aid}}}")
