"""Scalar calculus blocks: derivative, gradient descent / momentum, evaluation, choice."""

from __future__ import annotations

import itertools
import zlib
from typing import Any

import numpy as np
import sympy as sp

from derive.core.blockkit import (
    MAX_STEPS,
    apply_definition,
    expand_definitions,
    numeric_function,
    record_diff_steps,
    rule_names,
    tame,
    to_float,
    used_givens,
)
from derive.core.derivation import Context
from derive.core.folded_cases import fold_cases
from derive.core.local_names import as_equation, parse_list, parse_local
from derive.core.model import Definition
from derive.core.numeric import (
    GRAD_TOL,
    central_diff,
    kink_near,
    kink_slopes,
    one_sided_diffs,
    rel_error,
    remembered,
    sample_points,
)
from derive.core.registry import Param, block
from derive.topics.scalar.calculus import differentiate
from derive.topics.scalar.oracle import descent_rows


def derive_function(ctx: Context, f: Definition, x: sp.Symbol) -> sp.Expr:
    """f'(x), derived once per solve (recorded by the first block that asks)."""
    key = ("derivative", f.name, x)
    if key not in ctx.cache:
        d, _ = differentiate(f.expr, x)
        ctx.cache[key] = d
    return ctx.cache[key]


@block(
    "derivative",
    f=Param("definition", doc="the function to differentiate, e.g. f (defined as f(x))"),
    wrt=Param("symbol", doc="the variable"),
    answer=Param("answer", required=False, doc="an expression answer: f'(x)"),
    via=Param("expr", takes="scalar", required=False, doc="an equal form to differentiate instead"),
    forms=Param("raw", required=False, default=[],
                doc="equal rewrites of the result, each checked, the last one answered; "
                    "an entry is an expression or {form: expr, using: [identities]}"),
    facts=Param("raw", required=False, default=[],
                doc="identities every rewrite relies on, e.g. 'cosh(x)**2 - sinh(x)**2 = 1'"),
    at=Param("expr_list", takes="scalar", required=False, default=[],
             doc="points where f' is also evaluated, e.g. [0.5, s1] (at a kink the piece "
                 "whose condition holds there decides)"),
    values=Param("prefix", required=False,
                 doc="answer prefix of f' at those points: b.d gives b.d1, b.d2, …"),
    cases=Param("text", required=False, default="nested",
                choices=("nested", "folded", "as-derived"),
                doc="a piecewise f' written as one list of cases over intervals of the "
                    "variable (values expanded; bounded, left as derived past the bounds): "
                    "when cases sit inside cases (nested), always (folded), or never"),
)
def derivative(ctx: Context, f: Definition, wrt: sp.Symbol, answer: str | None,
               via: Any, forms: Any, facts: Any, at: list[Any], values: str | None,
               cases: str) -> None:
    """f'(x) with the sum/product/quotient/chain rules written out."""
    x = wrt
    ns = ctx.problem.namespace
    answers = [answer] if answer else []
    rewrites = _read_forms(ctx, forms, ns)
    shared = tuple(as_equation(e) for e in parse_list(ctx, "facts", facts, ns))
    lhs = apply_definition(f)
    first = ctx.step("definition", f.expr, lhs=lhs)
    target = f.expr
    if via is not None:
        ctx.step("rewrite", via, lhs=lhs, before=f.expr, uses=[first])
        target = via
    d, steps = differentiate(target, x)
    ids = record_diff_steps(ctx, steps)
    dl = sp.Derivative(lhs, x)
    last = ctx.step("derivative", d, lhs=dl, uses=ids)
    ctx.cache[("derivative", f.name, x)] = d
    result = d
    _fact_checks(ctx, answers, shared, x)
    for form, using in rewrites:
        last = ctx.step("simplify", form, lhs=dl, before=result, uses=[last],
                        facts=shared + using)
        _identity_check(ctx, f"{answer or f.name}: rewrite to {form}", answers, result, form, x)
        _fact_checks(ctx, answers, using, x)
        result = form
    final = result
    subs = used_givens(ctx, final)
    if subs:
        final = final.xreplace(subs)
        last = ctx.step("substitute", final, lhs=dl, before=result, subs=subs, uses=[last])
    folded = _folded(final, cases)
    if folded is not None:
        last = ctx.step("cases", folded, lhs=dl, before=final, uses=[last])
        final = folded
    if via is not None:
        _identity_check(ctx, f"{f.name}: rewrite as {via}", [answer] if answer else [],
                        f.expr, via, x)
    if answer:
        ctx.emit(answer, final, last)
    fnum = numeric_function([x], ctx.value(f.expr))
    dnum = numeric_function([x], ctx.value(final))

    def check() -> tuple[bool, float, str]:
        drawn = sample_points(24, 1, salt=zlib.crc32(f.name.encode()) % 1000, low=-3,
                              high=3)[:, 0]
        # a piecewise f is compared away from its kinks (its pieces are checked there)
        f_kept = remembered(fnum)  # kink_near's central stencil is the one used below
        # the first 6 drawn points away from kinks (the points after them are not used)
        pts = list(itertools.islice((p for p in drawn if not kink_near(f_kept, p)), 6))
        if len(pts) < 6:
            return False, float("inf"), "fewer than 6 sample points away from kinks"
        err = max(rel_error(dnum(p), central_diff(f_kept, p)) for p in pts)
        return err < GRAD_TOL, err, f"at {len(pts)} seeded points in [-3, 3]"

    ctx.check(f"{answer or f.name}: d{f.name}/d{x}", [answer] if answer else [],
              "central-differences", check)
    if at or values:
        _values_at(ctx, f, x, final, last, at, values, fnum)


