"""Network blocks, part 2: backpropagation in matrix form and the numbers at the givens.

The derivation works on the network's symbols only (``blocks_layers`` declares it), so it
never depends on the widths. Every derived answer is checked against finite differences at
several widths and against SymPy's elementwise differentiation of the explicit loss
(``oracle``), which receive the answer as a callable that evaluates it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import sympy as sp

from derive.core.arrays import FloatMatrix, is_matrix
from derive.core.blockkit import tame, to_float
from derive.core.derivation import Context
from derive.core.errors import SpecError
from derive.core.numeric import GRAD_TOL, rel_error
from derive.core.registry import Param, block
from derive.topics.networks.backprop import (
    Grad,
    Line,
    back_through,
    jacobian_product,
    loss_gradient,
    param_line,
    printed_among,
)
from derive.topics.networks.blocks_layers import (
    EXACT,
    GRADS,
    LINES,
    MEANING,
    NET,
    SIMPLIFY_RULES,
    _close,
    shape_text,
)
from derive.topics.networks.golds import contract_gold, net_scalars, numeric_gold
from derive.topics.networks.layers import Activation, Dense, Loss, Network, Node, Softmax
from derive.topics.networks.matrix_calculus import (
    Called,
    Diag,
    Partial,
    Shape,
    explicit,
    sizes_of,
    to_numpy,
)
from derive.topics.networks.oracle import (
    ORACLE_SIZES,
    SIZE_TRIALS,
    check_at_givens,
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
    rounding_floor,
    trial_sizes,
)

#: ctx.cache key: the complex-step checks' random instances and their contract values
#: (``compare_with_oracle``), shared by the network's checks in one solve
ORACLE_INSTANCES = "net-oracle-instances"

# -- derivation ------------------------------------------------------------------------

def _record(ctx: Context, lines: list[Line], answers: list[str], net: Network) -> int:
    """Record the lines not yet recorded; returns the index of the last line's step."""
    index: dict[str, int] = ctx.cache.setdefault(LINES, {})
    done: dict[tuple[str, str], list[list[Any]]] = ctx.cache.setdefault("net-done", {})
    last = -1
    for ln in lines:
        if printed_among(ln.after, done.setdefault((ln.key, ln.rule), [])):
            last = index[ln.key]
            continue
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

    shown = f"{', '.join(answers)}: {ln.rule}"  # the name prints `after` only when read
    ctx.check(lambda: f"{shown} {after}", answers, "identity", run)


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
    answer=Param("answer", doc="a matrix-expression answer: ∂E/∂wrt"),
)
def net_gradient(ctx: Context, wrt: str, answer: str) -> None:
    """∂E/∂wrt in matrix form: local Jacobians, chain rule, textbook simplifications (on a
    batch: δWᵀ, δ ⊙ f'(Z), Xᵀδ, 1ᵀδ, with a penalty's λW or λ sign(W) added)."""
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
            e, sizes = compare_gradient(net, numeric_gold(value, net_scalars(net)), wrt,
                                        widths, salt=i)
            err = max(err, e)
            shown.append(",".join(f"{k}={v}" for k, v in sizes.items()))
        return err < GRAD_TOL, err, "random matrices at " + "; ".join(shown)

    instances = ctx.cache.setdefault(ORACLE_INSTANCES, {})

    def oracle() -> tuple[bool, float, str]:
        err = compare_with_oracle(net, contract_gold(value, net_scalars(net)), wrt, salt=7,
                                  instances=instances)
        sizes = trial_sizes(net, ORACLE_SIZES)
        return err < 1e-9, err, "complex-step derivative of the float64 loss at " + \
            ",".join(f"{k}={v}" for k, v in sizes.items())

    name = f"{aid}: ∂{net.objective}/∂{wrt}"
    ctx.check(name, [aid], "central-differences", fd)
    ctx.check(name, [aid], "complex-step", oracle)


