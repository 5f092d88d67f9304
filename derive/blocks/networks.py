"""Network blocks: layers with symbolic shapes, and backpropagation in matrix form.

A spec builds one network, layer by layer, then derives from it::

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

import numpy as np
import sympy as sp

from ..derivation import Context
from ..errors import SpecError
from ..matrix_calculus import Called, Partial, Shape, explicit, size, to_numpy
from ..network import (
    ACTIVATIONS,
    LOSSES,
    Activation,
    Dense,
    Grad,
    Line,
    Loss,
    Network,
    Node,
    Softmax,
    Upstream,
    back_through,
    jacobian_product,
    loss_gradient,
    param_line,
)
from ..network_numeric import (
    ORACLE_SIZES,
    SIZE_TRIALS,
    compare_gradient,
    compare_jacobian,
    compare_with_oracle,
    concrete,
    fd_gradient,
    fd_jacobian,
    forward,
    named_values,
    objective,
    random_instance,
    trial_sizes,
)
from ..numeric import GRAD_TOL, rel_error
from . import Param, block
from ._common import tame, to_float

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
    value=Param("expr", required=False, doc="its given value, for numbers"),
)
def net_input(ctx: Context, vector: str, shape: Any, convention: str, value: Any) -> None:
    """Start a network at an input vector."""
    sh = _shape(ctx, "shape", shape)
    if convention == "row" and sh[0] != 1:
        raise ctx.fail("shape", f"a row vector is 1×n, found {shape_text(sh)}")
    if convention == "column" and sh[1] != 1:
        raise ctx.fail("shape", f"a column vector is n×1, found {shape_text(sh)}")
    for key in (NET, VALUES, GRADS, LINES, EXACT, MEANING):
        ctx.cache.pop(key, None)
    sym = sp.MatrixSymbol(_name(ctx, "vector", vector), *sh)
    ctx.cache[NET] = Network(convention, Node(sym, vector))
    if value is not None:
        ctx.cache.setdefault(VALUES, {})[vector] = value


@block(
    "net-dense",
    W=Param("text", doc="the weight matrix's name, e.g. W_1"),
    shape=Param("raw", doc="W's shape, e.g. [N, M]"),
    b=Param("text", required=False, doc="the bias's name, e.g. b_1 (omit for none)"),
    out=Param("text", required=False, doc="the output's name, e.g. f_1"),
    values=Param("exprs", required=False, default={}, doc="given values: {W_1: W1, b_1: b1}"),
)
def net_dense(ctx: Context, W: str, shape: Any, b: str | None, out: str | None,
              values: dict[str, Any]) -> None:
    """A dense layer: f = xW + b (row vectors) or f = Wx + b (column vectors)."""
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
    _add_layer(ctx, Dense(inp, node, Wm, bm, net.convention, ctx.where))


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
    n = inp.shape[0] * inp.shape[1]
    J = sp.MatrixSymbol(_name(ctx, "jacobian", jacobian), n, n) if jacobian else None
    tmp = Activation(inp, inp, fn, label, J)
    node = _out_node(ctx, out, tmp.definition())
    _add_layer(ctx, replace(tmp, out=node, where=ctx.where))


@block("net-softmax", out=Param("text", required=False, doc="the output's name, e.g. o"))
def net_softmax(ctx: Context, out: str | None) -> None:
    """o = softmax(f), o_k = e^{f_k} / Σ_j e^{f_j}."""
    net = _net(ctx)
    inp = net.output
    tmp = Softmax(inp, inp, net.convention)
    _add_layer(ctx, replace(tmp, out=_out_node(ctx, out, tmp.definition()), where=ctx.where))


@block(
    "net-loss",
    kind=Param("text", choices=LOSSES),
    target=Param("text", doc="the target's name, e.g. y"),
    value=Param("expr", required=False, doc="the target's given value"),
    half=Param("raw", required=False, default=True,
               doc="squared error: ½ Σ (o − y)² (true) or Σ (o − y)² (false)"),
    reduction=Param("text", required=False, default="sum", choices=("sum", "mean")),
    loss=Param("text", required=False, default="E", doc="the loss's name"),
)
def net_loss(ctx: Context, kind: str, target: str, value: Any, half: Any, reduction: str,
             loss: str) -> None:
    """End the network with a loss E(o, y)."""
    net = _net(ctx)
    if not isinstance(half, bool):
        raise ctx.fail("half", f"expected true or false, found {half!r}")
    if net.end is not None:
        raise ctx.fail("", "the network already has an end")
    o = net.output
    y = sp.MatrixSymbol(_name(ctx, "target", target), *o.shape)
    end = Loss(o, y, kind, half, reduction == "mean", sp.Symbol(loss, real=True), ctx.where)
    net.end = end
    if value is not None:
        ctx.cache.setdefault(VALUES, {})[target] = value
    ctx.step("definition", end.definition(), lhs=end.name)


@block(
    "net-upstream",
    gradient=Param("text", doc="the upstream gradient's name, e.g. g (= ∂L/∂y)"),
    objective=Param("text", required=False, default="L", doc="the name of the scalar L"),
    value=Param("expr", required=False),
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
    ctx.figure("network", caption=f"the network ({net.convention} vectors)",
               layers=layers, edges=edges)


def _given_name(ctx: Context, expr: Any) -> str:
    from ..spec import given_symbol

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
        v = ctx.value(expr)
        gname = _given_name(ctx, expr)
        if not isinstance(v, sp.MatrixBase):
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
        exact[sym] = sp.ImmutableMatrix(v)
    end = net.end
    if isinstance(end, Loss) and end.target in exact and end.kind == "cross-entropy":
        y = exact[end.target]
        if any(c not in (0, 1) for c in y) or sum(y) != 1:
            raise SpecError(ctx.problem.path, f"givens.{_given_name(ctx, raw[end.target.name])}",
                            f"the cross-entropy target must be one-hot (entries 0 or 1, "
                            f"one of them 1), found {list(y)}")
    ctx.cache["net-given"] = exact
    ctx.cache["net-sizes"] = {d: n for d, (n, _) in sizes.items()}


# -- derivation ------------------------------------------------------------------------

def _record(ctx: Context, lines: list[Line], answers: list[str], net: Network) -> int:
    """Record the lines not yet recorded; returns the index of the last line's step."""
    index: dict[str, int] = ctx.cache.setdefault(LINES, {})
    done: set[tuple[str, str]] = ctx.cache.setdefault("net-done", set())
    last = -1
    for ln in lines:
        if (ln.key, ln.rule, str(ln.after)) in done:
            last = index[ln.key]
            continue
        done.add((ln.key, ln.rule, str(ln.after)))
        uses = [index[u] for u in ln.uses if u in index]
        last = ctx.step(ln.rule, ln.after, lhs=ln.lhs, before=ln.before, uses=uses,
                        facts=ln.facts)
        index[ln.key] = last
        if ln.rule in SIMPLIFY_RULES and ln.before is not None:
            _identity_check(ctx, net, ln, answers)
    return last


