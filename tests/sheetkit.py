"""Test helpers for the sheet: a demo block emitting the answer kinds and figures that no
shipped block emits yet (shapes, designs, network and conv-window figures)."""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from derive.core.registry import BLOCKS, block, registry

SPECS = Path(__file__).parent / "specs"
KINDS_SPEC = SPECS / "sheet-kinds.yaml"

#: the conv-window example: a 3x3 input padded by 1, a 2x2 kernel, stride 2
CONV_INPUT = [[1, 0, 2], [3, 1, 0], [0, 2, 1]]
CONV_KERNEL = [[1, -1], [sp.Rational(1, 2), 2]]


def conv2d(inp: list[list[float]], ker: list[list[float]], stride: int) -> list[list[float]]:
    """Cross-correlation written out with loops (the course's 'convolution')."""
    kh, kw = len(ker), len(ker[0])
    rows = (len(inp) - kh) // stride + 1
    cols = (len(inp[0]) - kw) // stride + 1
    return [[sum(inp[r * stride + i][c * stride + j] * ker[i][j]
                 for i in range(kh) for j in range(kw)) for c in range(cols)]
            for r in range(rows)]


def padded(inp: list[list[float]], pad: int) -> list[list[float]]:
    width = len(inp[0]) + 2 * pad
    zeros = [[0] * width for _ in range(pad)]
    return zeros + [[0] * pad + list(r) + [0] * pad for r in inp] + zeros


def _demo(ctx) -> None:
    """Emit one answer of each remaining kind, a table with words, and two figures."""
    n = sp.Symbol("N", integer=True, positive=True)
    i = ctx.step("conv-output-size", sp.Integer(9), lhs=sp.Symbol("W_out"),
                 before=(sp.Symbol("W") - sp.Symbol("k")) / sp.Symbol("s") + 1,
                 subs={sp.Symbol("W"): 21, sp.Symbol("k"): 5, sp.Symbol("s"): 2})
    ctx.emit("b.shape", (9, 9, 6), i)
    ctx.emit("b.sym_shape", (n, sp.Integer(10)), i)
    t = ctx.table("layer-shapes", ["layer", "output", sp.Symbol("params")],
                  [["conv", sp.Symbol("9 \\times 9 \\times 6"), 456],
                   ["pool", sp.Symbol("4 \\times 4 \\times 6"), 0]])
    ctx.emit("b.params", sp.Integer(456), t)
    ctx.emit("b.weights", [1, 1, sp.Rational(-3, 2)], t)
    ctx.emit("b.hidden", sp.ImmutableMatrix([[1, -1, sp.Rational(-1, 2)],
                                             [-1, 1, sp.Rational(-1, 2)]]), t)
    ctx.figure("network", caption="the 2-2-1 network of part b",
               layers=[["$i_1$", "$i_2$", "1"], ["h_1", "h_2"], [r"\hat y"]],
               edges=[("$i_1$", "h_1", "w_1"), ("$i_1$", "h_2", "$w_2$"),
                      ("$i_2$", "h_1", sp.Float(0.15)), ("$i_2$", "h_2", "w_4"),
                      ("1", "h_1", "w_5"), ("1", "h_2", None),
                      ("h_1", r"\hat y", "w_7"), ("h_2", r"\hat y", sp.Rational(1, 4))])
    # matrix calculus as the matrix-form networks write it
    N, M, K = sp.symbols("N M K", integer=True, positive=True)
    x, a = sp.MatrixSymbol("x", 1, N), sp.MatrixSymbol("a", 1, M)
    o, y = sp.MatrixSymbol("o", 1, K), sp.MatrixSymbol("y", 1, K)
    W2 = sp.MatrixSymbol("W_2", M, K)
    delta = sp.hadamard_product((o - y) * W2.T, a, sp.OneMatrix(1, M) - a)
    j = ctx.step("chain-rule", x.T * delta, lhs=sp.Symbol(r"\frac{\partial E}{\partial W_1}"),
                 facts=(sp.Eq(sp.Symbol(r"\frac{\partial E}{\partial f_2}"), o - y,
                              evaluate=False),))
    ctx.emit("b.dE_dW1", x.T * delta, j)
    # a wide table: nine weights, their gradients and the updated weights
    ctx.table("gd-update", ["weight"] + [sp.Symbol(f"w_{k}") for k in range(1, 10)],
              [["gradient"] + [sp.Rational(-k * 37, 1000) for k in range(1, 10)],
               ["updated"] + [sp.Rational(k * 1234567, 10**7) for k in range(1, 10)]])
    inp = padded(CONV_INPUT, 1)
    out = conv2d(inp, CONV_KERNEL, 2)
    ctx.figure("conv-window", caption="output entry (1, 0): the window and the kernel",
               input=sp.Matrix(inp), kernel=sp.Matrix(CONV_KERNEL), stride=2,
               position=(1, 0), output=sp.Matrix(out), padding=1)


def register_demo() -> None:
    registry()
    if "sheet-test-demo" not in BLOCKS:
        block("sheet-test-demo")(_demo)


def kinds_solution():
    """The solved test spec with every answer kind and figure kind."""
    from derive.core.spec import load_problem

    register_demo()
    return load_problem(str(KINDS_SPEC)).solve(verify=False)
