"""Block-local parsing: expressions with indexed families, integer indices and equations.

Some blocks read their expressions themselves (Param type ``raw``) because a name means
something else there than in the rest of the problem: in ``softmax-shift`` the given
``x = [1, 2, 3]`` is a vector, while the proof speaks of ``x[k]`` for k = 1..K. A block
lists such names under ``indexed:`` (IndexedBase) and ``integer:`` (index symbols and
sizes); every other name means what the problem declares.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from derive.core.derivation import Context
from derive.core.registry import scalar_unmet

_EQUATION = re.compile(r"(?<![<>=!])=(?!=)")


def local_namespace(ctx: Context, indexed: Any = (), integer: Any = ()) -> dict[str, Any]:
    """The problem's namespace with some names re-declared for one block."""
    ns = dict(ctx.problem.namespace)
    for field, names in (("indexed", indexed), ("integer", integer)):
        if names is None:
            continue
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ctx.fail(field, "expected a list of names, e.g. [p, t]")
        for n in names:
            if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", n):
                raise ctx.fail(field, f"'{n}' is not a name")
            ns[n] = (sp.IndexedBase(n, real=True) if field == "indexed"
                     else sp.Symbol(n, integer=True))
    return ns


def parse_local(ctx: Context, field: str, value: Any, ns: dict[str, Any]) -> Any:
    """Parse one block argument, a scalar expression; ``'a = b'`` gives the equation
    Eq(a, b) (unevaluated). A matrix (``[[1, 2]]``, a matrix given) is a spec error here:
    the blocks that read these (rewrites, identities, losses) compare scalars, and
    would otherwise report a failed check instead of the spec's mistake."""
    from derive.core.expressions import parse_spec_expr

    where = f"{ctx.where}.{field}"
    if isinstance(value, str) and _EQUATION.search(value):
        sides = _EQUATION.split(value)
        if len(sides) != 2:
            raise ctx.fail(field, f"expected one '=' in {value!r}")
        lhs, rhs = (_scalar(ctx, field, parse_spec_expr(ctx.problem.path, where, s.strip(), ns,
                                                        ctx.problem.answers))
                    for s in sides)
        return sp.Eq(lhs, rhs, evaluate=False)
    return _scalar(ctx, field, ctx.resolve(parse_spec_expr(ctx.problem.path, where, value, ns,
                                                           ctx.problem.answers)))


def _scalar(ctx: Context, field: str, e: Any) -> Any:
    unmet = scalar_unmet(e)
    if unmet:
        raise ctx.fail(field, f"expected {unmet[0]}, found {unmet[1]}")
    return e


def parse_list(ctx: Context, field: str, value: Any, ns: dict[str, Any]) -> list[Any]:
    """A list argument, each entry parsed with :func:`parse_local`."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.fail(field, "expected a list")
    return [parse_local(ctx, f"{field}[{n}]", v, ns) for n, v in enumerate(value)]


def as_equation(e: Any) -> sp.Equality:
    """A fact as an equation: ``a = b`` stays, a bare expression means ``expr = 0``."""
    return e if isinstance(e, sp.Equality) else sp.Eq(e, 0, evaluate=False)


class DirectPartial(sp.Derivative):
    """∂m/∂n shown with ∂: m's direct dependence on n, its other arguments held fixed,
    where n also reaches m through those arguments (a GRU's h' = (1 − z)h + z h̃ with z and
    h̃ functions of h; a skip connection). Written d, it would read as the total derivative
    the chain rule is computing, on both sides of one equation."""


def label(name: str) -> sp.Symbol:
    """A symbol used only to show a quantity by name (``h_{t-1}``, ``softmax(x)_i``)."""
    return sp.Symbol(name)


def expand_sums(e: Any, values: dict[Any, Any]) -> Any:
    """``e`` with sizes/indices set (``values``) and every Sum written out term by term.

    Faster than ``Sum.doit`` (which tries closed forms first) for the checks' small sizes.
    """
    e = sp.sympify(e).xreplace(values)

    def out(s: Any) -> Any:
        (k, lo, hi), = s.limits
        if not (lo.is_Integer and hi.is_Integer):
            raise ValueError(f"{s}: the bounds are not numbers")
        return sp.Add(*[s.function.xreplace({k: sp.Integer(j)})
                        for j in range(int(lo), int(hi) + 1)])

    for _ in range(4):  # nested sums, innermost last
        if not e.has(sp.Sum):
            break
        e = e.replace(lambda s: isinstance(s, sp.Sum) and len(s.limits) == 1, out)
    return e
