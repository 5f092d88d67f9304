"""Throughput of parse + judge on a mix of ~200 realistic answers (single process).

Run: ``python tests/bench_parse_judge.py`` from the repository root. Not a test.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent.parent), str(Path(__file__).parent.parent / "tests")]

import sympy as sp  # noqa: E402
import test_equivalence as T  # noqa: E402

from derive.check.judge.equivalence import judge  # noqa: E402
from derive.check.read import latex2sympy_adapter as tex_core  # noqa: E402
from derive.check.read.parse import ParseConfig  # noqa: E402
from derive.core.model import AnswerSpec  # noqa: E402


def answers() -> list[tuple]:
    """(gold, kind, text, config) drawn from the answer tables of test_equivalence."""
    rng = random.Random(0)
    out = []
    # numbers: ~40 %, with varied digits as a class's answers would have
    for _ in range(80):
        gold = sp.Rational(rng.randint(-2000, 2000), 1000)
        written = f"{float(gold) + rng.choice([0, 0, 0.001, -0.02]):.{rng.choice([2, 3, 4])}f}"
        form = rng.choice(["{}", r"\boxed{{{}}}", "x_2 = {}", r"x_1 = x_0 - \eta g = {}"])
        out.append((gold, "number", form.format(written), ParseConfig()))
    exprs = [(g, "expression", a, T.GELU) for g, a, _ in [
        (T.GELU_PRIME, r"\sigma(1.702x) [1 + 1.702x - 1.702x \sigma(1.702x)]", 0),
        (T.GELU_PRIME, r"\sigma(1.702x) + 1.702x \sigma(1.702x) (1 - \sigma(1.702x))", 0),
        (T.GELU_PRIME, r"\delta(1.702x)[1 + 1.702x(1 - \delta(1.702x))]", 0),
        (T.GELU_PRIME, r"\sigma(1.7x)[1 + 1.7x - 1.7x\sigma(1.7x)]", 0)]]
    exprs += [(T.sp.diff(T.sp.tanh(T.x), T.x), "expression", a, T.TANH_X) for a in
              (r"\operatorname{sech}^2 x", r"1 - \tanh^2 x", r"1 - f(x)^2")]
    exprs += [(T.sp.diff(T.E, T.w_f), "expression", a, T.CONV) for a in
              (r"-2(y - o) o (1 - o) c", r"2(o - y) o (1 - o) c",
               r"-2(y_i - o_i(x)) \cdot \frac{e^{-c_i(x)w_i^f}}{(1+e^{-c_i(x)w_i^f})^2}"
               r" \cdot c_i(x)")]
    exprs += [(T.LOSS_D, "expression", r"p_i(p_i - t_i) - p_i \sum_k (p_k - t_k) p_k",
               T.INDEXED)]
    out += [exprs[i % len(exprs)] for i in range(50)]
    mats = [(T.exact(T.CONV_OUT), r"F' = \begin{bmatrix} 15.5 & 21 & 27 & 8 \\ 4.5 & 30 & "
             r"9.5 & 22.5 \\ 13.5 & -6.5 & 18 & 4 \\ -5 & 6 & -12.5 & 4.5 \end{bmatrix}"),
            (T.exact(T.POOLED), r"\begin{array}{|c|c|} \hline 11.75 & 16.75 \\ \hline 2 & 3.5"
             r" \\ \hline \end{array}"),
            (T.exact([[1, 1, 1], [0, 1, 3], [0, 0, 1]]),
             r"\begin{bmatrix} 1 & 1 & 1 \\ 0 & 1 & 3 \\ 0 & 0 & 1 \end{bmatrix}")]
    out += [(g, "matrix", a, ParseConfig()) for g, a in (mats[i % 3] for i in range(30))]
    mexprs = [(T.G["a.dE_df2"], "o - y"), (T.G["a.dE_df2"], "o_i - y_i"),
              (T.G["b.dE_dx"], r"\left[(o - y) W_2^T \odot a \odot (1 - a)\right] W_1^T"),
              (T.G["b.dE_dx"], r"(o - y) W_2^T \operatorname{diag}(a(1-a)) W_1^T"),
              (T.G["c.dE_dW2"], r"a^T (o - y)"), (T.G["b.dE_dx"], "W_1 W_2^T")]
    out += [(g, "matrix-expression", a, T.SOFTMAX) for g, a in
            (mexprs[i % len(mexprs)] for i in range(20))]
    shapes = [((9, 9, 6), r"9 \times 9 \times 6"), ((28, 28, 10), r"28 \times 24 \times 10"),
              ((4, 4, 6), "[4, 4, 6]")]
    out += [(tuple(sp.Integer(d) for d in g), "shape", a, ParseConfig())
            for g, a in (shapes[i % 3] for i in range(10))]
    out += [("momentum", "choice", a, ParseConfig()) for a in
            ["momentum", r"\text{GD}", "Momentum", "gd", "momentum"] * 2]
    return out


def run(items: list[tuple]) -> float:
    start = time.perf_counter()
    for gold, kind, text, cfg in items:
        judge(gold, AnswerSpec("p.a", kind, choices=("gd", "momentum")), text, cfg)
    return time.perf_counter() - start


if __name__ == "__main__":
    items = answers()
    counts = {}
    for _, kind, _, _ in items:
        counts[kind] = counts.get(kind, 0) + 1
    judge(sp.Integer(1), AnswerSpec("p.w", "expression"), "x + 1", ParseConfig())  # warm-up
    tex_core.read_core.cache_clear()
    cold = run(items)
    warm = run(items)
    print(f"{len(items)} answers {counts}")
    print(f"cold cache: {cold:.2f} s, {len(items) / cold:.0f} answers/s")
    print(f"warm cache: {warm:.2f} s, {len(items) / warm:.0f} answers/s")
    by_kind = {}
    for item in items:
        t = run([item])
        by_kind.setdefault(item[1], []).append(t)
    for kind, ts in by_kind.items():
        print(f"  {kind:18s} mean {1000 * sum(ts) / len(ts):7.1f} ms  max {1000 * max(ts):7.1f} ms")
