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

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from derive.core.blockkit import numeric_function, record_diff_steps, tame, to_float
from derive.core.derivation import Context
from derive.core.local_names import DirectPartial
from derive.core.notation import Written
from derive.core.numeric import GRAD_TOL, central_diff, rel_error, rng
from derive.core.op_count import count_ops
from derive.core.plain_polynomials import is_plain_polynomial
from derive.core.registry import Param, block
from derive.topics.scalar.calculus import differentiate

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
        self._children: dict[sp.Symbol, set[sp.Symbol]] = {}  # the definitions are fixed
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
        """The names ``n``'s definition uses (read once: ``parents`` asks for every node's
        at every node)."""
        out = self._children.get(n)
        if out is None:
            e = self.defs.get(n)
            out = {s for s in e.free_symbols if isinstance(s, sp.Symbol)} \
                if isinstance(e, sp.Basic) else set()
            self._children[n] = out
        return out

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


#: factoring is tried on small expressions only: on a wider graph's gradient (many
#: names, many terms) SymPy's factor ran for half a minute
MAX_TIDY_OPS = 60
MAX_TIDY_NAMES = 8


def _simplify(e: Any, cancelled: Any = None) -> Any:
    """A bounded tidy-up: cancel and factor rational functions of the names.

    ``cancelled``: ``cancel(together(e))`` when the caller has it already."""
    if not isinstance(e, sp.Basic) or count_ops(e, MAX_TIDY_OPS) > MAX_TIDY_OPS \
            or len(e.free_symbols) > MAX_TIDY_NAMES:
        return e
    try:
        if cancelled is None and is_plain_polynomial(e, fractions=True):
            out = _factored(e)  # what cancel(together(e)) gives it, found from e as written
        else:
            out = _factored(sp.cancel(sp.together(e)) if cancelled is None else cancelled)
    except (sp.PolynomialError, TypeError):
        return e
    return out if count_ops(out) <= count_ops(e) else e


@lru_cache(maxsize=256)
def _factored(e: Any) -> Any:
    """SymPy's factor, once per expression: parts of a problem tidy the same first local
    derivative (y − t under an identity and a sigmoid output, and after cancelling BCE)."""
    return sp.factor(e)


class _Chain(Written):
    """A chain-rule product kept as written: δ first, then the local factors, in order
    (``-2·(y - o)·o·(1 - o)·c``); ``value()`` is the ordinary SymPy product."""

    def value(self) -> Any:
        return sp.Mul(*self.args)

    def _show(self, printer: Any, latex: bool) -> str:
        out = ""
        for i, a in enumerate(self.args):
            s = printer._print(a)
            fraction = not latex and sp.fraction(a)[1] != 1  # (y - t)/y·y: ambiguous
            if isinstance(a, sp.Add) or fraction or (i and a.could_extract_minus_sign()):
                s = (r"\left(%s\right)" if latex else "(%s)") % s
            if i:  # a number before a bracket is juxtaposed in LaTeX: -2(y - o)
                joined = latex and self.args[i - 1].is_Number and isinstance(a, sp.Add)
                out += " " if joined else (r" \cdot " if latex else "·")
            out += s
        return out


def _shown(factors: list[Any]) -> Any:
    """How a product of factors is written: the factor itself when there is one. A number
    times a sum is kept apart (−2·(y − o)) so that writing values in cannot expand it."""
    fs: list[Any] = []
    for f in factors:
        coeff, rest = f.as_coeff_Mul() if isinstance(f, sp.Mul) else (sp.S.One, f)
        fs += [coeff, rest] if coeff != 1 and isinstance(rest, sp.Add) else [f]
    fs = [f for f in fs if f != 1] or [sp.S.One]
    return fs[0] if len(fs) == 1 else _Chain(*fs)


def _cancels(e: Any) -> Any:
    """The cancelled form of ``e`` when cancelling really removes something (σ′ against a
    denominator: BCE + sigmoid -> ŷ − y), else None (a product is kept as written)."""
    if not _has_denominator(e):  # most chain-rule products: nothing to cancel against
        return None
    try:
        together = sp.together(e)  # once: it costs as much as the cancelling
        num, den = sp.fraction(together)
        cancelled = sp.cancel(together)  # once: the tidy-up factors it
        cnum, cden = sp.fraction(cancelled)
        gens = sorted(e.free_symbols, key=str)
        if not gens:
            return None

        def degree(p: Any) -> int:
            return sp.Poly(p, *gens).total_degree()

        if degree(cnum) + degree(cden) >= degree(num) + degree(den):
            return None
    except (sp.PolynomialError, sp.GeneratorsNeeded, TypeError, ValueError):
        return None
    return _simplify(e, cancelled)


def _has_denominator(e: Any) -> bool:
    """Whether ``fraction(together(e))`` can have a denominator that is not a number: a
    power with an exponent other than a positive rational, or an ``exp`` (SymPy reads
    exp(−x) as 1/exp(x)). Without one, cancelling leaves the total degree as it is, and
    ``together`` and ``cancel`` cost most of a small network's backprop."""
    return e.has(sp.exp) or any(not (p.exp.is_Rational and p.exp > 0) for p in e.atoms(sp.Pow))