def _folded(d: Any, cases: str) -> Any:
    """f' as one list of cases when asked (or when cases nest), else None."""
    if cases == "as-derived" or not isinstance(d, sp.Basic):
        return None
    nested = any(a.has(sp.Piecewise) for p in d.atoms(sp.Piecewise) for a in p.args)
    if cases == "nested" and not nested:
        return None
    folded = fold_cases(d)
    return folded if folded is not None and folded != d else None


def _values_at(ctx: Context, f: Definition, x: sp.Symbol, final: Any, last: int,
               at: list[Any], values: str | None, fnum: Any) -> None:
    """f' at given points, each a substitution step and an answer, each checked."""
    if not (at and values):
        raise ctx.fail("at", "give both at (the points) and values (their answer prefix)")
    for i, point in enumerate(at, start=1):
        p = ctx.value(point)
        if not (isinstance(p, sp.Basic) and p.is_number and p.is_real):
            raise ctx.fail(f"at[{i - 1}]", f"expected a number, found {p}")
        v = tame(sp.piecewise_fold(final.xreplace({x: p})))
        idx = ctx.step("substitute", v, lhs=sp.Function(f"{f.name}'")(p), before=final,
                       subs={x: p}, uses=[last])
        aid = f"{values}{i}"
        ctx.emit(aid, v, idx)
        pf, vf = to_float(p), to_float(v)

        def check(pf: float = pf, vf: float = vf) -> tuple[bool, float, str]:
            # one-sided differences stay exact to O(h²) even where pieces meet; at a kink
            # the convention picks one side or their mean (``kink_slopes``)
            left, right = one_sided_diffs(fnum, pf)
            if rel_error(left, right) > GRAD_TOL:
                err = min(rel_error(vf, s) for s in kink_slopes(left, right))
                return (err < GRAD_TOL, err,
                        f"a kink at {pf:g}: one of its one-sided slopes or their mean")
            err = min(rel_error(vf, left), rel_error(vf, right))
            return err < GRAD_TOL, err, f"one-sided differences at {pf:g}"

        ctx.check(f"{aid}: {f.name}'({p})", [aid], "central-differences", check)


