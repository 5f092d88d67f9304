"""Threshold-unit blocks: a design for a gate (one unit or a hidden layer), a network's table."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from derive.core.derivation import Context
from derive.core.notation import Product, Sum
from derive.core.registry import Param, block
from derive.core.values import format_number
from derive.topics.conv.windows import whole
from derive.topics.design import DesignSpec, design_spec, evaluate_design
from derive.topics.threshold import units as threshold
from derive.topics.threshold.separability import separate

STEP = sp.Function("step")


def _unit_names(count: int, taken: int) -> list[str]:
    """Hidden units are named C, D, … after the inputs A, B (H1, H2, … when many)."""
    if taken + count <= 26 and count <= 4:
        return [chr(ord("A") + taken + i) for i in range(count)]
    return [f"H{i + 1}" for i in range(count)]


def _net_expr(row: Sequence[Any], names: Sequence[str]) -> Any:
    """w1·A + w2·B + b as a SymPy expression (for the unit's rule)."""
    *w, b = row
    return sp.Add(*[wi * sp.Symbol(n) for wi, n in zip(w, names, strict=True)]) + b


def _written_net(row: Sequence[Any], xs: Sequence[Any]) -> Any:
    """w1·x1 + w2·x2 + b with the numbers written in, in order."""
    *w, b = row
    return Sum(*[Product(wi, xi) for wi, xi in zip(w, xs, strict=True)], b)


def _truth_table(ctx: Context, layers: list[sp.ImmutableMatrix], inputs: list[str],
                 names: list[list[str]], target: list[int] | None, uses: list[int]) -> int:
    """A table row per input: each unit's net input (written out) and output."""
    cols: list[Any] = [sp.Symbol(n) for n in inputs]
    for layer_names in names:
        for u in layer_names:
            cols += [sp.Symbol(f"z_{u}"), sp.Symbol(u)]
    if target is not None:
        cols.append("wanted")
    rows = []
    for r, xs in enumerate(threshold.input_rows(len(inputs))):
        row: list[Any] = [sp.Integer(x) for x in xs]
        current: list[Any] = list(xs)
        for layer in layers:
            outs = []
            for u in range(layer.rows):
                weights = list(layer.row(u))
                z = threshold.net_input(weights, current)
                row += [sp.Eq(_written_net(weights, current), z, evaluate=False)
                        if len(layers) == 1 else z, sp.Integer(threshold.fires(z))]
                outs.append(threshold.fires(z))
            current = outs
        if target is not None:
            row.append(sp.Integer(target[r]))
        rows.append(row)
    return ctx.table("truth-table", cols, rows, uses=uses)


def _fraction_outputs(layers: list[list[list[Fraction]]], n: int) -> list[int]:
    """The independent route: Fractions, loops, the firing rule z > 0."""
    outs = []
    for code in range(2 ** n):
        signal = [Fraction((code >> (n - 1 - i)) & 1) for i in range(n)]
        for layer in layers:
            nxt = []
            for unit in layer:
                z = unit[-1]
                for w, x in zip(unit[:-1], signal, strict=True):
                    z += w * x
                nxt.append(Fraction(1) if z > 0 else Fraction(0))
            signal = nxt
        outs.append(int(signal[0]))
    return outs


def _gate_by_operators(gate: str, n: int) -> list[int] | None:
    """A named gate's outputs from Python's own operators (None for a custom table)."""
    ops = {"AND": all, "OR": any, "XOR": lambda bits: sum(bits) % 2 == 1}
    negated = {"NAND": "AND", "NOR": "OR", "XNOR": "XOR"}
    rows = [[(code >> (n - 1 - i)) & 1 for i in range(n)] for code in range(2 ** n)]
    if gate in ops:
        return [int(ops[gate](r)) for r in rows]
    if gate in negated:
        return [1 - int(ops[negated[gate]](r)) for r in rows]
    return None


def _fractions(m: sp.MatrixBase) -> list[list[Fraction]]:
    return [[Fraction(int(sp.Rational(c).p), int(sp.Rational(c).q)) for c in m.row(i)]
            for i in range(m.rows)]


def _bias_last(m: sp.ImmutableMatrix, bias: str) -> sp.ImmutableMatrix:
    return m if bias == "last" else sp.ImmutableMatrix(m[:, 1:].row_join(m[:, :1]))


def _as_declared(m: sp.ImmutableMatrix, bias: str) -> sp.ImmutableMatrix:
    return m if bias == "last" else sp.ImmutableMatrix(m[:, -1:].row_join(m[:, :-1]))


@block(
    "threshold-design",
    answer=Param("answer", doc="a design answer declaring a gate (its group: the layers)"),
)
def threshold_design(ctx: Context, answer: str) -> None:
    """One set of weights computing the declared gate: a unit, or a hidden layer + output."""
    spec = design_spec(ctx.problem, answer)
    if spec.property != "gate":
        raise ctx.fail("answer", f"'{answer}' must declare a gate property (e.g. xor)")
    o = spec.options
    n, truth, inputs = o["inputs"], o["truth"], o["names"]
    if len(spec.group) == 1:
        layers = [_single_unit(ctx, spec, truth, n)]
        names = [["y"]]
    elif len(spec.group) == 2:
        hidden_shape = spec.shapes.get(spec.group[0])
        m = hidden_shape[0] if hidden_shape else 2
        try:
            hidden, output, combine = threshold.two_layer_design(truth, n, m)
        except ValueError as e:
            raise ctx.fail("answer", f"no example for {o['gate']}: {e} (one hidden unit per "
                                     "input row the construction singles out)") from None
        layers = [hidden, output]
        names = [_unit_names(m, n), ["y"]]
        uses = []
        for u, row in enumerate(hidden.tolist()):
            fires_at = [xs for xs in threshold.input_rows(n)
                        if threshold.fires(threshold.net_input(row, xs))]
            at = "; ".join(", ".join(f"{a}={x}" for a, x in zip(inputs, xs, strict=True))
                           for xs in fires_at)
            uses.append(ctx.step("threshold-unit", STEP(_net_expr(row, inputs)),
                                 lhs=sp.Symbol(names[0][u]),
                                 facts=(f"fires only for {at}" if at else "never fires",)))
        uses.append(ctx.step("threshold-unit", STEP(_net_expr(output.row(0), names[0])),
                             lhs=sp.Symbol("y"),
                             facts=(f"{combine.upper()} of {', '.join(names[0])}",)))
        _truth_table(ctx, layers, inputs, names, truth, uses)
    else:
        raise ctx.fail("answer", "an example is built for one unit or one hidden layer "
                                 f"(the group of '{answer}' has {len(spec.group)} layers)")
    values = {}
    for aid, layer in zip(spec.group, layers, strict=True):
        shown = _as_declared(layer, o["bias"])
        want = spec.shapes.get(aid)
        if want is not None and tuple(shown.shape) != tuple(want):
            raise ctx.fail("answer", f"the design of {aid} is {shown.rows}×{shown.cols} but "
                                     f"the answer declares shape {list(want)}")
        values[aid] = ctx.emit(aid, shown, len(ctx.items) - 1)
    _network_figure(ctx, layers, inputs, names)
    _register_gate_checks(ctx, spec, values, truth, n)


def _single_unit(ctx: Context, spec: DesignSpec, truth: list[int], n: int,
                 ) -> sp.ImmutableMatrix:
    o = spec.options
    rows = threshold.input_rows(n)
    sep = separate(rows, truth)
    if not sep.separable:
        raise ctx.fail("answer", f"{o['gate']} is not linearly separable, so no single "
                                 "threshold unit computes it; declare a hidden layer "
                                 "(together: [hidden, output])")
    assert sep.weights is not None
    w0, *w = sep.weights
    unit = sp.ImmutableMatrix([list(w) + [w0]])
    rule = ctx.step("threshold-unit", STEP(_net_expr(unit.row(0), o["names"])),
                    lhs=sp.Symbol("y"), facts=("y = 1 when the net input is > 0",))
    _truth_table(ctx, [unit], o["names"], [["y"]], truth, [rule])
    return unit


def _network_figure(ctx: Context, layers: list[sp.ImmutableMatrix], inputs: list[str],
                    names: list[list[str]]) -> None:
    labels = [list(inputs)] + names
    edges = []
    for li, layer in enumerate(layers):
        for u in range(layer.rows):
            row = list(layer.row(u))
            for src, w in zip(labels[li], row[:-1], strict=True):
                edges.append((src, labels[li + 1][u], format_number(w)))
    nodes = [list(inputs)] + [[f"{u}\\,(b={format_number(layer[i, -1])})"
                               for i, u in enumerate(layer_names)]
                              for layer, layer_names in zip(layers, names, strict=True)]
    renamed = []
    for src, dst, w in edges:
        for li, layer_names in enumerate(names):
            if dst in layer_names:
                dst = nodes[li + 1][layer_names.index(dst)]
            if src in layer_names:
                src = nodes[li + 1][layer_names.index(src)]
        renamed.append((src, dst, w))
    ctx.figure("network", caption="threshold units: output 1 when the net input is > 0",
               layers=nodes, edges=renamed)


def _register_gate_checks(ctx: Context, spec: DesignSpec, values: dict[str, Any],
                          truth: list[int], n: int) -> None:
    group = list(spec.group)
    o = spec.options
    layers = [_fractions(_bias_last(sp.ImmutableMatrix(values[a]), o["bias"])) for a in group]
    wanted = _gate_by_operators(o["gate"], n) or list(truth)

    def run() -> tuple[bool, float, str]:
        got = _fraction_outputs(layers, n)
        return got == wanted, 0.0 if got == wanted else float("inf"), \
            f"outputs {got}, wanted {wanted}"

    ctx.check(f"{', '.join(group)}: truth table evaluated", group, "exact-recompute", run)

    def lookup(ref: str) -> Any:
        return ctx.answer_value(ref)

    def run_property() -> tuple[bool, float, str]:
        r = evaluate_design(spec, values, lookup)
        return r.ok, 0.0 if r.ok else float("inf"), r.feedback or "accepted by its property"

    ctx.check(f"{', '.join(group)}: accepted by the marking property", group,
              "design-property", run_property)


@block(
    "threshold-network",
    layers=Param("expr_list", takes="array", min_items=1,
                 doc="weight matrices layer by layer, a row [w1, …, b] per unit"),
    answer=Param("answer", doc="matrix 1×2^n: the output for each input row (00, 01, …)"),
    inputs=Param("expr", takes="scalar", required=False, default=2, doc="how many 0/1 inputs"),
    bias=Param("text", required=False, default="last", choices=("first", "last"),
               doc="where each row holds the bias: [b, w1, …] or [w1, …, b]"),
)
def threshold_network(ctx: Context, layers: list[Any], answer: str, inputs: Any,
                      bias: str) -> None:
    """The truth table of a given network of threshold units."""
    n = whole(ctx, "inputs", inputs, low=1)
    mats = []
    fan_in = n
    for i, e in enumerate(layers):
        m = ctx.value(e)
        if not isinstance(m, sp.MatrixBase):
            raise ctx.fail(f"layers[{i}]", f"expected a matrix with a row per unit, found {m}")
        m = _bias_last(sp.ImmutableMatrix(m), bias)
        if m.cols != fan_in + 1:
            raise ctx.fail(f"layers[{i}]", f"each unit needs {fan_in + 1} numbers ({fan_in} "
                                           f"weights and a bias), found {m.cols}")
        mats.append(m)
        fan_in = m.rows
    if mats[-1].rows != 1:
        raise ctx.fail(f"layers[{len(mats) - 1}]", "the last layer must be one output unit")
    inputs_names = [chr(ord("A") + i) for i in range(n)]
    names = [_unit_names(m.rows, n) for m in mats[:-1]] + [["y"]]
    uses = []
    prev = inputs_names
    for m, layer_names in zip(mats, names, strict=True):
        for u in range(m.rows):
            uses.append(ctx.step("threshold-unit", STEP(_net_expr(m.row(u), prev)),
                                 lhs=sp.Symbol(layer_names[u])))
        prev = layer_names
    tab = _truth_table(ctx, mats, inputs_names, names, None, uses)
    outs = threshold.network_outputs(mats, n)
    value = sp.ImmutableMatrix([outs])
    ctx.emit(answer, value, tab)
    _network_figure(ctx, mats, inputs_names, names)
    frac = [_fractions(m) for m in mats]

    def run() -> tuple[bool, float, str]:
        got = _fraction_outputs(frac, n)
        return got == outs, 0.0 if got == outs else float("inf"), f"outputs {got}"

    ctx.check(f"{answer}: network evaluated row by row", [answer], "exact-recompute", run)
