"""The second half of the preprocessing layer: tokens -> a SymPy value.

The structure of an answer (names, calls, transposes, matrices, sums, relations, lists)
is read here; latex2sympy2 (``tex_core``) reads only the arithmetic skeleton, over
placeholder letters that stand for the values built here. Rules, each tested:

- **names**: a letter or Greek command with its subscript is one name (``W_1``,
  ``w_c``, ``x_{12}``, ``h_{t-1}``); ``x_1x_2`` is two. A letter superscript names
  (``w^c``, ``w_i^f`` -> ``w_c``/``w_f`` when declared); a number or a declared
  variable as superscript is a power; ``^T``, ``^{T}``, ``^\\top``, ``^{\\intercal}``,
  ``^{\\mathsf{T}}`` transpose. Accents: ``\\hat{y}`` is ``hat(y)``; ``\\mathbf{x}``,
  ``\\vec{x}``, ``\\bm{x}`` are ``x``.
- An **index subscript** (one letter that is not itself a name) on a declared scalar is
  dropped (``o_i`` is ``o``, as students index neurons); on a declared vector it is a
  component (``o_i - y_i``: an ``Indexed`` of ``o``); on an ``IndexedBase`` (``p``) it
  is ``p[k]``.
- **calls**: a name in the function table followed by its argument in brackets
  (``\\sigma(1.702x)``, ``\\sigma\\left(…\\right)``, ``\\sigma[…]``); operator-style
  functions also take a bare argument (``\\tanh x``, ``\\operatorname{sech}^2 x``,
  ``\\ln 2x``); ``\\sigma^2(x)`` and ``\\sigma'(x)`` (the derivative) too. A declared
  name followed by brackets is a product (``o(1-o)``) unless the brackets hold only
  variables and the name is an intermediate name or a function of the problem
  (``o(x)``, ``f(x)``: the name). An undeclared name followed by brackets is a
  ParseError, never a silent product (``\\delta(1.702x)``: δ is no function here).
- **relations**: the last side is the answer (``x_2 = x_1 - \\eta g = -0.096``);
  inequalities are ParseErrors.
- **brackets** ``[ ]`` and ``\\{ \\}`` group like parentheses; with commas or
  ``\\quad`` inside they are a row vector (``[a, b]``, ``\\left[a \\quad b\\right]``);
  ``[[1,2],[3,4]]`` is a matrix.
- **matrices** (``bmatrix``, ``pmatrix``, ``matrix``, ``array`` with its column spec
  and ``\\hline``) are read cell by cell.
- **ellipses**: a row or column with ``\\dots``/``\\vdots`` (``[o_1 - y_1 \\quad
  \\dots \\quad o_K - y_K]``) is a pattern vector (``tex_pattern``); an ellipsis
  anywhere else (a sum, a 2-D matrix with ``\\ddots``) is a ParseError.
- **sums** ``\\sum_k``, ``\\sum_{k=1}^{K}``, ``\\sum_{k \\neq i}`` (the term k = i
  subtracted) over ``IndexedBase`` names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .. import functions as fns
from . import tex_values as tv
from .tex_config import ParseConfig, ParseError
from .tex_core import read_core
from .tex_pattern import has_ellipsis, read_pattern, with_ellipses
from .tex_tokens import (
    CMD,
    ELLIPSES,
    GREEK,
    HADAMARD,
    INEQ,
    MUL,
    NAME,
    NEQ,
    NUM,
    OP,
    REL,
    SEP,
    TIMES,
    TRANSPOSE_MARK,
    Token,
    check_answer_side,
    explain_command,
)

_PLACEHOLDERS = (
    list("abcfghjklmnopqrstuvwxyzABCDFGHJKLMNOPQRSUVWXYZ")
    + ["\\" + g for g in (
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi rho "
        "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Sigma Upsilon "
        "Phi Psi Omega").split()]
)
_OPENERS, _CLOSERS = "([{", ")]}"
_ACCENTS = {r"\hat": "hat", r"\widehat": "hat", r"\bar": "bar", r"\overline": "bar",
            r"\tilde": "tilde", r"\widetilde": "tilde", r"\dot": "dot", r"\ddot": "ddot"}
_SAME_NAME = {r"\mathbf", r"\bm", r"\boldsymbol", r"\vec", r"\mathit", r"\mathrm",
              r"\mathsf", r"\mathtt", r"\mathcal", r"\operatorname", r"\text", r"\textrm",
              r"\textit", r"\textbf", r"\operatornamewithlimits"}
_FUNCTION_CMDS = {r"\exp", r"\log", r"\ln", r"\lg", r"\tanh", r"\sinh", r"\cosh", r"\sin",
                  r"\cos", r"\tan", r"\sech", r"\csch", r"\coth", r"\max", r"\min"}
_MATRIX_ENVS = {"bmatrix", "pmatrix", "matrix", "Bmatrix", "smallmatrix", "array"}
_INDEX_LETTERS = set("ijklmnt")
#: latex2sympy2 takes ~5-7 ms per token (linear); one call is held to this many
MAX_CORE_TOKENS = 180
_CORE_TOKEN = re.compile(r"\\[A-Za-z]+|\d+(?:\.\d+)?|\S")


@dataclass(frozen=True)
class Function:
    """An entry of the function table."""

    name: str
    apply: Any
    """scalar function (applied entrywise to matrices), or for ``vector`` a function of
    the whole argument"""
    operator: bool = False
    """takes a bare argument: ``\\tanh x``"""
    kind: str = "elementwise"
    """'elementwise', 'vector' (softmax, diag) or 'multi' (max, min)"""


def _gelu(z: Any) -> Any:
    # the course's GELU is the sigmoid approximation x σ(1.702 x)
    return z * fns.sigmoid(sp.Rational(1702, 1000) * z)


COURSE_FUNCTIONS: dict[str, Function] = {
    "sigma": Function("sigma", fns.sigmoid),
    "varphi": Function("varphi", fns.sigmoid),
    "phi": Function("phi", fns.sigmoid),
    "sigmoid": Function("sigmoid", fns.sigmoid),
    "relu": Function("relu", fns.relu),
    "gelu": Function("gelu", _gelu),
    "tanh": Function("tanh", sp.tanh, True),
    "sinh": Function("sinh", sp.sinh, True),
    "cosh": Function("cosh", sp.cosh, True),
    "sech": Function("sech", sp.sech, True),
    "csch": Function("csch", sp.csch, True),
    "coth": Function("coth", sp.coth, True),
    "sin": Function("sin", sp.sin, True),
    "cos": Function("cos", sp.cos, True),
    "tan": Function("tan", sp.tan, True),
    "exp": Function("exp", sp.exp, True),
    "log": Function("log", sp.log, True),
    "ln": Function("ln", sp.log, True),
    "softmax": Function("softmax", tv.softmax, False, "vector"),
    "diag": Function("diag", tv.diag, False, "vector"),
    "max": Function("max", sp.Max, False, "multi"),
    "min": Function("min", sp.Min, False, "multi"),
}
#: function words also read when typed without a command, if followed by '('
_PLAIN_WORDS = sorted(["softmax", "sigmoid", "relu", "gelu", "tanh", "sech", "sinh", "cosh",
                       "exp", "log", "ln", "diag", "max", "min"], key=len, reverse=True)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # matrices of different shapes and the like
        return False


@dataclass(frozen=True)
class IndexSlot:
    """A summation index as latex2sympy2 sees it, with the value it excludes (k ≠ i)."""

    symbol: sp.Symbol
    exclude: Any = None


def _plain_number(tokens: list[Token]) -> Any:
    """``1.5`` / ``-2``: read directly (matrices are mostly these)."""
    if len(tokens) == 1 and tokens[0].kind == NUM:
        return tv.check_number(sp.Rational(tokens[0].text))
    if len(tokens) == 2 and tokens[0].kind == OP and tokens[0].text in "+-" \
            and tokens[1].kind == NUM:
        v = sp.Rational(tokens[1].text)
        return -v if tokens[0].text == "-" else v
    return None


def index_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


def render(tokens: list[Token]) -> str:
    """Tokens back to text, for messages."""
    out = []
    for t in tokens:
        s = {MUL: r"\cdot", TIMES: r"\times", HADAMARD: r"\odot", REL: "=", INEQ: "<",
             SEP: r"\quad", TRANSPOSE_MARK: r"\top", NEQ: r"\neq"}.get(t.text, t.text) \
            if t.kind == OP else t.text
        if out and (t.kind in (NAME, NUM) and out[-1][-1:].isalpha() and out[-1].startswith("\\")):
            out.append(" ")
        out.append(s)
    return "".join(out)


def match(tokens: list[Token], i: int) -> int:
    """Index of the bracket closing the one opened at ``i``."""
    depth = 0
    for j in range(i, len(tokens)):
        t = tokens[j]
        if t.kind == OP and t.text in _OPENERS:
            depth += 1
        elif t.kind == OP and t.text in _CLOSERS:
            depth -= 1
            if depth == 0:
                return j
    raise ParseError(f"a bracket is not closed in {render(tokens[i:])!r}")


def split_top(tokens: list[Token], seps: set[str]) -> list[list[Token]]:
    """Split at operators in ``seps`` outside brackets and environments."""
    parts: list[list[Token]] = [[]]
    depth = env = 0
    for t in tokens:
        if t.kind == OP and t.text in _OPENERS:
            depth += 1
        elif t.kind == OP and t.text in _CLOSERS:
            depth -= 1
        elif t.kind == CMD and t.text == r"\begin":
            env += 1
        elif t.kind == CMD and t.text == r"\end":
            env -= 1
        if depth == 0 and env == 0 and t.kind == OP and t.text in seps:
            parts.append([])
            continue
        parts[-1].append(t)
    return parts


def last_side(tokens: list[Token]) -> list[Token]:
    """The answer of a relation: its last non-empty side (``\\boxed{x = 5}`` too)."""
    while len(tokens) >= 2 and tokens[0] == Token(OP, "{") and match(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    sides = split_top(tokens, {REL})
    if any(t.kind == OP and t.text in (INEQ, NEQ) for s in sides for t in s
           if not _inside(s, t)):
        raise ParseError("an inequality is not an answer: write the value")
    sides = [s for s in sides if s]
    if not sides:
        raise ParseError("the answer is empty")
    check_answer_side(sides[-1])
    return sides[-1]


def _inside(tokens: list[Token], tok: Token) -> bool:
    depth = 0
    for t in tokens:
        if t is tok:
            return depth > 0
        if t.kind == OP and t.text in _OPENERS:
            depth += 1
        elif t.kind == OP and t.text in _CLOSERS:
            depth -= 1
    return False


class Reader:
    """Reads token lists into values under one ParseConfig."""

    def __init__(self, config: ParseConfig) -> None:
        self.cfg = config
        self.notes = tv.Notes()
        self.functions: dict[str, Function] = dict(COURSE_FUNCTIONS) \
            if config.course_functions else {}
        for name, fn in config.functions.items():
            self.functions[name] = fn if isinstance(fn, Function) else Function(name, fn)
        self.scope: dict[str, sp.Symbol] = {}
        self.bound_name = str(config.sum_bound)

    # ------------------------------------------------------------ entry points
    def read(self, tokens: list[Token]) -> Any:
        """A whole answer: the last side of a relation; a list when it has commas."""
        side = last_side(tokens)
        items = with_ellipses(split_top(side, {",", SEP}))
        if has_ellipsis(items):
            return read_pattern(self, items, column=False)
        if len(items) > 1:
            if any(not it for it in items):
                raise ParseError(f"an empty item in the list {render(side)!r}")
            return [self.expr(it) for it in items]
        return self.expr(side)

    def expr(self, tokens: list[Token]) -> Any:
        if not tokens:
            raise ParseError("an empty expression")
        plain = _plain_number(tokens)
        if plain is not None:
            return plain
        em = _Emitter(self, list(tokens))
        em.run()
        core = " ".join(p for p in em.parts if p)
        if len(_CORE_TOKEN.findall(core)) > MAX_CORE_TOKENS:
            raise ParseError(f"the expression {render(tokens)[:40]!r}… is too long to be "
                             "read at once")
        try:
            tree = read_core(core)
        except ParseError:
            raise ParseError(f"cannot read {render(tokens)!r}") from None
        return self.build(tree, em.slots)

    # ------------------------------------------------------------ names
    def lookup(self, key: str) -> Any:
        cfg = self.cfg
        key = cfg.aliases.get(key, key)
        if key in cfg.symbols:
            return cfg.symbols[key]
        if key in cfg.constants:
            return cfg.constants[key]
        if key in cfg.names:
            return sp.Symbol(key, real=True)
        if key == self.bound_name:
            return cfg.sum_bound
        if key in self.scope:
            return self.scope[key]
        return None

    def known(self, key: str) -> bool:
        return self.lookup(key) is not None

    def resolve(self, base: str, sub: str, sup: str) -> Any:
        """The value of a written name (see the module docstring for the rules)."""
        key = base + (f"_{sub}" if sub else "")
        if sup:
            for k in (f"{key}^{sup}", f"{base}_{sup}", f"{base}^{sup}",
                      f"{base}_{sub}{sup}" if sub else ""):
                if k and self.known(k):
                    return self.lookup(k)
            return sp.Symbol(f"{key}^{sup}", real=True)
        v = self.lookup(key)
        if isinstance(v, sp.IndexedBase):
            raise ParseError(f"{key} needs an index, as in {key}_i or {key}_k")
        if v is not None:
            return v
        if sub:
            base_v = self.lookup(base)
            if isinstance(base_v, sp.IndexedBase):
                return base_v[self.index_value(sub)]
            if base_v is not None and (sub.isdigit() or self._is_index(sub)):
                if tv.is_matrix(base_v):
                    r, c = base_v.shape
                    if r == 1 or c == 1:
                        return sp.IndexedBase(base)[self.index_value(sub)]
                elif not sub.isdigit():
                    self.notes.append(f"the index of {base}_{sub} was read as {base}")
                    return base_v
        if not sub and base == "e":
            return sp.E
        if not sub and base == "pi":
            return sp.pi
        return sp.Symbol(key, real=True)

    def _is_index(self, sub: str) -> bool:
        return len(sub) == 1 and sub in _INDEX_LETTERS and not self.known(sub)

    def index_value(self, sub: str) -> Any:
        if sub.lstrip("-").isdigit():
            return sp.Integer(sub)
        if sub in self.scope:
            return self.scope[sub]
        if len(sub) == 1 and sub.isalpha():
            return index_symbol(sub)
        raise ParseError(f"the index '{sub}' is not understood")

    # ------------------------------------------------------------ calls
    def call(self, fn: Function, args: list[Any], primes: int, log_base: Any = None) -> Any:
        if fn.kind == "multi":
            if primes:
                raise ParseError(f"{fn.name}' cannot be marked: write the derivative out")
            if any(tv.is_matrix(a) for a in args):
                raise ParseError(f"{fn.name} of a matrix cannot be marked")
            return fn.apply(*args)
        if len(args) != 1:
            raise ParseError(f"{fn.name} takes one argument, found {len(args)}")
        arg = args[0]
        if fn.kind == "vector":
            if primes:
                raise ParseError(f"{fn.name}' cannot be marked: write the derivative out")
            return fn.apply(arg)
        f = fn.apply
        if log_base is not None:
            def f(z: Any, _b: Any = log_base) -> Any:
                return sp.log(z) / sp.log(_b)
        if primes:
            z = sp.Dummy("z")
            d = sp.diff(f(z), z, primes)
            if d.has(sp.Derivative) and not isinstance(f, sp.FunctionClass):
                raise ParseError(f"{fn.name}' is not known: write the derivative out")

            def f(u: Any, _d: Any = d, _z: Any = z) -> Any:  # noqa: F811
                return _d.xreplace({_z: u}) if not _d.has(sp.Derivative) else _d.subs(_z, u)
        return tv.elementwise(f, arg)

    def matrix(self, body: list[Token]) -> Any:
        """A matrix environment's value, read cell by cell."""
        dots = [t for t in body if t.kind == OP and t.text in ELLIPSES]
        try:
            cells = matrix_cells(body)
        except ParseError:
            if dots:  # rows left short around an ellipsis: the ellipsis is the reason
                raise ParseError(explain_command(dots[0].text)) from None
            raise
        if dots:
            if len(cells) > 1 and len(cells[0]) > 1:  # \ddots and the like: 2-D
                raise ParseError(explain_command(dots[0].text))
            column = len(cells) > 1
            items = with_ellipses([c for r in cells for c in r])
            return read_pattern(self, items, column=column)
        values = [[self.expr(c) for c in r] for r in cells]
        if any(tv.is_matrix(v) for r in values for v in r):
            raise ParseError("a matrix inside a matrix cannot be marked")
        return sp.ImmutableMatrix(values)

    # ------------------------------------------------------------ latex2sympy2 tree -> value
    def build(self, node: Any, slots: dict[str, Any]) -> Any:
        b = self.build
        if isinstance(node, sp.Symbol):
            if node.name not in slots:
                raise ParseError(f"'{node.name}' is not understood")
            v = slots[node.name]
            return v.symbol if isinstance(v, IndexSlot) else v
        if node.is_Number:
            if not isinstance(node, sp.Rational):
                raise ParseError(f"the number {node} is not understood")
            return tv.check_number(node)
        if node in (sp.pi, sp.E):
            return node
        if isinstance(node, sp.Add):
            return tv.add([b(a, slots) for a in node.args])
        if isinstance(node, sp.Mul):
            return tv.multiply([b(a, slots) for a in node.args], self.notes)
        if isinstance(node, sp.Pow):
            base, exp = b(node.base, slots), b(node.exp, slots)
            if base == sp.E and tv.is_matrix(exp):
                return tv.elementwise(sp.exp, exp)
            return tv.power(base, exp)
        if isinstance(node, sp.Mod):
            return tv.hadamard(b(node.args[0], slots), b(node.args[1], slots))
        if isinstance(node, sp.Abs):
            return tv.absolute(b(node.args[0], slots))
        if isinstance(node, sp.Sum):
            return self._build_sum(node, slots)
        raise ParseError(f"{type(node).__name__} is not understood")

    def _build_sum(self, node: sp.Sum, slots: dict[str, Any]) -> Any:
        (var, lo, hi), = node.limits
        slot = slots.get(var.name)
        if not isinstance(slot, IndexSlot):
            raise ParseError("the index of a sum is not understood")
        body = self.build(node.function, slots)
        lo, hi = self.build(lo, slots), self.build(hi, slots)
        if tv.is_matrix(body) or tv.is_matrix(lo) or tv.is_matrix(hi):
            raise ParseError("a sum of matrices cannot be marked")
        k = slot.symbol
        span = hi - lo
        if span.is_number and (not span.is_finite or span > tv.MAX_EXPONENT):
            raise ParseError("a sum over more than 1000 terms cannot be marked")
        total = sp.Sum(body, (k, lo, hi))
        if slot.exclude is not None:
            total = total - body.xreplace({k: slot.exclude})
        return total


