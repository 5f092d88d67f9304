"""Spec expressions read by a whitelist parser: data, never code.

A spec is shared between courses like any other file, so its expressions are untrusted.
They are read by a small recursive-descent parser that knows only what the spec language
defines: numbers, the names the caller passes (givens, symbols, definitions and the
function table), ``{answer.id}`` references, arithmetic (``+ - * / **``), postfix ``!``,
calls of the function table or of a definition, subscripts of indexed symbols and given
vectors, bracketed matrices, parenthesised tuples (the limits of ``Sum``), and
``Piecewise((value, condition), …)`` or ``cases(value if condition, …, value)`` whose
conditions are comparisons (``<``, ``<=``, ``>``, ``>=``, chained as ``0 <= x < 1``,
joined with ``and``/``or``), ``True`` marking the otherwise-piece (``spec_cases``); a
comparison anywhere else is an error. Nothing is evaluated as Python; there is no
attribute access, no keyword argument, no string.

Sizes are bounded before SymPy sees them (``spec_arith``: number literals, integer
exponents, factorials and the digits a numeric power would produce), so that
``10**10**10`` or ``(10**6)!`` is a one-line error, never minutes of work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp

from derive.core import spec_cases
from derive.core.spec_arith import (
    MATRIX_FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    arith,
    factorial_of,
    matrix_literal,
    numbers_only,
    power_of,
    read_number,
    sum_limits,
)
from derive.core.spec_arith import (
    SpecExprError as SpecExprError,  # raised here too; callers import it from here
)
from derive.core.spec_cases import OTHERWISE, RELATIONS, CasesError

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<ref>\{[A-Za-z0-9_.-]+\})"
    r"|(?P<op>\*\*|<=|>=|[-+*/()\[\],!^<>])"
    r")"
)


class _Tokens:
    def __init__(self, text: str) -> None:
        self.items: list[tuple[str, str, int]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                bad = text[pos:].lstrip()[:1]
                hint = ("; attribute access is not part of the spec language (a "
                        "transpose is transpose(K))" if bad == "." else "")
                raise SpecExprError(f"unexpected character {bad!r} at column "
                                    f"{len(text) - len(text[pos:].lstrip()) + 1}{hint}")
            kind = m.lastgroup or ""
            self.items.append((kind, m.group(kind), m.start(kind) + 1))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.items[self.i] if self.i < len(self.items) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise SpecExprError("unexpected end of expression")
        self.i += 1
        return tok

    def accept(self, op: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] == op:
            self.i += 1
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.accept(op):
            tok = self.peek()
            found = f"{tok[1]!r} at column {tok[2]}" if tok else "the end"
            raise SpecExprError(f"expected {op!r} but found {found}")


class _Parser:
    def __init__(self, text: str, names: dict[str, Any], refs: Callable[[str], Any],
                 callables: frozenset[int]) -> None:
        self.t = _Tokens(text)
        self.names = names
        self.refs = refs
        self.callables = callables
        self.depth = 0
        self.cases = 0  # Piecewise calls open around the current token

    def parse(self) -> Any:
        value = self.sum()
        tok = self.t.peek()
        if tok is not None and tok[1] in RELATIONS:
            raise SpecExprError(f"{tok[1]!r} at column {tok[2]}: a comparison is only a "
                                "condition of Piecewise((value, condition), …)")
        if tok is not None:
            raise SpecExprError(f"unexpected {tok[1]!r} at column {tok[2]}")
        arith(lambda a, b: None, value, None)  # a bare tuple or function name is no value
        # a name as it is (a given's matrix of entry symbols) is finite: walking a wide
        # matrix's entries for infinities cost seconds
        named = any(value is v for v in self.names.values())
        if isinstance(value, sp.Basic) and not named and value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
            raise SpecExprError("the value is not finite (e.g. log(0) or 1/0)")
        return value

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SpecExprError(f"nested more than {MAX_DEPTH} levels deep")

    def sum(self) -> Any:
        left = self.term()
        while True:
            if self.t.accept("+"):
                left = arith(lambda a, b: a + b, left, self.term())
            elif self.t.accept("-"):
                left = arith(lambda a, b: a - b, left, self.term())
            else:
                return left

    def term(self) -> Any:
        left = self.unary()
        while True:
            if self.t.accept("*"):
                left = arith(lambda a, b: a * b, left, self.unary())
            elif self.t.accept("/"):
                right = self.unary()
                if right == 0:
                    raise SpecExprError("division by zero")
                left = arith(lambda a, b: a / b, left, right)
            else:
                return left

    def unary(self) -> Any:
        if self.t.accept("-"):
            self._enter()
            v = arith(lambda a, _: -a, self.unary(), None)
            self.depth -= 1
            return v
        if self.t.accept("+"):
            self._enter()
            v = self.unary()
            self.depth -= 1
            return v
        return self.power()

    def power(self) -> Any:
        base = self.postfix()
        if self.t.accept("**"):
            self._enter()
            exp = self.unary()  # right-associative; 2**-1 is allowed
            self.depth -= 1
            return power_of(base, exp)
        tok = self.t.peek()
        if tok is not None and tok[1] == "^":
            raise SpecExprError(f"'^' at column {tok[2]}: write powers with '**'")
        return base

    def postfix(self) -> Any:
        value, callee = self.atom()
        while True:
            tok = self.t.peek()
            if tok is None or tok[0] != "op":
                return value
            if tok[1] == "(":
                if callee is None:
                    raise SpecExprError(f"'(' at column {tok[2]}: only functions of the "
                                        "spec language and definitions can be called")
                self.t.take()
                value, callee = self.call(callee, value), None
            elif tok[1] == "[":
                self.t.take()
                value, callee = self.subscript(value, tok[2]), None
            elif tok[1] == "!":
                self.t.take()
                value, callee = factorial_of(value), None
            else:
                return value

    def call(self, name: str, fn: Any) -> Any:
        if fn is sp.Piecewise:
            return self.piecewise()
        if fn is spec_cases.cases:
            return self.cases_call()
        self._enter()
        args = [] if self.t.accept(")") else self.arguments(")")
        self.depth -= 1
        if fn is sp.Sum:
            sum_limits(args[1:])
        if name not in MATRIX_FUNCTIONS and id(fn) in self.callables:
            numbers_only(name, args)
        try:
            return fn(*args)
        except SpecExprError:
            raise
        except (TypeError, ValueError, ArithmeticError, IndexError, sp.SympifyError) as e:
            raise SpecExprError(f"{name}(…): {e}") from None

    def piecewise(self) -> Any:
        """``Piecewise((value, condition), …, (value, True))`` (the '(' is read)."""

        def piece(n: int) -> tuple[Any, Any, bool]:
            if not self.t.accept("("):
                raise SpecExprError(f"Piecewise(…): piece {n} is written (value, condition), "
                                    f"e.g. (x, x > 0); found {self._found()}")
            value = self.sum()
            if not self.t.accept(","):
                raise SpecExprError(f"Piecewise(…): piece {n} has one item; each piece is "
                                    f"(value, condition); found {self._found()}")
            tok = self.t.peek()
            otherwise = tok is not None and tok[0] == "name" and tok[1] in OTHERWISE
            if otherwise:
                self.t.take()
            cond = sp.true if otherwise else self.condition(n)
            if self.t.accept(","):
                raise SpecExprError(f"Piecewise(…): piece {n} has more than two items; each "
                                    "piece is (value, condition)")
            self.t.expect(")")
            return value, cond, otherwise

        return self._pieces("Piecewise", "pieces", piece, None)

    def cases_call(self) -> Any:
        """``cases(value if condition, …, value)`` (the '(' is read): the last value
        without ``if`` holds where no condition before it does."""

        def case(n: int) -> tuple[Any, Any, bool]:
            value = self.sum()
            if self._keyword("if"):
                return value, self.condition(n, "cases"), False
            return value, sp.true, True

        def no_comma(n: int) -> str:
            return (f"cases(…): case {n} is written 'value if condition' "
                    f"(or the last one 'value'); found {self._found()}")

        return self._pieces("cases", "cases", case, no_comma)

    def _pieces(self, label: str, unit: str,
                read: Callable[[int], tuple[Any, Any, bool]],
                no_comma: Callable[[int], str] | None) -> Any:
        """The pieces of ``Piecewise(`` or ``cases(`` up to the closing ')', each read by
        ``read(n)`` as (value, condition, is the otherwise-piece), nesting and count
        bounded; the first otherwise-piece is remembered for the coverage check."""
        self._enter()
        self.cases += 1
        if self.cases > spec_cases.MAX_CASE_DEPTH:
            raise SpecExprError(f"Piecewise nested more than {spec_cases.MAX_CASE_DEPTH} deep")
        pieces: list[tuple[Any, Any]] = []
        otherwise_at = None
        while True:
            n = len(pieces) + 1
            if n > spec_cases.MAX_PIECES:
                raise SpecExprError(f"{label}(…): at most {spec_cases.MAX_PIECES} {unit}")
            value, cond, otherwise = read(n)
            if otherwise and otherwise_at is None:
                otherwise_at = len(pieces)
            pieces.append((value, cond))
            if self.t.accept(")"):
                break
            if no_comma is None:
                self.t.expect(",")
            elif not self.t.accept(","):
                raise SpecExprError(no_comma(n))
        return self._built(pieces, otherwise_at, label)

    def _built(self, pieces: list[tuple[Any, Any]], otherwise_at: int | None,
               label: str) -> Any:
        self.cases -= 1
        self.depth -= 1
        try:
            return spec_cases.build(pieces, otherwise_at)
        except CasesError as e:
            raise SpecExprError(f"{label}(…): {e}") from None

    def condition(self, n: int, label: str = "Piecewise") -> Any:
        """Comparisons (chained ``a < x <= b``) joined by ``and`` (binding first) and ``or``."""
        links = [0]
        ors = [self._conjunction(n, links, label)]
        while self._keyword("or"):
            ors.append(self._conjunction(n, links, label))
        return sp.Or(*ors)

    def _conjunction(self, n: int, links: list[int], label: str) -> Any:
        ands = [self._comparison(n, links, label)]
        while self._keyword("and"):
            ands.append(self._comparison(n, links, label))
        return sp.And(*ands)

    def _comparison(self, n: int, links: list[int], label: str) -> Any:
        operands = [self.sum()]
        ops: list[str] = []
        while (tok := self.t.peek()) is not None and tok[0] == "op" and tok[1] in RELATIONS:
            ops.append(self.t.take()[1])
            operands.append(self.sum())
        piece = f"{label}(…): {'piece' if label == 'Piecewise' else 'case'} {n}"
        if not ops:
            other = ("or True for the otherwise-piece" if label == "Piecewise" else
                     "and leave the last value without 'if' for every other value")
            raise SpecExprError(f"{piece}'s condition is not a comparison (found "
                                f"{self._found()}); write e.g. x > 0, 0 <= x < 1, x < -1 or "
                                f"x > 1, {other}")
        links[0] += len(ops)
        if links[0] > spec_cases.MAX_COMPARISONS:
            raise SpecExprError(f"{piece}'s condition has more than "
                                f"{spec_cases.MAX_COMPARISONS} comparisons")
        try:
            return spec_cases.chain(ops, operands)
        except CasesError as e:
            raise SpecExprError(f"{piece}: {e}") from None

    def _keyword(self, word: str) -> bool:
        tok = self.t.peek()
        if tok is not None and tok[0] == "name" and tok[1] == word:
            self.t.take()
            return True
        return False

    def _found(self) -> str:
        """Where the reader stands: the next token and its column, or the end."""
        tok = self.t.peek()
        return f"{tok[1]!r} at column {tok[2]}" if tok else "the end"

    def arguments(self, close: str) -> list[Any]:
        args = [self.sum()]
        while self.t.accept(","):
            args.append(self.sum())
        self.t.expect(close)
        return args

    def subscript(self, value: Any, column: int) -> Any:
        self._enter()
        index = self.arguments("]")
        self.depth -= 1
        if isinstance(value, sp.IndexedBase):
            return value[tuple(index)] if len(index) > 1 else value[index[0]]
        if isinstance(value, sp.MatrixBase):
            ij = [int(i) for i in index if isinstance(i, sp.Integer) and i >= 0]
            if len(ij) != len(index) or len(ij) not in (1, 2):
                raise SpecExprError(f"'[' at column {column}: a given's entries are "
                                    "numbered with whole numbers from 0, e.g. w[0] or "
                                    "W[0, 1]")
            try:
                return value[ij[0]] if len(ij) == 1 else value[ij[0], ij[1]]
            except IndexError:
                raise SpecExprError(f"'[' at column {column}: index {list(ij)} is outside "
                                    f"the {value.rows}×{value.cols} given") from None
        raise SpecExprError(f"'[' at column {column}: only indexed symbols and given "
                            "vectors or matrices take subscripts")

    def atom(self) -> tuple[Any, str | None]:
        kind, text, column = self.t.take()
        if kind == "number":
            return read_number(text), None
        if kind == "ref":
            return self.refs(text[1:-1]), None
        if kind == "name":
            if text not in self.names:
                raise SpecExprError(f"unknown name '{text}'", unknown_name=text)
            value = self.names[text]
            if id(value) in self.callables or isinstance(value, sp.Lambda):
                return value, text
            return value, None
        if kind == "op" and text == "[":
            self._enter()
            items = self.arguments("]")
            self.depth -= 1
            return matrix_literal(items, column), None
        if kind == "op" and text == "(":
            self._enter()
            items = self.arguments(")")
            self.depth -= 1
            return (items[0] if len(items) == 1 else tuple(items)), None
        raise SpecExprError(f"unexpected {text!r} at column {column}")


def read_spec_expression(text: str, names: dict[str, Any],
                         refs: Callable[[str], Any],
                         callables: tuple[Any, ...]) -> Any:
    """Read one spec expression into SymPy, admitting only the spec language.

    Args:
        text: the expression as the spec writes it.
        names: every name it may use (givens, symbols, definitions, functions).
        refs: the value of an ``{answer.id}`` reference (raises SpecExprError if unknown).
        callables: the objects of ``names`` that may be called (the function table).

    Returns:
        The SymPy expression (or matrix).

    >>> import sympy as sp
    >>> read_spec_expression("2*x**2", {"x": sp.Symbol("x")}, lambda r: None, ())
    2*x**2
    """
    if len(text) > MAX_LENGTH:
        raise SpecExprError(f"longer than {MAX_LENGTH} characters")
    try:
        return _Parser(text, names, refs, frozenset(id(c) for c in callables)).parse()
    except RecursionError:
        raise SpecExprError("nested too deeply") from None