@dataclass
class _Derived:
    """What the backprop calls of one solve have derived through one graph, so that a
    later part refers to a gradient instead of deriving it again."""

    grads: dict[sp.Symbol, Any] = field(default_factory=dict)
    """dL/dn as a SymPy expression in the names"""
    factors: dict[sp.Symbol, list[Any]] = field(default_factory=dict)
    """dL/dn as the chain-rule factors in order (δ first)"""
    step_of: dict[sp.Symbol, int] = field(default_factory=dict)
    part_of: dict[sp.Symbol, str] = field(default_factory=dict)
    locals_: dict[tuple[sp.Symbol, sp.Symbol], Any] = field(default_factory=dict)
    rules: set[str] = field(default_factory=set)
    defined: bool = False


def _derived(ctx: Context, g: _Graph) -> _Derived:
    # the definitions themselves are the key: equal (==) when they are the same tree, as
    # their srepr strings were, without printing each one at every call
    key = ("backprop", g.loss, tuple(sorted(
        ((k, v if isinstance(v, sp.Basic) else repr(v)) for k, v in g.defs.items()),
        key=lambda kv: str(kv[0]))))
    return ctx.cache.setdefault(key, _Derived())


def _local_label(g: _Graph, m: sp.Symbol, n: sp.Symbol) -> Any:
    """How ∂m/∂n is named: d m/d n, or ∂m/∂n where another name m uses also depends on n
    (then the local derivative is not m's total derivative, which the chain rule forms)."""
    def reaches(c: sp.Symbol, seen: set[sp.Symbol]) -> bool:
        if c == n:
            return True
        if c in seen or c not in g.defs:
            return False
        seen.add(c)
        return any(reaches(k, seen) for k in g.children(c))

    seen: set[sp.Symbol] = set()
    if any(reaches(c, seen) for c in g.children(m) if c != n):
        return DirectPartial(m, n)
    return sp.Derivative(m, n)


def _local_factors(g: _Graph, m: sp.Symbol, n: sp.Symbol, local: Any) -> list[Any]:
    """∂m/∂n as written by hand: for m = f(u), f′(u) in the names, then ∂u/∂n
    (``o·(1 - o)·c``); else the local derivative itself."""
    e = g.defs[m]
    if isinstance(e, sp.Function) and len(e.args) == 1:
        u = sp.Dummy("u", real=True)
        outer, _ = differentiate(e.func(u), u)
        outer = g.to_names(outer.xreplace({u: e.args[0]}))
        inner, _ = differentiate(e.args[0], n)
        if sp.expand(outer * inner - local) == 0:
            return [outer, inner]
    return [local]


def _layered(nodes: list[sp.Symbol], g: _Graph) -> list[sp.Symbol]:
    """Nodes layer by layer from the loss, as a solution key goes (w_7, w_8, w_9, then
    h_1, h_2, then w_1 … w_6): by longest distance from the loss, leaves before the
    quantities that lead further back, names in natural order."""
    depth: dict[sp.Symbol, int] = {g.loss: 0}
    for n in g.order:  # parents before children
        ps = g.parents(n)
        if ps:
            depth[n] = max(depth.get(m, 0) for m in ps) + 1

    def key(n: sp.Symbol) -> tuple[Any, ...]:
        name = tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(n)))
        return depth.get(n, 0), n in g.defs, name

    return sorted(nodes, key=key)


def _targets(ctx: Context, g: _Graph, wrt: dict[str, Any]
             ) -> tuple[dict[str, list[sp.Symbol]], dict[str, tuple[int, int] | None]]:
    """The symbols each answer differentiates by: a name, a vector given's entries, or one
    entry of a vector given (w_1)."""
    elements = {s.name: s for s in ctx.given_subs if isinstance(s, sp.Symbol)}
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
        elif str(name) in elements:
            targets[aid] = [elements[str(name)]]
            shapes[aid] = None
        else:
            raise ctx.fail(f"wrt.{aid}", f"unknown name '{name}' (expected a quantity, a "
                                         f"given or an entry of a vector given such as w_1)")
    return targets, shapes


