"""Loops over data: the perceptron learning rule and mini-batch SGD, a table row per visit.

Exact arithmetic throughout; each block registers a check that reruns the loop in
float64 numpy (``oracle``), with finite-difference gradients for SGD.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import sympy as sp

from derive.core.blockkit import apply_definition, record_diff_steps, tame, to_float
from derive.core.derivation import Context
from derive.core.functions import lambdify
from derive.core.model import Definition
from derive.core.numeric import GRAD_TOL, rel_error
from derive.core.registry import Param, block
from derive.topics.loops import oracle
from derive.topics.scalar.calculus import differentiate


def _matrix(ctx: Context, field: str, e: Any) -> sp.ImmutableMatrix:
    v = ctx.value(e)
    if not isinstance(v, sp.MatrixBase):
        raise ctx.fail(field, f"expected a matrix or a list, found {v}")
    return sp.ImmutableMatrix(v)


def _row(vals: list[Any]) -> Any:
    return vals[0] if len(vals) == 1 else sp.ImmutableMatrix([vals])


def _emit(ctx: Context, prefix: str | None, index: int, value: Any, item: int) -> Any:
    """Emit prefix+index when the spec declares it (the pinned value comes back)."""
    if not prefix or f"{prefix}{index}" not in ctx.problem.answers:
        return value
    return ctx.emit(f"{prefix}{index}", value, item)


@block(
    "perceptron-rule",
    points=Param("expr", takes="array", doc="the data: a matrix given, one point per row"),
    labels=Param("expr", takes="array",
                 doc="the labels, one per point: ±1 (signed) or 0/1 (binary)"),
    w0=Param("expr", takes="array", doc="the starting weights, a row such as [0, 0]"),
    b0=Param("expr", takes="scalar", required=False, doc="the starting bias (default 0)"),
    eta=Param("expr", takes="scalar", required=False, doc="the learning rate (default 1)"),
    epochs=Param("expr", takes="scalar", doc="how many passes over the points, in the given order"),
    labels_are=Param("text", required=False, default="signed", choices=("signed", "binary"),
                     doc="signed: update w += ηyx, b += ηy when y(w·x + b) ≤ 0; binary: "
                         "ŷ = 1 if w·x + b > 0 else 0, update w += η(y − ŷ)x, b += η(y − ŷ)"),
    w=Param("prefix", required=False, doc="answer prefix of the weights after each epoch"),
    b=Param("prefix", required=False, doc="answer prefix of the bias after each epoch"),
    mistakes=Param("prefix", required=False, doc="answer prefix of the number of updates "
                                                 "in each epoch"),
)
def perceptron_rule(ctx: Context, points: Any, labels: Any, w0: Any, b0: Any, eta: Any,
                    epochs: Any, labels_are: str, w: str | None, b: str | None,
                    mistakes: str | None) -> None:
    """The perceptron learning rule over the points for some epochs, updating only on a
    mistake; a table row for every visit (point, net input, prediction, update, weights)."""
    X = _matrix(ctx, "points", points)
    y = list(_matrix(ctx, "labels", labels))
    if len(y) != X.rows:
        raise ctx.fail("labels", f"expected {X.rows} labels (one per point), found {len(y)}")
    allowed = {-1, 1} if labels_are == "signed" else {0, 1}
    if any(v not in allowed for v in y):
        raise ctx.fail("labels", f"{labels_are} labels are {sorted(allowed)}, found {y}")
    wv = list(_matrix(ctx, "w0", w0))
    if len(wv) != X.cols:
        raise ctx.fail("w0", f"expected {X.cols} weights (one per feature), found {len(wv)}")
    bv = ctx.value(b0) if b0 is not None else sp.S.Zero
    e = ctx.value(eta) if eta is not None else sp.S.One
    n_epochs = ctx.integer(epochs, "epochs")
    if n_epochs * X.rows > 2000:
        raise ctx.fail("epochs", "at most 2000 visits (epochs × points) make a table")
    a_s, w_s, b_s = sp.Symbol("a_i"), sp.Symbol("w"), sp.Symbol("b")
    x_s, y_s, eta_s = sp.Symbol("x_i"), sp.Symbol("y_i"), sp.Symbol("eta")
    # an update, not an equation: w^{new} = w + … (w = w + ηyx would say ηyx = 0)
    err = y_s if labels_are == "signed" else y_s - sp.Symbol(r"\hat{y}_i")
    rule = ctx.step("perceptron-rule", w_s + eta_s * err * x_s, lhs=sp.Symbol("w^{new}"),
                    facts=(sp.Eq(a_s, w_s * x_s + b_s),))
    rule = ctx.step("perceptron-rule", b_s + eta_s * err, lhs=sp.Symbol("b^{new}"),
                    uses=[rule])
    rows, per_epoch = [], []
    for ep in range(1, n_epochs + 1):
        count = 0
        for i in range(X.rows):
            x = list(X.row(i))
            a = sum((wi * xi for wi, xi in zip(wv, x, strict=True)), sp.S.Zero) + bv
            yhat = (1 if a > 0 else -1) if labels_are == "signed" else (1 if a > 0 else 0)
            step = ((y[i] if y[i] * a <= 0 else 0) if labels_are == "signed"
                    else y[i] - yhat)
            if step != 0:
                count += 1
                wv = [wi + e * step * xi for wi, xi in zip(wv, x, strict=True)]
                bv = bv + e * step
            rows.append([sp.Integer(ep), sp.Integer(i + 1), tuple(x), y[i], a,
                         sp.Integer(yhat), "yes" if step else "no", tuple(wv), bv])
        per_epoch.append((list(wv), bv, count))
    cols = ["epoch", sp.Symbol("i"), sp.Symbol("x_i"), sp.Symbol("y_i"),
            a_s, sp.Symbol(r"\hat{y}_i"), "update", sp.Symbol("w"),
            sp.Symbol("b")]
    tab = ctx.table("perceptron-rule", cols, rows, uses=[rule])
    mine = []
    for ep, (wv_e, bv_e, count) in enumerate(per_epoch, start=1):
        _emit(ctx, w, ep, _row(wv_e), tab)
        _emit(ctx, b, ep, bv_e, tab)
        _emit(ctx, mistakes, ep, sp.Integer(count), tab)
    mine = [a for a in ctx.answers if any(p and a.startswith(p) for p in (w, b, mistakes))]
    Xf, yf = to_float(X), np.array([float(v) for v in y])

    def check() -> tuple[bool, float, str]:
        got = oracle.perceptron(Xf, yf, np.array([float(to_float(c)) for c in
                                                  _matrix(ctx, "w0", w0)]),
                                float(to_float(ctx.value(b0))) if b0 is not None else 0.0,
                                float(to_float(e)), n_epochs, labels_are == "signed")
        err = 0.0
        for (wv_e, bv_e, count), (wo, bo, co) in zip(per_epoch, got, strict=True):
            err = max(err, rel_error(np.array([float(to_float(c)) for c in wv_e]), wo),
                      rel_error(float(to_float(bv_e)), bo), float(count != co))
        return err < 1e-9, err, f"{n_epochs} epochs rerun in float64 numpy"

    ctx.check(f"{', '.join(p for p in (w, b, mistakes) if p) or 'perceptron'}: "
              f"{n_epochs} epochs", mine, "numpy-recompute", check)


@block(
    "minibatch-sgd",
    loss=Param("definition", doc="the loss of one example, a function of the parameters "
                                 "and the data, e.g. l(w, b, u, t)"),
    params=Param("strings", doc="which arguments of loss are the parameters, e.g. [w, b]"),
    data=Param("exprs", takes="array", doc="each other argument -> its values, one per example "
                            "(a given vector), e.g. {u: U, t: T}"),
    x0=Param("expr", doc="the starting parameters, one per name in params"),
    eta=Param("expr", takes="scalar", doc="the learning rate"),
    batch=Param("expr", takes="scalar",
                doc="examples per step, taken in the given order (the last batch "
                            "of an epoch may be smaller)"),
    epochs=Param("expr", takes="scalar", required=False, doc="passes over the data (default 1)"),
    g=Param("prefix", required=False, doc="answer prefix of the mean batch gradients "
                                          "g1, g2, … (one per step)"),
    x=Param("prefix", required=False, doc="answer prefix of the parameters after each "
                                          "step"),
)
def minibatch_sgd(ctx: Context, loss: Definition, params: list[str], data: dict[str, Any],
                  x0: Any, eta: Any, batch: Any, epochs: Any, g: str | None,
                  x: str | None) -> None:
    """Mini-batch SGD: each step's gradient is the mean over its batch of the per-example
    gradients (derived symbolically), θ ← θ − η·mean; a table row per step."""
    args = {str(a): a for a in loss.args}
    for p in params:
        if p not in args:
            raise ctx.fail("params", f"'{p}' is not an argument of {loss.name} "
                                     f"({', '.join(args)})")
    data_names = [n for n in args if n not in params]
    if set(data) != set(data_names):
        raise ctx.fail("data", f"expected values for {', '.join(data_names)} (the other "
                               f"arguments of {loss.name})")
    cols = {n: list(_matrix(ctx, f"data.{n}", data[n])) for n in data_names}
    sizes = {len(v) for v in cols.values()}
    if len(sizes) != 1:
        raise ctx.fail("data", "every data argument needs one value per example")
    n_ex = sizes.pop()
    theta = list(_matrix(ctx, "x0", x0)) if isinstance(ctx.value(x0), sp.MatrixBase) \
        else [ctx.value(x0)]
    if len(theta) != len(params):
        raise ctx.fail("x0", f"expected {len(params)} starting values, found {len(theta)}")
    e = ctx.value(eta)
    bs = ctx.integer(batch, "batch")
    n_epochs = ctx.integer(epochs, "epochs") if epochs is not None else 1
    if bs < 1 or n_epochs * n_ex > 2000:
        raise ctx.fail("batch", "a batch holds at least one example; at most 2000 visits")
    psyms = [args[p] for p in params]
    expr = ctx.value(loss.expr)
    lhs = apply_definition(loss)
    first = ctx.step("definition", loss.expr, lhs=lhs)
    seen: set[Any] = set()
    grads, ids = [], []
    for s in psyms:
        d, steps = differentiate(loss.expr, s)
        used = record_diff_steps(ctx, steps, seen)
        ids.append(ctx.step("partial-derivative", d, lhs=sp.Derivative(lhs, s),
                            uses=[first, *used]))
        grads.append(ctx.value(d))
    i_s, bsz = sp.Symbol("i", integer=True), sp.Symbol("B", integer=True, positive=True)
    mean_fact = sp.Eq(sp.Symbol("g_t"), sp.Sum(sp.IndexedBase("g")[i_s], (i_s, 1, bsz)) / bsz)
    rule = ctx.step("minibatch-update", sp.Symbol("theta_t") - sp.Symbol("eta") * sp.Symbol(
        "g_t"), lhs=sp.Symbol("theta_{t+1}"), uses=ids, facts=(mean_fact,))
    rows, computed = [], []
    t = 0
    for ep in range(1, n_epochs + 1):
        for start in range(0, n_ex, bs):
            idx = list(range(start, min(start + bs, n_ex)))
            t += 1
            mean = []
            for d in grads:
                total = sp.S.Zero
                for i in idx:
                    sub = {args[n]: cols[n][i] for n in data_names}
                    sub.update(dict(zip(psyms, theta, strict=True)))
                    total += d.xreplace(sub)
                mean.append(tame(total / len(idx)))
            mean = _as_list(_emit(ctx, g, t, _row(mean), -1))
            new = [tame(th - e * gi) for th, gi in zip(theta, mean, strict=True)]
            new = _as_list(_emit(ctx, x, t, _row(new), -1))
            rows.append([sp.Integer(t), sp.Integer(ep), ", ".join(str(i + 1) for i in idx),
                         _cell(theta), _cell(mean), _cell(new)])
            computed.append((mean, new))
            theta = new
    tab = ctx.table("minibatch-sgd", [sp.Symbol("t"), "epoch", "examples",
                                      sp.Symbol("theta_t"), sp.Symbol("g_t"),
                                      sp.Symbol("theta_{t+1}")], rows, uses=[rule])
    for aid, a in list(ctx.answers.items()):
        if a.item == -1:
            ctx.answers[aid] = replace(a, item=tab)
    mine = [a for a in ctx.answers if any(p and a.startswith(p) for p in (g, x))]
    fn = lambdify(psyms + [args[n] for n in data_names], expr)
    table = np.array([[float(to_float(cols[n][i])) for n in data_names] for i in range(n_ex)])
    start_f = np.array([float(to_float(c)) for c in (list(_matrix(ctx, "x0", x0)) if
                        isinstance(ctx.value(x0), sp.MatrixBase) else [ctx.value(x0)])])

    def check() -> tuple[bool, float, str]:
        got = oracle.minibatch_sgd(lambda th, r: float(fn(*th, *r)), table, start_f,
                                   float(to_float(e)), bs, n_epochs)
        err = 0.0
        for (mean, new), (go, no) in zip(computed, got, strict=True):
            err = max(err, rel_error(np.array([float(to_float(c)) for c in mean]), go),
                      rel_error(np.array([float(to_float(c)) for c in new]), no))
        return err < GRAD_TOL, err, f"{len(computed)} steps rerun in float64 numpy"

    ctx.check(f"{', '.join(p for p in (g, x) if p) or 'sgd'}: mini-batch SGD", mine,
              "numpy-recompute", check)


def _as_list(v: Any) -> list[Any]:
    return list(v) if isinstance(v, sp.MatrixBase) else [v]


def _cell(vals: list[Any]) -> Any:
    return vals[0] if len(vals) == 1 else tuple(vals)
