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

Matrix-expression gold contract
-------------------------------
Gold values (emitted by derivations) and parsed answers are SymPy matrix expressions
built from these pieces only, so that ``equivalence`` can judge them by substitution:

- ``MatrixSymbol(name, rows, cols)`` with ``name`` exactly as the LaTeX subscript
  spells it ('x', 'W_1', 'b_1', 'W_2', 'a', 'o', 'y', 'f_1', 'f_2', 'W_A', 'W_B', 'J_A',
  'J_B', 'g') and sizes that are Integers or size Symbols (N, M, K / n, m, k). Matching
  is by *name* (symbol assumptions may differ).
- ``MatMul``, ``MatAdd``, scalar factors, ``Transpose`` (``X.T``), ``HadamardProduct``,
  ``OneMatrix(r, c)`` (``1 - a`` is ``OneMatrix(1, M) - a``), ``Inverse``.
- elementwise functions: ``X.applyfunc(Lambda(z, f(z)))`` (an
  ``ElementwiseApplyFunction``), f built from ``derive.functions.sigmoid``/``relu`` and
  SymPy functions (σ'(f_1) may be written ``HadamardProduct(a, OneMatrix - a)`` or as
  ``applyfunc`` of the derivative);
- the diagonal matrix of a vector: SymPy's ``DiagMatrix(v)``
  (``sympy.matrices.expressions.diagonal``; for a row or a column vector);
- softmax of a row ``f`` (1×K): ``MatMul(Inverse(MatMul(E, OneMatrix(K, 1))), E)`` with
  ``E = f.applyfunc(exp)``; of a column: ``MatMul(E, Inverse(MatMul(OneMatrix(1, K), E)))``
  (``tex_values.softmax`` builds both).
- a problem's own elementwise functions (f_A, f_B) as SymPy undefined functions
  (``sp.Function('f_A')``, derivatives as ``Lambda(z, Derivative(f_A(z), z))``): the
  judge replaces each, in gold, answer and names alike, by one concrete smooth function.
- intermediate names (a, o, f_1, f_2, J_A, h) may appear as MatrixSymbols; their
  definitions go in ``ParseConfig.names`` (name -> matrix expression in the base
  MatrixSymbols) and give them consistent values (J_A = ``DiagMatrix(…)`` is then
  diagonal, so J_A^T = J_A holds); a name without a definition gets independent random
  values.

The contract is only this: substituting concrete ``ImmutableMatrix`` values for every
MatrixSymbol with ``xreplace`` (and Integers for the size Symbols) and calling
``.doit()`` / ``sp.Matrix(...)`` gives an explicit matrix.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..model import AnswerSpec, Problem
from ..values import ValueError_, parse_number
from . import tex_values as tv
from .tex_config import ParseConfig, ParseError, ShapeMismatch
from .tex_reader import (
    COURSE_FUNCTIONS,
    Function,
    Reader,
    _Emitter,
    last_side,
    match,
    matrix_cells,
    render,
    split_top,
)
from .tex_tokens import CMD, MUL, NAME, NUM, OP, SEP, TIMES, Token, tokenize

__all__ = [
    "ParseConfig", "ParseError", "ShapeMismatch", "WrittenNumber", "check_limits",
    "read_number", "parse_answer", "parse_with_notes", "config_for", "matrix_entries",
    "name_key", "tokens_of",
]


@dataclass(frozen=True)
class WrittenNumber:
    """A number as written: its exact value and the unit of its last written digit."""

    value: sp.Rational
    unit: sp.Rational | None
    """10^-k for k written decimals; None for exact forms (fractions)"""
    text: str


def check_limits(text: str, config: ParseConfig) -> None:
    """Reject over-long or over-nested input before any parsing."""
    if len(text) > config.max_length:
        raise ParseError(f"the answer is {len(text)} characters long "
                         f"(at most {config.max_length} are read)")
    depth = deepest = 0
    for ch in text:
        if ch in "{[(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "}])":
            depth -= 1
    if deepest > config.max_depth:
        raise ParseError(f"brackets are nested {deepest} deep (at most {config.max_depth})")


_WRAPPERS = re.compile(r"\\(boxed|displaystyle|left|right|mathbf|mathrm|text)\b")
_FRAC = re.compile(r"^([+-]?)\\[dt]?frac\{\s*([+-]?[\d.]+)\s*\}\{\s*([+-]?[\d.]+)\s*\}$")
_SCI = re.compile(r"^([+-]?\d+(?:\.\d*)?)\s*(?:\\times|\\cdot|\*)\s*10\^\{?\s*([+-]?\d+)\s*\}?$")


