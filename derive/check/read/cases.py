"""A student's ``\\begin{cases} … \\end{cases}`` answer -> a SymPy Piecewise.

Each row is ``value & condition``; the value is read by the ordinary expression reader,
the condition here: comparisons (``<``, ``>``, ``\\le``, ``\\leq``, ``\\leqslant``,
``\\ge``…, ``=``, ``\\neq``, chained as ``0 \\le z \\le 1``) whose sides are again read
by the expression reader, joined by ``\\text{and}``, ``\\land``, ``\\wedge``, ``,`` (and)
or ``\\text{or}``,
``\\lor``, ``\\vee`` (or); ``\\text{if}``/``\\text{for}``/``\\text{when}`` are dropped;
``\\text{otherwise}``, ``\\text{else}`` or an empty condition mean "every other value".
Rows are tried in order, as a course reads cases. Nothing is evaluated; sizes are bounded
(rows, comparisons), and the whole text has passed the reader's limits first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp

from derive.check.read.config import ParseError

#: most rows of a cases answer
MAX_ROWS = 20
#: most comparisons in one row's condition
MAX_COMPARISONS = 12

_ENV = re.compile(r"\\begin\s*\{\s*cases\s*\}(.*?)\\end\s*\{\s*cases\s*\}", re.S)
_OTHERWISE = re.compile(r"^(?:\\(?:text|mathrm|textrm|mbox)\s*\{\s*)?\s*(otherwise|else|"
                        r"sonst|elsewhere)\s*\}?\s*\.?$")
_WORDS = re.compile(r"\\(?:text|mathrm|textrm|mbox)\s*\{\s*(if|for|when|falls|wenn)\s*\}|"
                    r"\\(?:quad|qquad)\b|\\[,;:!]|^\s*(?:if|for)\b")
_AND = re.compile(r"\\(?:text|mathrm|textrm|mbox)\s*\{\s*and\s*\}|\\land\b|\\wedge\b|,")
#: the rows of a cases body and the two cells of a row
_ROW, _CELL = re.compile(r"\\\\"), re.compile("&")
_OR = re.compile(r"\\(?:text|mathrm|textrm|mbox)\s*\{\s*or\s*\}|\\lor\b|\\vee\b")
_RELATIONS = {r"\leqslant": "<=", r"\geqslant": ">=", r"\leq": "<=", r"\geq": ">=",
              r"\le": "<=", r"\ge": ">=", r"\lt": "<", r"\gt": ">", "<=": "<=", ">=": ">=",
              "<": "<", ">": ">", "=": "==", r"\neq": "!=", r"\ne": "!="}
#: ``=`` and ``\neq`` too: a row at a kink (``1 & x = 1``) states the convention there
_RELATION = re.compile(r"\\leqslant\b|\\geqslant\b|\\leq\b|\\geq\b|\\le\b|\\ge\b|\\lt\b|"
                       r"\\gt\b|\\neq\b|\\ne\b|<=|>=|<|>|=")
_OPS = {"<": sp.StrictLessThan, "<=": sp.LessThan, ">": sp.StrictGreaterThan,
        ">=": sp.GreaterThan, "==": sp.Eq, "!=": sp.Ne}


def cases_body(text: str) -> str | None:
    """The body of an answer written as one cases environment (``f'(z) = \\begin{cases}…``
    too), or None when the answer is not cases, or cases stand inside an expression
    (``cases_inside``)."""
    m = _ENV.search(text)
    if m is None:
        return None
    before, after = text[:m.start()].strip(), text[m.end():].strip()
    if after.strip(".,;$ ") or (before and not before.rstrip("$ ").endswith("=")
                                and before.strip("$ ")):
        return None
    return _body(m)


def _body(m: re.Match[str]) -> str:
    body = m.group(1)
    if "\\begin" in body:
        raise ParseError("an environment inside cases is not read")
    return body


#: a name no answer writes, standing for the cases read in its place
PLACEHOLDER = "derivecases{}"


def cases_inside(text: str, read_expr: Callable[[str], Any]
                 ) -> tuple[str, dict[str, sp.Piecewise]] | None:
    """Cases inside an expression (``2\\left(\\begin{cases} 2w & w > 0 \\\\ 0.2w &
    \\text{otherwise} \\end{cases}\\right) - 2``, as derive writes a derivative of a
    piecewise function): the text with each cases environment replaced by a bracketed
    placeholder name, and name -> its Piecewise; None without cases."""
    found: dict[str, sp.Piecewise] = {}
    parts: list[str] = []
    last = 0
    for m in _ENV.finditer(text):
        if len(found) >= MAX_ROWS:
            raise ParseError(f"more than {MAX_ROWS} cases environments")
        name = PLACEHOLDER.format(len(found))
        found[name] = read_cases(_body(m), read_expr)
        parts.append(text[last:m.start()] + f" \\left(\\operatorname{{{name}}}\\right) ")
        last = m.end()
    if not found:
        return None
    return "".join(parts) + text[last:], found


def read_cases(body: str, read_expr: Callable[[str], Any]) -> sp.Piecewise:
    """The Piecewise of a cases body; ``read_expr`` reads one value or comparison side."""
    rows = [r for r in _top_split(body, _ROW) if r.strip()]
    if not rows:
        raise ParseError("the cases are empty")
    if len(rows) > MAX_ROWS:
        raise ParseError(f"more than {MAX_ROWS} cases")
    pieces = []
    for n, row in enumerate(rows, start=1):
        cells = _top_split(row, _CELL)
        if len(cells) != 2:
            raise ParseError(f"case {n} is written 'value & condition'")
        value = read_expr(cells[0])
        if not isinstance(value, sp.Expr) or isinstance(value, sp.MatrixBase):
            raise ParseError(f"case {n}: the value is not an expression")
        pieces.append((value, _condition(cells[1], n, read_expr)))
    try:
        return sp.Piecewise(*pieces)
    except (TypeError, ValueError) as e:
        raise ParseError(f"the cases cannot be read ({str(e)[:60]})") from None


def _condition(text: str, n: int, read_expr: Callable[[str], Any]) -> Any:
    text = text.strip().rstrip(".")
    if not text or _OTHERWISE.match(text):
        return sp.true
    text = _WORDS.sub(" ", text)
    ors = []
    count = 0
    for alternative in _top_split(text, _OR):
        ands = []
        for part in _top_split(alternative, _AND):
            sides = _top_split(part, _RELATION, keep=True)
            ops, operands = sides[1::2], sides[0::2]
            if not ops:
                raise ParseError(f"case {n}: the condition {part.strip()!r} is not a "
                                 "comparison")
            count += len(ops)
            if count > MAX_COMPARISONS:
                raise ParseError(f"case {n}: more than {MAX_COMPARISONS} comparisons")
            vals = [read_expr(s) for s in operands]
            for v in vals:
                if not isinstance(v, sp.Expr) or isinstance(v, sp.MatrixBase):
                    raise ParseError(f"case {n}: a comparison of expressions was expected")
            try:
                ands += [_OPS[_RELATIONS[op.strip()]](vals[i], vals[i + 1])
                         for i, op in enumerate(ops)]
            except TypeError as e:  # a non-real number compared
                raise ParseError(f"case {n}: {str(e)[:60]}") from None
        ors.append(sp.And(*ands))
    return sp.Or(*ors)


def _top_split(text: str, pattern: re.Pattern[str], keep: bool = False) -> list[str]:
    """Split at matches of ``pattern`` outside brackets (with the separators when kept).

    A comma inside brackets (``\\max(0, x)``) or a brace group is not a separator."""
    out, start, depth = [], 0, []
    level = 0
    for c in text:
        depth.append(level)
        if c in "{([":
            level += 1
        elif c in "})]":
            level -= 1
    for m in pattern.finditer(text):
        if depth[m.start()] != 0 or m.start() < start:
            continue
        out.append(text[start:m.start()])
        if keep:
            out.append(m.group(0))
        start = m.end()
    out.append(text[start:])
    return out
