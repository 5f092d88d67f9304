"""Vectors written with an ellipsis, read as a careful marker reads them.

``[o_1 - y_1 \\quad o_2 - y_2 \\quad \\dots \\quad o_K - y_K]`` (or a column with
``\\vdots``) is a *pattern vector*: explicit entries, one ellipsis, and optionally a last
entry whose subscript is a symbolic size (K, k, N, M, n, m). The general component
f(i) comes from the last entry (its size subscript -> i) or, without one, from the first
(its subscript 1 -> i); every explicit entry must equal f at its position. The vector is
then the elementwise lift of f(i): each component ``o_i`` becomes the vector o (in the
written orientation), sums and products become matrix sums and Hadamard products, a
function of components becomes the function applied entrywise. What cannot be
recovered this way (inconsistent entries, a 2-D ellipsis, components of no declared
vector) stays a ParseError with the ellipsis message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy as sp

from derive.check.read import values as tv
from derive.check.read.config import ParseError
from derive.check.read.tokens import CMD, ELLIPSES, NAME, NUM, OP, Token, explain_command

if TYPE_CHECKING:
    from derive.check.read.reader import Reader

#: subscripts that name the last position of a vector
SIZE_INDICES = frozenset("KkNMnm")
#: index letters tried for the general component (the first one the answer does not use)
_FREE_INDICES = ("i", "l", "t")


def is_ellipsis(tokens: list[Token]) -> bool:
    return len(tokens) == 1 and tokens[0].kind == OP and tokens[0].text in ELLIPSES


def with_ellipses(items: list[list[Token]]) -> list[list[Token]]:
    """Items of a row or column with every top-level ellipsis as an item of its own
    (``o_3 - y_3 \\dots`` -> ``o_3 - y_3``, ``\\dots``); empty pieces dropped."""
    out: list[list[Token]] = []
    for it in items:
        depth, piece = 0, []
        for t in it:
            if t.kind == OP and t.text in "([{":
                depth += 1
            elif t.kind == OP and t.text in ")]}":
                depth -= 1
            elif t.kind == CMD and t.text in (r"\begin", r"\end"):
                depth += 1 if t.text == r"\begin" else -1
            if depth == 0 and t.kind == OP and t.text in ELLIPSES:
                if piece:
                    out.append(piece)
                out.append([t])
                piece = []
            else:
                piece.append(t)
        if piece or not it:
            out.append(piece)
    return out


def has_ellipsis(items: list[list[Token]]) -> bool:
    return any(is_ellipsis(it) for it in items)


def read_pattern(reader: Reader, items: list[list[Token]], column: bool) -> Any:
    """The matrix expression of a pattern row (or column); ParseError when the pattern
    cannot be recovered."""
    dots = [n for n, it in enumerate(items) if is_ellipsis(it)]
    failure = ParseError(explain_command(items[dots[0]][0].text))
    if len(dots) != 1 or dots[0] == 0 or len(items) - dots[0] > 2 \
            or any(not it for it in items):
        raise failure
    first, last = items[:dots[0]], items[dots[0] + 1:]
    index = _free_index(items)
    if last:
        sizes = SIZE_INDICES - _summation_indices(last[0])
        general = _substituted(last[0], lambda t: t.kind == NAME and t.text in sizes, index)
    else:
        general = _substituted(first[0], lambda t: t.kind == NUM and t.text == "1", index)
    if general is None:
        raise failure
    i = sp.Symbol(index, integer=True, positive=True)
    try:
        f = reader.expr(general)
        entries = [reader.expr(entry) for entry in first]
    except ParseError:  # 'x_1 + \dots + x_N' and the like: not a vector
        raise failure from None
    if tv.is_matrix(f) or not isinstance(f, sp.Basic) or not f.has(i):
        raise failure
    for n, value in enumerate(entries, start=1):
        if not _equal(value, f.xreplace({i: sp.Integer(n)})):
            raise failure
    lifted = _lift(f, i, reader, column)
    if lifted is None:
        raise failure
    return lifted


def _free_index(items: list[list[Token]]) -> str:
    used = {t.text for it in items for t in it if t.kind == NAME}
    for name in _FREE_INDICES:
        if name not in used:
            return name
    return "i"


def _summation_indices(tokens: list[Token]) -> set[str]:
    """Letters bound by a ``\\sum_k`` / ``\\sum_{k=1}``: not the vector's size."""
    out = set()
    for n, t in enumerate(tokens[:-2]):
        if t == Token(CMD, r"\sum") and tokens[n + 1] == Token(OP, "_"):
            nxt = tokens[n + 2]
            if nxt == Token(OP, "{") and n + 3 < len(tokens):
                nxt = tokens[n + 3]
            if nxt.kind == NAME:
                out.add(nxt.text)
    return out