def _identity_check(ctx: Context, net: Network, ln: Line, answers: list[str]) -> None:
    before, after = ln.before, ln.after

    def run() -> tuple[bool, float, str]:
        err = 0.0
        for i, widths in enumerate(SIZE_TRIALS):
            sizes = trial_sizes(net, widths)
            env = random_instance(net, sizes, salt=50 + i)
            vals = named_values(net, env, forward(net, env))
            err = max(err, rel_error(to_numpy(before, vals, sizes), to_numpy(after, vals, sizes)))
        return err < 1e-9, err, f"at {len(SIZE_TRIALS)} random sizes"

    ctx.check(f"{', '.join(answers)}: {ln.rule} {after}", answers, "identity", run)


def _grad(ctx: Context, net: Network, node: Node, answers: list[str]) -> Grad:
    """∂E/∂node, derived once per solve (pinned answers replace their values)."""
    memo: dict[str, Grad] = ctx.cache.setdefault(GRADS, {})
    if node.key in memo:
        return memo[node.key]
    if node == net.output:
        g, lines = loss_gradient(net)
    else:
        layer = net.consumer(node)
        if layer is None:
            raise ctx.fail("wrt", f"{node.key} is not on the path to the loss")
        up = _grad(ctx, net, layer.out, answers)
        g, lines = back_through(net, layer, up)
    _record(ctx, lines, answers, net)
    memo[node.key] = g
    return g


