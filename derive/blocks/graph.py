"""Backpropagation through a scalar computational graph of named quantities.

The graph is the spec's quantity definitions (``define: {z: dot(w, x) + b, yhat:
sigmoid(z), E: …}``) plus optional block-local ones. Gradients are accumulated in
reverse topological order, dL/dn = Σ_m dL/dm · ∂m/∂n, each local derivative derived
rule by rule and re-expressed through the names (σ(z) → ŷ), so that the textbook forms
(ŷ − y, (y − t) y (1 − y)) appear. Numbers are computed by a separate numeric pass that
uses the emitted (possibly pinned) answers, so follow-through marking sees a student's
own earlier values propagate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..calculus import differentiate
from ..derivation import Context
from ..numeric import GRAD_TOL, central_diff, rel_error, rng
from . import Param, block
from ._common import numeric_function, record_diff_steps, tame, to_float

_ALLOWED_FORMS = ("value", "expression")


class _Graph:
    """Names, their definitions, and the order to visit them."""

    def __init__(self, ctx: Context, local: dict[str, Any], loss: str) -> None:
        defs: dict[sp.Symbol, Any] = {}
        for d in ctx.problem.definitions.values():
            if not d.args:
                defs[sp.Symbol(d.name, real=True)] = ctx.resolve(d.expr)
        for name, e in local.items():
            defs[_sym(ctx, name)] = ctx.resolve(e)
        self.defs = defs
        self.loss = _sym(ctx, loss)
        if self.loss not in defs:
            raise ctx.fail("of", f"'{loss}' is not a defined quantity "
                           f"(expected one of: {', '.join(sorted(map(str, defs)))})")
        # nodes reachable from the loss, parents before children (reverse topological)
        order: list[sp.Symbol] = []
        seen: set[sp.Symbol] = set()

        def visit(n: sp.Symbol) -> None:
            if n in seen:
                return
            seen.add(n)
            for c in sorted(self.children(n), key=str):
                visit(c)
            order.append(n)

        visit(self.loss)
        self.order = list(reversed(order))  # loss first

    def children(self, n: sp.Symbol) -> set[sp.Symbol]:
        e = self.defs.get(n)
        if not isinstance(e, sp.Basic):
            return set()
        return {s for s in e.free_symbols if isinstance(s, sp.Symbol)}

    def parents(self, n: sp.Symbol) -> list[sp.Symbol]:
        return [m for m in self.order if m in self.defs and n in self.children(m)]

    def to_names(self, e: Any) -> Any:
        """Re-express an expression through the names (σ(z) -> yhat)."""
        if not isinstance(e, sp.Basic):
            return e
        reps = {d: n for n, d in self.defs.items()
                if isinstance(d, sp.Basic) and not d.is_Symbol and not d.is_Number}
        return e.xreplace(reps)

    def expand(self, e: Any, keep: set[sp.Symbol] | None = None) -> Any:
        """Replace names by definitions until only leaves (and ``keep``) remain."""
        keep = keep or set()
        reps = {n: d for n, d in self.defs.items() if n not in keep}
        for _ in range(len(reps) + 1):
            new = e.xreplace(reps)
            if new == e:
                return e
            e = new
        return e


def _sym(ctx: Context, name: str) -> sp.Symbol:
    obj = ctx.problem.namespace.get(name)
    return obj if isinstance(obj, sp.Symbol) else sp.Symbol(name, real=True)


def _simplify(e: Any) -> Any:
    """A bounded tidy-up: cancel and factor rational functions of the names."""
    try:
        out = sp.factor(sp.cancel(sp.together(e)))
    except (sp.PolynomialError, TypeError):
        return e
    return out if sp.count_ops(out) <= sp.count_ops(e) else e


@block(
    "backprop",
    of=Param("text", doc="the loss: a defined quantity, e.g. E"),
    wrt=Param("raw", doc="answer id -> name (a quantity, a given or a symbol; a vector "
                         "given gives a row of partials)"),
    form=Param("text", required=False, default="value", choices=_ALLOWED_FORMS,
               doc="'value': numbers at the givens; 'expression': symbolic"),
    graph=Param("exprs", required=False, default={},
                doc="block-local definitions (symbol -> expression), e.g. y: sigmoid(z)"),
    at=Param("exprs", required=False, default={},
             doc="values to use for quantities, e.g. yhat: '{a.yhat}'"),
)
def backprop(ctx: Context, of: str, wrt: Any, form: str, graph: dict[str, Any],
             at: dict[str, Any]) -> None:
    """Gradients of a loss through named quantities, by the chain rule."""
    if not isinstance(wrt, dict) or not wrt:
        raise ctx.fail("wrt", "expected a mapping answer id -> name")
    for aid in wrt:
        if aid not in ctx.problem.answers:
            raise ctx.fail(f"wrt.{aid}", f"'{aid}' is not a declared answer")
    g = _Graph(ctx, graph, of)
    targets: dict[str, list[sp.Symbol]] = {}
    shapes: dict[str, tuple[int, int] | None] = {}
    for aid, name in wrt.items():
        obj = ctx.problem.namespace.get(str(name))
        if isinstance(obj, sp.MatrixBase):
            targets[aid] = list(obj)
            shapes[aid] = obj.shape
        elif str(name) in ctx.problem.namespace or sp.Symbol(str(name), real=True) in g.defs:
            targets[aid] = [_sym(ctx, str(name))]
            shapes[aid] = None
        else:
            raise ctx.fail(f"wrt.{aid}", f"unknown name '{name}'")

    # symbolic pass: dL/dn for every node the targets need, in names
    needed = {s for syms in targets.values() for s in syms}
    grads: dict[sp.Symbol, Any] = {g.loss: sp.S.One}
    step_of: dict[sp.Symbol, int] = {}
    locals_: dict[tuple[sp.Symbol, sp.Symbol], Any] = {}
    seen_rules: set[str] = set()
    ctx.step("definition", g.defs[g.loss], lhs=g.loss)
    visit = [n for n in g.order if n != g.loss and (n in g.defs or n in needed)]
    for n in visit:
        parents = g.parents(n)
        if not parents:
            continue
        terms, shown, uses = [], [], []
        for m in parents:
            local, dsteps = differentiate(g.defs[m], n)
            local = g.to_names(local)
            locals_[(m, n)] = local
            uses += record_diff_steps(ctx, dsteps, seen_rules)
            uses.append(ctx.step("local-derivative", local, lhs=sp.Derivative(m, n),
                                 before=sp.Derivative(g.defs[m], n)))
            terms.append(grads[m] * local)
            shown.append(sp.Mul(sp.Derivative(g.loss, m), sp.Derivative(m, n),
                                evaluate=False) if m != g.loss else sp.Derivative(m, n))
        raw = sp.Add(*terms)
        tidy = _simplify(raw)
        grads[n] = tidy
        before = sp.Add(*shown, evaluate=False)
        if parents == [g.loss]:
            idx = uses[-1]  # dL/dn is the local derivative itself
        else:
            idx = ctx.step("chain-rule", raw, lhs=sp.Derivative(g.loss, n), before=before,
                           uses=uses + [step_of[m] for m in parents if m in step_of])
        if tidy != raw:
            idx = ctx.step("simplify", tidy, lhs=sp.Derivative(g.loss, n), before=raw,
                           uses=[idx])
        step_of[n] = idx

    # numeric pass (value form): node values, then gradients using emitted answers
    values: dict[sp.Symbol, Any] = {}

    def value_of(n: sp.Symbol) -> Any:
        if n in values:
            return values[n]
        if str(n) in at:
            v = ctx.value(at[str(n)])
        elif n in g.defs:
            v = tame(ctx.value(g.defs[n].xreplace({c: value_of(c) for c in g.children(n)})))
        else:
            v = ctx.value(n)
        values[n] = v
        return v

    emitted: dict[sp.Symbol, Any] = {}
    by_symbol = {s: aid for aid, syms in targets.items() for s in syms}
    if form == "value":
        num: dict[sp.Symbol, Any] = {g.loss: sp.S.One}
        for n in visit:
            parents = g.parents(n)
            if not parents:
                continue
            total = sp.S.Zero
            for m in parents:
                loc = locals_[(m, n)]
                point = {s: value_of(s) for s in loc.free_symbols if isinstance(s, sp.Symbol)}
                total += num[m] * ctx.value(loc.xreplace(point))
            num[n] = tame(total)
            aid = by_symbol.get(n)
            if aid is not None and shapes[aid] is None:
                shown = _show_value(ctx, g, grads[n], num[n], value_of, n, step_of.get(n))
                num[n] = ctx.emit(aid, num[n], shown)
                emitted[n] = num[n]
        for aid, syms in targets.items():
            if shapes[aid] is not None:
                mat = sp.ImmutableMatrix(*shapes[aid], [num.get(s, sp.S.Zero) for s in syms])
                idx = ctx.step("gradient", mat, lhs=sp.Derivative(g.loss, sp.Symbol(wrt[aid])),
                               before=sp.ImmutableMatrix(*shapes[aid],
                                                         [grads.get(s, 0) for s in syms]),
                               uses=[step_of[s] for s in syms if s in step_of])
                ctx.emit(aid, mat, idx)
                for s, v in zip(syms, mat, strict=True):
                    emitted[s] = v
    else:
        for aid, syms in targets.items():
            if shapes[aid] is not None:
                value = sp.ImmutableMatrix(*shapes[aid], [grads.get(s, 0) for s in syms])
            else:
                value = grads.get(syms[0], sp.S.Zero)
            ctx.emit(aid, value, step_of.get(syms[0]))

    _register_checks(ctx, g, targets, shapes, form, value_of, emitted, grads)


def _show_value(ctx: Context, g: _Graph, grad: Any, value: Any, value_of: Any,
                target: sp.Symbol | None, uses: int | None = None) -> int | None:
    """dL/dn = (its expression) = (values written in) = number, as a step."""
    if target is None or not isinstance(grad, sp.Basic) or grad.is_number:
        return uses
    subs = {s: value_of(s) for s in sorted(grad.free_symbols, key=str)}
    return ctx.step("substitute", value, lhs=sp.Derivative(g.loss, target), before=grad,
                    subs=subs, uses=[uses] if uses is not None else [])


def _register_checks(ctx: Context, g: _Graph, targets: dict[str, list[sp.Symbol]],
                     shapes: dict[str, Any], form: str, value_of: Any,
                     emitted: dict[sp.Symbol, Any], grads: dict[sp.Symbol, Any]) -> None:
    """Finite differences of the loss itself, expanded down to each target."""
    for aid, syms in targets.items():
        def check(aid: str = aid, syms: list[sp.Symbol] = syms) -> tuple[bool, float, str]:
            worst = 0.0
            for s in syms:
                loss = g.expand(g.loss, keep={s})
                if form == "value":
                    free = sorted(loss.free_symbols - {s}, key=str)
                    point = {f: value_of(f) for f in free}
                    fn = numeric_function([s], ctx.resolve(loss).xreplace(point))
                    fd = central_diff(fn, to_float(value_of(s)))
                    worst = max(worst, rel_error(to_float(emitted[s]), fd))
                else:
                    worst = max(worst, _expression_fd(g, loss, grads.get(s, sp.S.Zero), s))
            return worst < GRAD_TOL, worst, ("at the givens" if form == "value"
                                            else "at seeded random points")

        ctx.check(f"{aid}: d{g.loss}/d{', '.join(map(str, syms))}", [aid],
                  "central-differences", check)


def _expression_fd(g: _Graph, loss: Any, grad: Any, s: sp.Symbol) -> float:
    """Max relative error of a symbolic gradient vs central differences at random points."""
    expanded_grad = g.expand(grad)
    free = sorted((loss.free_symbols | expanded_grad.free_symbols) - {s}, key=str)
    f = numeric_function([s, *free], loss)
    d = numeric_function([s, *free], expanded_grad)
    r = rng(len(free))
    worst, valid = 0.0, 0
    for _ in range(40):
        p = r.uniform(0.05, 0.95, size=len(free) + 1)  # inside (0,1): logs stay defined
        with np.errstate(all="ignore"):
            fd = central_diff(lambda t, p=p: f(t, *p[1:]), p[0], h=1e-4)
            an = d(*p)
        if not (np.isfinite(fd) and np.isfinite(an)):
            continue
        worst = max(worst, rel_error(an, fd))
        valid += 1
        if valid >= 8:
            break
    return worst if valid >= 4 else float("inf")