def _read_forms(ctx: Context, forms: Any, ns: dict[str, Any]) -> list[tuple[Any, tuple]]:
    """``forms`` entries as (expression, identities used)."""
    if not isinstance(forms, list):
        raise ctx.fail("forms", "expected a list of expressions")
    out = []
    for n, entry in enumerate(forms):
        if isinstance(entry, dict):
            unknown = set(entry) - {"form", "using"}
            if unknown or "form" not in entry:
                raise ctx.fail(f"forms[{n}]", "expected {form: expression, using: [identities]}")
            form = parse_local(ctx, f"forms[{n}].form", entry["form"], ns)
            using = parse_list(ctx, f"forms[{n}].using", entry.get("using"), ns)
            out.append((form, tuple(as_equation(e) for e in using)))
        else:
            out.append((parse_local(ctx, f"forms[{n}]", entry, ns), ()))
    return out


def _fact_checks(ctx: Context, answers: list[str], facts: tuple[Any, ...],
                 x: sp.Symbol) -> None:
    """An identity relied on is itself checked numerically (both sides at seeded points)."""
    for fact in facts:
        _identity_check(ctx, f"{', '.join(answers) or 'identity'}: {fact.lhs} = {fact.rhs}",
                        answers, fact.lhs, fact.rhs, x)


def _identity_check(ctx: Context, name: str, answers: list[str], a: Any, b: Any,
                    x: sp.Symbol) -> None:
    """Register: a == b at seeded points (with the givens' values)."""
    fa = numeric_function([x], ctx.value(a))
    fb = numeric_function([x], ctx.value(b))

    def check() -> tuple[bool, float, str]:
        pts = sample_points(8, 1, salt=7, low=-3, high=3)[:, 0]
        err = max(rel_error(fa(p), fb(p)) for p in pts)
        return err < 1e-9, err, "at 8 seeded points"

    ctx.check(name, answers, "identity", check)