def _target(ctx: Context, net: Network, name: str, field: str) -> Node | sp.MatrixSymbol:
    node = net.node(name)
    if node is not None:
        return node
    p = next((p for p in net.params() if p.name == name), None)
    if p is None:
        known = [n.key for n in net.nodes() if n.named] + [p.name for p in net.params()]
        raise ctx.fail(field, f"unknown vector or parameter '{name}' "
                       f"(expected one of: {', '.join(known)})")
    return p


def _check_shape(ctx: Context, aid: str, value: Any) -> None:
    spec = ctx.problem.answers[aid]
    if spec.shape is not None and tuple(spec.shape) != tuple(value.shape):
        raise SpecError(ctx.problem.path, f"answers.{aid}.shape",
                        f"declared {shape_text(spec.shape)}, but the derived value is "
                        f"{shape_text(value.shape)}")


@block(
    "net-gradient",
    wrt=Param("text", doc="a vector (x, f_2) or parameter (W_1, b_1) of the network"),
    answer=Param("answer"),
)
def net_gradient(ctx: Context, wrt: str, answer: str) -> None:
    """∂E/∂wrt in matrix form: local Jacobians, chain rule, textbook simplifications."""
    net = _close(ctx)
    target = _target(ctx, net, wrt, "wrt")
    if isinstance(target, Node):
        g = _grad(ctx, net, target, [answer])
        value, item = g.value, ctx.cache[LINES][g.line]
    else:
        layer = net.owner(target)
        delta = _grad(ctx, net, layer.out, [answer])
        ln = param_line(net, target, delta)
        item = _record(ctx, [ln], [answer], net)
        value = ln.after
    _check_shape(ctx, answer, value)
    used = ctx.emit(answer, value, item)
    if isinstance(target, Node):
        ctx.cache[GRADS][target.key] = replace(g, value=used)
    ctx.cache.setdefault(MEANING, {})[answer] = ("grad", wrt)
    _gradient_checks(ctx, net, answer, value, wrt)


def _gradient_checks(ctx: Context, net: Network, aid: str, value: Any, wrt: str) -> None:
    def fd() -> tuple[bool, float, str]:
        err, shown = 0.0, []
        for i, widths in enumerate(SIZE_TRIALS):
            e, sizes = compare_gradient(net, value, wrt, widths, salt=i)
            err = max(err, e)
            shown.append(",".join(f"{k}={v}" for k, v in sizes.items()))
        return err < GRAD_TOL, err, "random matrices at " + "; ".join(shown)

    def oracle() -> tuple[bool, float, str]:
        err = compare_with_oracle(net, value, wrt, salt=7)
        sizes = trial_sizes(net, ORACLE_SIZES)
        return err < 1e-9, err, "sympy.diff of the explicit loss at " + \
            ",".join(f"{k}={v}" for k, v in sizes.items())

    name = f"{aid}: ∂{net.objective}/∂{wrt}"
    ctx.check(name, [aid], "central-differences", fd)
    ctx.check(name, [aid], "sympy-elementwise", oracle)


@block(
    "net-jacobian",
    of=Param("text", doc="the output vector, e.g. y"),
    wrt=Param("text", doc="the input vector, e.g. x"),
    answer=Param("answer"),
)
def net_jacobian(ctx: Context, of: str, wrt: str, answer: str) -> None:
    """∂of/∂wrt as the product of the local Jacobians (last layer first)."""
    net = _close(ctx)
    a, b = _target(ctx, net, of, "of"), _target(ctx, net, wrt, "wrt")
    if not (isinstance(a, Node) and isinstance(b, Node)):
        raise ctx.fail("of", "a Jacobian is between two vectors of the network")
    try:
        J, lines = jacobian_product(net, a, b)
    except ValueError as e:
        raise ctx.fail("of", str(e)) from None
    item = _record(ctx, lines, [answer], net)
    _check_shape(ctx, answer, J)
    ctx.emit(answer, J, item)
    ctx.cache.setdefault(MEANING, {})[answer] = ("jac", of, wrt)

    def fd() -> tuple[bool, float, str]:
        err = max(compare_jacobian(net, J, of, wrt, w, salt=i)
                  for i, w in enumerate(SIZE_TRIALS))
        return err < GRAD_TOL, err, f"central differences at {len(SIZE_TRIALS)} random sizes"

    def oracle() -> tuple[bool, float, str]:
        err = compare_with_oracle(net, J, wrt, of=of, salt=7)
        return err < 1e-9, err, "Matrix.jacobian of the explicit forward pass"

    ctx.check(f"{answer}: ∂{of}/∂{wrt}", [answer], "central-differences", fd)
    ctx.check(f"{answer}: ∂{of}/∂{wrt}", [answer], "sympy-elementwise", oracle)


