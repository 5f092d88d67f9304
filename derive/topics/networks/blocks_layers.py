"""Network blocks, part 1: declaring the network layer by layer, with symbolic shapes.

A spec builds one network, layer by layer, then derives from it (``blocks_gradients``)::

    - {use: net-input, name: x, shape: [1, N], value: x}
    - {use: net-dense, W: W_1, shape: [N, M], b: b_1, out: f_1, values: {W_1: W1, b_1: b1}}
    - {use: net-activation, fn: sigmoid, out: a}
    - {use: net-dense, W: W_2, shape: [M, K], b: b_2, out: f_2, values: {W_2: W2, b_2: b2}}
    - {use: net-softmax, out: o}
    - {use: net-loss, kind: cross-entropy, target: y, value: y}
    - {use: net-gradient, wrt: f_2, answer: a.dE_df2}      # o - y
    - {use: net-forward, answers: {o: e.o, E: e.loss}}    # numbers at the givens
    - {use: net-value, of: b.dE_dx, answer: e.dE_dx}      # a derived formula, evaluated

Shapes are checked as each layer is added (a mismatch is a SpecError naming the layer);
the derivation works on the symbols only, so it never depends on the widths. Every
derived answer is checked against finite differences at several widths and against
SymPy's elementwise differentiation of the explicit loss.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sympy as sp

from derive.core.arrays import FloatMatrix, is_matrix
from derive.core.derivation import Context
from derive.core.errors import SpecError
from derive.core.registry import Param, block
from derive.topics.networks.layers import (
    ACTIVATIONS,
    LOSSES,
    Activation,
    Dense,
    Loss,
    Network,
    Node,
    Softmax,
    Upstream,
)
from derive.topics.networks.matrix_calculus import (
    Shape,
    size,
)
from derive.topics.networks.meanings import layer_meanings
from derive.topics.networks.penalties import KINDS as PENALTIES
from derive.topics.networks.penalties import Penalty

NET, VALUES, GRADS, LINES, EXACT, MEANING = (
    "net", "net-values", "net-grads", "net-lines", "net-exact", "net-meaning")
SIMPLIFY_RULES = ("expand", "simplify", "one-hot", "diag-as-hadamard")


# -- building ------------------------------------------------------------------------

def _net(ctx: Context) -> Network:
    net = ctx.cache.get(NET)
    if net is None:
        raise ctx.fail("", "no network yet: start it with a net-input block")
    return net


def _shape(ctx: Context, field: str, raw: Any) -> tuple[Any, Any]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise ctx.fail(field, f"expected [rows, columns] such as [1, N], found {raw!r}")
    out = []
    for d in raw:
        if isinstance(d, int) and not isinstance(d, bool) and d > 0:
            out.append(sp.Integer(d))
        elif isinstance(d, str) and d.isidentifier():
            out.append(size(d))
        else:
            raise ctx.fail(field, f"expected a positive size or a size name, found {d!r}")
    return out[0], out[1]


def shape_text(shape: tuple[Any, Any]) -> str:
    return f"{shape[0]}×{shape[1]}"


def _name(ctx: Context, field: str, name: Any) -> str:
    net = ctx.cache.get(NET)
    if not isinstance(name, str) or not name.replace("_", "a").isalnum() or \
            not name[0].isalpha():
        raise ctx.fail(field, f"expected a name such as f_1 or W_2, found {name!r}")
    if net is not None and name in net.matrix_names():
        raise ctx.fail(field, f"'{name}' is already a vector or parameter of the network")
    return name


def _add_values(ctx: Context, field: str, values: dict[str, Any], allowed: list[str]) -> None:
    for k, v in values.items():
        if k not in allowed:
            raise ctx.fail(f"{field}.{k}", f"not a parameter of this layer "
                           f"(expected one of: {', '.join(allowed)})")
        ctx.cache.setdefault(VALUES, {})[k] = v


def _add_layer(ctx: Context, layer: Any) -> None:
    net = _net(ctx)
    if net.end is not None:
        raise ctx.fail("", "the network already ends in a loss; layers come before it")
    net.layers.append(layer)
    ctx.meanings.update(layer_meanings(layer))
    if layer.out.named:  # an unnamed output (W_A x) is its own definition
        ctx.step("definition", layer.definition(), lhs=layer.out.expr)


def _out_node(ctx: Context, out: str | None, expr: Any) -> Node:
    if out is None:
        return Node(expr, str(expr))
    return Node(sp.MatrixSymbol(_name(ctx, "out", out), *expr.shape), out)


@block(
    "net-input",
    vector=Param("text", doc="the input vector's name, e.g. x"),
    shape=Param("raw", doc="[1, N] for a row vector, [N, 1] for a column vector"),
    convention=Param("text", required=False, default="row", choices=("row", "column"),
                     doc="row vectors (f = xW + b) or column vectors (f = Wx + b)"),
    value=Param("expr", required=False, doc="its given value, for numbers", float64=True),
    batch=Param("text", required=False, choices=("rows", "columns"),
                doc="a batch of examples instead of one: 'rows' (shape [B, N], one example "
                    "per row, Z = XW + 1b; needs convention: row) or 'columns' (shape "
                    "[N, B], one per column, Z = WX + b1ᵀ; needs convention: column)"),
)
def net_input(ctx: Context, vector: str, shape: Any, convention: str, value: Any,
              batch: str | None) -> None:
    """Start a network at an input vector, or at a batch of examples.

    A batch is B examples, one per row (`batch: rows`, X is B×N, Z = XW + 1b, δ = ∂E/∂Z is
    B×K, ∂E/∂W = Xᵀδ, ∂E/∂b = 1ᵀδ) or one per column (`batch: columns`, X is N×B,
    Z = WX + b1ᵀ, ∂E/∂W = δXᵀ, ∂E/∂b = δ1); the loss is reduced over the batch (net-loss
    `over_batch`), and the backward pass is written as the products a course writes (δWᵀ,
    δ ⊙ f'(Z), the softmax rule row by row), not as Jacobians of matrices. From
    problems/library/mlp-batch-mse.yaml: `{use: net-input, vector: X, shape: [B, N],
    batch: rows, value: X}`."""
    sh = _shape(ctx, "shape", shape)
    if batch is not None and batch != f"{convention}s":
        raise ctx.fail("batch", f"batch: {batch} needs convention: {batch[:-1]} (found "
                       f"convention: {convention}); one example per "
                       f"{batch[:-1]} is Z = {'XW + 1b' if batch == 'rows' else 'WX + b1ᵀ'}")
    if batch is None and convention == "row" and sh[0] != 1:
        raise ctx.fail("shape", f"a row vector is 1×n, found {shape_text(sh)} (a batch of "
                       "examples, one per row, says batch: rows)")
    if batch is None and convention == "column" and sh[1] != 1:
        raise ctx.fail("shape", f"a column vector is n×1, found {shape_text(sh)} (a batch "
                       "of examples, one per column, says batch: columns)")
    for key in (NET, VALUES, GRADS, LINES, EXACT, MEANING):
        ctx.cache.pop(key, None)
    sym = sp.MatrixSymbol(_name(ctx, "vector", vector), *sh)
    ctx.cache[NET] = Network(convention, Node(sym, vector), batch=batch)
    if value is not None:
        ctx.cache.setdefault(VALUES, {})[vector] = value


@block(
    "net-dense",
    W=Param("text", doc="the weight matrix's name, e.g. W_1"),
    shape=Param("raw", doc="W's shape, e.g. [N, M]"),
    b=Param("text", required=False, doc="the bias's name, e.g. b_1 (omit for none)"),
    out=Param("text", required=False, doc="the output's name, e.g. f_1"),
    values=Param("exprs", required=False, default={}, doc="given values: {W_1: W1, b_1: b1}",
                 float64=True),
)
def net_dense(ctx: Context, W: str, shape: Any, b: str | None, out: str | None,
              values: dict[str, Any]) -> None:
    """A dense layer: f = xW + b (row vectors) or f = Wx + b (column vectors); on a batch
    Z = XW + 1b (one example per row) or Z = WX + b1ᵀ (per column)."""
    net = _net(ctx)
    inp = net.output
    ws = _shape(ctx, "shape", shape)
    Wm = sp.MatrixSymbol(_name(ctx, "W", W), *ws)
    row = net.convention == "row"
    shown = f"{out or 'the output'} = {inp.key} {W}" if row else \
        f"{out or 'the output'} = {W} {inp.key}"
    if row and ws[0] != inp.shape[1]:
        raise ctx.fail("shape", f"layer '{shown}': {W} is {shape_text(ws)}, but its input "
                       f"{inp.key} is {shape_text(inp.shape)} (the rows of {W} must match "
                       f"the columns of {inp.key})")
    if not row and ws[1] != inp.shape[0]:
        raise ctx.fail("shape", f"layer '{shown}': {W} is {shape_text(ws)}, but its input "
                       f"{inp.key} is {shape_text(inp.shape)} (the columns of {W} must match "
                       f"the rows of {inp.key})")
    bm = None
    if b is not None:
        bs = (sp.Integer(1), ws[1]) if row else (ws[0], sp.Integer(1))
        bm = sp.MatrixSymbol(_name(ctx, "b", b), *bs)
    z = inp.expr * Wm if row else Wm * inp.expr
    node = _out_node(ctx, out, z)
    _add_values(ctx, "values", values, [W] + ([b] if b else []))
    _add_layer(ctx, Dense(inp, node, Wm, bm, net.convention, ctx.where, net.batch))


@block(
    "net-activation",
    fn=Param("text", choices=tuple(ACTIVATIONS), doc="the elementwise function"),
    out=Param("text", required=False, doc="the output's name, e.g. a"),
    label=Param("text", required=False, doc="a generic name shown for f, e.g. f_A"),
    jacobian=Param("text", required=False,
                   doc="a name for diag(f'(z)) used in the answers, e.g. J_A"),
)
def net_activation(ctx: Context, fn: str, out: str | None, label: str | None,
                   jacobian: str | None) -> None:
    """An elementwise activation a = f(z) (identity, sigmoid, tanh, relu, gelu)."""
    net = _net(ctx)
    inp = net.output
    if jacobian and net.batch is not None:
        raise ctx.fail("jacobian", "a named Jacobian diag(f'(z)) is one example's; on a "
                       "batch the backward pass is δ ⊙ f'(Z) (omit jacobian)")
    n = inp.shape[0] * inp.shape[1]
    J = sp.MatrixSymbol(_name(ctx, "jacobian", jacobian), n, n) if jacobian else None
    tmp = Activation(inp, inp, fn, label, J)
    node = _out_node(ctx, out, tmp.definition())
    _add_layer(ctx, replace(tmp, out=node, where=ctx.where))


@block("net-softmax", out=Param("text", required=False, doc="the output's name, e.g. o"))
def net_softmax(ctx: Context, out: str | None) -> None:
    """o = softmax(f), o_k = e^{f_k} / Σ_j e^{f_j} (on a batch, one softmax per example)."""
    net = _net(ctx)
    inp = net.output
    tmp = Softmax(inp, inp, net.convention, batch=net.batch)
    _add_layer(ctx, replace(tmp, out=_out_node(ctx, out, tmp.definition()), where=ctx.where))


@block(
    "net-loss",
    kind=Param("text", choices=LOSSES, doc="which loss E(o, y) ends the network"),
    target=Param("text", doc="the target's name, e.g. y"),
    value=Param("expr", required=False, doc="the target's given value", float64=True),
    half=Param("raw", required=False, default=True,
               doc="squared error: ½ Σ (o − y)² (true) or Σ (o − y)² (false)"),
    reduction=Param("text", required=False, default="sum", choices=("sum", "mean"),
                    doc="over the outputs (of each example): their sum, or their mean "
                        "('mean over outputs', ÷K; not over the batch: see over_batch)"),
    loss=Param("text", required=False, default="E", doc="the loss's name"),
    over_outputs=Param("text", required=False, choices=("sum", "mean"),
                       doc="the same as reduction, named as what it reduces: the outputs "
                           "of each example (mean: ÷K)"),
    over_batch=Param("text", required=False, choices=("mean", "sum"),
                     doc="on a batch (net-input batch:): the mean over the examples "
                         "(default, E = (1/B) Σ_b …, so ∂E/∂W = Xᵀδ with δ carrying 1/B) "
                         "or their sum"),
    penalty=Param("exprs", required=False, default={},
                  doc="penalties added to the loss: {l2: lambda} is (λ/2) Σ ‖W‖²_F (see "
                      "l2), {l1: lambda} is λ Σ |W_ij| with ∂/∂W = λ sign(W), sign(0) = 0; "
                      "both may be given; added once, not divided by the batch size"),
    penalize=Param("raw", required=False,
                   doc="the parameters penalised, e.g. [W_1, W_2] (default: every weight "
                       "matrix; biases are not penalised unless named)"),
    l2=Param("text", required=False, default="half", choices=("half", "full"),
             doc="the L2 convention: 'half' is (λ/2)‖W‖² with gradient λW, 'full' is "
                 "λ‖W‖² with gradient 2λW"),
)
def net_loss(ctx: Context, kind: str, target: str, value: Any, half: Any, reduction: str,
             loss: str, over_outputs: str | None, over_batch: str | None,
             penalty: dict[str, Any], penalize: Any, l2: str) -> None:
    """End the network with a loss E(o, y).

    On a batch the loss is the mean over the examples (`over_batch: mean`, so δ carries
    1/B and ∂E/∂W = Xᵀ(O − Y)/B) or their sum; `reduction: mean` is the mean over the
    outputs of each example, a different thing. A penalty is added once to the reduced
    loss: `penalty: {l2: lambda}` is (λ/2) Σ ‖W‖²_F with ∂/∂W = λW (`l2: full` is λ‖W‖²
    with 2λW), `penalty: {l1: lambda}` is λ Σ |W_ij| with ∂/∂W = λ sign(W) and sign(0) = 0;
    on every weight matrix unless `penalize` names the parameters (biases only when
    named). From problems/library/ridge-logistic-batch.yaml: `{use: net-loss, kind:
    binary-cross-entropy, over_batch: mean, target: Y, value: y, penalty: {l2: lamda}, l2:
    half, penalize: [w]}`."""
    net = _net(ctx)
    if not isinstance(half, bool):
        raise ctx.fail("half", f"expected true or false, found {half!r}")
    if net.end is not None:
        raise ctx.fail("", "the network already has an end")
    if over_batch is not None and net.batch is None:
        raise ctx.fail("over_batch", "the network's input is one example: over_batch needs "
                       "a batch (net-input ... batch: rows)")
    if over_outputs is not None and reduction != "sum" and reduction != over_outputs:
        raise ctx.fail("over_outputs", f"says {over_outputs} but reduction says {reduction} "
                       "(they name the same thing: give one)")
    o = net.output
    y = sp.MatrixSymbol(_name(ctx, "target", target), *o.shape)
    mean = (over_outputs or reduction) == "mean"
    end = Loss(o, y, kind, half, mean, sp.Symbol(loss, real=True), ctx.where,
               net.batch, over_batch != "sum", _penalties(ctx, net, penalty, penalize, l2))
    net.end = end
    if value is not None:
        ctx.cache.setdefault(VALUES, {})[target] = value
    ctx.step("definition", end.definition(), lhs=end.name)


def _penalties(ctx: Context, net: Network, penalty: dict[str, Any], penalize: Any,
               l2: str) -> tuple[Penalty, ...]:
    """The penalty terms a net-loss declares, each on the named (or every weight) matrix."""
    if not penalty:
        if penalize is not None:
            raise ctx.fail("penalize", "names what a penalty applies to: add penalty: "
                           "{l2: lambda} or {l1: lambda}")
        return ()
    known = {p.name: p for p in net.params()}
    if penalize is None:
        params = tuple(la.W for la in net.layers if isinstance(la, Dense))
        if not params:
            raise ctx.fail("penalty", "the network has no weight matrix to penalise")
    else:
        if not isinstance(penalize, list) or not penalize:
            raise ctx.fail("penalize", f"expected a list of parameter names such as "
                           f"[W_1, W_2], found {penalize!r}")
        for i, name in enumerate(penalize):
            if not isinstance(name, str) or name not in known:
                raise ctx.fail(f"penalize[{i}]", f"unknown parameter {name!r} (expected "
                               f"one of: {', '.join(known)})")
        params = tuple(dict.fromkeys(known[n] for n in penalize))
    out = []
    for k, coef in penalty.items():
        if k not in PENALTIES:
            raise ctx.fail(f"penalty.{k}", "unknown penalty; expected l1 or l2, e.g. "
                           "penalty: {l2: lambda}")
        v = ctx.value(coef)
        if not (isinstance(v, sp.Expr) and v.is_number and v.is_real and v >= 0):
            found = "a matrix" if isinstance(v, sp.MatrixBase) else str(v)[:40]
            raise ctx.fail(f"penalty.{k}", f"the coefficient must be a number ≥ 0 (e.g. "
                           f"0.01, or a given such as lamda), found {found}")
        scalars = tuple((s, ctx.value(s)) for s in sorted(coef.free_symbols, key=str))
        out.append(Penalty(k, coef, params, scalars, l2 == "half"))
    return tuple(out)


@block(
    "net-upstream",
    gradient=Param("text", doc="the upstream gradient's name, e.g. g (= ∂L/∂y)"),
    objective=Param("text", required=False, default="L", doc="the name of the scalar L"),
    value=Param("expr", required=False, float64=True,
                doc="the upstream gradient's value (a given), "
                "for numbers at the givens"),
)
def net_upstream(ctx: Context, gradient: str, objective: str, value: Any) -> None:
    """End the network with a given upstream gradient g = ∂L/∂y (no loss written out)."""
    net = _net(ctx)
    o = net.output
    g = sp.MatrixSymbol(_name(ctx, "gradient", gradient), *o.shape)
    net.end = Upstream(o, g, sp.Symbol(objective, real=True), ctx.where)
    if value is not None:
        ctx.cache.setdefault(VALUES, {})[gradient] = value


# -- closing: shapes, figure, given values -------------------------------------------

def _close(ctx: Context) -> Network:
    net = _net(ctx)
    if net.end is None:
        raise ctx.fail("", "the network has no end: add a net-loss or net-upstream block")
    if ctx.cache.get("net-closed"):
        return net
    ctx.cache["net-closed"] = True
    ctx.table("shapes", ("quantity", "shape"),
              [(sym, Shape(*sym.shape)) for sym in net.matrix_names().values()])
    _figure(ctx, net)
    _bind_values(ctx, net)
    return net


def _figure(ctx: Context, net: Network) -> None:
    layers = [[sp.latex(net.input.expr)]]
    edges = []
    for la in net.layers:
        label = sp.latex(la.out.expr)
        layers.append([label])
        if isinstance(la, Dense):
            w = ", ".join(sp.latex(p) for p in la.params())
        elif isinstance(la, Activation):
            w = sp.latex(sp.Symbol(la.label)) if la.label else (la.rule_.latex or la.fn)
        else:
            w = r"\operatorname{softmax}"
        edges.append((layers[-2][0], label, w))
    end = net.end
    assert end is not None
    layers.append([sp.latex(end.name)])
    edges.append((layers[-2][0], layers[-1][0],
                  sp.latex(end.target) if isinstance(end, Loss) else None))
    shown = f"a batch, one example per {net.batch[:-1]}" if net.batch else \
        f"{net.convention} vectors"
    ctx.figure("network", caption=f"the network ({shown})",
               layers=layers, edges=edges)


def _given_of(ctx: Context, expr: Any) -> Any:
    """The given whose symbol (or matrix of entry symbols) ``expr`` is, if any."""
    from derive.core.givens import given_symbol

    return next((g for g in ctx.problem.givens.values() if given_symbol(g) is expr), None)


def _given_name(ctx: Context, expr: Any) -> str:
    from derive.core.givens import given_symbol

    for g in ctx.problem.givens.values():
        if given_symbol(g) == expr:
            return g.name
    return str(expr)


def _bind_values(ctx: Context, net: Network) -> None:
    """Check the given values against the declared shapes; fix the sizes they imply."""
    raw = ctx.cache.get(VALUES, {})
    names = net.matrix_names()
    sizes: dict[Any, tuple[int, str]] = {}
    exact: dict[Any, Any] = {}
    for name, expr in raw.items():
        sym = names[name]
        given = _given_of(ctx, expr)
        # a given named as it is: its value as it is (substituting each of a wide
        # matrix's entry symbols would cost seconds)
        v = given.value if given is not None else ctx.value(expr)
        gname = given.name if given is not None else _given_name(ctx, expr)
        if not is_matrix(v):
            v = sp.ImmutableMatrix([[v]])
        for d, n in zip(sym.shape, v.shape, strict=True):
            if isinstance(d, sp.Integer) and int(d) != n or (
                    d in sizes and sizes[d][0] != n):
                fixed = "" if isinstance(d, sp.Integer) else \
                    f" with {d} = {sizes[d][0]} (from {sizes[d][1]})"
                raise SpecError(ctx.problem.path, f"givens.{gname}",
                                f"is {shape_text(v.shape)}, but {name} is "
                                f"{shape_text(sym.shape)}{fixed}")
            if isinstance(d, sp.Symbol):
                sizes.setdefault(d, (n, gname))
        # a large given stays float64 (arrays.FloatMatrix): the numbers at the givens
        # are then computed in float64, and nothing needs its exact entries
        exact[sym] = v if isinstance(v, FloatMatrix) else sp.ImmutableMatrix(v)
    end = net.end
    if isinstance(end, Loss) and end.target in exact and end.kind == "cross-entropy":
        y = exact[end.target]
        entries = y.array.ravel().tolist() if isinstance(y, FloatMatrix) else list(y)
        if net.batch is None:
            groups = [entries]
        else:  # one-hot per example: every row (or column) of Y
            m = y.array.tolist() if isinstance(y, FloatMatrix) else y.tolist()
            groups = m if net.batch == "rows" else [list(c) for c in zip(*m, strict=True)]
        if any(c not in (0, 1) for c in entries) or any(sum(g) != 1 for g in groups):
            shown = entries if len(entries) <= 20 else f"{len(entries)} entries summing to " \
                f"{float(sum(entries)):g}, {sum(c not in (0, 1) for c in entries)} not 0 or 1"
            raise SpecError(ctx.problem.path, f"givens.{_given_name(ctx, raw[end.target.name])}",
                            f"the cross-entropy target must be one-hot (entries 0 or 1, "
                            f"one of them 1{' per example' if net.batch else ''}), "
                            f"found {shown}")
    ctx.cache["net-given"] = exact
    ctx.cache["net-sizes"] = {d: n for d, (n, _) in sizes.items()}
