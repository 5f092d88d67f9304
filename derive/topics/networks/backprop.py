"""The matrix-form chain rule through a network's layers, as lines of a worked solution.

Row gradients propagate as ``δ_in = δ_out J``, column gradients as ``δ_in = Jᵀ δ_out``,
with each layer's local Jacobian from ``layers``. The textbook simplifications
(softmax + cross-entropy → ``o − y`` using Σy = 1, sigmoid + binary cross-entropy →
``o − y``) are rewrites that fire only on the exact product the rules give, so a wrong
rule is never hidden by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.core.derivation import rule_variable
from derive.topics.networks.layers import (
    Activation,
    Dense,
    Layer,
    Loss,
    Network,
    Node,
    Softmax,
    Upstream,
)
from derive.topics.networks.matrix_calculus import (
    Diag,
    Hadamard,
    Ordered,
    Partial,
    Quotient,
    SumOf,
    chain,
    diag_hadamard_identity,
    one_minus,
)
from derive.topics.networks.matrix_forms import Equals, Odot, Ones, Terms

# -- derivation: lines of a worked solution -------------------------------------------

@dataclass(frozen=True)
class Line:
    """One step of the matrix-form derivation (recorded by the block as a ``Step``)."""

    key: str
    """what it establishes ('J:f_2', 'grad:a', 'simplify:f_2'), for ``uses``"""
    rule: str
    lhs: Any
    after: Any
    before: Any = None
    facts: tuple[Any, ...] = ()
    uses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grad:
    """∂E/∂node: its value, the chain of derivatives it was built from, its last line."""

    node: Node
    value: Any
    chain: tuple[Any, ...]
    line: str


def _partial(num: Any, den: Node | sp.MatrixSymbol) -> Partial:
    return Partial(num, den.expr if isinstance(den, Node) else den)


def jacobian_line(layer: Layer) -> Line:
    """∂out/∂in of one block, by its rule."""
    rule, J = layer.jacobian()
    lhs = _partial(layer.out.expr, layer.inp)
    if isinstance(layer, Activation) and layer.fn != "identity":
        facts: tuple[Any, ...] = ()
        st = layer.rule_.statement
        if st is not None and layer.jacobian_name is None:
            u = rule_variable()
            facts = (sp.Eq(sp.Derivative(layer.rule_.scalar(u), u), st(u), evaluate=False),)
        return Line(f"J:{layer.out.key}", rule, lhs, J, before=layer.generic_jacobian(),
                    facts=facts)
    return Line(f"J:{layer.out.key}", rule, lhs, J)


def loss_gradient(net: Network) -> tuple[Grad, list[Line]]:
    """∂E/∂o by the loss's rule, or the given g = ∂L/∂y."""
    end = net.end
    o = net.output
    if isinstance(end, Upstream):
        line = Line(f"grad:{o.key}", "given", _partial(end.name, o), end.g)
        return Grad(o, end.g, (_partial(end.name, o),), line.key), [line]
    assert isinstance(end, Loss)
    rule, g = end.gradient()
    line = Line(f"grad:{o.key}", rule, _partial(end.name, o), g)
    return Grad(o, g, (_partial(end.name, o),), line.key), [line]


def _vjp(net: Network, g: Any, J: Any) -> Any:
    """δ_in from δ_out and the local Jacobian: δJ (rows) or Jᵀδ (columns)."""
    if isinstance(J, sp.Identity):
        return g
    if net.convention == "row":
        return g * J
    return _transpose(J) * g


def _symmetric(J: Any) -> bool:
    return isinstance(J, (Diag, sp.Identity)) or (
        isinstance(J, sp.MatrixSymbol) and J.name.startswith("J")) or (
        isinstance(J, Ordered) and isinstance(J.args[0], Diag))


def _transpose(J: Any) -> Any:
    """Jᵀ, keeping diagonal and softmax Jacobians as they are (they are symmetric)."""
    return J if _symmetric(J) else J.T


