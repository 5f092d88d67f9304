"""Givens and symbols of a spec: their values, the symbols that stand for them.

A vector/matrix given ``w`` appears in expressions as a matrix of element symbols
(``w_1, w_2``; ``W_11``… for matrices); ``given_subs`` maps them back to the values.
"""

from __future__ import annotations

import keyword
from dataclasses import replace
from functools import lru_cache
from typing import Any

import sympy as sp

from derive.core import functions
from derive.core.arrays import FloatMatrix, doubtful_entries, is_matrix, read_large
from derive.core.errors import SpecError
from derive.core.model import (
    Given,
    SymbolSpec,
)
from derive.core.spec_fields import (
    NAME,
    expected,
    mapping,
    text_field,
    unknown_keys,
    yaml_kind,
)
from derive.core.values import (
    ValueError_,
    format_number,
    parse_set_value,
    short_number,
    to_exact,
)

_GIVEN_KEYS = ("value", "latex", "text", "integer", "column", "min", "max", "resize")
#: largest |value| of a given (each entry): past it the float64 checks that verify every
#: answer lose their meaning (sigmoid saturates, finite differences cancel), and exact
#: arithmetic on it grows for minutes; a spec may declare a narrower min/max
MAX_MAGNITUDE = sp.Integer(10) ** 6
#: largest whole-number given (counts, sizes) unless the spec declares its own max
MAX_COUNT = 10_000


def given_symbol(g: Given) -> Any:
    """The symbolic stand-in of a given: a Symbol, a matrix of element Symbols, or for
    a large float64 given one MatrixSymbol (a symbol per entry is what made it slow)."""
    if isinstance(g.value, FloatMatrix):
        return _matrix_symbol(g.name, *g.value.shape)
    if isinstance(g.value, sp.MatrixBase):
        return _element_symbols(g.name, *g.value.shape)
    return sp.Symbol(g.name, real=True)


@lru_cache(maxsize=256)
def _element_symbols(name: str, r: int, c: int) -> sp.ImmutableMatrix:
    """``w_1, w_2…`` or ``W_11, W_12…``: made once per name and shape (a wide network's
    weight matrices have thousands of entries, and every block asks for them)."""
    if r == 1 or c == 1:
        names = [f"{name}_{i + 1}" for i in range(r * c)]
    elif r < 10 and c < 10:
        names = [f"{name}_{i + 1}{j + 1}" for i in range(r) for j in range(c)]
    else:  # W_1,11 and W_11,1 (W_111 would name both, and one value would be lost)
        names = [f"{name}_{i + 1},{j + 1}" for i in range(r) for j in range(c)]
    return sp.ImmutableMatrix(r, c, [sp.Symbol(n, real=True) for n in names])


@lru_cache(maxsize=256)
def _matrix_symbol(name: str, r: int, c: int) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(name, r, c)  # one object per name and shape: found by identity


def given_subs(g: Given) -> dict[sp.Symbol, Any]:
    """Symbol -> exact value for one given (elementwise for matrices; a large float64
    given's MatrixSymbol -> its exact matrix, made only when something asks)."""
    sym = given_symbol(g)
    if isinstance(g.value, FloatMatrix):
        return {sym: g.value.exact()}
    if isinstance(sym, sp.MatrixBase):
        return {s: v for s, v in zip(sym, g.value, strict=True)}
    return {sym: g.value}


@lru_cache(maxsize=1024)  # a name's LaTeX: every given and definition asks, set or not
def default_latex(name: str) -> str:
    return sp.latex(sp.Symbol(name))


def build_givens(path: str, raw: dict[str, Any], overrides: dict[str, Any],
                 exact: frozenset[str] = frozenset()) -> dict[str, Given]:
    """The givens of a spec with ``overrides`` applied; large ones stay float64 unless
    named in ``exact`` (a block reads them entry by entry)."""
    givens: dict[str, Given] = {}
    for name, spec in raw.items():
        where = f"givens.{name}"
        if not isinstance(name, str) or not NAME.match(name) or keyword.iskeyword(name):
            raise SpecError(path, where, "a given's name must be an identifier (e.g. eta, x0)")
        if name in functions.NAMESPACE:
            raise SpecError(path, where, f"'{name}' is a function name; choose another")
        info = spec if isinstance(spec, dict) else {"value": spec}
        unknown_keys(path, where, info, _GIVEN_KEYS)
        if "value" not in info:
            raise SpecError(path, f"{where}.value", "missing (expected a number or a list)")
        try:
            value = read_value(info["value"], name in exact)
        except ValueError_ as e:
            raise SpecError(path, f"{where}.value", str(e)) from None
        column = bool(info.get("column", False))
        if column and is_matrix(value) and value.rows == 1:
            value = value.T
        integer = bool(info.get("integer", False))
        low, high = (_bound(path, f"{where}.{k}", info.get(k)) for k in ("min", "max"))
        given = Given(
            name=name,
            value=value,
            latex=text_field(path, f"{where}.latex", info.get("latex"), default_latex(name)),
            text=text_field(path, f"{where}.text", info.get("text")),
            integer=integer,
            column=column,
            low=low,
            high=high,
            resize=bool(info.get("resize", False)),
        )
        check_value(path, f"{where}.value", given, value, None)
        givens[name] = given
    for name, new in overrides.items():
        if name not in givens:
            raise SpecError(
                path, f"--set {name}", f"unknown given ({expected(sorted(givens)) or 'none'})"
            )
        g = givens[name]
        try:
            if isinstance(new, FloatMatrix):
                value = new.exact() if name in exact else new
            elif isinstance(new, sp.Basic):
                value = new
            elif isinstance(new, str):
                value = parse_set_value(new)
            else:
                value = read_value(new, name in exact)
        except ValueError_ as e:
            raise SpecError(path, f"--set {name}", str(e)) from None
        value = _oriented(g, value)
        check_value(path, f"--set {name}", g, value, g.value)
        givens[name] = replace(g, value=value)
    return givens


