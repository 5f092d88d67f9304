"""Givens and symbols of a spec: their values, the symbols that stand for them.

A vector/matrix given ``w`` appears in expressions as a matrix of element symbols
(``w_1, w_2``; ``W_11``… for matrices); ``given_subs`` maps them back to the values.
"""

from __future__ import annotations

import keyword
from functools import lru_cache
from typing import Any

import sympy as sp

from derive.core import functions
from derive.core.errors import SpecError
from derive.core.model import (
    Given,
    SymbolSpec,
)
from derive.core.spec_fields import NAME, expected, mapping, text_field, unknown_keys
from derive.core.values import ValueError_, parse_set_value, to_exact

_GIVEN_KEYS = ("value", "latex", "text", "integer", "column")


def given_symbol(g: Given) -> Any:
    """The symbolic stand-in of a given: a Symbol, or a matrix of element Symbols."""
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


def given_subs(g: Given) -> dict[sp.Symbol, Any]:
    """Symbol -> exact value for one given (elementwise for matrices)."""
    sym = given_symbol(g)
    if isinstance(sym, sp.MatrixBase):
        return {s: v for s, v in zip(sym, g.value, strict=True)}
    return {sym: g.value}


def default_latex(name: str) -> str:
    return sp.latex(sp.Symbol(name))


def build_givens(path: str, raw: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Given]:
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
            value = to_exact(info["value"])
        except ValueError_ as e:
            raise SpecError(path, f"{where}.value", str(e)) from None
        column = bool(info.get("column", False))
        if column and isinstance(value, sp.MatrixBase) and value.rows == 1:
            value = value.T
        integer = bool(info.get("integer", False))
        if integer and not (isinstance(value, sp.Integer)):
            raise SpecError(path, f"{where}.value", f"expected a whole number, found {value}")
        givens[name] = Given(
            name=name,
            value=value,
            latex=text_field(path, f"{where}.latex", info.get("latex"), default_latex(name)),
            text=text_field(path, f"{where}.text", info.get("text")),
            integer=integer,
            column=column,
        )
    for name, new in overrides.items():
        if name not in givens:
            raise SpecError(
                path, f"--set {name}", f"unknown given ({expected(sorted(givens)) or 'none'})"
            )
        g = givens[name]
        try:
            if isinstance(new, sp.Basic):
                value = new
            elif isinstance(new, str):
                value = parse_set_value(new)
            else:
                value = to_exact(new)
        except ValueError_ as e:
            raise SpecError(path, f"--set {name}", str(e)) from None
        if isinstance(value, sp.MatrixBase) and g.column and value.rows == 1:
            value = value.T
        if isinstance(g.value, sp.MatrixBase) != isinstance(value, sp.MatrixBase):
            want = "a bracketed list" if isinstance(g.value, sp.MatrixBase) else "a number"
            raise SpecError(path, f"--set {name}", f"expected {want}, found {new}")
        if g.integer and not isinstance(value, sp.Integer):
            raise SpecError(path, f"--set {name}", f"expected a whole number, found {new}")
        givens[name] = Given(g.name, value, g.latex, g.text, g.integer, g.column)
    return givens


def build_symbols(path: str, raw: Any) -> dict[str, SymbolSpec]:
    if raw is None:
        return {}
    if isinstance(raw, list):
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
    if isinstance(d, int) and d > 0:
        return sp.Integer(d)
    if isinstance(d, str) and NAME.match(d):
        return sp.Symbol(d, integer=True, positive=True)
    raise SpecError(path, where, f"expected a positive size or a size name, found {d!r}")
