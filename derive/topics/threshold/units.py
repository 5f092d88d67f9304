"""Threshold units: truth tables of gates, exact evaluation of units and small networks.

A unit with weights ``w`` and bias ``b`` outputs 1 when ``w·x + b > 0`` (that is
``σ(w·x + b) > 0.5``), else 0. Weights are rows ``[w1, …, wn, b]`` (bias last); a
network is a list of layers, each a matrix with a row per unit.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import sympy as sp

#: named gates: output for a tuple of 0/1 inputs
GATES = {
    "and": lambda xs: int(all(xs)),
    "or": lambda xs: int(any(xs)),
    "nand": lambda xs: 1 - int(all(xs)),
    "nor": lambda xs: 1 - int(any(xs)),
    "xor": lambda xs: sum(xs) % 2,
    "xnor": lambda xs: 1 - sum(xs) % 2,
}


def input_rows(n: int) -> list[tuple[int, ...]]:
    """All 0/1 inputs in binary order: 00, 01, 10, 11 for two inputs."""
    return list(itertools.product((0, 1), repeat=n))


def truth_table(gate: str | Sequence[int], n: int = 2) -> list[int]:
    """The outputs of a named gate (or an explicit list) for :func:`input_rows`."""
    if isinstance(gate, str):
        return [GATES[gate](xs) for xs in input_rows(n)]
    out = [int(v) for v in gate]
    if len(out) != 2 ** n or any(v not in (0, 1) for v in out):
        raise ValueError(f"a truth table of {n} inputs has {2 ** n} entries, each 0 or 1")
    return out


def fires(z: Any) -> int:
    """The firing rule: 1 when the net input is strictly positive."""
    return 1 if z > 0 else 0


def net_input(row: Sequence[Any], xs: Sequence[Any]) -> Any:
    """w·x + b for a weight row [w1, …, wn, b]."""
    *w, b = row
    return sp.Add(*[wi * xi for wi, xi in zip(w, xs, strict=True)]) + b


def run_network(layers: Sequence[sp.MatrixBase], xs: Sequence[int],
                ) -> list[tuple[list[Any], list[int]]]:
    """Per layer: the net inputs and the outputs of its units, for one input row."""
    trace = []
    current: list[Any] = list(xs)
    for layer in layers:
        zs = [net_input(list(layer.row(u)), current) for u in range(layer.rows)]
        outs = [fires(z) for z in zs]
        trace.append((zs, outs))
        current = outs
    return trace


def network_outputs(layers: Sequence[sp.MatrixBase], n: int) -> list[int]:
    """The network's final output (first unit of the last layer) for every input row."""
    return [run_network(layers, xs)[-1][1][0] for xs in input_rows(n)]


def minterm_unit(xs: Sequence[int]) -> list[sp.Integer]:
    """A unit that fires for exactly the input ``xs``: weights ±2, bias 1 − 2·(#ones)."""
    return [sp.Integer(2 if x else -2) for x in xs] + [sp.Integer(1 - 2 * sum(xs))]


def two_layer_design(truth: Sequence[int], n: int, hidden: int,
                     ) -> tuple[sp.ImmutableMatrix, sp.ImmutableMatrix, str]:
    """A hidden layer of ``hidden`` units and one output unit computing ``truth``.

    Each hidden unit recognises one input row (a minterm): the rows where the gate
    outputs 1, combined by OR, or, when there are fewer rows with 0, those rows
    combined by NOR. Returns (hidden, output, 'or' | 'nor').
    """
    rows = input_rows(n)
    ones = [r for r, t in zip(rows, truth, strict=True) if t]
    zeros = [r for r, t in zip(rows, truth, strict=True) if not t]
    use, combine = (ones, "or") if len(ones) <= len(zeros) else (zeros, "nor")
    if len(use) > hidden:
        raise ValueError(f"{hidden} hidden units cannot single out {len(use)} input rows")
    picked = use + [use[-1]] * (hidden - len(use)) if use else []
    units = [minterm_unit(r) for r in picked]
    if not units:  # a constant gate: hidden units that never fire
        units = [[sp.Integer(0)] * n + [sp.Integer(-1)] for _ in range(hidden)]
    if combine == "or":
        out = [sp.Integer(2)] * hidden + [sp.Integer(-1)]
    else:
        out = [sp.Integer(-2)] * hidden + [sp.Integer(1)]
    if not use:  # constant: OR of nothing is 0, NOR of nothing is 1
        out = [sp.Integer(0)] * hidden + [sp.Integer(-1 if combine == "or" else 1)]
    return sp.ImmutableMatrix(units), sp.ImmutableMatrix([out]), combine