@block(
    "descent",
    f=Param("definition", doc="the function minimised, e.g. f"),
    wrt=Param("symbol", doc="the variable of f, e.g. x"),
    x0=Param("expr", takes="scalar", doc="the starting point"),
    eta=Param("expr", takes="scalar", doc="the learning rate"),
    steps=Param("expr", takes="scalar", doc="how many steps"),
    beta=Param("expr", takes="scalar", required=False,
               doc="momentum coefficient (omit for plain descent)"),
    convention=Param("text", required=False, default="sum",
                     choices=("sum", "average"),
                     doc="momentum: v = βv + g ('sum') or v = βv + (1−β)g ('average')"),
    g=Param("prefix", required=False, doc="answer prefix of the gradients: g0, g1…"),
    x=Param("prefix", required=False, doc="answer prefix of the iterates: x1, x2…"),
    fx=Param("prefix", required=False, doc="answer prefix of f(x_t): f1, f2…"),
    v=Param("prefix", required=False, doc="answer prefix of the velocities: v1, v2…"),
)
def descent(ctx: Context, f: Definition, wrt: sp.Symbol, x0: Any, eta: Any, steps: Any,
            beta: Any, convention: str, g: str | None, x: str | None, fx: str | None,
            v: str | None) -> None:
    """Gradient descent x_{t+1} = x_t − η f'(x_t), or momentum, as a table of iterations."""
    n = ctx.integer(steps, "steps")
    if not 1 <= n <= MAX_STEPS:  # 0 steps has no iterate to show; many grow for minutes
        raise ctx.fail("steps", f"expected 1 to {MAX_STEPS} steps, found {n}")
    var = wrt
    others = [a for a in f.args if a != var]
    if others or (f.args and var not in f.args):
        raise ctx.fail("f", f"descent steps one variable; {f.name} takes "
                            f"{', '.join(str(a) for a in f.args)}: use the optimize block "
                            "(method: gd or momentum), which steps every argument")
    dexpr = derive_function(ctx, f, var)
    d_at = ctx.value(dexpr)
    f_at = ctx.value(f.expr)
    xt = sp.Symbol("x_t")
    gt, vt = sp.Symbol("g_t"), sp.Symbol("v_t")
    # the rule in the statement's names: a learning rate given as eta_b is written η_b
    named = rule_names(ctx, {"eta": eta, "beta": beta})
    eta_s, beta_s = (named.get(sp.Symbol(k), sp.Symbol(k)) for k in ("eta", "beta"))
    # definitions of the table's names: stated, not decided (SymPy cannot decide them,
    # and trying cost it a fraction of a millisecond each)
    g_is = sp.Eq(gt, sp.Derivative(apply_definition(f), var).subs(var, xt), evaluate=False)
    if beta is None:
        rule = ctx.step("gd-update", xt - eta_s * gt, lhs=sp.Symbol("x_{t+1}"), facts=(g_is,))
    else:
        vnext = beta_s * vt + (gt if convention == "sum" else (1 - beta_s) * gt)
        ctx.step("momentum-velocity", vnext, lhs=sp.Symbol("v_{t+1}"),
                 facts=(g_is, sp.Eq(sp.Symbol("v_0"), 0, evaluate=False)))
        rule = ctx.step("momentum-update", xt - eta_s * sp.Symbol("v_{t+1}"),
                        lhs=sp.Symbol("x_{t+1}"))
    e = ctx.value(eta)
    b = ctx.value(beta) if beta is not None else None
    xv = ctx.value(x0)
    vel = sp.S.Zero
    rows = []
    computed: list[tuple[float, ...]] = []
    for t in range(n):
        gv = tame(d_at.xreplace({var: xv}))
        gv_used = ctx.emit(f"{g}{t}", gv) if g else gv
        if beta is not None:
            vel = tame(b * vel + (gv_used if convention == "sum" else (1 - b) * gv_used))
            vel = ctx.emit(f"{v}{t + 1}", vel) if v else vel
            step_dir = vel
        else:
            step_dir = gv_used
        xn = tame(xv - e * step_dir)
        xn_used = ctx.emit(f"{x}{t + 1}", xn) if x else xn
        fn = tame(f_at.xreplace({var: xn_used}))
        if fx:
            ctx.emit(f"{fx}{t + 1}", fn)
        row = [sp.Integer(t), xv, gv] + ([vel] if beta is not None else []) + [xn, fn]
        rows.append(row)
        computed.append(tuple(to_float(c) for c in row))
        xv = xn_used
    cols = [sp.Symbol("t"), sp.Symbol("x_t"), sp.Symbol("g_t")]
    cols += [sp.Symbol("v_{t+1}")] if beta is not None else []
    cols += [sp.Symbol("x_{t+1}"), sp.Symbol("f(x_{t+1})")]
    tab = ctx.table("momentum" if beta is not None else "gradient-descent", cols, rows,
                    uses=[rule])
    points = [(rows[0][1], tame(f_at.xreplace({var: rows[0][1]})))]
    points += [(r[-2], r[-1]) for r in rows]
    ctx.figure("trajectory", caption=f"{'momentum' if beta is not None else 'gradient descent'}"
               f" on {f.name}", f=f_at, var=var, fname=f.latex or f.name,
               series={"momentum" if beta is not None else "gradient descent": points})
    for aid in [a for a in ctx.answers if ctx.answers[a].item is None]:
        if any(aid.startswith(p) for p in (g, x, fx, v) if p):
            ctx.answers[aid] = _with_item(ctx.answers[aid], tab)

    fnum = numeric_function([var], f_at)
    mine = [a for p in (g, x, fx, v) if p for a in ctx.answers if a.startswith(p)]

    def check() -> tuple[bool, float, str]:
        # the numpy route (oracle.py): float64 iteration, gradient by central differences
        want = descent_rows(fnum, to_float(ctx.value(x0)), to_float(e), n,
                            to_float(b) if b is not None else None, convention,
                            near=[c[2] for c in computed])
        err = max((rel_error(np.array(computed[t][2:]), np.array(want[t]))
                   for t in range(n)), default=0.0)
        return err < GRAD_TOL, err, f"{n} iterations recomputed in float64"

    label = "momentum" if beta is not None else "gradient descent"
    ctx.check(f"{', '.join(p for p in (g, x, fx, v) if p)}: {label} from {ctx.value(x0)}",
              mine, "numpy-recompute", check)


