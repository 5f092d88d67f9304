"""The ``optimize`` block: GD, momentum, Nesterov, AdaGrad, RMSProp and Adam, step by step.

The gradient of f (one or several variables) is derived symbolically, rule by rule; each
step's quantities are exact (``rules``), shown as a table row and emitted as answers; a
check reruns the method in float64 numpy with finite-difference gradients (``oracle``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from derive.core.blockkit import (
    MAX_STEPS,
    apply_definition,
    numeric_function,
    record_diff_steps,
    rule_names,
    tame,
)
from derive.core.blockkit import to_float as _to_float
from derive.core.derivation import Context
from derive.core.model import Definition
from derive.core.numeric import GRAD_TOL, rel_error
from derive.core.registry import Param, block
from derive.core.values import format_number
from derive.topics.optimizers import oracle
from derive.topics.optimizers.rules import (
    CARRIED,
    METHODS,
    Hyper,
    gradient_point,
    initial_state,
    rule_lines,
    update,
)
from derive.topics.scalar.calculus import differentiate

#: answer prefixes the block fills, with what they hold (the index they take)
PREFIXES = {
    "g": "gradients g_0, g_1, … (at x_0, x_1, …; Nesterov: at the look-ahead point)",
    "x": "parameters after each step: x_1, x_2, …",
    "fx": "f after each step: f(x_1), f(x_2), …",
    "v": "momentum/Nesterov velocity, or Adam's second moment: v_1, v_2, …",
    "m": "Adam's first moment m_1, m_2, …",
    "s": "AdaGrad's sum of squares or RMSProp's average of squares: s_1, s_2, …",
    "mhat": "Adam's bias-corrected first moment m̂_1, m̂_2, …",
    "vhat": "Adam's bias-corrected second moment v̂_1, v̂_2, …",
}

_SHOWN = {"v": "v_{t+1}", "s": "s_{t+1}", "m": "m_{t+1}", "mhat": r"\hat{m}_{t+1}",
          "vhat": r"\hat{v}_{t+1}"}


@block(
    "optimize",
    f=Param("definition", doc="the function minimised: f(x), or f(x, y, …) whose arguments "
                              "are the parameters (the gradient is derived symbolically)"),
    method=Param("text", choices=METHODS, doc="the update rule (see the conventions above)"),
    x0=Param("expr", doc="the start: a number, or a list [x0, y0, …] with one entry per "
                         "argument of f"),
    eta=Param("expr", takes="scalar", doc="the learning rate η"),
    steps=Param("expr", takes="scalar",
                doc="how many updates (a whole number or an integer given)"),
    beta=Param("expr", takes="scalar", required=False,
               doc="momentum/Nesterov β, or RMSProp's decay "
                                           "(default 0.9)"),
    beta1=Param("expr", takes="scalar", required=False, doc="Adam's β₁ (default 0.9)"),
    beta2=Param("expr", takes="scalar", required=False, doc="Adam's β₂ (default 0.999)"),
    eps=Param("expr", takes="scalar", required=False,
              doc="ε of AdaGrad, RMSProp and Adam, added to the "
                                          "square root (default 1e-8)"),
    convention=Param("text", required=False, default="sum", choices=("sum", "average"),
                     doc="momentum/Nesterov: v = βv + g ('sum', PyTorch) or "
                         "v = βv + (1−β)g ('average')"),
    nesterov=Param("text", required=False, default="lookahead",
                   choices=("lookahead", "pytorch"),
                   doc="Nesterov: the gradient at x − ηβv ('lookahead'), or PyTorch's "
                       "x − η(g + βv_{t+1}) with the gradient at x"),
    **{k: Param("prefix", required=False, doc=f"answer prefix of the {v}")
       for k, v in PREFIXES.items()},
)
def optimize(ctx: Context, f: Definition, method: str, x0: Any, eta: Any, steps: Any,
             beta: Any, beta1: Any, beta2: Any, eps: Any, convention: str, nesterov: str,
             **prefixes: str | None) -> None:
    """An optimizer's steps on f from x0: every gradient, moment and iterate, as a table.

    Conventions (those of torch.optim unless said otherwise; t counts from 0, g_t =
    ∇f(x_t), every carried quantity starts at 0): momentum v_{t+1} = βv_t + g_t,
    x_{t+1} = x_t − ηv_{t+1}; Nesterov the same with g_t = ∇f(x_t − ηβv_t); AdaGrad
    s_{t+1} = s_t + g_t², x_{t+1} = x_t − ηg_t/(√s_{t+1} + ε); RMSProp s_{t+1} = βs_t +
    (1−β)g_t²; Adam m_{t+1} = β₁m_t + (1−β₁)g_t, v_{t+1} = β₂v_t + (1−β₂)g_t²,
    m̂ = m_{t+1}/(1−β₁^{t+1}), v̂ = v_{t+1}/(1−β₂^{t+1}), x_{t+1} = x_t − ηm̂/(√v̂ + ε).
    Squares and roots act entry by entry. Answers of a vector are 1×n rows (kind matrix).
    """
    args = list(f.args)
    if not args:
        raise ctx.fail("f", f"'{f.name}' is a quantity; define it as a function of its "
                            f"parameters, e.g. {f.name}(x, y)")
    for key, prefix in prefixes.items():
        if prefix and key not in ("g", "x", "fx") and key not in CARRIED[method]:
            raise ctx.fail(key, f"method {method} has no {key} "
                                f"(it carries: {', '.join(CARRIED[method]) or 'nothing'})")
    n_steps = ctx.integer(steps, "steps")
    if n_steps > MAX_STEPS:
        raise ctx.fail("steps", f"expected at most {MAX_STEPS} steps, found {n_steps}")
    start = _vector(ctx, x0, len(args))
    hp = _hyper(ctx, eta, beta, beta1, beta2, eps, convention, nesterov)
    _check_decays(ctx, method, hp)
    grads, gsteps = _gradient(ctx, f, args)
    at, lines = rule_lines(method, hp)
    # the rule in the statement's names: a learning rate given as eta_b is written η_b
    named = rule_names(ctx, {"eta": eta, "beta": beta, "beta_1": beta1,
                               "beta_2": beta2, "epsilon": eps})
    # and in f's own variable when it has one: f(w) steps w_t, not x_t
    v = str(args[0]) if len(args) == 1 and len(str(args[0])) == 1 else "x"
    if v != "x":
        named.update({sp.Symbol("x_t"): sp.Symbol(f"{v}_t"),
                      sp.Symbol("x_{t+1}"): sp.Symbol(f"{v}_{{t+1}}")})
    at = at.xreplace(named)
    lines = [(lhs.replace("x_", f"{v}_"), rhs.xreplace(named)) for lhs, rhs in lines]
    fsym = apply_definition(f)
    shown_g = (sp.Derivative(fsym, args[0]).subs(args[0], at) if len(args) == 1
               else sp.Function(r"\nabla " + f.name)(at))
    rule = ctx.step(f"{method}-update", shown_g, lhs=sp.Symbol("g_t"), uses=gsteps,
                    facts=tuple(sp.Eq(named.get(sp.Symbol(k), sp.Symbol(k)), val)
                                for k, val in _hyper_facts(method, hp)))
    for lhs, rhs in lines:
        rule = ctx.step(f"{method}-update", rhs, lhs=sp.Symbol(lhs), uses=[rule])

    f_at = ctx.value(f.expr)
    state = initial_state(method, len(args))
    x = start
    rows, computed = [], []
    carried = [k for k in CARRIED[method]]
    for t in range(n_steps):
        point = gradient_point(method, hp, x, state)
        g = [tame(ctx.value(d).xreplace(dict(zip(args, point, strict=True)))) for d in grads]
        g = _emit(ctx, prefixes["g"], t, g)
        # each carried quantity is emitted (and, when marking, pinned) as it is made, so
        # that x_{t+1} follows a student's own v_{t+1}
        new, xn = update(method, hp, t, x, g, state,
                         lambda k, vals, t=t: _emit(ctx, prefixes.get(k), t + 1,
                                                    [tame(c) for c in vals]))
        xn = _emit(ctx, prefixes["x"], t + 1, [tame(c) for c in xn])
        fn = tame(f_at.xreplace(dict(zip(args, xn, strict=True))))
        if prefixes["fx"]:
            _emit(ctx, prefixes["fx"], t + 1, [fn])
        rows.append([sp.Integer(t), _cell(x), _cell(g)] + [_cell(new[k]) for k in carried]
                    + [_cell(xn), fn])
        computed.append({"g": g, **{k: new[k] for k in carried}, "x": xn, "f": [fn]})
        state = {k: v for k, v in new.items() if k not in ("mhat", "vhat")}
        x = xn
    cols = [sp.Symbol("t"), sp.Symbol(f"{v}_t"), sp.Symbol("g_t")]
    cols += [sp.Symbol(_SHOWN[k]) for k in carried]
    cols += [sp.Symbol(f"{v}_{{t+1}}"), sp.Symbol(f"{f.name}({v}_{{t+1}})")]
    tab = ctx.table(method, cols, rows, uses=[rule])
    _attach(ctx, prefixes, tab)
    if len(args) == 1:
        pts = [(start[0], tame(f_at.xreplace({args[0]: start[0]})))]
        pts += [(r[-2], r[-1]) for r in rows]
        ctx.figure("trajectory", caption=f"{METHOD_WORDS[method]} on {f.name}", f=f_at,
                   fname=f.latex or f.name, var=args[0], series={METHOD_WORDS[method]: pts})
    _register_check(ctx, method, hp, f_at, args, start, n_steps, computed, prefixes)


#: a method as the course names it (a table's caption, a figure's legend)
METHOD_WORDS = {"gd": "gradient descent", "momentum": "momentum", "nesterov": "Nesterov",
                "adagrad": "AdaGrad", "rmsprop": "RMSProp", "adam": "Adam"}


def _vector(ctx: Context, x0: Any, n: int) -> list[Any]:
    v = ctx.value(x0)
    vals = list(v) if isinstance(v, sp.MatrixBase) else [v]
    if len(vals) != n:
        raise ctx.fail("x0", f"expected {n} starting value{'s' if n > 1 else ''} (one per "
                             f"argument of f), found {len(vals)}")
    for c in vals:
        if not (isinstance(c, sp.Basic) and c.is_number and c.is_real):
            raise ctx.fail("x0", f"expected numbers, found {c}")
    return vals


def _hyper(ctx: Context, eta: Any, beta: Any, beta1: Any, beta2: Any, eps: Any,
           convention: str, nesterov: str) -> Hyper:
    base = Hyper(eta=ctx.value(eta))
    vals = {}
    for name, e in (("beta", beta), ("beta1", beta1), ("beta2", beta2), ("eps", eps)):
        if e is not None:
            v = ctx.value(e)
            if not (isinstance(v, sp.Basic) and v.is_number and v.is_real):
                raise ctx.fail(name, f"expected a number, found {v}")
            vals[name] = v
    return Hyper(eta=base.eta, convention=convention, nesterov=nesterov,
                 **{k: vals.get(k, getattr(base, k)) for k in ("beta", "beta1", "beta2", "eps")})


def _check_decays(ctx: Context, method: str, hp: Hyper) -> None:
    """Decay rates in [0, 1] (Adam's below 1: its bias correction divides by 1 − β^t):
    past them the squared-gradient average goes negative and its root is not real."""
    decays = {"rmsprop": [("beta", 1)], "adam": [("beta1", 0), ("beta2", 0)]}
    for name, one_ok in decays.get(method, []):
        v = getattr(hp, name)
        if not (0 <= v <= 1 if one_ok else 0 <= v < 1):
            raise ctx.fail(name, f"{name} = {format_number(v)}: {method}'s decay rate must be "
                           f"0 ≤ {name} {'≤' if one_ok else '<'} 1")


def _hyper_facts(method: str, hp: Hyper) -> list[tuple[str, Any]]:
    used = {"gd": ["eta"], "momentum": ["eta", "beta"], "nesterov": ["eta", "beta"],
            "adagrad": ["eta", "epsilon"], "rmsprop": ["eta", "beta", "epsilon"],
            "adam": ["eta", "beta_1", "beta_2", "epsilon"]}[method]
    value = {"eta": hp.eta, "beta": hp.beta, "epsilon": hp.eps, "beta_1": hp.beta1,
             "beta_2": hp.beta2}
    return [(k, value[k]) for k in used]


def _gradient(ctx: Context, f: Definition, args: list[sp.Symbol]) -> tuple[list[Any], list[int]]:
    """∂f/∂x_i for each argument, each derivation recorded; the gradient row last."""
    seen: set[Any] = set()
    out, ids = [], []
    fsym = apply_definition(f)
    first = ctx.step("definition", f.expr, lhs=fsym)
    for a in args:
        d, steps = differentiate(f.expr, a)
        used = record_diff_steps(ctx, steps, seen)
        ids.append(ctx.step("derivative" if len(args) == 1 else "partial-derivative", d,
                            lhs=sp.Derivative(fsym, a), uses=[first, *used]))
        out.append(d)
    if len(args) > 1:
        ids = [ctx.step("gradient", sp.ImmutableMatrix([out]),
                        lhs=sp.Function(r"\nabla " + f.name)(*args), uses=ids)]
    return out, ids


def _value(vals: list[Any]) -> Any:
    return vals[0] if len(vals) == 1 else sp.ImmutableMatrix([vals])


def _cell(vals: list[Any]) -> Any:
    """A table cell: a number, or a vector shown as (a, b)."""
    return vals[0] if len(vals) == 1 else tuple(vals)


def _emit(ctx: Context, prefix: str | None, index: int, vals: list[Any]) -> list[Any]:
    """Emit ``prefix+index`` when the spec asks for it; the (pinned) values to go on with."""
    if not prefix:
        return vals
    aid = f"{prefix}{index}"
    spec = ctx.problem.answers.get(aid)
    if spec is None:
        return vals  # not asked: shown in the table only
    if len(vals) > 1 and spec.kind != "matrix":
        raise ctx.fail("x0", f"'{aid}' is declared kind {spec.kind}, but f has {len(vals)} "
                             f"parameters: each iterate is a 1×{len(vals)} row; declare "
                             f"it kind: matrix")
    used = ctx.emit(aid, _value(vals))
    return list(used) if isinstance(used, sp.MatrixBase) else [used]


def _attach(ctx: Context, prefixes: dict[str, str | None], tab: int) -> None:
    """Answers shown in the table point to it (the sheet boxes them under it)."""
    from dataclasses import replace

    for aid, a in list(ctx.answers.items()):
        if a.item is None and any(p and aid.startswith(p) for p in prefixes.values()):
            ctx.answers[aid] = replace(a, item=tab)


def _register_check(ctx: Context, method: str, hp: Hyper, f_at: Any, args: list[sp.Symbol],
                    start: list[Any], n_steps: int, computed: list[dict[str, list[Any]]],
                    prefixes: dict[str, str | None]) -> None:
    fn = numeric_function(args, f_at)
    mine = [a for a in ctx.answers if any(p and a.startswith(p) for p in prefixes.values())]
    fl = {k: float(_to_float(getattr(hp, k))) for k in ("eta", "beta", "beta1", "beta2", "eps")}

    def check() -> tuple[bool, float, str]:
        rows = oracle.run(method, lambda v: float(fn(*v)), np.array(
            [float(_to_float(c)) for c in start]), n_steps, convention=hp.convention,
            nesterov=hp.nesterov, near=[np.array([float(_to_float(c)) for c in r["g"]])
                                        for r in computed], **fl)
        err = 0.0
        for got, want in zip(computed, rows, strict=True):
            for key, vals in got.items():
                mine_f = np.array([float(_to_float(c)) for c in vals])
                err = max(err, rel_error(mine_f, np.asarray(want[key]).reshape(-1)))
        return err < GRAD_TOL, err, f"{n_steps} {method} steps rerun in float64 numpy"

    ctx.check(f"{', '.join(p for p in prefixes.values() if p) or method}: {method} from "
              f"{_value(start)}", mine, "numpy-recompute", check)
