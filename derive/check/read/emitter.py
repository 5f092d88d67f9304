"""Turning one token list into latex2sympy2's core text: operators, groups, scripts, sums.

The atoms (names, calls, environments) are read by :class:`~derive.check.read.atoms.Atoms`,
which this class extends; ``self.r`` is the :class:`~derive.check.read.reader.Reader`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy as sp

from derive.check.read import values as tv
from derive.check.read.atoms import Atoms
from derive.check.read.config import ParseError
from derive.check.read.names import (
    ACCENTS,
    CLOSERS,
    FUNCTION_CMDS,
    OPENERS,
    PLACEHOLDERS,
    SAME_NAME,
    IndexSlot,
    index_symbol,
    plain_number,
)
from derive.check.read.ones import bold_one
from derive.check.read.patterns import has_ellipsis, read_pattern, with_ellipses
from derive.check.read.token_groups import (
    match,
    render,
    split_top,
)
from derive.check.read.tokens import (
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
    TENSOR,
    TIMES,
    TRANSPOSE_MARK,
    Token,
    explain_command,
)
from derive.check.read.values import same_value

if TYPE_CHECKING:  # the Reader makes Emitters; only its type is needed here
    from derive.check.read.reader import Reader

class Emitter(Atoms):
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
                if v is value or (type(v) is type(value) and same_value(v, value)):
                    return ("\\" + key) if len(key) > 1 else key
        n = len(self.slots)
        if n >= len(PLACEHOLDERS):
            raise ParseError("the expression has too many distinct parts to be read "
                             f"at once (at most {len(PLACEHOLDERS)})")
        name = PLACEHOLDERS[n]
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
        if t.kind == CMD and t.text in SAME_NAME | set(ACCENTS):
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
            elif t.kind == CMD and t.text in SAME_NAME:
                continue
            elif t.kind == OP and t.text in "+-,{}":
                if t.text not in "{}":
                    out.append(t.text)
            else:
                raise ParseError(f"the subscript {render(tokens)!r} is not understood")
        return "".join(out)

    def inline(self, tokens: list[Token]) -> str:
        """Emit a sub-list with the same slots; return its core text."""
        sub = Emitter(self.r, list(tokens))
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
            elif t.kind == NUM and t.text == "1" and self.r.cfg.ones_vectors \
                    and self.is_op(self.peek(1), "_"):
                self.pos += 1  # 1_B: a vector of ones of length B
                bold_one(self)
            elif t.kind == NUM:
                self.units.append((len(self.parts), "num", t.text))
                self.parts.append(t.text)
                self.pos += 1
            elif t.kind == NAME or (t.kind == CMD and (t.text[1:] in GREEK or t.text in ACCENTS
                                                       or t.text in SAME_NAME
                                                       or t.text == r"\mathbb"
                                                       or t.text in FUNCTION_CMDS)):
                self.atom()
            elif t.kind == CMD:
                self.command(t)
            else:
                self.operator(t)

    def operator(self, t: Token) -> None:
        s = t.text
        if s in OPENERS:
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
        elif s == TENSOR:  # a product of numbers; Reader.expr refuses it on matrices
            self.tensor = True
            self.parts.append(r"\cdot")
            self.pos += 1
        elif s == "|":
            self.parts.append("|")
            self.pos += 1
        elif s == "^":
            self.pos += 1
            self.superscript(self.take_arg())
        elif s == "'":
            if not self.matrix_prime():
                raise ParseError(f"a prime (') in {render(self.toks)!r} cannot be marked "
                                 "here: primes are read only on functions, as in "
                                 "\\sigma'(x), and on matrices (W' for W^T)")
            self.pos += 1
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
        elif s in CLOSERS:
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
        if all(self.is_op(it[0], "[") and match(it, 0) == len(it) - 1 for it in items):
            # [[1], [2], [3]]: rows in brackets, one entry each too (a column)
            rows = [[self.r.expr(c) for c in split_top(it[1:-1], {","})] for it in items]
            if any(not r or any(tv.is_matrix(v) for v in r) for r in rows) \
                    or len({len(r) for r in rows}) != 1:
                raise ParseError("a list of rows of different lengths")
            return sp.ImmutableMatrix(rows)
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
            if kind == "num" and what == "1" and self.r.cfg.ones_vectors:
                del self.parts[start:]  # 1^T: the row of ones
                self.emit_value(tv.ones(False))
                return
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

    def matrix_prime(self) -> bool:
        """``W'`` / ``(o - y)'`` after a matrix: its transpose (as many write it); True
        when done. A prime after a scalar stays unreadable (a derivative of what?)."""
        if not self.units or self.units[-1][0] >= len(self.parts):
            return False
        start, kind, what = self.units[-1]
        if kind == "num":
            return False
        value = what if kind == "slot" else self.r.expr(what)
        if not tv.is_matrix(value):
            return False
        self.units.pop()
        del self.parts[start:]
        self.emit_value(tv.transpose(value))
        return True

    def exponent(self, script: list[Token]) -> str:
        """An exponent's core text: a plain number, else a placeholder for its value
        (read on its own: latex2sympy2's parser is exponential in nested superscripts)."""
        core = [t for t in script if not self.is_op(t, "{", "}")] \
            if script and self.is_op(script[0], "{") else script
        plain = plain_number(core)
        if plain is not None:
            return str(plain) if plain.is_Integer else self.slot(plain)
        return self.slot(self.r.expr(script))

    def is_transpose(self, script: list[Token]) -> bool:
        core = [t for t in script if not (t.kind == CMD and t.text in SAME_NAME)
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
        var = self.slot(IndexSlot(k, exclude, upper is not None))
        lo = self.inline(lower) if lower else "1"
        hi = self.inline(upper) if upper else self.slot(self.r.cfg.sum_bound)
        self.parts.append(r"\sum_{" + var + "=" + lo + "}^{" + hi + "}")
