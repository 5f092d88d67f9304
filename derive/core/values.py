"""Exact values: reading them (YAML, ``--set``), and formatting them for people and JSON."""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from derive.core.numbers import approx

#: longest number text read (a given is a number as a person writes it)
MAX_NUMBER_CHARS = 40
#: largest |exponent| of e-notation (1e300 is refused by the givens' magnitude anyway)
MAX_EXPONENT = 400
#: deepest bracket nesting of a --set list (a matrix is two levels)
MAX_LIST_DEPTH = 2
#: most numbers in one --set list
MAX_LIST_ITEMS = 10_000

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(/[+-]?\d+)?$")

Value = sp.Expr | sp.ImmutableMatrix


class ValueError_(ValueError):
    """A value could not be read; the message says what was expected."""


def parse_number(text: str) -> sp.Rational:
    """Read ``0.5``, ``-3``, ``4/3`` or ``1e-3`` exactly.

    >>> parse_number("0.1")
    1/10
    """
    s = text.strip().replace(" ", "")
    if len(s) > MAX_NUMBER_CHARS:
        raise ValueError_(f"{s[:12]}… has more than {MAX_NUMBER_CHARS} characters; a given "
                          "is a number as a person writes it")
    m = _NUMBER.match(s)
    if not m:
        raise ValueError_(f"{text!r} is not a number (expected e.g. 0.5, -3 or 4/3)")
    if m.group(3) and abs(int(m.group(3)[1:])) > MAX_EXPONENT:
        # 1e999999999 would be built digit by digit before anything could refuse it
        raise ValueError_(f"{s}: the exponent is larger than {MAX_EXPONENT}")
    if "/" in s:
        num, den = s.split("/")
        if sp.Rational(den) == 0:
            raise ValueError_(f"{text!r} divides by zero")
        return sp.Rational(num) / sp.Rational(den)
    return sp.Rational(s)


def to_exact(obj: Any) -> Value:
    """Turn a YAML/JSON scalar or (nested) list into an exact SymPy value.

    A flat list is a row vector (1×n), as the course writes vectors.
    """
    if isinstance(obj, bool):
        raise ValueError_(f"{obj!r} is not a number")
    if isinstance(obj, int):
        return sp.Integer(obj)
    if isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            raise ValueError_(f"{obj!r} is not a finite number")
        return sp.Rational(repr(obj))  # shortest repr round-trips: 0.1 -> 1/10
    if isinstance(obj, str):
        return parse_number(obj)
    if isinstance(obj, (list, tuple)):
        if not obj:
            raise ValueError_("an empty list is not a vector or matrix")
        if all(isinstance(r, (list, tuple)) for r in obj):
            rows = [[to_exact(c) for c in r] for r in obj]
            width = {len(r) for r in rows}
            if 0 in width:
                raise ValueError_("a matrix row is empty")
            if len(width) != 1:
                raise ValueError_("matrix rows have different lengths")
            for r in rows:
                for c in r:
                    if isinstance(c, sp.MatrixBase):
                        raise ValueError_("matrix entries must be numbers")
            return sp.ImmutableMatrix(rows)
        if any(isinstance(r, (list, tuple)) for r in obj):
            raise ValueError_("mixes numbers and lists")
        return sp.ImmutableMatrix([[to_exact(c) for c in obj]])
    raise ValueError_(f"{obj!r} is not a number or a list of numbers")


_LIST_TOKEN = re.compile(r"\s*(\[|\]|,|[^\[\],\s]+)")


