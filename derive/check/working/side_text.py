"""One side of a working's relation: what was read (:class:`Side`), why it could not be
(:class:`SideError`), and the text around the reading: the numbers as written, names
written in plain letters (Loss, lr'(z)), marked starting values (w_1^{(0)}), sides by
cases, and values that are no number (0/0, √−1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derive.check.read.config import ParseConfig, ParseError
from derive.check.read.numbers import WrittenNumber, read_number
from derive.check.read.tokens import NUM, OP, tokenize

#: what students call the loss, when the problem defines one as E (or L)
LOSS_WORDS = ("Error", "error", "Loss", "loss", "MSE", "mse", "Cost", "cost", "J", "L", "E")


@dataclass
class Side:
    """One side of a relation, read."""

    text: str
    expr: Any
    """as read: names are symbols, labels are their derivatives"""
    right: Any
    """names at their right values (definitions expanded)"""
    own: Any
    """names at the student's values where they gave one"""
    unknown: set[str]
    """names that mean nothing here"""
    literals: list[WrittenNumber]
    plain: WrittenNumber | None = None
    """the side is one written number"""
    derivatives: list[tuple[Any, Any]] = field(default_factory=list)
    """(target, variable) of each derivative label, for diagnoses"""
    shadow: dict[str, Any] = field(default_factory=dict)
    """names read as given values here (a bare g as g_1), to evaluate parts of it alike"""

    @property
    def numeric(self) -> bool:
        return _is_number(self.right) and _is_number(self.own)


def _is_number(v: Any) -> bool:
    if isinstance(v, sp.MatrixBase):
        return all(_is_number(e) for e in v)
    return isinstance(v, sp.Basic) and not v.free_symbols and v.is_number is True


def literals(text: str) -> list[WrittenNumber]:
    """The numbers written in a side, not those in subscripts or exponents."""
    try:
        tokens = tokenize(text)
    except ParseError:
        return []
    out = []
    script = 0
    for i, t in enumerate(tokens):
        if t.kind == OP and t.text in ("_", "^"):
            script = 1
            continue
        if script:
            if t == tokens[i] and t.kind == OP and t.text == "{":
                script += 1
                continue
            if t.kind == OP and t.text == "}":
                script -= 1
                if script == 1:
                    script = 0
                continue
            if script == 1:
                script = 0
                continue
            continue
        if t.kind == NUM:
            try:
                out.append(read_number(t.text))
            except ParseError:
                continue
    return out


class SideError(Exception):
    """A side that cannot be read; the message says what."""


#: a name marked as its starting value is the name: w_1^{(0)}, w_1^{old}
STARTING_VALUE = re.compile(r"((?:\\[A-Za-z]+|[A-Za-z])(?:_\{?\w+\}?)?)"
                            r"\s*\^\s*\{\s*(?:\(\s*0\s*\)|old)\s*\}")
CASES = re.compile(r"\\begin\s*\{\s*cases\s*\}")
_TEXT_COMMAND = re.compile(r"\\(?:text|mathrm|textrm|mathit|operatorname)\s*\{\s*$")


def words_as_names(config: ParseConfig, text: str) -> str:
    """A word the scope knows written in plain letters is that name, as in
    ``\\text{Loss}``: the loss (Loss, Error, MSE: ``\\partial Loss`` is not the product
    L·o·s·s) and a function of the problem where it is applied (``lr'(z_0)``, ``lr(z)``:
    not l times r'(z_0))."""
    words = [w for w in LOSS_WORDS if len(w) > 1 and w in config.aliases
             and w not in config.symbols]
    calls = [f for f in config.functions if len(f) > 1 and f.isalpha()
             and f not in config.symbols]
    if not any(w in text for w in words + calls):
        return text
    # longest first: a word is not read as the start of a longer one
    alternatives = [re.escape(w) for w in sorted(words, key=len, reverse=True)]
    alternatives += [re.escape(f) + r"(?=\s*(?:'|\(|\\left\b|\^))"
                     for f in sorted(calls, key=len, reverse=True)]
    pattern = re.compile(r"(?<![\\A-Za-z])(" + "|".join(alternatives) + r")(?![A-Za-z])")

    def word(m: re.Match[str]) -> str:
        if _TEXT_COMMAND.search(text, 0, m.start()):
            return m.group(0)  # already \text{Loss}
        return r"\text{" + m.group(1) + "}"

    return pattern.sub(word, text)


def reason(e: Exception) -> str:
    """An error's first line, without SymPy's printing of whole matrices."""
    from sympy.matrices.exceptions import MatrixError

    if isinstance(e, MatrixError):
        return "a matrix where a number was expected"
    return str(e).split("\n", 1)[0][:80] or type(e).__name__


def undefined(v: Any) -> str:
    """Why a value is no number a step can be held to ('' when it is one): a division by
    zero or the log of 0 (zoo, nan, ∞), or an imaginary number (√−1)."""
    items = list(v) if isinstance(v, sp.MatrixBase) else [v]
    for e in items:
        if not isinstance(e, sp.Basic):
            continue
        if e.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return "has no value (a division by zero, or the log of 0)"
        if not e.free_symbols and e.is_number and e.is_real is False:
            return "is not a real number"
    return ""