def _substituted(tokens: list[Token], old: Any, index: str) -> list[Token] | None:
    """The tokens with every subscript that ``old`` accepts replaced by the index letter
    (``o_K`` / ``o_{K}`` -> ``o_i``); None when there is none."""
    out, found = list(tokens), False
    for n, t in enumerate(out):
        if not old(t) or n == 0:
            continue
        direct = out[n - 1] == Token(OP, "_")
        braced = n >= 2 and out[n - 1] == Token(OP, "{") and out[n - 2] == Token(OP, "_") \
            and n + 1 < len(out) and out[n + 1] == Token(OP, "}")
        if direct or braced:
            out[n] = Token(NAME, index)
            found = True
    return out if found else None


def _equal(a: Any, b: Any) -> bool:
    if tv.is_matrix(a) or tv.is_matrix(b):
        return False
    try:
        d = sp.expand(a - b)
        return bool(d == 0 or sp.cancel(d) == 0)
    except Exception:  # noqa: BLE001 - what SymPy cannot compare is not the same entry
        return False


def _lift(f: Any, i: sp.Symbol, reader: Reader, column: bool) -> Any:
    """f(i) in components ``v[i]`` -> the vector expression, or None."""
    vectors: dict[str, Any] = {}
    for ix in f.atoms(sp.Indexed):
        if ix.indices != (i,):
            return None
        v = reader.lookup(str(ix.base.label))
        if not tv.is_matrix(v) or 1 not in v.shape:
            return None
        v = v if (v.shape[0] != 1) == column else v.T
        vectors[str(ix.base.label)] = v
    if not vectors or len({str(v.shape) for v in vectors.values()}) != 1:
        return None
    shape = next(iter(vectors.values())).shape
    z = sp.Dummy("z")

    def lift(e: Any) -> Any:
        if isinstance(e, sp.Indexed):
            return vectors[str(e.base.label)]
        if not e.has(i):
            return None
        if isinstance(e, sp.Add):
            parts = [lift(a) if a.has(i) else a * sp.OneMatrix(*shape) for a in e.args]
            return None if any(p is None for p in parts) else sp.MatAdd(*parts)
        if isinstance(e, sp.Mul):
            scalar = sp.Mul(*[a for a in e.args if not a.has(i)])
            parts = [lift(a) for a in e.args if a.has(i)]
            if any(p is None for p in parts):
                return None
            body = parts[0] if len(parts) == 1 else sp.HadamardProduct(*parts)
            return body if scalar == 1 else scalar * body
        if isinstance(e, sp.Pow) and not e.exp.has(i):
            base = lift(e.base)
            return None if base is None else base.applyfunc(sp.Lambda(z, z ** e.exp))
        if isinstance(e, sp.Function) and len(e.args) == 1:
            arg = lift(e.args[0])
            return None if arg is None else arg.applyfunc(sp.Lambda(z, e.func(z)))
        return None

    return lift(f)


def read_diagonal(reader: Reader, body: list[Token]) -> Any:
    """A diagonal matrix written with ``\\ddots`` (``diag(a_1(1-a_1), …, a_M(1-a_M))`` laid
    out as a matrix), or None when the body is not one.

    The explicit entries before the last stand on the diagonal, in order; every other
    cell is 0, an ellipsis or empty; the last entry (the one with the size subscript) is
    the last entry of the last row (a careful marker tolerates it a column off). The
    diagonal is then read as a pattern vector (``read_pattern``) and made ``diag(v)``.
    """
    from derive.check.read.token_groups import split_top

    if not any(t.kind == OP and t.text == r"\ddots" for t in body):
        return None
    rows = [split_top(r, {"&"}) for r in split_top(body, {"\\\\"})]
    while rows and all(not c for c in rows[-1]):
        rows.pop()
    if len(rows) < 2:
        return None
    entries: list[tuple[int, int, list[Token]]] = []
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if not cell or is_ellipsis(cell) or (len(cell) == 1 and cell[0] == Token(NUM, "0")):
                continue
            entries.append((i, j, cell))
    if len(entries) < 2:
        return None
    *first, last = entries
    if any(i != j or i != n for n, (i, j, _) in enumerate(first)) or last[0] != len(rows) - 1:
        return None
    items = [cell for _, _, cell in first] + [[Token(OP, r"\dots")], last[2]]
    return tv.diag(read_pattern(reader, items, column=False))