def parse_set_value(text: str) -> Value:
    """Read the VALUE of ``--set NAME=VALUE``: a number or a bracketed list.

    >>> parse_set_value("[[1, 0.5]]")
    Matrix([[1, 1/2]])
    """
    s = text.strip()
    if not s.startswith("["):
        return parse_number(s)
    tokens = _LIST_TOKEN.findall(s)
    if "".join(tokens) != re.sub(r"\s+", "", s):
        raise ValueError_(f"{text!r} is not a bracketed list of numbers")
    if len(tokens) > 2 * MAX_LIST_ITEMS:
        raise ValueError_(f"a list of more than {MAX_LIST_ITEMS:,} items")
    pos = 0
    shown = text if len(text) <= 40 else text[:37] + "..."

    def item(depth: int = 0) -> Any:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError_(f"{shown!r}: unexpected end of list")
        tok = tokens[pos]
        pos += 1
        if tok == "[":
            if depth >= MAX_LIST_DEPTH:
                raise ValueError_(f"{shown!r}: lists nest at most {MAX_LIST_DEPTH} deep (a "
                                  "vector [1, 2] or a matrix [[1, 2], [3, 4]])")
            out: list[Any] = []
            if pos < len(tokens) and tokens[pos] == "]":
                pos += 1
                return out
            while True:
                out.append(item(depth + 1))
                if pos >= len(tokens):
                    raise ValueError_(f"{shown!r}: missing ']'")
                tok = tokens[pos]
                pos += 1
                if tok == "]":
                    return out
                if tok != ",":
                    raise ValueError_(f"{shown!r}: expected ',' or ']' but found {tok!r}")
        if tok in ",]":
            raise ValueError_(f"{shown!r}: unexpected {tok!r}")
        return tok

    parsed = item()
    if pos != len(tokens):
        raise ValueError_(f"{shown!r}: text after the closing ']'")
    return to_exact(parsed)


def is_terminating(r: sp.Rational) -> bool:
    """True when the rational has a finite decimal expansion (denominator 2^a 5^b)."""
    q = int(r.q)
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1


def decimal_string(r: sp.Rational, max_digits: int = 12) -> str | None:
    """The exact decimal of a terminating rational, or None when it is not short."""
    if not is_terminating(r):
        return None
    p, q = int(r.p), int(r.q)  # q > 0: the sign is p's (SymPy's r < 0 is ~20 times slower)
    sign = "-" if p < 0 else ""
    whole, frac = divmod(abs(p), q)
    if frac == 0:
        return f"{sign}{whole}"
    digits = ""
    for _ in range(max_digits):
        frac *= 10
        d, frac = divmod(frac, q)
        digits += str(d)
        if frac == 0:
            return f"{sign}{whole}.{digits}"
    return None


def to_float(v: sp.Expr) -> float:
    """The float of an exact or symbolic number (raises TypeError when not a number);
    evaluated once per number (``core.numbers``), however often it is shown."""
    return float(approx(v))


def short_number(v: sp.Expr | int) -> str:
    """A huge number shown by its order of magnitude (1e300), not its 300 digits; others
    as ``format_number`` writes them."""
    if isinstance(v, int):
        v = sp.Integer(v)
    if isinstance(v, sp.Rational):
        digits = len(str(abs(v.p))) - len(str(v.q))
        if digits > 7:
            return f"{'-' if v < 0 else ''}1e{digits}"
    return format_number(v)


def format_number(v: sp.Expr, sig: int = 6) -> str:
    """A number as a person writes it: exact when short, else ``sig`` significant digits.

    >>> format_number(sp.Rational(-1, 20)), format_number(sp.Rational(4, 3))
    ('-0.05', '4/3')
    """
    v = sp.nsimplify(v) if isinstance(v, sp.Float) and v == int(v) else v
    if isinstance(v, sp.Integer):
        return str(int(v))
    if isinstance(v, sp.Rational):
        d = decimal_string(v, max_digits=sig + 2)
        if d is not None:
            return d
        if abs(v.q) < 1000:
            return f"{v.p}/{v.q}"
    x = to_float(v)
    if x == 0:
        return "0"
    text = f"{x:.{sig}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}e{int(exp)}"
    return text


def number_json(v: sp.Expr) -> dict[str, Any]:
    """JSON fields of a number: ``value`` (float) and, for a non-decimal rational, ``exact``."""
    out: dict[str, Any] = {"value": to_float(v)}
    if isinstance(v, sp.Integer):
        out["value"] = int(v)
    elif isinstance(v, sp.Rational) and not is_terminating(v):
        out["exact"] = f"{v.p}/{v.q}"
    return out