def _strip(text: str) -> str:
    s = text.strip().strip("$").strip()
    s = _WRAPPERS.sub("", s)
    s = s.replace("\\,", "").replace("\\!", "").replace("~", "").replace("−", "-")
    # a relation: the last side is the answer (x_2 = x_1 - \eta g = -0.096)
    if "=" in s:
        s = s.rsplit("=", 1)[1]
    s = s.strip()
    while s.startswith("{") and s.endswith("}"):
        s = s[1:-1].strip()
    return s.replace(" ", "")


def read_number(text: str, config: ParseConfig | None = None) -> WrittenNumber:
    """A written number with the precision it was written to.

    >>> read_number("-0.024").unit
    1/1000
    """
    check_limits(text, config or ParseConfig())
    s = _strip(text)
    big = re.search(r"[eE][+-]?(\d{4,})", s)
    if big and int(big.group(1)) > 300:  # before anything computes 10^exp
        raise ParseError(f"the exponent of {text!r} is out of range")
    m = _FRAC.match(s)
    if m:
        sign, num, den = m.groups()
        try:
            v = parse_number(num) / parse_number(den)
        except (ValueError_, ZeroDivisionError):
            raise ParseError(f"cannot read the fraction {text!r}") from None
        return WrittenNumber(-v if sign == "-" else v, None, text)
    m = _SCI.match(s)
    if m:
        mant, exp = m.groups()
        if abs(int(exp)) > 300:
            raise ParseError(f"the exponent of {text!r} is out of range")
        wn = read_number(mant)
        scale = sp.Rational(10) ** int(exp)
        return WrittenNumber(wn.value * scale, wn.unit * scale if wn.unit else None, text)
    if "/" in s:
        try:
            return WrittenNumber(parse_number(s), None, text)
        except ValueError_:
            raise ParseError(f"cannot read {text!r} as a number") from None
    if len(s) > 80:
        raise ParseError(f"cannot read {text[:40]!r}… as a number")
    try:
        v = parse_number(s)
    except ValueError_:
        raise ParseError(f"cannot read {text!r} as a number") from None
    mant = s.lower().split("e")[0]
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    exp = int(s.lower().split("e")[1]) if "e" in s.lower() else 0
    if abs(exp) > 300:
        raise ParseError(f"the exponent of {text!r} is out of range")
    return WrittenNumber(v, sp.Rational(10) ** (exp - decimals), text)


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
            return read_number(str(text), config).value, []
        except ParseError as e:
            first = e
        value, notes = _read(text, config)
        if isinstance(value, list) or tv.is_matrix(value) or not _is_number(value):
            raise first
        return value, notes
    if kind == "choice":
        return read_choice(str(text), config), []
    if kind == "shape":
        return read_shape(str(text), config), []
    value, notes = _read(text, config)
    if kind == "expression":
        if isinstance(value, list):
            raise ParseError("a list where one expression was expected")
        if tv.is_matrix(value):
            raise ParseError("a matrix where an expression was expected")
        return value, notes
    if kind in ("matrix", "design"):
        m = _as_matrix(value)
        bad = [e for e in m if not _is_number(e)]
        if bad:
            raise ParseError(f"the entry {bad[0]} is not a number")
        return m, notes
    if kind == "matrix-expression":
        if isinstance(value, list):
            value = _as_matrix(value)
        return value, notes
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


