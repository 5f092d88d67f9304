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
            rows = text if all(isinstance(r, list) for r in text) else [text]
            return sp.ImmutableMatrix(
                [[parse_spec_expr(path, where, c, ns, answers) for c in r] for r in rows]
            )
    if not isinstance(text, str) or not text.strip():
        raise SpecError(path, where, "expected an expression (text)")

    def ref(aid: str) -> sp.Symbol:
        if answers is not None and aid not in answers:
            raise SpecError(path, where, f"refers to {{{aid}}}, which is not a declared answer")
        return answer_symbol(aid)

    try:
        return read_spec_expression(text, ns, ref, CALLABLE)
    except SpecExprError as e:
        shown = text if len(text) <= 60 else text[:57] + "..."
        if e.unknown_name is not None:
            raise SpecError(path, where, f"unknown name '{e.unknown_name}' in {shown!r} "
                            "(expected a given, a symbol, a definition or a function)") from None
        raise SpecError(path, where, f"cannot read expression {shown!r}: {e}") from None


def answer_symbol(aid: str) -> sp.Symbol:
    """The placeholder that stands for an answer's value inside a spec expression."""
    return sp.Symbol(f"{{{aid}}}")
