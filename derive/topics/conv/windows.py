"""Helpers shared by the CNN, threshold and separability blocks (no registrations)."""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.core.derivation import Context
from derive.core.expressions import parse_spec_expr
from derive.core.notation import Floor, Minus, Product, Quotient, Sum
from derive.topics.conv.oracle import count_positions

N, P, K, S = sp.symbols("n p k s")
P_TOTAL = sp.Symbol("P")
#: written out entry by entry up to this many output entries per matrix
MAX_WRITTEN = 36


def raw_value(ctx: Context, field: str, v: Any) -> Any:
    """The exact value of a raw YAML argument (a number, a name, '{a.x}', a list)."""
    e = parse_spec_expr(ctx.problem.path, f"{ctx.where}.{field}", v, ctx.problem.namespace,
                        ctx.problem.answers)
    return ctx.value(e)


def _is_matrix_literal(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(
        isinstance(r, list) and r and all(not isinstance(c, list) for c in r) for r in v)


def matrix_arg(ctx: Context, field: str, v: Any) -> sp.ImmutableMatrix:
    """A raw argument that must be a matrix: a given's name, '{a.output}' or [[…]]."""
    m = raw_value(ctx, field, v)
    if isinstance(m, (list, tuple)):  # '[[1, 2], [3, 4]]' written as text
        try:
            m = sp.ImmutableMatrix(m)
        except (ValueError, TypeError):
            raise ctx.fail(field, f"expected a matrix, found {v!r}") from None
    if not isinstance(m, sp.MatrixBase):
        raise ctx.fail(field, f"expected a matrix, found {m}")
    for c in m:
        if not (isinstance(c, sp.Basic) and c.is_number):
            raise ctx.fail(field, f"the matrix has an entry {c} that is not a number")
    return sp.ImmutableMatrix(m)


def matrix_list(ctx: Context, field: str, v: Any) -> list[sp.ImmutableMatrix]:
    """One matrix, or a list of matrices (channels): ``F``, ``[R, G, B]``, ``[[1, 2]]``."""
    if isinstance(v, list) and not v:
        raise ctx.fail(field, "expected a matrix or a list of channels, found an empty list")
    if isinstance(v, list) and not _is_matrix_literal(v):
        return [matrix_arg(ctx, f"{field}[{i}]", x) for i, x in enumerate(v)]
    return [matrix_arg(ctx, field, v)]


def whole(ctx: Context, field: str, v: Any, low: int = 0) -> int:
    """A raw or parsed argument that must be a whole number ≥ ``low``."""
    value = raw_value(ctx, field, v) if not isinstance(v, sp.Basic) else ctx.value(v)
    if not isinstance(value, sp.Integer) or int(value) < low:
        raise ctx.fail(field, f"expected a whole number ≥ {low}, found {value}")
    return int(value)


def rows_cols(ctx: Context, field: str, v: Any) -> tuple[int, int]:
    """(rows, columns) of a matrix argument, or (n, n) for a size."""
    value = raw_value(ctx, field, v)
    if isinstance(value, sp.MatrixBase):
        return value.shape
    n = whole(ctx, field, v, low=1)
    return (n, n)


def size_formula(symmetric: bool = True) -> Any:
    """⌊(n + 2p − k)/s⌋ + 1 (or with a total padding P when it is not symmetric)."""
    pad = Product(2, P) if symmetric else P_TOTAL
    return Sum(Floor(Quotient(Sum(N, pad, Minus(K)), S)), 1)


def size_step(ctx: Context, lhs: str | Any, n: int, k: int, pad: tuple[int, int],
              stride: int, out: int) -> int:
    """Record ``lhs = ⌊(n + 2p − k)/s⌋ + 1 = … = out`` for one spatial dimension."""
    before, after = pad
    symmetric = before == after
    subs = {N: sp.Integer(n), K: sp.Integer(k), S: sp.Integer(stride)}
    subs[P if symmetric else P_TOTAL] = sp.Integer(before if symmetric else before + after)
    return ctx.step("output-size", sp.Integer(out),
                    lhs=sp.Symbol(lhs) if isinstance(lhs, str) else lhs,
                    before=size_formula(symmetric), subs=subs)


def size_check(ctx: Context, name: str, answers: list[str],
               dims: list[tuple[int, int, int, int, int]]) -> None:
    """Register: each (n, k, total padding, stride, out) has ``out`` window positions."""

    def run() -> tuple[bool, float, str]:
        for n, k, pad_total, stride, out in dims:
            count, _ = count_positions(n, k, pad_total, stride)
            if count != out:
                return False, float("inf"), f"{count} windows of {k} fit in {n}+{pad_total} " \
                                            f"with stride {stride}, not {out}"
        return True, 0.0, "window positions counted one by one"

    ctx.check(name, answers, "brute-force", run)