def _oriented(g: Given, value: Any) -> Any:
    """A vector override in the orientation of the given: a flat list (read as a row)
    for a column given is its column, as the spec's own value is read, and a vector of
    the spec's length may be written either way; a resized one keeps the given's
    orientation too (a column given's flat list of any length is a column)."""
    if is_matrix(g.value) and g.value.shape == (1, 1) and isinstance(value, sp.Number):
        return sp.ImmutableMatrix([[value]])  # a number for a 1×1 given: --set b2=0.1
    if not (is_matrix(value) and is_matrix(g.value)) or 1 not in value.shape:
        return value
    if 1 not in g.value.shape:
        return value
    if len(value) == len(g.value):
        return value.reshape(*g.value.shape)
    column = g.column or g.value.cols == 1 and g.value.rows > 1
    row = g.value.rows == 1 and g.value.cols > 1
    if column and value.rows == 1 or row and value.cols == 1:
        return value.T
    return value


def read_value(obj: Any, exact: bool = False) -> Any:
    """A given's value from YAML or the Python API: exact, or float64 when large."""
    large = None if exact else read_large(obj)
    return large if large is not None else to_exact(obj)


def _bound(path: str, where: str, v: Any) -> Any:
    if v is None:
        return None
    try:
        b = to_exact(v)
    except ValueError_ as e:
        raise SpecError(path, where, str(e)) from None
    if isinstance(b, sp.MatrixBase):
        raise SpecError(path, where, "expected a number (a bound on every entry)")
    return b


def _shape_text(m: Any) -> str:
    r, c = m.shape
    if r == 1 or c == 1:
        return f"a list of {r * c} number{'s' if r * c != 1 else ''}" + (
            " (a column)" if c == 1 and r > 1 else "")
    return f"a {r}×{c} matrix ({r} lists of {c} numbers)"


def check_value(path: str, field: str, g: Given, value: Any, like: Any) -> None:
    """A SpecError naming ``field`` unless ``value`` fits the given ``g``: the shape of
    ``like`` (the spec's value, when overriding), whole numbers for counts, the declared
    ``min``/``max`` and the magnitude the numeric checks can verify."""
    if like is not None:
        if is_matrix(like) != is_matrix(value):
            # shown only when wrong: the text of a wide matrix costs seconds
            shown = (_shape_text(value) if isinstance(value, FloatMatrix) else
                     str(value.tolist()) if isinstance(value, sp.MatrixBase) else
                     short_number(value) if isinstance(value, (sp.Rational, sp.Float)) else
                     str(value))
            want = _shape_text(like) if is_matrix(like) else "a number"
            raise SpecError(path, field, f"expected {want}, found {shown}")
        if is_matrix(like) and like.shape != value.shape and not g.resize:
            found = (f"{value.rows * value.cols} numbers" if 1 in value.shape
                     else f"a {value.rows}×{value.cols} matrix")
            exact = like.exact() if isinstance(like, FloatMatrix) else like
            rows = ["[" + ", ".join(format_number(c) for c in r) + "]" for r in exact.tolist()]
            shown_like = rows[0] if like.rows == 1 else "[" + ", ".join(rows) + "]"
            raise SpecError(path, field, f"expected {_shape_text(like)} like the spec's "
                            f"{shown_like}, found {found}")
    if isinstance(value, FloatMatrix):  # the exact checks below, on the doubtful entries
        entries = doubtful_entries(value, integer=g.integer, low=g.low, high=g.high,
                                   largest=MAX_MAGNITUDE,
                                   count=MAX_COUNT if g.integer and g.high is None else None)
    else:
        entries = list(value) if isinstance(value, sp.MatrixBase) else [value]
        if len(entries) > 16:  # a SymPy comparison per bound and entry costs seconds
            bounds = _float_bounds(g)
            entries = [v for v in entries if not _plainly_inside(v, g, bounds)]
    for v in entries:
        if not isinstance(v, (sp.Rational, sp.Float)) or not v.is_finite:
            raise SpecError(path, field, f"expected numbers, found {v}")
        if g.integer and not isinstance(v, sp.Integer):
            raise SpecError(path, field, f"expected a whole number, found {format_number(v)}")
        name = g.name
        if g.low is not None and g.low == g.high and v != g.low:
            raise SpecError(path, field, f"{name} = {format_number(v)}: the spec's answers "
                            f"are declared for {name} = {format_number(g.low)} only")
        if g.low is not None and v < g.low or g.high is not None and v > g.high:
            lo = format_number(g.low) + " ≤ " if g.low is not None else ""
            hi = " ≤ " + format_number(g.high) if g.high is not None else ""
            raise SpecError(path, field, f"{name} = {short_number(v)} is out of range; "
                            f"expected {lo}{name}{hi}")
        if g.integer and g.high is None and not 0 <= v <= MAX_COUNT:
            raise SpecError(path, field, f"{name} = {short_number(v)} is out of range; expected "
                            f"0 ≤ {name} ≤ {MAX_COUNT} (a count or a size)")
        if abs(v) > MAX_MAGNITUDE:
            raise SpecError(path, field, f"{name} = {short_number(v)}: too large to verify "
                            f"numerically; use |{name}| ≤ 1e6")