def back_through(net: Network, layer: Layer, up: Grad) -> tuple[Grad, list[Line]]:
    """∂E/∂in of one layer from ∂E/∂out: local Jacobian, chain rule, simplification."""
    if net.batch is not None:
        return back_through_batch(net, layer, up)
    lines: list[Line] = []
    jl = jacobian_line(layer)
    lines.append(jl)
    value = _vjp(net, up.value, jl.after)
    name = net.objective
    local = _partial(layer.out.expr, layer.inp)
    if net.convention == "row":
        shown = up.chain + (local,)
    else:
        shown = (Partial(layer.out.expr, layer.inp.expr, sp.true),) + up.chain
    facts: tuple[Any, ...] = ()
    if net.convention == "column" and _symmetric(jl.after) and not isinstance(
            jl.after, sp.Identity):
        facts = (sp.Eq(sp.Transpose(jl.after), jl.after, evaluate=False),)
    key = f"grad:{layer.inp.key}"
    chain_line = Line(key, "chain-rule", _partial(name, layer.inp), value,
                      before=chain(*shown), facts=facts, uses=(up.line, jl.key))
    lines.append(chain_line)
    simplified = simplify_output_gradient(net, layer, up.value, jl.after, value)
    if simplified:
        lines += [Line(key, rule, _partial(name, layer.inp), after, before=before, facts=f,
                       uses=(key,)) for rule, before, after, f in simplified]
        value = simplified[-1][2]
        return Grad(layer.inp, value, (_partial(name, layer.inp),), key), lines
    if isinstance(layer, Activation):
        h = as_hadamard(net, value)
        if h is not None:
            lines.append(Line(key, "diag-as-hadamard", _partial(name, layer.inp), h,
                              before=value, uses=(key,), facts=(diag_hadamard_identity(),)))
    return Grad(layer.inp, value, shown, key), lines


def back_through_batch(net: Network, layer: Layer, up: Grad) -> tuple[Grad, list[Line]]:
    """∂E/∂in of one layer on a batch, as the product a course writes (the Jacobian of a
    matrix by a matrix is not a matrix): δ Wᵀ (rows) or Wᵀ δ (columns) for a dense layer,
    δ ⊙ f'(Z) for an activation, O ⊙ δ − diag((O ⊙ δ) 1) O for a softmax by rows (each
    row is δ_b (diag(o_b) − o_bᵀ o_b)); then the textbook simplifications at the output."""
    name, rows = net.objective, net.batch == "rows"
    key, lhs, d_out = f"grad:{layer.inp.key}", _partial(name, layer.inp), \
        _partial(name, layer.out)
    g = up.value
    facts: tuple[Any, ...] = ()
    if isinstance(layer, Dense):
        W = layer.W
        value = g * W.T if rows else W.T * g
        rule, before = "dense-backward", chain(d_out, W.T) if rows else chain(W.T, d_out)
    elif isinstance(layer, Activation) and layer.fn == "identity":
        rule, value, before = "identity-backward", g, d_out
    elif isinstance(layer, Activation):
        u = layer.derivative_vector()
        value = Hadamard(g, *(u.args if isinstance(u, Hadamard) else (u,)))
        before = Odot(d_out, layer.generic_jacobian().args[0])
        st, v = layer.rule_.statement, rule_variable()
        if st is not None:
            facts = (sp.Eq(sp.Derivative(layer.rule_.scalar(v), v), st(v), evaluate=False),)
        rule = f"{layer.fn}-backward"
    else:
        assert isinstance(layer, Softmax)
        o = layer.out.expr
        og = Hadamard(o, g)
        if rows:
            value = Ordered(og, -(Diag(og * Ones(o.shape[1], 1)) * o))
        else:
            value = Ordered(og, -(o * Diag(Ones(1, o.shape[0]) * og)))
        rule, before = "softmax-backward", None
        facts = (_softmax_rows_fact(rows),)
    lines = [Line(key, rule, lhs, value, before=before, facts=facts, uses=(up.line,))]
    simpler = _simplify_batch_output(net, layer, g)
    if simpler is not None:
        after, fact = simpler
        lines.append(Line(key, "simplify", lhs, after, before=value, facts=(fact,),
                          uses=(key,)))
        value = after
    return Grad(layer.inp, value, (lhs,), key), lines