@block(
    "net-jacobian",
    of=Param("text", doc="the output vector, e.g. y"),
    wrt=Param("text", doc="the input vector, e.g. x"),
    answer=Param("answer", doc="a matrix-expression answer: the Jacobian ∂of/∂wrt"),
)
def net_jacobian(ctx: Context, of: str, wrt: str, answer: str) -> None:
    """∂of/∂wrt as the product of the local Jacobians (last layer first)."""
    net = _close(ctx)
    a, b = _target(ctx, net, of, "of"), _target(ctx, net, wrt, "wrt")
    if not (isinstance(a, Node) and isinstance(b, Node)):
        raise ctx.fail("of", "a Jacobian is between two vectors of the network")
    if net.batch is not None:
        raise ctx.fail("of", "on a batch the Jacobian of a matrix by a matrix is not a "
                       "matrix: ask for net-gradient (∂E/∂wrt, the matrix a course writes)")
    try:
        J, lines = jacobian_product(net, a, b)
    except ValueError as e:
        raise ctx.fail("of", str(e)) from None
    item = _record(ctx, lines, [answer], net)
    _check_shape(ctx, answer, J)
    ctx.emit(answer, J, item)
    ctx.cache.setdefault(MEANING, {})[answer] = ("jac", of, wrt)

    def fd() -> tuple[bool, float, str]:
        err = max(compare_jacobian(net, numeric_gold(J), of, wrt, w, salt=i)
                  for i, w in enumerate(SIZE_TRIALS))
        return err < GRAD_TOL, err, f"central differences at {len(SIZE_TRIALS)} random sizes"

    instances = ctx.cache.setdefault(ORACLE_INSTANCES, {})

    def oracle() -> tuple[bool, float, str]:
        err = compare_with_oracle(net, contract_gold(J), wrt, of=of, salt=7,
                                  instances=instances)
        return err < 1e-9, err, "complex-step derivative of the float64 forward pass"

    ctx.check(f"{answer}: ∂{of}/∂{wrt}", [answer], "central-differences", fd)
    ctx.check(f"{answer}: ∂{of}/∂{wrt}", [answer], "complex-step", oracle)


