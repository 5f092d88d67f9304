"""The reader's own arithmetic (read/core_arithmetic.py) builds exactly latex2sympy2's tree.

The expected trees come from latex2sympy2 itself (the independent route: the parser the
fast reader stands in for), compared node by node: type, argument order, numbers.
"""

from __future__ import annotations

import random

import pytest
import sympy as sp

from derive.check.read.core_arithmetic import read_arithmetic
from derive.check.read.latex2sympy_adapter import read_core

#: cores the reference answer files and student sheets produce (collected from the tests)
REFERENCE = [
    "a", "b", "a^{b}", "a - b", "- a", "a + b", "a b", "1.702 a", "(a - b) f g j",
    "a^{2}", "{a} (1 - a)", "\\frac{1}{4}", "a b c", "1 - a", "- a \\cdot b", "10^{10}",
    "- a b", "\\frac{1}{1 + a^{b}} + 10^{-6}", "2 \\cdot 0.31500 + 1 \\cdot 0.3 + 0.1",
    "10^{a}", "- a - b c", "- \\frac{1}{0.6}", "- \\frac{1}{0.680000}", "- 4 / 5",
    "(2^{1000})^{1000}", "{a} (1 + 1.702 {b} (1 - a))", "(a - b) c",
    "- {2} (a - b) \\cdot \\frac{c^{f}}{(1 + c^{f})^{2}} \\cdot g \\frac{c^{h}}{(1 + c^{h})^{2}} j",
    "a / b", "- a / b", "{a} (1 + 1.702 b - 1.702 b a)", "a b 0.5 c", "a b + c", "(a)",
    "(\\frac{21 - 5}{2} + 1)", "2^{-1}", "\\frac{a^{b}}{(1 + a^{b})^{2}}", "456 a b",
    "4 - 5", "2 2 a", "+ a", "+ a - b", "(a b c) f", "(1 + a) \\cdot 2", "a - 1",
    "\\frac{15.5 + 21 + 4.5 + 30}{4}", "a^{2} 3", "{a} (1 + b {c} (1 - a))",
    "a / b / c", "a / b \\cdot c", "a \\cdot b / c", "a + (b + c)", "a - (b + c)",
    "a - \\frac{1}{4}", "a - 2^{3}", "- - a", "- 2 a", "a - 0.5", "(a + b) (c + f)",
]

#: outside the subset: latex2sympy2 reads (or refuses) these
OUTSIDE = [
    "", "a +", "+", "\\mod", "a \\mod b", "\\sqrt{a}", "\\sum_{a=1}^{b} c", "| a - 1 |",
    "a^{2}^{2}", "a (b)", "a^{2} (b)", "a_1", "d", "e", "I", "1,000", "2.", "\\alpha",
    "\\frac12", "a^2", "(a", "a)", "{a", "\\cdotx",
]


def same_tree(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    assert isinstance(a, sp.Basic) and isinstance(b, sp.Basic)
    if not a.args:
        return a == b and sp.srepr(a) == sp.srepr(b)
    return len(a.args) == len(b.args) and all(
        same_tree(x, y) for x, y in zip(a.args, b.args, strict=True))


@pytest.mark.parametrize("core", REFERENCE)
def test_reference_cores_read_as_latex2sympy2_reads_them(core: str) -> None:
    fast = read_arithmetic(core)
    assert fast is not None, core
    assert same_tree(fast, read_core(core)), (sp.srepr(fast), sp.srepr(read_core(core)))


@pytest.mark.parametrize("core", OUTSIDE)
def test_other_cores_are_left_to_latex2sympy2(core: str) -> None:
    assert read_arithmetic(core) is None


def _random_core(rng: random.Random, depth: int = 0) -> str:
    """A random core of the subset: letters, numbers, + - \\cdot /, juxtaposition,
    brackets, braces, one power, \\frac."""
    if depth > 2 or rng.random() < 0.3:
        return rng.choice(["a", "b", "c", "x", "Y", "2", "0.5", "10", "1.702", "3"])
    a, b = _random_core(rng, depth + 1), _random_core(rng, depth + 1)
    return rng.choice([
        f"{a} + {b}", f"{a} - {b}", f"- {a}", f"+ {a}", f"{a} \\cdot {b}", f"{a} / {b}",
        f"({a}) ({b})", f"{{{a}}} ({b})", f"({a})^{{{b}}}", f"\\frac{{{a}}}{{{b}}}",
        f"{a} {b}", f"({a}) {b}", f"{{{a}}}^{{2}}",
    ])


def test_random_cores_read_as_latex2sympy2_reads_them() -> None:
    rng = random.Random(13)
    seen = 0
    for _ in range(150):
        core = _random_core(rng)
        try:
            slow = read_core(core)
        except Exception:  # noqa: BLE001 - latex2sympy2 refuses: so must the fast reader
            slow = None
        fast = read_arithmetic(core)
        if fast is None:
            continue
        seen += 1
        assert slow is not None and same_tree(fast, slow), (core, sp.srepr(fast), slow)
    assert seen > 100  # the subset covers most random cores, so the comparison is real