def _with_item(a: Any, item: int) -> Any:
    from dataclasses import replace

    return replace(a, item=item)


@block(
    "evaluate",
    answer=Param("answer", doc="a number (or matrix) answer: the value"),
    expr=Param("expr", doc="what to evaluate: a defined name or an expression"),
    at=Param("exprs", required=False, default={},
             doc="values to use for defined names (e.g. yhat: '{a.yhat}')"),
    called=Param("text", required=False, doc="what the value is called (shown on the "
                                             "left), e.g. y"),
)
def evaluate(ctx: Context, answer: str, expr: Any, at: dict[str, Any],
             called: str | None) -> None:
    """A number (or matrix) from the givens, with the values substituted."""
    defs = ctx.problem.definitions
    name = str(expr) if isinstance(expr, sp.Symbol) and str(expr) in defs else None
    shown = defs[name].expr if name else _references_named(expr)
    full = expand_definitions(ctx, expr, at=at)
    subs = {**used_givens(ctx, shown)}
    for ref, shown_name in _references_named_map(expr).items():
        # the earlier answer written in like a given, so sqrt(3*{c.v}) is shown as
        # sqrt(3·c.v) = sqrt(3·1/192), not collapsed to its value before it is shown
        subs[shown_name] = ctx.resolve(ref)
    for nm, e in at.items():
        if sp.Symbol(nm, real=True) in getattr(shown, "free_symbols", ()):
            subs[sp.Symbol(nm, real=True)] = ctx.value(e)
    # a defined quantity it uses and ``at`` does not give is worked out first: o = σ(w_f c
    # + b_f) then shows c's value, not "σ(0.1 + c·0.7)" with c nowhere worked out
    # (each once a part: what an earlier evaluate of the part worked out is used again)
    done = ctx.cache.setdefault(("evaluated", ctx.part, tuple(sorted(at.items(), key=str))), {})
    subs.update(_inner_values(ctx, shown, at, done))
    # exact values stay exact: no nsimplify (it turned 3800000002/2000000001 into 19/10
    # and 1 + 1e-8 into 1)
    value = tame(ctx.value(full))
    if name or called:
        idx = ctx.step("substitute", value, lhs=sp.Symbol(called or name, real=True),
                       before=shown, subs=subs)
        if name and not called:
            done[sp.Symbol(name, real=True)] = value
    else:
        idx = ctx.step("substitute", value, lhs=shown, before=shown if subs else None,
                       subs=subs)
    ctx.emit(answer, value, idx)
    leaves = sorted(ctx.given_subs, key=str)
    fn = numeric_function(leaves, full.xreplace({}) if isinstance(full, sp.Basic) else full)
    point = [to_float(ctx.given_subs[s]) for s in leaves]

    def check() -> tuple[bool, float, str]:
        got = np.asarray(fn(*point), dtype=float)
        err = rel_error(np.asarray(to_float(value)).reshape(got.shape), got, floor=1e-12)
        return err < 1e-9, err, "float64 evaluation of the definitions"

    ctx.check(f"{answer}: value", [answer], "numpy-recompute", check)


def _inner_values(ctx: Context, shown: Any, at: dict[str, Any],
                  done: dict[sp.Symbol, Any]) -> dict[sp.Symbol, Any]:
    """Each scalar defined quantity ``shown`` uses (not given by ``at``) -> its value, each
    shown as a substitution step of its own (what it uses first, each once)."""
    defs = ctx.problem.definitions
    out = {}
    for sym in sorted(getattr(shown, "free_symbols", ()), key=str):
        d = defs.get(sym.name)
        if d is None or d.args or sym.name in at or not isinstance(d.expr, sp.Expr) \
                or sym != sp.Symbol(d.name, real=True):
            continue
        if sym not in done:
            inner = _inner_values(ctx, d.expr, at, done)
            value = tame(ctx.value(expand_definitions(ctx, sym, at=at)))
            if not (isinstance(value, sp.Expr) and value.is_number):
                continue
            ctx.step("substitute", value, lhs=sym, before=d.expr,
                     subs={**used_givens(ctx, d.expr), **inner})
            done[sym] = value
        out[sym] = done[sym]
    return out


