"""Networks of scalar units: backprop to single weights, a gradient step, a forward pass
with updated weights, and the network's figure.

The chain rule itself is the ``backprop`` block (``blocks/graph.py``), whose ``wrt`` also
takes single entries of a vector given (``w_1`` … ``w_9`` of ``w``). Numbers always come
from the emitted (possibly pinned) answers, so a student's wrong earlier value propagates
(follow-through).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import sympy as sp

from derive.core.blockkit import expand_definitions, numeric_function, tame, to_float
from derive.core.derivation import Context
from derive.core.numeric import GRAD_TOL, central_diff, rel_error
from derive.core.registry import Param, block
from derive.topics.networks.matrix_calculus import Partial


def given_subs(g: Any) -> dict[sp.Symbol, Any]:
    from derive.core.givens import given_subs as subs

    return subs(g)


def _given(ctx: Context, field: str, name: str) -> tuple[list[sp.Symbol], bool]:
    g = ctx.problem.givens.get(name)
    if g is None:
        raise ctx.fail(field, f"'{name}' is not a given "
                       f"(expected one of: {', '.join(ctx.problem.givens)})")
    syms = list(given_subs(g))
    return syms, isinstance(g.value, sp.MatrixBase)


def _ids(ctx: Context, field: str, ref: str, n: int, vector: bool) -> list[str]:
    ids = [f"{ref}{i + 1}" for i in range(n)] if vector else [ref]
    for aid in ids:
        if aid not in ctx.problem.answers:
            want = (f"one number answer per weight, {ids[0]} … {ids[-1]}" if vector
                     else "one number answer")
            raise ctx.fail(field, f"'{aid}' is not a declared answer: declare {want} "
                           "under answers:")
    return ids


def _loss_function(ctx: Context, loss: str, leaves: list[sp.Symbol]) -> Any:
    if loss not in ctx.problem.definitions:
        raise ctx.fail("loss", f"'{loss}' is not a defined quantity")
    e = expand_definitions(ctx, sp.Symbol(loss, real=True))
    others = {s: v for s, v in ctx.given_subs.items() if s not in leaves}
    return numeric_function(leaves, e.xreplace(others))


@block(
    "gradient-step",
    weights=Param("text", doc="the given updated: a vector (w) or a number (w_c)"),
    gradients=Param("text", doc="answer prefix of the gradients (c.dE_dw -> c.dE_dw1…), "
                                "or an answer id for a number"),
    rate=Param("expr", takes="scalar", doc="the learning rate"),
    answers=Param("text", doc="answer prefix (or id) of the updated weights"),
    loss=Param("text", doc="the loss (a defined quantity), for the independent check"),
)
def gradient_step(ctx: Context, weights: str, gradients: str, rate: Any, answers: str,
                  loss: str) -> None:
    """One step of gradient descent, w_i ← w_i − α ∂E/∂w_i, as a table."""
    syms, vector = _given(ctx, "weights", weights)
    grads = _ids(ctx, "gradients", gradients, len(syms), vector)
    outs = _ids(ctx, "answers", answers, len(syms), vector)
    lr = ctx.value(rate)
    wi, gi, E = sp.Symbol("w_i"), sp.Symbol("g_i"), sp.Symbol(loss)
    rule = ctx.step("gd-update", wi - sp.Symbol("alpha") * gi, lhs=sp.Symbol("w_i^{new}"),
                    facts=(sp.Eq(gi, Partial(E, wi), evaluate=False),))
    rows, computed = [], []
    for s, gid, aid in zip(syms, grads, outs, strict=True):
        w0, g = ctx.value(s), ctx.answer_value(gid)
        new = tame(w0 - lr * g)
        computed.append(new)
        ctx.emit(aid, new, None)
        rows.append((s, w0, g, new))
    tab = ctx.table("gradient-step", ("weight", "value", Partial(E, sp.Symbol("w")),
                                      "new value"), rows, uses=[rule])
    for aid in outs:
        ctx.answers[aid] = replace(ctx.answers[aid], item=tab)
    f = _loss_function(ctx, loss, syms)
    point = np.array([to_float(ctx.value(s)) for s in syms])
    lr_f = to_float(lr)

    def check() -> tuple[bool, float, str]:
        err = 0.0
        for i, new in enumerate(computed):
            def fi(t: float, i: int = i) -> float:
                p = point.copy()
                p[i] = t
                return float(f(*p))

            want = point[i] - lr_f * central_diff(fi, point[i])
            err = max(err, rel_error(to_float(new), want))
        return err < GRAD_TOL, err, f"w − α·(central difference of {loss}) at the givens"

    ctx.check(f"{answers}: gradient step", outs, "central-differences", check)


@block(
    "forward-values",
    answers=Param("answers", doc="quantity -> answer, in forward order, e.g. {h1: e.h1}"),
    replace=Param("raw", required=False, default={},
                  doc="given -> answer prefix (or id) whose values replace it, e.g. {w: d.w}"),
)
def forward_values(ctx: Context, answers: dict[str, str], replace: Any) -> None:
    """A forward pass through defined quantities, with some givens replaced by answers
    (the updated weights); each value is computed from the emitted earlier ones."""
    if not isinstance(replace, dict):
        raise ctx.fail("replace", "expected a mapping given -> answer prefix, e.g. {w: d.w}")
    subs: dict[sp.Symbol, Any] = {}
    for gname, ref in replace.items():
        syms, vector = _given(ctx, f"replace.{gname}", str(gname))
        for s, aid in zip(syms, _ids(ctx, f"replace.{gname}", str(ref), len(syms), vector),
                          strict=True):
            subs[s] = ctx.answer_value(aid)
    defs = ctx.problem.definitions
    done: dict[sp.Symbol, Any] = {}
    computed: dict[str, Any] = {}
    for name, aid in answers.items():
        if name not in defs or defs[name].args:
            raise ctx.fail(f"answers.{name}", f"'{name}' is not a defined quantity")
        shown = defs[name].expr
        at = {str(k): v for k, v in done.items()}
        full = expand_definitions(ctx, sp.Symbol(name, real=True), at=at)
        value = tame(ctx.value(full.xreplace(subs)))
        used = {s: v for s, v in {**subs, **done}.items() if s in shown.free_symbols}
        used.update({s: v for s, v in ctx.given_subs.items()
                     if s in shown.free_symbols and s not in used})
        idx = ctx.step("substitute", value, lhs=sp.Symbol(name, real=True), before=shown,
                       subs=used)
        done[sp.Symbol(name, real=True)] = ctx.emit(aid, value, idx)
        computed[aid] = value
    leaves = sorted(ctx.given_subs, key=str)
    fns = {aid: numeric_function(leaves, expand_definitions(ctx, sp.Symbol(n, real=True)))
           for n, aid in answers.items()}
    point = [to_float(subs.get(s, ctx.given_subs[s])) for s in leaves]

    def check() -> tuple[bool, float, str]:
        err = max(rel_error(to_float(v), float(fns[aid](*point)), floor=1e-12)
                  for aid, v in computed.items())
        return err < 1e-9, err, "float64 forward pass with the replaced givens"

    ctx.check(f"{', '.join(answers.values())}: forward pass", list(answers.values()),
              "numpy-recompute", check)


@block(
    "network-figure",
    layers=Param("raw", doc="lists of unit labels (LaTeX), input layer first"),
    edges=Param("raw", doc="[from, to, weight label] triples"),
    caption=Param("text", required=False, default="", doc="the caption under the picture"),
)
def network_figure(ctx: Context, layers: Any, edges: Any, caption: str) -> None:
    """A picture of a network of units for the sheet."""
    if not isinstance(layers, list) or not all(isinstance(la, list) for la in layers):
        raise ctx.fail("layers", "expected a list of lists of unit labels")
    labels = [str(u) for la in layers for u in la]
    if len(set(labels)) != len(labels):
        raise ctx.fail("layers", "unit labels must be distinct")
    out = []
    for i, e in enumerate(edges if isinstance(edges, list) else [None]):
        if not isinstance(e, list) or len(e) not in (2, 3):
            raise ctx.fail(f"edges[{i}]", "expected [from, to] or [from, to, weight]")
        for end in e[:2]:
            if str(end) not in labels:
                raise ctx.fail(f"edges[{i}]", f"'{end}' is not a unit of layers")
        out.append((str(e[0]), str(e[1]), str(e[2]) if len(e) == 3 else None))
    ctx.figure("network", caption=caption, layers=[[str(u) for u in la] for la in layers],
               edges=out)