@block(
    "net-shape",
    of=Param("answer", doc="a matrix-expression answer, e.g. a.J_x"),
    answer=Param("answer"),
)
def net_shape(ctx: Context, of: str, answer: str) -> None:
    """The shape of a derived matrix expression, in the size symbols."""
    net = _close(ctx)
    meaning = _meaning(ctx, of)
    value = ctx.answers[of].computed
    dims = tuple(value.shape)
    if meaning[0] == "jac":
        shown = Partial(_symbol_of(net, meaning[1]), _symbol_of(net, meaning[2]))
    else:
        shown = Partial(net.objective, _symbol_of(net, meaning[1]))
    facts = [sp.Eq(Called("shape", _symbol_of(net, n)), Shape(*_symbol_of(net, n).shape),
                   evaluate=False) for n in meaning[1:]]
    idx = ctx.step("shape", Shape(*dims), lhs=Called("shape", shown), facts=facts)
    ctx.emit(answer, dims, idx)

    def check() -> tuple[bool, float, str]:
        ok = True
        for i, w in enumerate(SIZE_TRIALS):
            sizes = trial_sizes(net, w)
            env = random_instance(net, sizes, salt=i)
            if meaning[0] == "jac":
                got = fd_jacobian(net, env, meaning[1], meaning[2]).shape
            else:
                got = np.shape(fd_gradient(net, env, meaning[1]))
            ok = ok and got == concrete(dims, sizes)
        return ok, 0.0, "shape of the finite-difference result at random sizes"

    ctx.check(f"{answer}: shape of {of}", [answer], "exact-recompute", check)


# -- numbers at the givens -------------------------------------------------------------

def _given_values(ctx: Context, net: Network, field: str) -> dict[Any, Any]:
    given = dict(ctx.cache.get("net-given", {}))
    need = [net.input.expr] + net.params()
    end = net.end
    if isinstance(end, Loss):
        need.append(end.target)
    missing = [s.name for s in need if s not in given]
    if missing:
        raise ctx.fail(field, f"no given value for {', '.join(missing)} "
                       "(give one with value:/values: where the network is built)")
    return given


def _exact_forward(ctx: Context, net: Network, pinned: dict[str, str], field: str
                   ) -> dict[str, Any]:
    """Every node's exact value at the givens, emitting ``pinned`` node answers as it goes
    (a pinned node's value is used downstream: follow-through)."""
    if EXACT in ctx.cache:
        return ctx.cache[EXACT]
    given = _given_values(ctx, net, field)
    vals: dict[str, Any] = {net.input.key: given[net.input.expr]}
    params = {p: given[p] for p in net.params()}
    for la in net.layers:
        z = vals[la.inp.key]
        v = la.exact(z, params) if isinstance(la, Dense) else la.exact(z, {})
        v = tame(v)
        shown = la.definition(generic=False) if isinstance(la, Activation) else la.definition()
        idx = ctx.step("substitute", v, lhs=la.out.expr if la.out.named
                       else sp.Symbol(la.out.key), before=shown)
        if la.out.key in pinned:
            v = ctx.emit(pinned[la.out.key], v, idx)
        vals[la.out.key] = v
    ctx.cache[EXACT] = vals
    return vals


def _floats(ctx: Context, net: Network) -> dict[str, np.ndarray]:
    given = ctx.cache.get("net-given", {})
    return {s.name: np.array(to_float(v), dtype=float).reshape(s_shape(v))
            for s, v in given.items()}


def s_shape(v: Any) -> tuple[int, int]:
    return tuple(v.shape) if isinstance(v, sp.MatrixBase) else (1, 1)  # type: ignore


