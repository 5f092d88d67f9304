"""Expressions written in specs, read into SymPy.

No implicit symbols, exact rationals; ``{a.x1}`` is a placeholder for answer a.x1's value.
"""

from __future__ import annotations

import re
import tokenize
from typing import Any

import sympy as sp
from sympy.parsing.sympy_parser import (
    auto_number,
    factorial_notation,
    parse_expr,
    rationalize,
    repeated_decimals,
)

from derive.core.errors import SpecError
from derive.core.model import (
    AnswerSpec,
)
from derive.core.spec_fields import ANSWER_REF
from derive.core.values import ValueError_, to_exact

_TRANSFORMS = (auto_number, repeated_decimals, factorial_notation, rationalize)


def parse_spec_expr(path: str, where: str, text: Any, ns: dict[str, Any],
                    answers: dict[str, AnswerSpec] | None = None) -> Any:
    """Parse an author's expression (trusted input) exactly, with no implicit names.

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
    local = dict(ns)

    def ref(m: re.Match[str]) -> str:
        aid = m.group(1)
        if answers is not None and aid not in answers:
            raise SpecError(path, where, f"refers to {{{aid}}}, which is not a declared answer")
        key = "_ans_" + re.sub(r"\W", "_", aid)
        local[key] = answer_symbol(aid)
        return key

    src = ANSWER_REF.sub(ref, text)
    try:
        expr = parse_expr(src, local_dict=local, global_dict=_globals(),
                          transformations=_TRANSFORMS, evaluate=True)
    except NameError as e:
        name = str(e).split("'")[1] if "'" in str(e) else str(e)
        raise SpecError(path, where, f"unknown name '{name}' in {text!r} "
                        "(expected a given, a symbol, a definition or a function)") from None
    except (SyntaxError, TypeError, ValueError, AttributeError, sp.SympifyError,
            tokenize.TokenError) as e:
        raise SpecError(path, where, f"cannot read expression {text!r}: {e}") from None
    return expr


def answer_symbol(aid: str) -> sp.Symbol:
    """The placeholder that stands for an answer's value inside a spec expression."""
    return sp.Symbol(f"{{{aid}}}")


def _globals() -> dict[str, Any]:
    # only what parse_expr's transformations emit; no builtins, no auto-symbols
    return {"__builtins__": {}, "Integer": sp.Integer, "Float": sp.Float,
            "Rational": sp.Rational, "Symbol": sp.Symbol, "factorial": sp.factorial}