class _Emitter:
    """Turns one token list into latex2sympy2's core text, filling placeholder slots."""

    def __init__(self, reader: Reader, tokens: list[Token]) -> None:
        self.r = reader
        self.toks = tokens
        self.pos = 0
        self.parts: list[str] = []
        self.slots: dict[str, Any] = {}
        self.units: list[tuple[int, str, Any]] = []
        """(index in parts where the unit starts, kind 'slot'|'group'|'num', value/tokens)"""

    # ------------------------------------------------------------ helpers
    def peek(self, k: int = 0) -> Token | None:
        i = self.pos + k
        return self.toks[i] if i < len(self.toks) else None

    def is_op(self, t: Token | None, *texts: str) -> bool:
        return t is not None and t.kind == OP and (not texts or t.text in texts)

    def slot(self, value: Any) -> str:
        """The placeholder letter for a value (one letter per distinct value)."""
        if not isinstance(value, IndexSlot):
            for key, v in self.slots.items():
                if v is value or (type(v) is type(value) and _same(v, value)):
                    return ("\\" + key) if len(key) > 1 else key
        n = len(self.slots)
        if n >= len(_PLACEHOLDERS):
            raise ParseError("the expression has too many distinct parts to be read "
                             f"at once (at most {len(_PLACEHOLDERS)})")
        name = _PLACEHOLDERS[n]
        self.slots[name.lstrip("\\")] = value
        return name

    def emit_value(self, value: Any) -> None:
        start = len(self.parts)
        self.parts.append(self.slot(value))
        self.units.append((start, "slot", value))

    def take_group(self) -> list[Token]:
        """The content of the bracket group at pos (pos moves past it)."""
        end = match(self.toks, self.pos)
        inner = self.toks[self.pos + 1:end]
        self.pos = end + 1
        return inner

    def take_arg(self) -> list[Token]:
        """A TeX argument: a {group} or one token (one digit of a number)."""
        t = self.peek()
        if t is None:
            raise ParseError(f"something is missing at the end of {render(self.toks)!r}")
        if self.is_op(t, "{"):
            return self.take_group()
        if t.kind == NUM and len(t.text) > 1:
            # TeX takes one character: x^23 is x^2 3
            rest = t.text[1:]
            self.toks[self.pos] = Token(NUM, "0" + rest if rest.startswith(".") else rest)
            return [Token(NUM, t.text[0])]
        if t.kind == CMD and t.text in _SAME_NAME | set(_ACCENTS):
            start = self.pos
            self.pos += 1
            self.take_arg()
            return self.toks[start:self.pos]
        self.pos += 1
        return [t]

    def sub_text(self, tokens: list[Token]) -> str:
        """A subscript as part of a name: ``{1}`` -> '1', ``{t-1}`` -> 't-1'."""
        out = []
        for t in tokens:
            if t.kind in (NAME, NUM):
                out.append(t.text)
            elif t.kind == CMD and t.text[1:] in GREEK:
                out.append(t.text[1:])
            elif t.kind == CMD and t.text in _SAME_NAME:
                continue
            elif t.kind == OP and t.text in "+-,{}":
                if t.text not in "{}":
                    out.append(t.text)
            else:
                raise ParseError(f"the subscript {render(tokens)!r} is not understood")
        return "".join(out)

    def inline(self, tokens: list[Token]) -> str:
        """Emit a sub-list with the same slots; return its core text."""
        sub = _Emitter(self.r, list(tokens))
        sub.slots = self.slots
        sub.run()
        return " ".join(p for p in sub.parts if p)

    # ------------------------------------------------------------ main loop
    def run(self) -> None:
        while self.pos < len(self.toks):
            t = self.toks[self.pos]
            if t.kind == NUM and "e" in t.text.lower():  # 1.5e-3, exactly
                self.pos += 1
                self.emit_value(tv.check_number(sp.Rational(t.text)))
            elif t.kind == NUM:
                self.units.append((len(self.parts), "num", t.text))
                self.parts.append(t.text)
                self.pos += 1
            elif t.kind == NAME or (t.kind == CMD and (t.text[1:] in GREEK or t.text in _ACCENTS
                                                       or t.text in _SAME_NAME
                                                       or t.text in _FUNCTION_CMDS)):
                self.atom()
            elif t.kind == CMD:
                self.command(t)
            else:
                self.operator(t)

    def operator(self, t: Token) -> None:
        s = t.text
        if s in _OPENERS:
            self.group()
        elif s in "+-":
            self.parts.append(s)
            self.pos += 1
        elif s in (MUL, TIMES):
            self.parts.append(r"\cdot")
            self.pos += 1
        elif s == "/":
            self.parts.append("/")
            self.pos += 1
        elif s == HADAMARD:
            self.parts.append(r"\mod")
            self.pos += 1
        elif s == "|":
            self.parts.append("|")
            self.pos += 1
        elif s == "^":
            self.pos += 1
            self.superscript(self.take_arg())
        elif s == "'":
            raise ParseError(f"a prime (') in {render(self.toks)!r} cannot be marked here: "
                             "primes are read only on functions, as in \\sigma'(x)")
        elif s in ELLIPSES:
            raise ParseError(explain_command(s))
        elif s == "&":
            self.pos += 1  # alignment
        elif s == REL:
            raise ParseError(f"a relation inside brackets in {render(self.toks)!r}")
        elif s in (INEQ, NEQ):
            raise ParseError("an inequality is not an answer: write the value")
        elif s in (",", SEP):
            raise ParseError(f"a list where one value was expected: {render(self.toks)!r}")
        elif s == "\\\\":
            raise ParseError("a line break (\\\\) outside a matrix cannot be marked")
        elif s == "_":
            raise ParseError(f"a subscript without a name in {render(self.toks)!r}")
        elif s in _CLOSERS:
            raise ParseError(f"a closing bracket without its opening one in "
                             f"{render(self.toks)!r}")
        else:
            raise ParseError(f"'{s}' is not understood in {render(self.toks)!r}")

    # ------------------------------------------------------------ groups
    def group(self) -> None:
        inner = self.take_group()
        if not inner:
            raise ParseError("empty brackets")
        items = with_ellipses(split_top(inner, {",", SEP}))
        if has_ellipsis(items):
            self.emit_value(read_pattern(self.r, items, column=False))
            return
        if len(items) > 1:
            self.emit_value(self.r_list(items))
            return
        start = len(self.parts)
        if self.units and self.units[-1][0] == len(self.parts) - 1:
            # latex2sympy2 reads 'a(b)' and 'a^{2}(b)' as calls of a function 'a'
            self.parts[-1] = "{" + self.parts[-1] + "}"
        self.parts.append("(" + self.inline(inner) + ")")
        self.units.append((start, "group", inner))

    def r_list(self, items: list[list[Token]]) -> Any:
        """``[a, b]`` -> a 1×n row; ``[[1, 2], [3, 4]]`` -> a matrix."""
        if any(not it for it in items):
            raise ParseError("an empty item in a list")
        values = [self.r.expr(it) for it in items]
        if all(tv.is_matrix(v) for v in values):
            rows = [sp.ImmutableMatrix(v) for v in values if isinstance(v, sp.MatrixBase)]
            if len(rows) != len(values) or any(r.rows != 1 for r in rows) \
                    or len({r.cols for r in rows}) != 1:
                raise ParseError("a list of rows of different lengths")
            return sp.ImmutableMatrix.vstack(*rows)
        if any(tv.is_matrix(v) for v in values):
            raise ParseError("a list mixing numbers and lists")
        return sp.ImmutableMatrix([values])

    def superscript(self, script: list[Token]) -> None:
        if not self.units or self.units[-1][0] >= len(self.parts):
            raise ParseError(f"a superscript without a base in {render(self.toks)!r}")
        if self.is_transpose(script):
            start, kind, what = self.units.pop()
            if kind == "num":
                return
            value = what if kind == "slot" else self.r.expr(what)
            del self.parts[start:]
            self.emit_value(tv.transpose(value))
            return
        if len(script) == 1 and self.is_op(script[0], "'"):
            raise ParseError("a prime cannot be marked here: primes are read only on "
                             "functions, as in \\sigma'(x)")
        self.parts[-1] += "^{" + self.exponent(script) + "}"

    def exponent(self, script: list[Token]) -> str:
        """An exponent's core text: a plain number, else a placeholder for its value
        (read on its own: latex2sympy2's parser is exponential in nested superscripts)."""
        core = [t for t in script if not self.is_op(t, "{", "}")] \
            if script and self.is_op(script[0], "{") else script
        plain = _plain_number(core)
        if plain is not None:
            return str(plain) if plain.is_Integer else self.slot(plain)
        return self.slot(self.r.expr(script))

    def is_transpose(self, script: list[Token]) -> bool:
        core = [t for t in script if not (t.kind == CMD and t.text in _SAME_NAME)
                and not self.is_op(t, "{", "}")]
        if len(core) != 1:
            return False
        t = core[0]
        if t.kind == OP and t.text == TRANSPOSE_MARK:
            return True
        return t.kind == NAME and t.text == "T" and not self.r.known("T")

    # ------------------------------------------------------------ commands
    def command(self, t: Token) -> None:
        s = t.text
        if s in (r"\frac", r"\dfrac", r"\tfrac", r"\cfrac"):
            self.pos += 1
            num, den = self.take_arg(), self.take_arg()
            start = len(self.parts)
            self.parts.append(r"\frac{" + self.inline(num) + "}{" + self.inline(den) + "}")
            self.units.append((start, "group", [Token(OP, "{"), *num, Token(OP, "}"),
                                                Token(OP, "/"), Token(OP, "{"), *den,
                                                Token(OP, "}")]))
        elif s == r"\sqrt":
            start_pos = self.pos
            self.pos += 1
            root = ""
            if self.is_op(self.peek(), "["):
                root = "[" + self.inline(self.take_group()) + "]"
            arg = self.take_arg()
            start = len(self.parts)
            self.parts.append(r"\sqrt" + root + "{" + self.inline(arg) + "}")
            self.units.append((start, "group", self.toks[start_pos:self.pos]))
        elif s == r"\sum":
            self.pos += 1
            self.summation()
        elif s == r"\begin":
            self.pos += 1
            self.emit_value(self.environment())
        elif s == r"\end":
            raise ParseError("'\\end' without its '\\begin'")
        else:
            raise ParseError(f"'{s}' is not understood here")

    def summation(self) -> None:
        if not self.is_op(self.peek(), "_"):
            raise ParseError("a sum needs its index: write \\sum_{k=1}^{K} or \\sum_k")
        self.pos += 1
        sub = self.take_arg()
        upper: list[Token] | None = None
        if self.is_op(self.peek(), "^"):
            self.pos += 1
            upper = self.take_arg()
        if not sub or sub[0].kind != NAME:
            raise ParseError(f"the index of the sum {render(sub)!r} is not understood")
        name = sub[0].text
        k = index_symbol(name)
        lower: list[Token] = []
        exclude = None
        rest = sub[1:]
        if rest and self.is_op(rest[0], REL):
            lower = rest[1:]
        elif rest and self.is_op(rest[0], NEQ):
            ex = rest[1:]
            if len(ex) != 1 or ex[0].kind not in (NAME, NUM):
                raise ParseError(f"the sum's condition {render(sub)!r} is not understood")
            exclude = self.r.index_value(ex[0].text)
        elif rest:
            raise ParseError(f"the sum's index {render(sub)!r} is not understood")
        self.r.scope[name] = k
        var = self.slot(IndexSlot(k, exclude))
        lo = self.inline(lower) if lower else "1"
        hi = self.inline(upper) if upper else self.slot(self.r.cfg.sum_bound)
        self.parts.append(r"\sum_{" + var + "=" + lo + "}^{" + hi + "}")

    def environment(self) -> Any:
        name_toks = self.take_arg()
        name = "".join(t.text for t in name_toks)
        if name not in _MATRIX_ENVS:
            raise ParseError(f"the environment '{name}' cannot be marked")
        if name == "array" and self.is_op(self.peek(), "{"):
            self.take_group()  # column spec: {|c|c|}
        depth, start = 1, self.pos
        while self.pos < len(self.toks):
            t = self.toks[self.pos]
            if t.kind == CMD and t.text == r"\begin":
                depth += 1
            elif t.kind == CMD and t.text == r"\end":
                depth -= 1
                if depth == 0:
                    break
            self.pos += 1
        else:
            raise ParseError(f"'\\begin{{{name}}}' without its '\\end{{{name}}}'")
        body = self.toks[start:self.pos]
        self.pos += 1
        self.take_arg()  # {name} of \end
        return self.r.matrix(body)

    # ------------------------------------------------------------ names and calls
    def plain_word(self) -> str | None:
        """A function word typed without a command (``softmax(``), if one starts here."""
        letters = ""
        i = self.pos
        while i < len(self.toks) and self.toks[i].kind == NAME and len(letters) < 8:
            letters += self.toks[i].text
            i += 1
        for w in _PLAIN_WORDS:
            if letters.lower().startswith(w) and len(letters) >= len(w):
                nxt = self.peek(len(w))
                if self.is_op(nxt, "(") and w in self.r.functions \
                        and not self.r.known(letters[:len(w)]):
                    return w
        return None

    def base(self) -> tuple[str, bool]:
        """The base of a name at pos: (key, written as a command word)."""
        t = self.toks[self.pos]
        if t.kind == NAME:
            w = self.plain_word()
            if w:
                self.pos += len(w)
                return w, True
            self.pos += 1
            return t.text, False
        self.pos += 1
        if t.text in _FUNCTION_CMDS:
            return t.text[1:], True
        if t.text[1:] in GREEK:
            return t.text[1:], False
        arg = self.take_arg()
        words = [a for a in arg if not (a.kind == OP and a.text in "{}")]
        if t.text in _ACCENTS:
            inner = "".join(a.text.lstrip("\\") for a in words)
            if not inner.isalnum():
                raise ParseError(f"'{t.text}{{{render(arg)}}}' is not understood")
            return f"{_ACCENTS[t.text]}({inner})", False
        if all(a.kind in (NAME, NUM) for a in words) and words:
            word = "".join(a.text for a in words)
            if len(words) == 1 and words[0].kind == NAME:
                return word, False
            if word == "1" and t.text in (r"\mathbf", r"\bm", r"\boldsymbol"):
                return "1", False
            return word, True
        if len(words) == 1 and words[0].kind == CMD and words[0].text[1:] in GREEK:
            return words[0].text[1:], False
        raise ParseError(f"'{t.text}{{{render(arg)}}}' is not understood")

    def function_of(self, key: str, word: bool) -> Function | None:
        if self.r.known(key):
            return None
        if key in self.r.functions:
            return self.r.functions[key]
        if word and key.lower() in self.r.functions:
            return self.r.functions[key.lower()]
        return None

    def atom(self) -> None:
        start_pos = self.pos
        key, word = self.base()
        if key == "1":
            self.units.append((len(self.parts), "num", "1"))
            self.parts.append("1")
            return
        if word and not self.function_of(key, True) and len(key) > 1:
            if self.toks[start_pos].text in (r"\text", r"\textrm", r"\textit", r"\textbf") \
                    and not self.r.known(key):
                raise ParseError(f"the text '{key}' cannot be marked")
        sub = ""
        sub_tokens: list[Token] = []
        if self.is_op(self.peek(), "_"):
            self.pos += 1
            sub_tokens = self.take_arg()
            sub = self.sub_text(sub_tokens)
        full = key + (f"_{sub}" if sub else "")
        fn = self.function_of(full, word) or (self.function_of(key, word)
                                              if key in ("log", "ln", "lg") else None)
        if fn is not None:
            log_base = None
            if key in ("log", "lg") and sub:
                log_base = self.r.expr(sub_tokens)
            elif key == "lg":
                log_base = sp.Integer(10)
            self.call_at(fn, log_base, render(self.toks[start_pos:self.pos]))
            return
        sup = ""
        if self.is_op(self.peek(), "^") and self.r.cfg.closed and key not in ("e",):
            save, saved_toks = self.pos, list(self.toks)
            self.pos += 1
            script = self.take_arg()
            word_sup = self.name_superscript(key, script)
            if word_sup:
                sup = word_sup
                if not sub and self.is_op(self.peek(), "_"):
                    self.pos += 1
                    sub_tokens = self.take_arg()
                    sub = self.sub_text(sub_tokens)
            else:
                self.pos, self.toks = save, saved_toks
        value = self.r.resolve(key, sub, sup)
        if isinstance(value, sp.Symbol) and self.is_op(self.peek(), "(") and not sup:
            known = self.r.known(full) or (value is self.r.lookup(key))
            if not known and (key in GREEK or word or (sub and self.r.cfg.closed
                                                       and not self.r._is_index(sub))):
                shown = ("\\" if key in GREEK else "") + full
                raise ParseError(
                    f"'{shown}(…)' reads as a call, but {shown} is neither a function nor a "
                    "variable of this problem" + (" (the sigmoid is \\sigma)"
                                                  if key == "delta" else ""))
        if self.is_op(self.peek(), "(") and self.names_only_call(full, key):
            self.take_group()
        elif self.is_op(self.peek(), "^") and not sup:
            # f^2(x): the square of the name f(x)
            save, saved_toks = self.pos, list(self.toks)
            self.pos += 1
            power = self.take_arg()
            if self.is_op(self.peek(), "(") and not self.is_transpose(power) \
                    and self.names_only_call(full, key):
                self.take_group()
                self.emit_value(value)
                self.parts[-1] += "^{" + self.exponent(power) + "}"
                return
            self.pos, self.toks = save, saved_toks
        if key in GREEK and key in self.r.functions and value == sp.Symbol(full, real=True) \
                and not self.r.known(full):
            raise ParseError(f"'\\{key}' needs its argument in brackets: \\{key}(…)")
        self.emit_value(value)

    def name_superscript(self, key: str, script: list[Token]) -> str:
        """The superscript as part of a name (``w^c``, ``W^{(1)}``), or '' for a power."""
        core = [t for t in script if not self.is_op(t, "{", "}")]
        if self.is_transpose(script) or not core:
            return ""
        if all(t.kind == NAME for t in core):
            text = "".join(t.text for t in core)
            if self.r.known(f"{key}_{text}") or not self.r.known(text):
                return text  # w^c names w_c even when c is a name itself
            return ""
        if len(core) == 3 and self.is_op(core[0], "(") and self.is_op(core[2], ")") \
                and core[1].kind in (NAME, NUM):
            return core[1].text
        return ""

    def names_only_call(self, full: str, key: str) -> bool:
        """``o(x)``, ``f(x)``, ``c_i(x)``: an intermediate name or a function of the
        problem written with its variables in brackets is just the name."""
        cfg = self.r.cfg
        named = full in cfg.names or key in cfg.names or (
            key in self.r.functions and self.r.known(key))
        if not named:
            return False
        own = set()  # the variables of the name's own definition
        fn = self.r.functions.get(key)
        if fn is not None and isinstance(fn.apply, sp.Lambda):
            own |= {str(v) for v in fn.apply.variables}
        for n in (full, key):
            if isinstance(cfg.names.get(n), sp.Basic):
                own |= {str(v) for v in cfg.names[n].free_symbols}
        end = match(self.toks, self.pos)
        inner = self.toks[self.pos + 1:end]
        items = split_top(inner, {","})
        for it in items:
            if len(it) == 0 or not all(t.kind in (NAME, NUM) or self.is_op(t, "_", "{", "}")
                                       for t in it):
                return False
            if it[0].kind != NAME:
                return False
            em = _Emitter(self.r, list(it))
            k, _ = em.base()
            s = ""
            if em.is_op(em.peek(), "_"):
                em.pos += 1
                s = em.sub_text(em.take_arg())
            if em.pos != len(it):
                return False
            written = k + (f"_{s}" if s else "")
            if written in cfg.names or not (
                    isinstance(self.r.lookup(written), sp.Symbol) or written in own):
                return False
        return True

    def call_at(self, fn: Function, log_base: Any, shown: str) -> None:
        power: list[Token] | None = None
        primes = 0
        while True:
            if self.is_op(self.peek(), "'"):
                primes += 1
                self.pos += 1
            elif self.is_op(self.peek(), "^"):
                self.pos += 1
                script = self.take_arg()
                core = [t for t in script if not self.is_op(t, "{", "}")]
                if core and all(self.is_op(t, "'") for t in core):
                    primes += len(core)
                elif power is None:
                    if _plain_number([t for t in core]) == -1:
                        raise ParseError(f"{shown}^{{-1}} is ambiguous (the inverse function or "
                                         f"1/{shown}): write \\frac{{1}}{{…}} or the inverse's "
                                         "name")
                    power = script
                else:
                    raise ParseError(f"two powers on {shown}")
            else:
                break
        if self.is_op(self.peek(), "(", "[", "{"):  # SymPy prints \tanh{\left(x \right)}
            inner = self.take_group()
            if not inner:
                raise ParseError(f"{shown}() has no argument")
            args = [self.r.expr(a) for a in split_top(inner, {","})]
        elif fn.operator:
            arg = self.bare_argument()
            if not arg:
                raise ParseError(f"{shown} needs an argument")
            args = [self.r.expr(arg)]
        else:
            raise ParseError(f"{shown} needs its argument in brackets: {shown}(…)")
        self.emit_value(self.r.call(fn, args, primes, log_base))
        if power is not None:
            if self.is_transpose(power):
                self.superscript(power)
            else:
                self.parts[-1] += "^{" + self.exponent(power) + "}"

    def bare_argument(self) -> list[Token]:
        """``\\tanh 2x``: numbers and names (with their scripts) up to anything else."""
        start = self.pos
        while self.pos < len(self.toks):
            t = self.toks[self.pos]
            if t.kind == NUM or t.kind == NAME or (t.kind == CMD and t.text[1:] in GREEK
                                                   and t.text[1:] not in self.r.functions):
                self.pos += 1
                while self.is_op(self.peek(), "_", "^"):
                    self.pos += 1
                    self.take_arg()
            elif t.kind == CMD and t.text in (r"\frac",) and self.pos == start:
                self.pos += 1
                self.take_arg()
                self.take_arg()
                break
            else:
                break
        return self.toks[start:self.pos]


def matrix_cells(body: list[Token]) -> list[list[list[Token]]]:
    """The cell tokens of a matrix environment's body (rows of cells; ``\\hline`` and a
    trailing ``\\\\`` are already gone or dropped here)."""
    rows = split_top(body, {"\\\\"})
    out = [split_top(r, {"&"}) for r in rows]
    while out and all(not c for c in out[-1]):
        out.pop()
    if not out:
        raise ParseError("an empty matrix")
    if len({len(r) for r in out}) != 1:
        raise ParseError("the rows of the matrix have different numbers of entries")
    if any(not c for r in out for c in r):
        raise ParseError("the matrix has an empty entry")
    return out




def read_tokens(tokens: list[Token], config: ParseConfig) -> tuple[Any, list[str]]:
    """The value of an answer's tokens, with notes on lenient readings."""
    r = Reader(config)
    return r.read(tokens), list(r.notes)