def _float_bounds(g: Given) -> list[tuple[float, int]]:
    """Every bound of ``check_value`` as (float, side), less a margin: +1 for an upper
    bound, -1 for a lower one."""
    bounds = [(g.low, -1), (g.high, 1), (MAX_MAGNITUDE, 1), (-MAX_MAGNITUDE, -1)]
    if g.integer and g.high is None:
        bounds += [(0, -1), (MAX_COUNT, 1)]
    out = []
    for b, side in bounds:
        if b is not None:
            f = float(b)
            out.append((f * side - 1e-9 * max(1.0, abs(f)), side))
    return out


def _plainly_inside(v: Any, g: Given, bounds: list[tuple[float, int]]) -> bool:
    """A rational entry that every check of ``check_value`` passes by a margin (decided
    in float64: p/q is correctly rounded); anything close to a bound is left to the exact
    checks."""
    if not isinstance(v, sp.Rational) or g.integer and not isinstance(v, sp.Integer):
        return False
    if g.low is not None and g.low == g.high:
        return False
    try:
        x = v.p / v.q
    except OverflowError:  # past a float: the exact checks say how large
        return False
    return all(x * side < edge for edge, side in bounds)


def build_symbols(path: str, raw: Any) -> dict[str, SymbolSpec]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        for i, n in enumerate(raw):
            if not isinstance(n, str):
                raise SpecError(path, f"symbols[{i}]", "expected a name such as x, found "
                                f"{yaml_kind(n)}")
        raw = {n: {} for n in raw}
    raw = mapping(path, "symbols", raw)
    out: dict[str, SymbolSpec] = {}
    for name, spec in raw.items():
        where = f"symbols.{name}"
        if not isinstance(name, str) or not NAME.match(name) or name in functions.NAMESPACE:
            raise SpecError(path, where, "a symbol's name must be an identifier, not a function")
        spec = mapping(path, where, spec)
        unknown_keys(path, where, spec, ("latex", "shape", "indexed", "integer"))
        if sum(bool(spec.get(k)) for k in ("shape", "indexed", "integer")) > 1:
            raise SpecError(path, where, "use one of shape, indexed or integer")
        shape = None
        if spec.get("shape") is not None:
            sh = spec["shape"]
            if not isinstance(sh, list) or len(sh) != 2:
                raise SpecError(path, f"{where}.shape", "expected [rows, columns], e.g. [1, N]")
            shape = tuple(size_field(path, f"{where}.shape", d) for d in sh)
        out[name] = SymbolSpec(
            name, text_field(path, f"{where}.latex", spec.get("latex"), default_latex(name)), shape,
            indexed=bool(spec.get("indexed", False)), integer=bool(spec.get("integer", False)),
        )
    return out


def symbol_object(s: SymbolSpec) -> Any:
    """The SymPy object a declared symbol stands for in expressions."""
    if s.shape:
        return sp.MatrixSymbol(s.name, *s.shape)
    if s.indexed:
        return sp.IndexedBase(s.name, real=True)
    if s.integer:
        return sp.Symbol(s.name, integer=True)
    return sp.Symbol(s.name, real=True)


def size_field(path: str, where: str, d: Any) -> Any:
    if isinstance(d, int) and not isinstance(d, bool) and d > 0:
        return sp.Integer(d)
    if isinstance(d, str) and NAME.match(d):
        return sp.Symbol(d, integer=True, positive=True)
    raise SpecError(path, where, f"expected a positive size or a size name, found {d!r}")