@block(
    "backprop",
    of=Param("text", doc="the loss: a defined quantity, e.g. E"),
    wrt=Param("raw", doc="answer id -> name (a quantity, a given, an entry w_1 of a vector "
                         "given, or a symbol; a vector given gives a row of partials)"),
    form=Param("text", required=False, default="value", choices=_ALLOWED_FORMS,
               doc="'value': numbers at the givens; 'expression': symbolic"),
    graph=Param("exprs", takes="scalar", required=False, default={},
                doc="block-local definitions (symbol -> expression), e.g. y: sigmoid(z)"),
    at=Param("exprs", takes="scalar", required=False, default={},
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
    targets, shapes = _targets(ctx, g, wrt)

    # only the nodes on a path from the loss to a target
    needed = {s for syms in targets.values() for s in syms}
    on_path = set(needed)
    for n in reversed(g.order):  # children before parents
        if g.children(n) & on_path:
            on_path.add(n)
    visit = _layered([n for n in g.order if n != g.loss and n in on_path], g)

    # symbolic pass: dL/dn in names; what an earlier call derived is referred to
    d = _derived(ctx, g)
    here: dict[sp.Symbol, int] = {}

    def refer(n: sp.Symbol) -> int | None:
        if n == g.loss or n not in d.grads:
            return None
        if n not in here:
            idx = d.step_of[n]
            if d.part_of[n] != ctx.part:
                idx = ctx.step(f"from-part-{d.part_of[n]}", _shown(d.factors[n]),
                               lhs=sp.Derivative(g.loss, n), uses=[idx])
            here[n] = idx
        return here[n]

    for n in visit:
        parents = g.parents(n)
        if n in d.grads or not parents:
            continue
        if not d.defined:
            ctx.step("definition", g.defs[g.loss], lhs=g.loss)
            d.defined = True
        products, shown, uses = [], [], []
        for m in parents:
            earlier = refer(m)
            local, dsteps = differentiate(g.defs[m], n)
            local = g.to_names(local)
            d.locals_[(m, n)] = local
            lf = _local_factors(g, m, n, local)
            if len(lf) > 1:  # f′(u)·∂u/∂n is shown by the local step itself
                dsteps = [t for t in dsteps if not (
                    t.rule == "chain-rule" and getattr(t.lhs, "expr", None) == g.defs[m])]
            uses += record_diff_steps(ctx, dsteps, d.rules)
            local_lhs = _local_label(g, m, n)
            uses.append(ctx.step("local-derivative", _shown(lf), lhs=local_lhs,
                                 before=type(local_lhs)(g.defs[m], n)))
            if earlier is not None:
                uses.append(earlier)
            products.append((d.factors[m] if m != g.loss else []) + lf)
            shown.append(sp.Mul(sp.Derivative(g.loss, m), local_lhs,
                                evaluate=False) if m != g.loss else local_lhs)
        if len(products) == 1:
            factors = [f for f in products[0] if f != 1] or [sp.S.One]
            raw_value, raw_shown = sp.Mul(*factors), _shown(factors)
            # the first local derivative is tidied (2·o − 2·y -> −2·(y − o)); a product
            # is kept as written unless cancelling really removes something
            tidy = _simplify(raw_value) if parents == [g.loss] else _cancels(raw_value)
        else:
            raw_value = sp.Add(*[sp.Mul(*p) for p in products])
            raw_shown = raw_value
            tidy = _simplify(raw_value)
            factors = [raw_value]
        if parents == [g.loss]:
            idx = uses[-1]  # dL/dn is the local derivative itself
        else:
            idx = ctx.step("chain-rule", raw_shown, lhs=sp.Derivative(g.loss, n),
                           before=sp.Add(*shown, evaluate=False), uses=uses)
        if tidy is not None and tidy != raw_value:
            factors = [tidy]
            idx = ctx.step("simplify", tidy, lhs=sp.Derivative(g.loss, n), before=raw_shown,
                           uses=[idx])
        d.grads[n], d.factors[n] = sp.Mul(*factors), factors
        d.step_of[n], d.part_of[n], here[n] = idx, ctx.part, idx

    for aid, syms in targets.items():
        if form == "expression" or shapes[aid] is not None:
            for s in syms:  # a number's substitute step restates its expression itself
                refer(s)
    grads = d.grads

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
                loc = d.locals_[(m, n)]
                point = {s: value_of(s) for s in loc.free_symbols if isinstance(s, sp.Symbol)}
                total += num[m] * ctx.value(loc.xreplace(point))
            num[n] = tame(total)
            aid = by_symbol.get(n)
            if aid is not None and shapes[aid] is None:
                item = _show_value(ctx, g, _shown(d.factors.get(n, [grads.get(n)])), num[n],
                                   value_of, n, here.get(n, d.step_of.get(n)))
                num[n] = ctx.emit(aid, num[n], item)
                emitted[n] = num[n]
        for aid, syms in targets.items():
            if shapes[aid] is not None:
                mat = sp.ImmutableMatrix(*shapes[aid], [num.get(s, sp.S.Zero) for s in syms])
                idx = ctx.step("gradient", mat, lhs=sp.Derivative(g.loss, sp.Symbol(wrt[aid])),
                               before=sp.ImmutableMatrix(*shapes[aid],
                                                         [grads.get(s, 0) for s in syms]),
                               uses=[here[s] for s in syms if s in here])
                ctx.emit(aid, mat, idx)
                for s, v in zip(syms, mat, strict=True):
                    emitted[s] = v
    else:
        for aid, syms in targets.items():
            if shapes[aid] is not None:
                value = sp.ImmutableMatrix(*shapes[aid], [grads.get(s, 0) for s in syms])
            else:
                value = grads.get(syms[0], sp.S.Zero)
            ctx.emit(aid, value, here.get(syms[0]))

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
