"""The bracket structure of a token list: matching, splitting at top level, matrix cells."""

from __future__ import annotations

from derive.check.read.config import ParseError
from derive.check.read.names import (
    CLOSERS,
    OPENERS,
)
from derive.check.read.tokens import (
    CMD,
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
    check_answer_side,
)


def render(tokens: list[Token]) -> str:
    """Tokens back to text, for messages."""
    out = []
    for t in tokens:
        s = {MUL: r"\cdot", TIMES: r"\times", HADAMARD: r"\odot", TENSOR: r"\otimes",
             REL: "=", INEQ: "<", SEP: r"\quad", TRANSPOSE_MARK: r"\top",
             NEQ: r"\neq"}.get(t.text, t.text) \
            if t.kind == OP else t.text
        if t.kind == OP and t.text == INEQ and t.sign:  # the comparison as written
            s = {"<=": r"\le", ">=": r"\ge"}.get(t.sign, t.sign)
        if out and (t.kind in (NAME, NUM) and out[-1][-1:].isalpha() and out[-1].startswith("\\")):
            out.append(" ")
        out.append(s)
    return "".join(out)


def match(tokens: list[Token], i: int) -> int:
    """Index of the bracket closing the one opened at ``i``."""
    depth = 0
    for j in range(i, len(tokens)):
        t = tokens[j]
        if t.kind == OP and t.text in OPENERS:
            depth += 1
        elif t.kind == OP and t.text in CLOSERS:
            depth -= 1
            if depth == 0:
                return j
    raise ParseError(f"a bracket is not closed in {render(tokens[i:])!r}")


def split_top(tokens: list[Token], seps: set[str]) -> list[list[Token]]:
    """Split at operators in ``seps`` outside brackets and environments."""
    parts: list[list[Token]] = [[]]
    depth = env = 0
    for t in tokens:
        if t.kind == OP and t.text in OPENERS:
            depth += 1
        elif t.kind == OP and t.text in CLOSERS:
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
    assigned = _assignments(tokens)
    if assigned is not None:
        tokens = assigned
    sides = split_top(tokens, {REL})
    if any(t.kind == OP and t.text in (INEQ, NEQ) for s in sides for t in s
           if not _inside(s, t)):
        raise ParseError("an inequality is not an answer: write the value")
    sides = [s for s in sides if s]
    if not sides:
        raise ParseError("the answer is empty")
    check_answer_side(sides[-1])
    return sides[-1]


def _assignments(tokens: list[Token]) -> list[Token] | None:
    """``w_0 = 1, w_1 = -1, w_2 = 1`` -> the values as a list ``1, -1, 1``; None when the
    answer is not a list of name = value items."""
    items = split_top(tokens, {",", SEP})
    if len(items) < 2:
        return None
    out: list[Token] = []
    for item in items:
        sides = split_top(item, {REL})
        if len(sides) != 2 or not sides[0] or not sides[1]:
            return None
        if sides[0][0].kind not in (NAME, CMD) or not all(
                t.kind in (NAME, NUM, CMD) or (t.kind == OP and t.text in "_{}")
                for t in sides[0]):
            return None
        out += ([Token(OP, ",")] if out else []) + sides[1]
    return out


def _inside(tokens: list[Token], tok: Token) -> bool:
    depth = 0
    for t in tokens:
        if t is tok:
            return depth > 0
        if t.kind == OP and t.text in OPENERS:
            depth += 1
        elif t.kind == OP and t.text in CLOSERS:
            depth -= 1
    return False



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