def _softmax_rows_fact(rows: bool) -> Any:
    """each example's softmax Jacobian: δ_b (diag(o_b) − o_bᵀ o_b) = o_b ⊙ δ_b − (o_b·δ_b) o_b"""
    n = sp.Symbol("K", integer=True, positive=True)
    shape = (1, n) if rows else (n, 1)
    o, d = sp.MatrixSymbol("o_b", *shape), sp.MatrixSymbol("delta_b", *shape)
    if rows:
        return sp.Eq(d * Ordered(Diag(o), -(o.T * o)), Ordered(Hadamard(o, d),
                     -(d * o.T * o)), evaluate=False)
    return sp.Eq(Ordered(Diag(o), -(o * o.T)) * d, Ordered(Hadamard(o, d), -(o * o.T * d)),
                 evaluate=False)


def _simplify_batch_output(net: Network, layer: Layer, g: Any) -> tuple[Any, Any] | None:
    """softmax + cross-entropy or sigmoid + binary cross-entropy on a batch: c (O − Y),
    when δ is exactly the loss's own gradient (a pinned δ is left as the rule gave it)."""
    end = net.end
    if not isinstance(end, Loss) or layer.out != net.output or g != end.gradient()[1]:
        return None
    o, y = layer.out.expr, end.target
    c = end.scale()
    after = o - y if c == 1 else sp.MatMul(c, o - y)
    if isinstance(layer, Softmax) and end.kind == "cross-entropy":
        if net.batch == "rows":  # every row of Y sums to 1: Y 1 = 1
            return after, sp.Eq(y * Ones(o.shape[1], 1), Ones(o.shape[0], 1), evaluate=False)
        return after, sp.Eq(Ones(1, o.shape[0]) * y, Ones(1, o.shape[1]), evaluate=False)
    if isinstance(layer, Activation) and layer.fn == "sigmoid" and \
            end.kind == "binary-cross-entropy":
        n = sp.Symbol("n", integer=True, positive=True)
        v, u = sp.MatrixSymbol("v", n, n), sp.MatrixSymbol("u", n, n)
        return after, sp.Eq(Hadamard(Quotient(v, u), u), v, evaluate=False)  # (v ⊘ u) ⊙ u
    return None


def simplify_output_gradient(net: Network, layer: Layer, g: Any, J: Any,
                             product: Any) -> list[tuple[str, Any, Any, tuple[Any, ...]]]:
    """The textbook cancellations at the output layer, as (rule, before, after, facts).

    Fires only on the exact forms the rules give: (−y ⊘ o)(diag(o) − oᵀo) for softmax +
    cross-entropy, and (o − y) ⊘ (o ⊙ (1 − o)) diag(o ⊙ (1 − o)) for sigmoid + binary
    cross-entropy. Anything else is left as the chain rule gave it.
    """
    end = net.end
    if not isinstance(end, Loss) or layer.out != net.output or end.mean:
        return []
    o, y = layer.out.expr, end.target
    if (isinstance(layer, Softmax) and end.kind == "cross-entropy"
            and g == -Quotient(y, o)):
        outer = o.T * o if net.convention == "row" else o * o.T
        if J != Ordered(Diag(o), -outer):
            return []
        q = Quotient(y, o)
        if net.convention == "row":
            expanded = Ordered(-(q * Diag(o)), q * o.T * o)
        else:
            expanded = Ordered(-(Diag(o) * q), o * o.T * q)
        collected = Ordered(-y, SumOf(y) * o)
        return [
            ("expand", product, expanded, ()),
            ("simplify", expanded, collected,
             (sp.Eq(q * Diag(o) if net.convention == "row" else Diag(o) * q, y,
                    evaluate=False),
              sp.Eq(q * o.T if net.convention == "row" else o.T * q, SumOf(y),
                    evaluate=False))),
            ("one-hot", collected, o - y, (sp.Eq(SumOf(y), 1, evaluate=False),)),
        ]
    if (isinstance(layer, Activation) and layer.fn == "sigmoid"
            and end.kind == "binary-cross-entropy" and layer.jacobian_name is None):
        s = Hadamard(o, one_minus(o))
        if g == Quotient(o - y, s) and J == Diag(s):
            return [("simplify", product, o - y, (diag_hadamard_identity(),))]
    return []