def matrix_entries(text: Any, config: ParseConfig) -> list[list[tuple[str, Any]]]:
    """The entries of a matrix answer as (written text, exact value), row by row.

    The written text keeps the digits a student wrote, for the number rule per entry.
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
    return [[(str(m[i, j]), m[i, j]) for j in range(m.cols)] for i in range(m.rows)]


def _single_environment(side: list[Token]) -> list[Token] | None:
    """The body when the answer is exactly one matrix environment."""
    toks = list(side)
    while len(toks) >= 2 and toks[0] == Token(OP, "(") and match(toks, 0) == len(toks) - 1 \
            and toks[-1] == Token(OP, ")"):
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
    em = _Emitter(Reader(config), list(tokens))
    if tokens and (tokens[0].kind == NAME or tokens[0].kind == CMD):
        key = _subscripted_name(em) or ""
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


# ---------------------------------------------------------------- names and configs


def name_key(latex: str) -> str | None:
    """How the reader spells a written name (``\\hat{y}`` -> 'hat(y)', ``w_{c}`` -> 'w_c');
    None when the text is not a single name."""
    try:
        tokens = tokenize(latex)
    except ParseError:
        return None
    if not tokens:
        return None
    em = _Emitter(Reader(ParseConfig()), list(tokens))
    key = _subscripted_name(em)
    return key if key is not None and em.pos == len(tokens) else None


def _subscripted_name(em: _Emitter) -> str | None:
    """A name with its subscript (``W_1``, ``w_{c}``) read from the emitter, or None."""
    try:
        key, _ = em.base()
        if em.is_op(em.peek(), "_"):
            em.pos += 1
            key += "_" + em.sub_text(em.take_arg())
    except ParseError:
        return None
    return key


def _expand(expr: Any, defs: dict[str, Any], givens: dict[str, Any]) -> Any:
    """Replace defined names (by name) and givens until none is left (bounded)."""
    if not isinstance(expr, sp.Basic):
        return expr
    for _ in range(8):
        subs = {}
        for s in expr.atoms(sp.Symbol, sp.MatrixSymbol):
            n = str(s.name)
            if n in defs:
                subs[s] = defs[n]
            elif n in givens:
                subs[s] = givens[n]
        if not subs:
            break
        expr = expr.xreplace(subs)
    return expr


def config_for(problem: Problem, spec: AnswerSpec) -> ParseConfig:
    """The ParseConfig of one answer: its variables (``spec.vars``; all the problem's
    symbols when none are listed), the problem's matrix symbols for matrix expressions,
    its intermediate names (``spec.names``) with their definitions in the base variables,
    its functions (definitions with arguments), the givens usable by name, the aliases
    of every symbol's and given's LaTeX, and the expected shape.

    ``spec.extra`` may add ``indexed: [p, t]`` (IndexedBase names for ``p_k``),
    ``bound: K`` (the upper bound of ``\\sum_k``) and ``functions: [f_A]`` (undefined
    elementwise functions a matrix expression may use).
    """
    ns = problem.namespace
    var_names = list(spec.vars) or list(problem.symbols)
    symbols: dict[str, Any] = {}
    aliases: dict[str, str] = {}
    sizes: dict[str, Any] = {}
    for name in var_names:
        obj = ns.get(name)
        if isinstance(obj, (sp.Symbol, sp.MatrixSymbol)):
            symbols[name] = obj
    if spec.kind == "matrix-expression":
        for s in problem.symbols.values():
            if s.shape is not None:
                symbols.setdefault(s.name, ns[s.name])
    for s in problem.symbols.values():
        key = name_key(s.latex)
        if key and key != s.name:
            aliases[key] = s.name
    for obj in symbols.values():
        if isinstance(obj, sp.MatrixSymbol):
            for d in obj.shape:
                if isinstance(d, sp.Symbol):
                    sizes[d.name] = d
    for d in spec.shape or ():
        if isinstance(d, sp.Symbol):
            sizes.setdefault(d.name, d)

    givens = {g.name: g.value for g in problem.givens.values()
              if not isinstance(g.value, sp.MatrixBase) and g.name not in var_names}
    constants = dict(givens)
    for g in problem.givens.values():
        key = name_key(g.latex)
        if g.name in constants and key and key != g.name:
            aliases[key] = g.name

    quantity_defs = {d.name: d.expr for d in problem.definitions.values() if not d.args}
    names: dict[str, Any] = {}
    for n in spec.names:
        if n in quantity_defs:
            others = {k: v for k, v in quantity_defs.items() if k != n}
            value = _expand(quantity_defs[n], others, givens)
            names[n] = value
            if tv.is_matrix(value):
                symbols[n] = sp.MatrixSymbol(n, *value.shape)
        elif n in symbols or n in ns:
            names[n] = ns.get(n, sp.Symbol(n, real=True))
    functions: dict[str, Any] = {}
    for d in problem.definitions.values():
        if d.args:
            functions[d.name] = Function(d.name, sp.Lambda(d.args, _expand(d.expr, {},
                                                                           givens)))
    for fname in spec.extra.get("functions", ()) or ():
        functions[str(fname)] = Function(str(fname), sp.Function(str(fname)))
    for bname in spec.extra.get("indexed", ()) or ():
        symbols[str(bname)] = sp.IndexedBase(str(bname))
    bound = spec.extra.get("bound")
    kwargs: dict[str, Any] = {}
    if bound:
        kwargs["sum_bound"] = sp.Symbol(str(bound), integer=True, positive=True)
    return ParseConfig(symbols=symbols, functions=functions, names=names,
                       constants=constants, aliases=aliases, shape=spec.shape,
                       sizes=sizes, **kwargs)


def with_gold_symbols(config: ParseConfig, gold: Any) -> ParseConfig:
    """The config with the matrix symbols of the right answer (a block may create them,
    e.g. J_A, W_B of a network, without the spec listing them) and their sizes."""
    if not isinstance(gold, sp.Basic):
        return config
    found = {m.name: m for m in gold.atoms(sp.MatrixSymbol) if m.name not in config.symbols}
    if not found:
        return config
    sizes = dict(config.sizes)
    for m in found.values():
        for d in m.shape:
            if isinstance(d, sp.Symbol):
                sizes.setdefault(d.name, d)
    return dataclasses.replace(config, symbols={**config.symbols, **found}, sizes=sizes)


# keep the course table importable from here (tests and the checker document it)
FUNCTION_TABLE = COURSE_FUNCTIONS