def _references_named_map(expr: Any) -> dict[Any, Any]:
    """Each ``{answer}`` placeholder of a scalar expression -> a symbol named by the answer
    id, for showing it (none in a matrix, whose entries a reference may not sit in)."""
    if not isinstance(expr, sp.Expr):
        return {}
    return {s: sp.Symbol(str(s)[1:-1], real=True) for s in expr.free_symbols
            if str(s).startswith("{")}


def _references_named(expr: Any) -> Any:
    named = _references_named_map(expr)
    return expr.xreplace(named) if named else expr


@block(
    "choose",
    answer=Param("answer", doc="a choice answer: the winning option's word"),
    options=Param("exprs", takes="scalar", min_items=1, doc="word -> value, e.g. gd: '{c.gd.f3}'"),
    pick=Param("text", choices=("min", "max"), doc="which value wins"),
)
def choose(ctx: Context, answer: str, options: dict[str, Any], pick: str) -> None:
    """A choice answer: the option whose value is smallest (or largest)."""
    vals = {k: ctx.value(v) for k, v in options.items()}
    floats = {k: to_float(v) for k, v in vals.items()}
    best = (min if pick == "min" else max)(floats, key=lambda k: floats[k])
    # shown as  min(gd = -0.13, momentum = -0.2) = momentum
    idx = ctx.step("compare", sp.Symbol(best),
                   before=sp.Function(pick)(*[sp.Eq(sp.Symbol(k), sp.Float(f, 15),
                                                    evaluate=False)
                                              for k, f in floats.items()]))
    ctx.emit(answer, best, idx)

    def check() -> tuple[bool, float, str]:
        ordered = sorted(floats.items(), key=lambda kv: kv[1], reverse=(pick == "max"))
        margin = abs(ordered[0][1] - ordered[1][1]) if len(ordered) > 1 else 1.0
        return ordered[0][0] == best and margin > 0, 0.0, f"margin {margin:.3g}"

    ctx.check(f"{answer}: {pick} of {', '.join(vals)}", [answer], "numpy-recompute", check)


@block(
    "rewrite",
    answer=Param("answer", doc="an expression answer: the rewritten form"),
    expr=Param("expr", doc="the expression to rewrite (e.g. '{a.derivative}')"),
    replace=Param("exprs", doc="name -> what it stands for, e.g. f: tanh(x)"),
    wrt=Param("symbol", doc="the variable used to test the identity"),
)
def rewrite(ctx: Context, answer: str, expr: Any, replace: dict[str, Any],
            wrt: sp.Symbol) -> None:
    """Express an expression through named quantities (f' = 1 − f² with f = tanh x)."""
    e = ctx.resolve(expr)
    out = e
    for name, meaning in replace.items():
        sym = ctx.symbol(name) if name in ctx.problem.namespace else sp.Symbol(name, real=True)
        out = out.xreplace({ctx.resolve(meaning): sym})
        if out.has(ctx.resolve(meaning)):
            raise ctx.fail("replace", f"could not express {e} through {name}")
    facts = tuple(sp.Eq(ctx.symbol(n) if n in ctx.problem.namespace else sp.Symbol(n), m)
                  for n, m in replace.items())
    idx = ctx.step("rewrite", out, before=e, facts=facts)
    ctx.emit(answer, out, idx)
    back = out.xreplace({(ctx.symbol(n) if n in ctx.problem.namespace else sp.Symbol(n)):
                         ctx.resolve(m) for n, m in replace.items()})
    _identity_check(ctx, f"{answer}: equals {e}", [answer], back, e, wrt)
