"""Proofs of identities over indexed families with a symbolic size (softmax is shift
invariant for every K): a chain of named algebra operations, each recorded as a step.

Each operation is a local rule (``OPS``) that returns the rewritten expression, the law it
applied (shown with the step) and its *obligations*: small equalities that must hold for
the step to be right (the summand identity e^{c + x_k} = e^c e^{x_k}, say). Verification
never trusts the operations: every step is evaluated at seeded random points for
K = 1..8, and its obligations are confirmed symbolically, each on a small expression
(``simplify`` of a summand, ``cancel`` of a quotient), never on the whole proof.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sympy as sp

from derive.core import pointwise
from derive.core.derivation import Context
from derive.core.local_names import expand_sums, label, local_namespace, parse_local
from derive.core.numeric import rel_error, rng
from derive.core.op_count import count_ops
from derive.core.registry import Param, block

#: sizes K for which every step is evaluated
SIZES = range(1, 9)
#: largest expression (count_ops) a symbolic confirmation is attempted on
MAX_CONFIRM_OPS = 80

_a, _b = sp.Symbol("a"), sp.Symbol("b")
_j = sp.Symbol("k", integer=True)
_n = sp.Symbol("n", integer=True)
_bk = sp.IndexedBase("b")


class Op:
    """What one operation did: the result, the law shown, and its obligations."""

    def __init__(self, after: Any, law: Any, obligations: list[tuple[Any, Any]],
                 free_of: list[tuple[Any, Any]] | None = None, cancel: Any = None) -> None:
        self.after = after
        self.law = law
        self.obligations = obligations
        """(a, b) pairs with a = b to confirm (each small)"""
        self.free_of = free_of or []
        """(factor, index) pairs: the factor must not depend on the index"""
        self.cancel = cancel
        """for a cancellation: (before, after) to confirm by ``sp.cancel``"""


def _fraction(e: Any) -> tuple[Any, Any]:
    return sp.fraction(e, exact=True)


def _rebuild(num: Any, den: Any) -> Any:
    """num/den, kept unevaluated so that a common factor stays visible until cancelled."""
    if den == 1:
        return num
    return sp.Mul(num, sp.Pow(den, -1, evaluate=False), evaluate=False)


def _map_parts(e: Any, fn: Callable[[Any], Any]) -> Any:
    num, den = _fraction(e)
    return _rebuild(fn(num), fn(den))


def split_exp(e: Any) -> Op:
    """e^{a + b} = e^a e^b, wherever an exponential has a sum as its argument."""
    pairs: list[tuple[Any, Any]] = []

    def split(part: Any) -> Any:
        def one(f: Any) -> Any:
            new = sp.Mul(*[sp.exp(t) for t in sp.Add.make_args(f.args[0])], evaluate=False)
            pairs.append((f, new))
            return new

        return part.replace(lambda f: isinstance(f, sp.exp) and f.args[0].is_Add, one)

    # a law is stated, not decided (deciding it cost SymPy a few milliseconds)
    return Op(_map_parts(e, split), sp.Eq(sp.exp(_a + _b), sp.exp(_a) * sp.exp(_b),
                                          evaluate=False), pairs)


def factor_sum(e: Any) -> Op:
    """Σ_k a b_k = a Σ_k b_k: factors that do not depend on k leave the sum."""
    pairs: list[tuple[Any, Any]] = []
    free_of: list[tuple[Any, Any]] = []

    def pull(s: Any) -> Any:
        (k, lo, hi), = s.limits
        const, rest = s.function.as_independent(k, as_Add=False)
        if const == 1:
            return s
        new = sp.Mul(const, sp.Sum(rest, (k, lo, hi)), evaluate=False)
        pairs.append((s.function, const * rest))  # the summand is split exactly
        free_of.append((const, k))  # ...and the factor does not depend on k
        return new

    def part(p: Any) -> Any:
        return p.replace(lambda f: isinstance(f, sp.Sum) and len(f.limits) == 1, pull)

    law = sp.Eq(sp.Sum(_a * _bk[_j], (_j, 1, _n)), _a * sp.Sum(_bk[_j], (_j, 1, _n)),
                evaluate=False)  # stated, not decided
    return Op(_map_parts(e, part), law, pairs, free_of)


def cancel_common(e: Any) -> Op:
    """(a b)/(a c) = b/c for factors a common to numerator and denominator (a ≠ 0)."""
    num, den = _fraction(e)
    nf, df = list(sp.Mul.make_args(num)), list(sp.Mul.make_args(den))
    common = []
    for f in list(nf):
        if f in df and not f.is_number:
            nf.remove(f)
            df.remove(f)
            common.append(f)
    after = sp.Mul(*nf) / sp.Mul(*df)
    nonzero = tuple(sp.Ne(f, 0, evaluate=False) for f in common)
    return Op(after, nonzero, [], cancel=(e, after))


#: the operations a proof may name (tests replace one to see verification fail)
OPS: dict[str, Callable[[Any], Op]] = {
    "exp-of-sum": split_exp,
    "factor-out-of-sum": factor_sum,
    "cancel": cancel_common,
}


@block(
    "identity",
    lhs=Param("text", doc="what the expression is, as shown: e.g. softmax(x + c)_i"),
    expr=Param("raw", doc="the starting expression, e.g. exp(x[i] + c)/Sum(exp(x[k] + c), "
                          "(k, 1, K))"),
    steps=Param("strings", doc=f"operations in order, from: {', '.join(OPS)}"),
    rhs=Param("text", doc="what the result is, as shown: e.g. softmax(x)_i"),
    result=Param("raw", doc="the expression the steps must reach"),
    size=Param("text", doc="the symbolic size, e.g. K (sums run to it)"),
    index=Param("text", required=False, doc="a free index in 1..size, e.g. i"),
    indexed=Param("raw", required=False, default=[], doc="names of indexed families: [x]"),
    integer=Param("raw", required=False, default=[], doc="integer names: [i, k, K]"),
)
def identity(ctx: Context, lhs: str, expr: Any, steps: list[str], rhs: str, result: Any,
             size: str, index: str | None, indexed: Any, integer: Any) -> None:
    """A chain of named algebra steps from ``expr`` to ``result``, for every size."""
    ns = local_namespace(ctx, indexed, integer)
    start = parse_local(ctx, "expr", expr, ns)
    goal = parse_local(ctx, "result", result, ns)
    for name in (size, index):
        if name is not None and not (isinstance(ns.get(name), sp.Symbol)
                                     and ns[name].is_integer):
            raise ctx.fail("size" if name == size else "index",
                           f"'{name}' must be listed under integer (or declared integer)")
    big_k = ns[size]
    idx = ns[index] if index else None
    unknown = [s for s in steps if s not in OPS]
    if unknown:
        raise ctx.fail("steps", f"unknown operation '{unknown[0]}' "
                       f"(expected one of: {', '.join(OPS)})")
    shown_l, shown_r = label(lhs), label(rhs)
    ctx.step("definition", start, lhs=shown_l)
    chain = [start]
    obligations: list[tuple[str, Op]] = []
    current = start
    for name in steps:
        op = OPS[name](current)
        facts = op.law if isinstance(op.law, tuple) else (op.law,)
        ctx.step(name, op.after, lhs=shown_l, before=current, facts=facts)
        obligations.append((name, op))
        chain.append(op.after)
        current = op.after
    ctx.step("definition", shown_r, before=current)
    chain.append(goal)

    names = [f"{lhs} = {rhs}: step {n + 1} ({s})" for n, s in enumerate([*steps, "definition"])]
    for n in range(len(chain) - 1):
        before, after = chain[n], chain[n + 1]
        ob = obligations[n][1] if n < len(obligations) else None
        ctx.check(names[n], [], "identity",
                  lambda b=before, a=after, o=ob, n=n: _check_step(b, a, o, big_k, idx, n))


def _check_step(before: Any, after: Any, op: Op | None, size: sp.Symbol,
                idx: sp.Symbol | None, salt: int) -> tuple[bool, float, str]:
    """before == after at random points for K = 1..8, and the step's obligations."""
    worst = 0.0
    r = rng(1000 + salt)
    for n in SIZES:
        # the free index first, in the middle and last (every position a sum can treat
        # differently), each at three seeded points
        for i in (sorted({1, (n + 1) // 2, n}) if idx is not None else [None]):
            pin = {size: n, **({idx: i} if idx is not None else {})}
            worst = max(worst, _worst_at_points(before, after, pin, size, r))
    ok = worst < 1e-9
    detail = f"K = {SIZES.start}..{SIZES.stop - 1} at seeded random points"
    confirmed, how = _confirm(op) if op is not None else _same(before, after)
    return ok and confirmed, worst, f"{detail}; symbolically: {how}"


def _worst_at_points(before: Any, after: Any, pin: dict[Any, int], size: sp.Symbol,
                     r: Any, points: int = 3) -> float:
    """The largest relative difference of ``before`` and ``after`` at seeded points, with
    the size and the free index pinned: on the tree as written (``core.pointwise`` runs
    the sums, entries 1..K of every indexed input drawn; all points in one walk), or
    where that does not know a piece, with the sums written out and SymPy's evalf."""
    labels, names = _inputs(before, after, frozenset(pin))
    entries = [(b, j) for b in labels for j in range(1, pin[size] + 1)]
    ints = {str(k): v for k, v in pin.items()}
    drawn = r.normal(0, 2, (points, len(entries) + len(names)))
    items = {entry: drawn[:, n] for n, entry in enumerate(entries)}
    scalars = {name: drawn[:, len(entries) + n] for n, name in enumerate(names)}
    try:
        values = [pointwise.evaluate_points(e, points, scalars.__getitem__, _entry(items),
                                            ints) for e in (before, after)]
        return rel_error(*values)
    except (pointwise.Unsupported, KeyError):
        pass
    b, a = (expand_sums(e, pin) for e in (before, after))
    leaves = _leaves(b, a)
    worst = 0.0
    for _ in range(points):
        point = {s: sp.Float(v) for s, v in zip(leaves, r.normal(0, 2, len(leaves)),
                                                strict=True)}
        worst = max(worst, rel_error(_value_at(b, point), _value_at(a, point)))
    return worst


@lru_cache(maxsize=256)
def _inputs(before: Any, after: Any, pinned: frozenset[Any]) -> tuple[list[str], list[str]]:
    """The indexed inputs' base names and the plain symbols' names of a step, once per
    step: a step is checked at every size and free index (the free symbols of a sum
    rebuild its indexed terms: a third of an identity check, asked 21 times a step)."""
    labels = sorted({str(ix.base.label) for e in (before, after) for ix in e.atoms(sp.Indexed)})
    names = sorted({str(s) for e in (before, after) for s in e.free_symbols
                    if isinstance(s, sp.Symbol) and str(s) not in labels and s not in pinned})
    return labels, names


def _entry(items: dict[tuple[str, int], Any]) -> Any:
    return lambda base, n: items[(base, n)]


def _value_at(e: Any, point: dict[Any, Any]) -> float:
    """``e`` at a point of its leaves: float64 on the tree (core.pointwise), SymPy's
    evalf only for what that does not know (rebuilding the tree at every point was most
    of a softmax-shift verification)."""
    names = {str(s): float(v) for s, v in point.items() if isinstance(s, sp.Symbol)}
    items = {(str(s.base.label), int(s.indices[0])): float(v) for s, v in point.items()
             if isinstance(s, sp.Indexed) and len(s.indices) == 1 and s.indices[0].is_Integer}
    try:
        return pointwise.evaluate(e, names.__getitem__, lambda b, n: items[(b, n)])
    except (pointwise.Unsupported, KeyError):
        return float(e.xreplace(point).evalf())


def _same(before: Any, after: Any) -> tuple[bool, str]:
    """The last step (the result named): the same expression, or one ``cancel`` away."""
    if before == after:
        return True, "the same expression"
    diff = sp.sympify(before) - sp.sympify(after)
    if count_ops(diff, MAX_CONFIRM_OPS) > MAX_CONFIRM_OPS or sp.cancel(diff) != 0:
        return False, "the result differs from the expression reached"
    return True, "cancel(before - after) = 0"


def _leaves(*exprs: Any) -> list[Any]:
    """The numeric inputs of expressions: indexed entries x[1].. and plain symbols."""
    ixs = set().union(*(e.atoms(sp.Indexed) for e in exprs))
    labels = {ix.base.label for ix in ixs}
    syms = {s for e in exprs for s in e.free_symbols
            if isinstance(s, sp.Symbol) and s not in labels}
    return sorted(ixs, key=str) + sorted(syms, key=str)


def _confirm(op: Op) -> tuple[bool, str]:
    """The step's obligations, each on a small expression."""
    for factor, k in op.free_of:
        if factor.has(k):
            return False, f"{factor} was taken out of a sum over {k} but depends on it"
    for a, b in op.obligations:
        diff = sp.sympify(a) - sp.sympify(b)
        if count_ops(diff, MAX_CONFIRM_OPS) > MAX_CONFIRM_OPS:
            return False, f"{a} = {b} is too large to confirm"
        # expand proves the usual obligations (exp(a + b) = exp(a)·exp(b)) at once;
        # simplify, tried only when it does not, costs a tenth of a second more on first
        # use (it imports sympy.physics). Either reaching 0 is a proof.
        if sp.expand(diff) != 0 and sp.simplify(diff) != 0:
            return False, f"{a} = {b} does not hold"
    if op.cancel is not None:
        before, after = op.cancel
        diff = sp.sympify(before) - sp.sympify(after)
        if count_ops(diff, MAX_CONFIRM_OPS) > MAX_CONFIRM_OPS or sp.cancel(diff) != 0:
            return False, "the cancellation does not hold"
        return True, "cancel(before - after) = 0"
    n = len(op.obligations)
    return True, ("1 small identity simplifies to 0" if n == 1
                  else f"{n} small identities simplify to 0")