@block(
    "net-forward",
    answers=Param("answers", doc="vector or loss name -> answer, e.g. {o: e.o, E: e.loss}"),
)
def net_forward(ctx: Context, answers: dict[str, str]) -> None:
    """The forward pass at the givens, exactly; the loss from the (pinned) output."""
    net = _close(ctx)
    end = net.end
    for k in answers:
        if net.node(k) is None and not (end is not None and k == end.name.name):
            raise ctx.fail(f"answers.{k}", f"'{k}' is not a vector or the loss of the network")
    vals = _exact_forward(ctx, net, {k: a for k, a in answers.items() if net.node(k)}, "answers")
    computed = {k: vals[k] for k in answers if k in vals}
    if isinstance(end, Loss) and end.name.name in answers:
        given = ctx.cache["net-given"]
        o = vals[net.output.key]
        E = tame(end.exact(list(o), list(given[end.target])))
        idx = ctx.step("substitute", E, lhs=end.name, before=end.definition())
        ctx.emit(answers[end.name.name], E, idx)
        computed[end.name.name] = E
    env = _floats(ctx, net)

    def check() -> tuple[bool, float, str]:
        nvals = forward(net, env)
        err = 0.0
        for k, v in computed.items():
            want = objective(net, env, nvals) if k not in nvals else nvals[k]
            err = max(err, rel_error(np.array(to_float(v), dtype=float).reshape(np.shape(want)),
                                     want, floor=1e-12))
        return err < 1e-9, err, "float64 forward pass"

    ctx.check(f"{', '.join(answers.values())}: forward pass at the givens",
              list(answers.values()), "numpy-recompute", check)


def _meaning(ctx: Context, of: str) -> Any:
    """What a matrix-expression answer is the derivative of (recorded when derived)."""
    meaning = ctx.cache.get(MEANING, {}).get(of)
    if meaning is None:
        raise ctx.fail("of", f"'{of}' is not derived by a net-gradient or net-jacobian block "
                       "before this one")
    return meaning


def _symbol_of(net: Network, name: str) -> Any:
    node = net.node(name)
    return node.expr if node is not None else net.matrix_names()[name]


@block(
    "net-value",
    of=Param("answer", doc="a matrix-expression answer derived by net-gradient/net-jacobian"),
    answer=Param("answer"),
)
def net_value(ctx: Context, of: str, answer: str) -> None:
    """A derived matrix formula (as answered, pinned or not) evaluated at the givens."""
    net = _close(ctx)
    meaning = _meaning(ctx, of)
    formula = ctx.answer_value(of)
    vals = _exact_forward(ctx, net, {}, "of")
    given = ctx.cache["net-given"]
    subs: dict[Any, Any] = dict(given)
    for n in net.nodes():
        if n.named:
            subs[n.expr] = vals[n.key]
    for la in net.layers:
        if isinstance(la, Activation) and la.jacobian_name is not None and \
                formula.has(la.jacobian_name):
            Jv = tame(explicit(la.jacobian_value(), subs))
            ctx.step("substitute", Jv, lhs=la.jacobian_name, before=la.jacobian_value())
            subs[la.jacobian_name] = Jv
    value = tame(explicit(formula, subs))
    if meaning[0] == "grad":
        shown = Partial(net.objective, _symbol_of(net, meaning[1]))
    else:
        shown = Partial(_symbol_of(net, meaning[1]), _symbol_of(net, meaning[2]))
    idx = ctx.step("substitute", value, lhs=shown, before=formula)
    ctx.emit(answer, value, idx)
    env = _floats(ctx, net)
    computed = np.array(to_float(value), dtype=float)

    def check() -> tuple[bool, float, str]:
        if meaning[0] == "grad":
            want = fd_gradient(net, env, meaning[1])
        else:
            want = fd_jacobian(net, env, meaning[1], meaning[2])
        return (rel_error(computed, want) < GRAD_TOL, rel_error(computed, want),
                "central differences of the float64 forward pass at the givens")

    ctx.check(f"{answer}: {of} at the givens", [answer], "central-differences", check)


_BUILDERS = ("net-input", "net-dense", "net-activation", "net-softmax", "net-loss",
             "net-upstream")


def network_of(problem: Any) -> Network | None:
    """The network a problem's spec builds (its layer blocks only, nothing derived): for
    code that needs every matrix name and shape, e.g. ``network_of(p).matrix_names()``
    when reading a student's matrix expression."""
    from ..blocks import registry

    blocks = registry()
    ctx = Context(problem)
    for part in problem.parts:
        for call in part.calls:
            if call.block in _BUILDERS:
                ctx.part, ctx.where = part.name, call.where
                blocks[call.block].fn(ctx, **call.args)
    return ctx.cache.get(NET)
