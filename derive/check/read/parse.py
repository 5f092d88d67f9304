"""Students' LaTeX answers -> SymPy values, safely.

Untrusted text is never given to ``eval``, ``sympify``/``parse_expr`` of raw strings, or
an unbounded ``simplify``. It is length-, depth- and token-checked, tokenized against a
whitelist of commands (``tex_tokens``), read structurally (``tex_reader``: names, calls,
transposes, matrices, sums, relations), and only its arithmetic skeleton, over
placeholder letters, goes to latex2sympy2 (``tex_core``, the one module that imports
it). Sizes are bounded (exponents, digits, tokens), so hostile input ends as a
ParseError within a second or two.

``parse_answer(text, kind, config)`` returns, by kind:

- ``number``: an exact SymPy number (``0.1`` -> 1/10);
- ``expression``: a SymPy Expr (names as real Symbols, sums as ``Sum`` over
  ``IndexedBase`` names);
- ``matrix`` / ``design``: an ``ImmutableMatrix`` of exact numbers (a list is a row);
- ``matrix-expression``: a SymPy matrix expression over the declared ``MatrixSymbol``s,
  or, for the component form ``o_i - y_i``, a scalar Expr in ``Indexed`` components;
- ``shape``: a tuple of Integers and size Symbols (``k \\times n`` -> (k, n));
- ``choice``: the word, lower case, ``\\text{}`` stripped.

How names, calls, relations, brackets, matrices and sums are read is listed in
``tex_reader``'s docstring. Decisions worth knowing:

- σ, φ, ϕ (``\\sigma``, ``\\varphi``, ``\\phi``) are the sigmoid; GELU is the course's
  x σ(1.702 x); ``\\log`` and ``\\ln`` are natural logs; ``\\tanh^{-1}`` is ambiguous and
  a ParseError.
- A Greek letter, a command word, or a subscripted name that is neither a function nor
  a variable, followed by brackets, is a ParseError (``\\delta(1.702x)``: a student's δ
  for σ is *unparsable*, with a message saying so), never a silent product. An unknown
  single letter before brackets (``q(x)``) is a product, and the judge then says
  "your answer uses q, which is not a variable of this problem".
- Only the side of a relation that is the answer must be understood:
  ``\\frac{\\partial E}{\\partial w} = …`` is fine, ``\\partial`` on the answer side is not.
- Decimals are exact (0.1 -> 1/10), ``1.5e-3`` too; numbers, exponents (≤ 1000) and sums
  (≤ 1000 terms) are bounded.

The matrix-expression gold contract (what derivations emit and answers are read into)
is described in ``problem_config``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import sympy as sp

from derive.check.read import values as tv
from derive.check.read.cases import cases_body, cases_inside, read_cases
from derive.check.read.config import ParseConfig, ParseError, ShapeMismatch
from derive.check.read.emitter import Emitter
from derive.check.read.numbers import WrittenNumber, check_limits, read_number
from derive.check.read.problem_config import (
    config_for,
    name_key,
    subscripted_name,
    with_gold_symbols,
    with_meanings,
)
from derive.check.read.reader import Reader
from derive.check.read.token_groups import last_side, match, matrix_cells, render, split_top
from derive.check.read.tokens import CMD, MUL, NAME, NUM, OP, SEP, TIMES, Token, tokenize

__all__ = [
    "ParseConfig", "ParseError", "ShapeMismatch", "WrittenNumber", "check_limits",
    "read_number", "parse_answer", "parse_with_notes", "config_for", "matrix_entries",
    "name_key", "tokens_of", "with_gold_symbols", "with_meanings",
]


# ---------------------------------------------------------------- tokens and values


def tokens_of(text: Any, config: ParseConfig) -> list[Token]:
    """The checked tokens of an answer text (limits first, then the whitelist)."""
    if not isinstance(text, str):
        text = str(text)
    check_limits(text, config)
    tokens = tokenize(text)
    if len(tokens) > config.max_tokens:
        raise ParseError(f"the answer has {len(tokens)} symbols (at most "
                         f"{config.max_tokens} are read)")
    if not tokens:
        raise ParseError("the answer is empty")
    return tokens


def parse_with_notes(text: Any, kind: str, config: ParseConfig) -> tuple[Any, list[str]]:
    """``parse_answer`` with the notes on lenient readings (``a(1-a)`` as elementwise)."""
    if kind == "number":
        try:
            return _defined(read_number(str(text), config).value), []
        except ParseError as e:
            first = e
        value, notes = _read(text, config)
        if isinstance(value, list) or tv.is_matrix(value):
            raise first
        value = _defined(value)
        if not _is_number(value):
            raise first
        return value, notes
    if kind == "choice":
        return read_choice(str(text), config), []
    if kind == "shape":
        return read_shape(str(text), config), []
    if kind == "expression":
        body = cases_body(str(text))
        if body is not None:  # \begin{cases} value & condition \\ … \end{cases}
            check_limits(str(text), config)
            return read_cases(body, lambda part: _one_expression(part, config)), []
        check_limits(str(text), config)
        inside = cases_inside(str(text), lambda part: _one_expression(part, config))
        if inside is not None:  # cases as a factor: read, then put in their places
            rest, pieces = inside
            value, notes = _read(rest, with_names(config, pieces))
            return _filled(value, pieces), notes
    value, notes = _read(text, config)
    if kind == "expression":
        if isinstance(value, list):
            raise ParseError("a list where one expression was expected")
        if tv.is_matrix(value):
            raise ParseError("a matrix where an expression was expected")
        return _defined(value), notes
    if kind in ("matrix", "design"):
        m = _as_matrix(value)
        for e in m:
            _defined(e)
        bad = [e for e in m if not _is_number(e)]
        if bad:
            raise ParseError(f"the entry {bad[0]} is not a number")
        return m, notes
    if kind == "matrix-expression":
        if isinstance(value, list):
            value = _as_matrix(value)
        return tv.sized(value, config.shape), notes
    raise ParseError(f"answers of kind {kind!r} are not read")


def parse_answer(text: Any, kind: str, config: ParseConfig) -> Any:
    """Parse an answer of the given kind (see the module docstring for the values).

    Raises ParseError for what it cannot read (``ShapeMismatch``, a ParseError, for a
    matrix expression whose sizes do not fit).
    """
    return parse_with_notes(text, kind, config)[0]


def _read(text: Any, config: ParseConfig) -> tuple[Any, list[str]]:
    r = Reader(config)
    try:
        return r.read(tokens_of(text, config)), list(r.notes)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("brackets are nested too deeply") from None
    except Exception as e:  # a SymPy corner not foreseen: a message, never a traceback
        raise ParseError(f"the answer could not be read ({type(e).__name__}: "
                         f"{str(e)[:80]})") from None


def with_names(config: ParseConfig, values: dict[str, Any]) -> ParseConfig:
    """The config with placeholder names that stand for values read apart (cases)."""
    return dataclasses.replace(config, names={**config.names, **values})


def _filled(value: Any, values: dict[str, Any]) -> Any:
    """The placeholders of ``with_names`` replaced by their values."""
    if not isinstance(value, sp.Basic):
        raise ParseError("a list where one expression was expected")
    return value.xreplace({sp.Symbol(n, real=True): v for n, v in values.items()})


def _one_expression(text: str, config: ParseConfig) -> Any:
    """One value or one side of a comparison inside cases."""
    value, _ = _read(text, config)
    if isinstance(value, list) or tv.is_matrix(value):
        raise ParseError(f"{text.strip()[:40]!r} inside cases is not one expression")
    return value


def _defined(value: Any) -> Any:
    """The value, or a ParseError when it divides by zero (``\\frac{0}{0}``, ``1/0``):
    such an answer has no value to mark."""
    if isinstance(value, sp.Basic) and not isinstance(value, sp.MatrixBase) \
            and (value is sp.nan or value.has(sp.nan, sp.zoo)):
        raise ParseError("the answer divides by zero: it has no value")
    return value


def _is_number(v: Any) -> bool:
    return isinstance(v, sp.Basic) and not tv.is_matrix(v) and v.is_number \
        and not v.has(sp.I) and not v.has(sp.zoo, sp.oo, sp.nan)


def _as_matrix(value: Any) -> sp.ImmutableMatrix:
    if isinstance(value, list):
        if any(tv.is_matrix(v) for v in value):
            raise ParseError("a list mixing numbers and matrices")
        return sp.ImmutableMatrix([value])
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableMatrix(value)
    if tv.is_matrix(value):
        try:
            return sp.ImmutableMatrix(value.as_explicit())
        except Exception:  # symbolic sizes
            raise ParseError("a matrix of numbers was expected") from None
    raise ParseError("a matrix was expected (e.g. \\begin{bmatrix} 1 & 2 \\end{bmatrix})")


def matrix_entries(text: Any, config: ParseConfig) -> list[list[tuple[str | None, Any]]]:
    """The entries of a matrix answer as (written text, exact value), row by row.

    The written text keeps the digits a student wrote, for the number rule per entry;
    it is None where no entry is written on its own (``-0.31 \\begin{bmatrix} 2 & 1
    \\end{bmatrix}``: each entry is a product of what was written).
    """
    tokens = tokens_of(text, config)
    side = last_side(tokens)
    r = Reader(config)
    body = _single_environment(side)
    if body is not None:
        cells = matrix_cells(body)
        return [[(render(c), r.expr(c)) for c in row] for row in cells]
    items = _bracket_items(side)
    if items is not None:
        if all(_bracket_items(it) is not None for it in items):
            rows = [_bracket_items(it) for it in items]
            return [[(render(c), r.expr(c)) for c in row] for row in rows]  # type: ignore
        return [[(render(c), r.expr(c)) for c in items]]
    m = _as_matrix(r.read(side))
    return [[(None, m[i, j]) for j in range(m.cols)] for i in range(m.rows)]


#: brackets around a matrix environment that add nothing to it (\lbrack, \Big[ end as '[')
_PAIRS = {("(", ")"), ("[", "]")}


def _single_environment(side: list[Token]) -> list[Token] | None:
    """The body when the answer is exactly one matrix environment, bare or in brackets
    (``\\left[\\begin{array}…\\end{array}\\right]`` as ``\\left(…\\right)``: the
    delimiters are how it is typeset, the entries as written are the same)."""
    toks = list(side)
    while len(toks) >= 2 and toks[0].kind == OP and (toks[0].text, toks[-1].text) in _PAIRS \
            and toks[-1].kind == OP and match(toks, 0) == len(toks) - 1:
        toks = toks[1:-1]
    if len(toks) < 4 or toks[0] != Token(CMD, r"\begin") or toks[1] != Token(OP, "{"):
        return None
    name_end = match(toks, 1)
    name = "".join(t.text for t in toks[2:name_end])
    start = name_end + 1
    if name == "array" and start < len(toks) and toks[start] == Token(OP, "{"):
        start = match(toks, start) + 1
    depth = 0
    for i, t in enumerate(toks):
        if t == Token(CMD, r"\begin"):
            depth += 1
        elif t == Token(CMD, r"\end"):
            depth -= 1
            if depth == 0:
                # \end{name} must close the answer
                if i + 1 < len(toks) and toks[i + 1] == Token(OP, "{") \
                        and match(toks, i + 1) == len(toks) - 1:
                    return toks[start:i]
                return None
    return None


def _bracket_items(side: list[Token]) -> list[list[Token]] | None:
    """``[a, b, c]`` / ``\\left[a \\quad b\\right]`` -> the items; None otherwise."""
    if len(side) < 2 or side[0].text not in "([" or side[0].kind != OP \
            or match(side, 0) != len(side) - 1:
        return None
    items = split_top(side[1:-1], {",", SEP})
    if len(items) < 2 or any(not it for it in items):
        return None
    return items


# ---------------------------------------------------------------- shapes and choices


def read_shape(text: str, config: ParseConfig) -> tuple[Any, ...]:
    """``9 \\times 9 \\times 6``, ``9x9x6``, ``[9, 9, 6]``, ``k \\times n`` -> a tuple."""
    tokens = tokens_of(text, config)
    side = last_side(tokens)
    while len(side) >= 2 and side[0].kind == OP and side[0].text in "([" \
            and match(side, 0) == len(side) - 1:
        side = side[1:-1]
    # 'x' between two sizes is a times sign (9x9x6)
    toks = [Token(OP, TIMES) if t == Token(NAME, "x") and 0 < i < len(side) - 1
            and side[i - 1].kind == NUM and side[i + 1].kind == NUM else t
            for i, t in enumerate(side)]
    parts = split_top(toks, {TIMES, MUL, ",", SEP})
    out = []
    for p in parts:
        out.append(_size(p, config))
    return tuple(out)


def _size(tokens: list[Token], config: ParseConfig) -> Any:
    shown = render(tokens)
    if len(tokens) == 1 and tokens[0].kind == NUM and tokens[0].text.isdigit():
        return sp.Integer(tokens[0].text)
    length = _LENGTH.fullmatch(shown.replace(" ", ""))
    if length:
        return _length_of(length.group(1), length.group(2) or "", config, shown)
    em = Emitter(Reader(config), list(tokens))
    if tokens and (tokens[0].kind == NAME or tokens[0].kind == CMD):
        key = subscripted_name(em) or ""
        if key and em.pos == len(tokens) and re.fullmatch(r"[A-Za-z]\w*", key):
            if key in config.sizes:
                return config.sizes[key]
            return sp.Symbol(key, integer=True, positive=True)
    # a size written as its computation: (\frac{21-5}{2} + 1)
    try:
        value = Reader(config).expr(tokens)
    except ParseError:
        value = None
    if isinstance(value, sp.Integer) and value > 0:
        return value
    raise ParseError(f"'{shown}' is not a size (write e.g. 9 \\times 9 \\times 6)")


#: ``\text{len}(y_0)``, ``len(x)``, ``\dim(h)``: a size written as a vector's length
_LENGTH = re.compile(r"(?:\\(?:text|operatorname|mathrm)\{(?:len|length|dim)\}|len|length|\\dim)"
                     r"\(([A-Za-z])(?:_\{?(\w+)\}?)?\)")


def _length_of(base: str, sub: str, config: ParseConfig, shown: str) -> Any:
    """The length of a vector of the problem, by its name (an index the student adds,
    y_0 for a sample's y, is dropped as in o_i)."""
    for key in (f"{base}_{sub}" if sub else base, base):
        v = config.symbols.get(config.aliases.get(key, key))
        if isinstance(v, sp.MatrixSymbol) and 1 in v.shape:
            rows, cols = v.shape
            return cols if rows == 1 else rows
    raise ParseError(f"'{shown}' is not the length of a vector of this problem")


def read_choice(text: str, config: ParseConfig) -> str:
    """The chosen word: ``\\text{Momentum}`` -> 'momentum'."""
    check_limits(text, config)
    s = text.strip().strip("$").strip()
    s = re.sub(r"\\(?:text|textrm|textbf|textit|mathrm|mathit|operatorname|boxed|mathbf)"
               r"\s*\{([^{}]*)\}", r"\1", s)
    s = s.replace("\\", " ").strip().strip(".").strip()
    if "{" in s or "}" in s:
        s = s.replace("{", "").replace("}", "").strip()
    return re.sub(r"\s+", " ", s).lower()
