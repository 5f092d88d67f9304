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

from typing import Any

import sympy as sp

from derive.check.read import values as tv
from derive.check.read.config import ParseConfig, ParseError
from derive.check.read.core_arithmetic import read_arithmetic
from derive.check.read.emitter import Emitter
from derive.check.read.names import (
    CORE_TOKEN,
    COURSE_FUNCTIONS,
    INDEX_LETTERS,
    MAX_CORE_TOKENS,
    Function,
    IndexSlot,
    index_symbol,
    plain_number,
)
from derive.check.read.patterns import (
    has_ellipsis,
    read_diagonal,
    read_pattern,
    with_ellipses,
)
from derive.check.read.row_sums import row_of, row_sum
from derive.check.read.token_groups import (
    last_side,
    matrix_cells,
    render,
    split_top,
)
from derive.check.read.tokens import (
    ELLIPSES,
    OP,
    SEP,
    Token,
    explain_command,
)


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
        self.rows: dict[Any, tuple[Any, Any]] = {}
        """row symbols of matrices inside sums (``P_b``) -> (the matrix, the index)"""
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
        plain = plain_number(tokens)
        if plain is not None:
            return plain
        em = Emitter(self, list(tokens))
        em.run()
        core = " ".join(p for p in em.parts if p)
        if len(CORE_TOKEN.findall(core)) > MAX_CORE_TOKENS:
            raise ParseError(f"the expression {render(tokens)[:40]!r}… is too long to be "
                             "read at once")
        # plain arithmetic is read here, to latex2sympy2's very tree (core_arithmetic);
        # latex2sympy2, imported on first use (it parses two formulas as it is imported),
        # reads the rest and words every error
        tree = read_arithmetic(core)
        if tree is None:
            from derive.check.read.latex2sympy_adapter import read_core

            try:
                tree = read_core(core)
            except ParseError:
                raise ParseError(f"cannot read {render(tokens)!r}") from None
        value = self.build(tree, em.slots)
        if getattr(em, "tensor", False) and isinstance(value, sp.Basic) and (
                tv.is_matrix(value) or value.atoms(sp.MatrixSymbol)):
            raise ParseError(explain_command(r"\otimes"))
        return value

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
            if self.cfg.component is not None:
                # the whole vector where one component is asked (p - t for p_i - t_i)
                return v[self.index_value(str(self.cfg.component))]
            raise ParseError(f"{key} needs an index, as in {key}_i or {key}_k")
        if v is not None:
            return v
        if sub:
            base_v = self.lookup(base)
            if sub in self.scope and tv.is_matrix(base_v) and self.cfg.ones_vectors \
                    and base_v.shape[0] != 1:
                return row_of(self.rows, base_v, base, self.scope[sub])  # P_b: row b of P
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
        if base == "delta" and sub:
            pair = sub.replace(",", "")
            if len(pair) == 2 and all(c.isalpha() or c.isdigit() for c in pair):
                # the Kronecker delta δ_ik: 1 where the two indices agree, else 0
                return sp.KroneckerDelta(self.index_value(pair[0]), self.index_value(pair[1]))
        if not sub and base == "e":
            return sp.E
        if not sub and base == "pi":
            return sp.pi
        return sp.Symbol(key, real=True)

    def _is_index(self, sub: str) -> bool:
        return len(sub) == 1 and sub in INDEX_LETTERS and not self.known(sub)

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
        if primes and not self.cfg.defined_primes and isinstance(fn.apply, sp.Lambda):
            raise ParseError(f"{fn.name}' is what is asked: write the derivative out")
        if primes:
            z = sp.Dummy("z")
            d = sp.diff(f(z), z, primes)
            if d.has(sp.Derivative) and not isinstance(f, sp.FunctionClass):
                raise ParseError(f"{fn.name}' is not known: write the derivative out")

            def f(u: Any, _d: Any = d, _z: Any = z) -> Any:  # noqa: F811
                return _d.xreplace({_z: u}) if not _d.has(sp.Derivative) else _d.subs(_z, u)
        return _bounded(tv.elementwise(f, arg))

    def matrix(self, body: list[Token]) -> Any:
        """A matrix environment's value, read cell by cell."""
        dots = [t for t in body if t.kind == OP and t.text in ELLIPSES]
        diagonal = read_diagonal(self, body) if dots else None
        if diagonal is not None:
            return diagonal
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
        # nested sums arrive as one Sum with several limits, innermost first
        total = self.build(node.function, slots)
        terms = sp.Integer(1)
        for var, lo, hi in node.limits:
            slot = slots.get(var.name)
            if not isinstance(slot, IndexSlot):
                raise ParseError("the index of a sum is not understood")
            lo, hi = self.build(lo, slots), self.build(hi, slots)
            if tv.is_matrix(total) and self.rows and not (tv.is_matrix(lo)
                                                           or tv.is_matrix(hi)):
                total = row_sum(self.rows, total, slot.symbol, lo,
                                None if not slot.bounded else hi)
                continue
            if tv.is_matrix(total) or tv.is_matrix(lo) or tv.is_matrix(hi):
                raise ParseError("a sum of matrices cannot be marked")
            k = slot.symbol
            span = hi - lo
            if span.is_number:
                terms *= max(span + 1, 1)
                if not span.is_finite or terms > tv.MAX_EXPONENT + 1:
                    raise ParseError("a sum over more than 1000 terms cannot be marked")
            body = total
            total = sp.Sum(body, (k, lo, hi))
            if slot.exclude is not None:
                total = total - body.xreplace({k: slot.exclude})
        return total



def read_tokens(tokens: list[Token], config: ParseConfig) -> tuple[Any, list[str]]:
    """The value of an answer's tokens, with notes on lenient readings."""
    r = Reader(config)
    return r.read(tokens), list(r.notes)


#: nodes one function call may make of its argument: the problem's functions applied
#: inside each other grow as a power (GELU' holds x three times: f'(f'(f'(f'(f'(x))))) is
#: 7 000 nodes, and working it out at a number takes the worker's whole clock)
MAX_CALL_NODES = 5000


def _bounded(value: Any) -> Any:
    """``value``, or ParseError when it has more than MAX_CALL_NODES nodes (counted up to
    the bound only)."""
    if isinstance(value, sp.Basic) and not isinstance(value, sp.MatrixBase):
        for n, _ in enumerate(sp.preorder_traversal(value), start=1):
            if n > MAX_CALL_NODES:
                raise ParseError("functions applied inside each other make an expression "
                                 "too large to be marked")
    return value