@block(
    "net-shape",
    of=Param("answer", doc="a matrix-expression answer, e.g. a.J_x"),
    answer=Param("answer", doc="a shape answer: rows × columns in the size symbols"),
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


#: a network whose givens hold more entries than this is evaluated in float64: its exact
#: forward pass grows with the widths (exponentials of exact sums of sigmoids), while
#: the float64 one costs a few matrix products at any width
EXACT_ENTRIES = 64


def exact_is_cheap(given: dict[Any, Any]) -> bool:
    """Whether the numbers at these givens are computed exactly (small networks)."""
    return sum(len(v) for v in given.values()) <= EXACT_ENTRIES


def _float_layer(la: Any, z: np.ndarray, env: dict[str, np.ndarray]) -> np.ndarray:
    """One layer at float64 values, from the definition its step shows (``to_numpy``
    evaluates the matrix expression; softmax, a vector function, as e^{f_k} / Σ e^{f_j})."""
    if isinstance(la, Softmax) and la.batch is not None:  # one softmax per example
        axis = 1 if la.batch == "rows" else 0
        e = np.exp(z - np.max(z, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)
    if isinstance(la, Softmax):
        e = np.exp(z - np.max(z))
        return e / np.sum(e)
    inp = sp.MatrixSymbol("__input", *np.shape(z))  # the input's value, named or not
    shown = la.definition(inp, generic=False) if isinstance(la, Activation) else \
        la.definition(inp)
    return np.asarray(to_numpy(shown, {**env, inp.name: z}), dtype=float)


def _float_matrix(v: np.ndarray) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(np.atleast_2d(v).tolist())


def _exact_forward(ctx: Context, net: Network, pinned: dict[str, str], field: str
                   ) -> dict[str, Any]:
    """Every node's value at the givens (exact while cheap, else float64: see
    ``EXACT_ENTRIES``), emitting ``pinned`` node answers as it goes (a pinned node's
    value is used downstream: follow-through)."""
    if EXACT in ctx.cache:
        return ctx.cache[EXACT]
    given = _given_values(ctx, net, field)
    exact = exact_is_cheap(given)
    env = _floats(ctx, net)
    vals: dict[str, Any] = {net.input.key: given[net.input.expr]}
    params = {p: given[p] for p in net.params()}
    for la in net.layers:
        z = vals[la.inp.key]
        if exact:
            v = la.exact(z, params) if isinstance(la, Dense) else la.exact(z, {})
            v = tame(v)
        else:
            v = _float_matrix(_float_layer(la, _float_array(z), env))
        shown = la.definition(generic=False) if isinstance(la, Activation) else la.definition()
        idx = ctx.step("substitute", v, lhs=la.out.expr if la.out.named
                       else sp.Symbol(la.out.key), before=shown)
        if la.out.key in pinned:
            v = ctx.emit(pinned[la.out.key], v, idx)
        vals[la.out.key] = v
    ctx.cache[EXACT] = vals
    return vals


def _float_array(v: Any) -> np.ndarray:
    """float64 entries of a SymPy matrix (rationals converted directly, others once) or
    of a large given kept in float64."""
    if isinstance(v, FloatMatrix):
        return v.array
    if isinstance(v, sp.MatrixBase):
        return np.array([[float(c) if c.is_Rational or c.is_Float else to_float(c)
                          for c in row] for row in v.tolist()], dtype=float)
    return np.array(to_float(v), dtype=float)


def _floats(ctx: Context, net: Network) -> dict[str, np.ndarray]:
    if "net-floats" not in ctx.cache:
        given = ctx.cache.get("net-given", {})
        ctx.cache["net-floats"] = {s.name: _float_array(v).reshape(s_shape(v))
                                   for s, v in given.items()}
    return ctx.cache["net-floats"]


def s_shape(v: Any) -> tuple[int, int]:
    return tuple(v.shape) if is_matrix(v) else (1, 1)  # type: ignore


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
        y = given[end.target]
        examples = 1 if net.batch is None else o.shape[0 if net.batch == "rows" else 1]
        E = end.exact(list(o), list(y.exact() if isinstance(y, FloatMatrix) else y), examples)
        for pen in end.penalties:
            E += pen.exact({p: v.exact() if isinstance(v, FloatMatrix) else v
                            for p, v in given.items() if p in pen.params})
        E = tame(E)
        idx = ctx.step("substitute", E, lhs=end.name, before=end.definition())
        ctx.emit(answers[end.name.name], E, idx)
        computed[end.name.name] = E
    env = _floats(ctx, net)

    def check() -> tuple[bool, float, str]:
        nvals = forward(net, env)
        floor = rounding_floor(env, nvals)
        err = 0.0
        for k, v in computed.items():
            want = objective(net, env, nvals) if k not in nvals else nvals[k]
            err = max(err, rel_error(np.array(to_float(v), dtype=float).reshape(np.shape(want)),
                                     want, floor=floor))
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
    answer=Param("answer", doc="a matrix answer: that formula's value at the givens"),
)
def net_value(ctx: Context, of: str, answer: str) -> None:
    """A derived matrix formula (as answered, pinned or not) evaluated at the givens."""
    net = _close(ctx)
    meaning = _meaning(ctx, of)
    formula = ctx.answer_value(of)
    vals = _exact_forward(ctx, net, {}, "of")
    given = ctx.cache["net-given"]
    if exact_is_cheap(given):
        value = _exact_value(ctx, net, formula, given, vals)
    else:
        value = _float_value(ctx, net, formula, vals)
    if meaning[0] == "grad":
        shown = Partial(net.objective, _symbol_of(net, meaning[1]))
    else:
        shown = Partial(_symbol_of(net, meaning[1]), _symbol_of(net, meaning[2]))
    idx = ctx.step("substitute", value, lhs=shown, before=formula)
    ctx.emit(answer, value, idx)
    env = _floats(ctx, net)
    computed = np.array(to_float(value), dtype=float)

    def check() -> tuple[bool, float, str]:
        of_, wrt = (None, meaning[1]) if meaning[0] == "grad" else meaning[1:]
        return check_at_givens(net, env, computed, wrt, of_)

    ctx.check(f"{answer}: {of} at the givens", [answer], "central-differences", check)


def _exact_value(ctx: Context, net: Network, formula: Any, given: dict[Any, Any],
                 vals: dict[str, Any]) -> Any:
    """The formula evaluated exactly (named Jacobians shown as a step of their own)."""
    subs: dict[Any, Any] = {**given, **net_scalars(net)}
    for n in net.nodes():
        if n.named:
            subs[n.expr] = vals[n.key]
    for la in net.layers:
        if isinstance(la, Activation) and la.jacobian_name is not None and \
                formula.has(la.jacobian_name):
            Jv = tame(explicit(la.jacobian_value(), subs))
            ctx.step("substitute", Jv, lhs=la.jacobian_name, before=la.jacobian_value())
            subs[la.jacobian_name] = Jv
    return tame(explicit(formula, subs))


def _float_value(ctx: Context, net: Network, formula: Any, vals: dict[str, Any]) -> Any:
    """The formula evaluated in float64 (``to_numpy``: products of matrices, diagonals
    applied by broadcasting), for a network too large for exact numbers."""
    env = dict(_floats(ctx, net))
    for n in net.nodes():
        if n.named:
            env[n.expr.name] = _float_array(vals[n.key])
    for la in net.layers:
        if isinstance(la, Activation) and la.jacobian_name is not None and \
                formula.has(la.jacobian_name):
            d = np.asarray(to_numpy(la.derivative_vector(), env), dtype=float)
            ctx.step("substitute", Diag(_float_matrix(d)), lhs=la.jacobian_name,
                     before=la.jacobian_value())
            env[la.jacobian_name.name] = np.diag(d.reshape(-1))
    scalars = {s: float(v) for s, v in net_scalars(net).items()}
    sizes = {**sizes_of(formula, env), **scalars} if scalars else None
    return _float_matrix(np.asarray(to_numpy(formula, env, sizes), dtype=float))


_BUILDERS = ("net-input", "net-dense", "net-activation", "net-softmax", "net-loss",
             "net-upstream")


def network_of(problem: Any) -> Network | None:
    """The network a problem's spec builds (its layer blocks only, nothing derived): for
    code that needs every matrix name and shape, e.g. ``network_of(p).matrix_names()``
    when reading a student's matrix expression."""
    from derive.core.registry import registered

    ctx = Context(problem)
    for part in problem.parts:
        for call in part.calls:
            if call.block in _BUILDERS and (blk := registered(call.block)) is not None:
                ctx.part, ctx.where = part.name, call.where
                blk.fn(ctx, **call.args)
    return ctx.cache.get(NET)