def as_hadamard(net: Network, value: Any) -> Any:
    """δ diag(u) (rows) or diag(u) δ (columns) as the Hadamard form (δ) ⊙ u."""
    if not isinstance(value, sp.MatMul):
        return None
    args = list(value.args)
    if net.convention == "row" and isinstance(args[-1], Diag) and len(args) > 1:
        rest = sp.MatMul(*args[:-1]) if len(args) > 2 else args[0]
        u = args[-1].args[0]
    elif net.convention == "column" and isinstance(args[0], Diag) and len(args) > 1:
        rest = sp.MatMul(*args[1:]) if len(args) > 2 else args[1]
        u = args[0].args[0]
    else:
        return None
    factors = list(u.args) if isinstance(u, Hadamard) else [u]
    return Hadamard(rest, *factors)


def param_line(net: Network, p: sp.MatrixSymbol, delta: Grad) -> Line:
    """∂E/∂W or ∂E/∂b of a dense layer from δ = ∂E/∂out."""
    layer = net.owner(p)
    rule, factor, value = layer.param_gradient(p, delta.value)
    d = _partial(net.objective, layer.out)
    if factor is None:
        before = d
    elif net.convention == "row":
        before = chain(factor, d)
    else:
        before = chain(d, factor)
    end = net.end
    penalties = [pen for pen in end.penalties if p in pen.params] \
        if isinstance(end, Loss) else []
    facts: tuple[Any, ...] = ()
    if penalties:  # E = data loss + R: ∂E/∂W = (the data term) + ∂R/∂W
        shown = [Partial(pen.term(p), p) for pen in penalties]
        grads = [pen.gradient(p) for pen in penalties]
        facts = tuple(Equals(s, gr) for s, gr in zip(shown, grads, strict=True))
        before, value = Terms(before, *shown), Ordered(value, *grads)
        rule = "penalty-gradient"
    return Line(f"grad:{p.name}", rule, _partial(net.objective, p), value, before=before,
                facts=facts, uses=(delta.line,))


def jacobian_product(net: Network, of: Node, wrt: Node) -> tuple[Any, list[Line]]:
    """∂of/∂wrt as the product of the local Jacobians, last layer first."""
    path = path_between(net, wrt, of)
    lines = [jacobian_line(la) for la in path]
    J: Any = None
    for line in lines:
        J = line.after if J is None else J * line.after
    shown = chain(*[ln.lhs for ln in reversed(lines)])
    product = sp.MatMul(*[ln.after for ln in reversed(lines)]) if len(lines) > 1 \
        else lines[0].after
    final = Line(f"jac:{of.key}:{wrt.key}", "chain-rule", _partial(of.expr, wrt), product,
                 before=shown, uses=tuple(ln.key for ln in lines))
    return product, lines + [final]


def path_between(net: Network, start: Node, end: Node) -> list[Layer]:
    """The layers from ``start`` to ``end`` in forward order."""
    out: list[Layer] = []
    n = start
    while n != end:
        la = net.consumer(n)
        if la is None:
            raise ValueError(f"{end.key} does not depend on {start.key}")
        out.append(la)
        n = la.out
    return out


def printed_among(after: Any, seen: list[list[Any]]) -> bool:
    """Whether ``after`` prints as one of ``seen`` ([expression, its str or None]) does;
    added when not. Equal expressions print alike, so ``==`` first; ``str`` (slow for a
    matrix product: SymPy negates it) once per expression, between unequal ones only."""
    if any(after is a or bool(after == a) for a, _ in seen):
        return True
    text = str(after) if seen else None
    for entry in seen:
        entry[1] = str(entry[0]) if entry[1] is None else entry[1]
        if entry[1] == text:
            return True
    seen.append([after, text])
    return False
