"""latex2sympy2's tree for the common cores, without latex2sympy2.

Most cores the reader hands to latex2sympy2 (``latex2sympy_adapter``) are plain
arithmetic over placeholder letters: ``a b``, ``a - b``, ``{a} (1 - a)``, ``a^{b}``,
``\\frac{1}{1 + a^{b}}``. Importing latex2sympy2 costs a tenth of a second of CPU (it
parses two formulas as it is imported) and its ANTLR parser a few milliseconds per token,
which for a one-file ``derive check`` was a third of the marking. This module reads that
subset itself and builds **the same tree** latex2sympy2 builds (the same unevaluated
``Add``/``Mul``/``Pow`` with the same arguments in the same order, the same rationals),
by mirroring its grammar (``additive``, ``mp``, ``unary``, ``postfix+``, ``exp``,
``comp``) and its tree functions (``add_flat``, ``mul_flat``, the negation of numbers).
Everything downstream therefore sees what it saw before; ``tests/test_core_arithmetic.py``
compares the two on the reference cores and on random ones.

Anything outside the subset (another command, ``\\mod``, ``\\sum``, ``|``, ``_``, a
letter before ``(``, which latex2sympy2 reads as a call, two powers in a row, a
malformed core) gives None: the caller then asks latex2sympy2, which also words every
error, so messages are unchanged. No string is evaluated: tokens are matched by a
regular expression and numbers built by ``sympy.Rational`` of a digit string.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

#: the Latin placeholder letters (names.PLACEHOLDERS); d, e, i, E, I, T are never
#: placeholders and mean something else to latex2sympy2 (a differential, e, i, ^T)
LETTERS = frozenset("abcfghjklmnopqrstuvwxyzABCDFGHJKLMNOPQRSUVWXYZ")
_TOKEN = re.compile(r"\s*(?:(\\frac|\\cdot)(?![A-Za-z])|(\d+(?:\.\d+)?)(?![\d.,])|"
                    r"([A-Za-z])|([-+/(){}^]))")
#: a postfix item starts with one of these
_STARTS = ("(", "{", "\\frac")


class _Outside(Exception):
    """The core is not in the subset (latex2sympy2 reads it)."""


def read_arithmetic(core: str) -> sp.Basic | None:
    """latex2sympy2's tree for ``core`` when it is plain arithmetic, else None."""
    tokens = _tokens(core)
    if tokens is None or not tokens:
        return None
    parser = _Parser(tokens)
    try:
        tree = parser.additive()
    except (_Outside, RecursionError):
        return None
    if parser.pos != len(tokens):
        return None
    return tree


def _tokens(core: str) -> list[tuple[str, str]] | None:
    """(kind, text) pairs: 'cmd', 'num', 'letter', 'op'; None at anything else."""
    out: list[tuple[str, str]] = []
    pos = 0
    core = core.rstrip()
    while pos < len(core):
        m = _TOKEN.match(core, pos)
        if m is None:
            return None
        cmd, num, letter, op = m.groups()
        if letter is not None and letter not in LETTERS:
            return None
        out.append(("cmd", cmd) if cmd else ("num", num) if num else
                   ("letter", letter) if letter else ("op", op))
        pos = m.end()
    return out


# latex2sympy2's tree functions, as it writes them (its add_flat and mul_flat)
def _add_flat(lh: Any, rh: Any) -> Any:
    args = (list(lh.args) if lh.is_Add else [lh]) + (list(rh.args) if rh.is_Add else [rh])
    return sp.Add(*args, evaluate=False)


def _mul_flat(lh: Any, rh: Any) -> Any:
    lh_mul = getattr(lh, "is_Mul", False)
    args = (list(lh.args) if lh_mul else [lh]) + (list(rh.args) if rh.is_Mul else [rh])
    return sp.Mul(*args, evaluate=False)


def _negate(value: Any) -> Any:
    """``-x`` as latex2sympy2 writes it: a number negated, anything else -1 times it."""
    return -value if value.func.is_Number else _mul_flat(-1, value)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self, text: str) -> None:
        t = self.peek()
        if t is None or t[1] != text:
            raise _Outside
        self.pos += 1

    def additive(self) -> Any:
        """``additive: additive (+|-) additive | mp``, left-associative."""
        value = self.mp()
        while (t := self.peek()) is not None and t[1] in ("+", "-"):
            self.pos += 1
            rh = self.mp()
            value = _add_flat(value, rh if t[1] == "+" else _negate(rh))
        return value

    def mp(self) -> Any:
        """``mp: mp (\\cdot|/) mp | unary``, left-associative."""
        value = self.unary()
        while (t := self.peek()) is not None and t[1] in ("\\cdot", "/"):
            self.pos += 1
            rh = self.unary()
            if t[1] == "/":
                value = sp.Mul(value, sp.Pow(rh, -1, evaluate=False), evaluate=False)
            else:
                value = _mul_flat(value, rh)
        return value

    def unary(self) -> Any:
        """``unary: (+|-) unary | postfix+`` (the postfix list multiplied from the right)."""
        t = self.peek()
        if t is not None and t[1] in ("+", "-"):
            self.pos += 1
            inner = self.unary()
            return inner if t[1] == "+" else _negate(inner)
        starts = [self.pos]
        items = [self.exp()]
        while (t := self.peek()) is not None and (t[0] in ("num", "letter") or t[1] in _STARTS):
            if t[1] == "(" and self.toks[starts[-1]][0] == "letter":
                raise _Outside  # a letter (a^{2} too) before brackets: a call to latex2sympy2
            starts.append(self.pos)
            items.append(self.exp())
        value = items[-1]
        for item in reversed(items[:-1]):
            value = _mul_flat(item, value)
        return value

    def exp(self) -> Any:
        """``exp: exp ^{expr} | comp``; one power at most (a tower goes to latex2sympy2,
        whose grammar is ambiguous there)."""
        base = self.comp()
        t = self.peek()
        if t is None or t[1] != "^":
            return base
        self.pos += 1
        exponent = self.braced()
        t = self.peek()
        if t is not None and t[1] == "^":
            raise _Outside
        return sp.Pow(base, exponent, evaluate=False)

    def braced(self) -> Any:
        self.take("{")
        value = self.additive()
        self.take("}")
        return value

    def comp(self) -> Any:
        t = self.peek()
        if t is None:
            raise _Outside
        kind, text = t
        if text == "(":
            self.pos += 1
            value = self.additive()
            self.take(")")
            return value
        if text == "{":
            return self.braced()
        if text == "\\frac":
            self.pos += 1
            upper = self.braced()
            lower = self.braced()
            return sp.Mul(upper, sp.Pow(lower, -1, evaluate=False), evaluate=False)
        self.pos += 1
        if kind == "num":
            return sp.Rational(text)
        if kind == "letter":
            return sp.Symbol(text)
        raise _Outside
