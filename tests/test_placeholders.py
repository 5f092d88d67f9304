"""Statements show a variant's own numbers: ``{{given}}`` placeholders in prose.

Variants are rendered (text and LaTeX, as `derive solve --set` and the assignment
documents print them) and their prose is searched for the default numbers they replaced.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from derive.core.errors import SpecError
from derive.core.placeholders import fill
from derive.core.spec import load_problem, problem_paths
from derive.core.values import format_number
from derive.render import render_latex, render_text

WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 10: "ten"}


def prose(problem) -> str:
    """Every text a student reads of a problem, placeholders filled."""
    texts = [problem.title, problem.statement]
    texts += [p.text for p in problem.parts]
    texts += [a.text for a in problem.answers.values()]
    texts += [g.text for g in problem.givens.values()]
    return "\n".join(texts)


def mentions(text: str, literal: str) -> bool:
    """``literal`` as a whole number in ``text`` (1.702 does not mention 1.7, -0.5 does
    not mention 0.5)."""
    return re.search(rf"(?<![\w.-]){re.escape(literal)}(?![\w]|\.\d)", text) is not None


# -- the cases of the issue, rendered -------------------------------------------------------

def test_gelu_alpha_variant_states_its_own_alpha(solved):
    s = solved("gelu-descent", alpha="2")
    for out in (render_text(s), render_latex(s)):
        assert "1.702" not in out
    assert r"$\alpha = 2$" in s.problem.statement
    assert r"$\alpha = 1.702$" in load_problem("gelu-descent").statement


def test_conv_valid_stride_and_filters_variant(solved):
    s = solved("conv-valid", stride="2", filters="3")
    text = render_text(s)
    assert "stride 1" not in text and "stride 2" in text
    assert "two such filters" not in text and "three such filters" in text
    assert s.answers["a.shape"].value[:2] == (2, 2)  # (4 - 2)/2 + 1 by hand
    assert "stride 1" in load_problem("conv-valid").statement


def test_conv_layer_shapes_padding_and_depth_words():
    default = prose(load_problem("conv-layer-shapes"))
    assert "no padding" in default and "grayscale" in default
    variant = prose(load_problem("conv-layer-shapes", {"padding": "2", "D_d": "3"}))
    assert "no padding" not in variant and "zero padding" in variant
    assert "grayscale" not in variant


def test_softmax_shift_variant():
    p = load_problem("softmax-shift", {"shift": "50"})
    assert "x + 50" in prose(p) and "1000" not in prose(p)


# -- every reference problem ----------------------------------------------------------------

def _sentinels(value, integer: bool) -> list:
    """Unusual values to set a given to: 7919 first, then nearer ones for a count the
    spec bounds (a step count that names the answers: at most 200 of them)."""
    return [sp.Integer(7919), value + 7, value + 1] if integer else [sp.Rational(7919, 10000)]


#: numbers so common in prose (1/(1+e^{-z}), "2-2-1 network") that their presence says
#: nothing about a given; each is covered by the hand-written cases above instead
COMMON = {"0", "1", "-1", "2", "3"}


@pytest.mark.parametrize("pid", list(problem_paths()))
def test_no_prose_keeps_a_given_default_value_in_a_variant(pid):
    problem = load_problem(pid)
    for name, g in problem.givens.items():
        if isinstance(g.value, sp.MatrixBase):
            continue
        if any(h.value == g.value for n, h in problem.givens.items() if n != name):
            continue  # "0.9" or "two" may be another given's (rho, beta1): ambiguous
        literal = format_number(g.value)
        variant = None
        for sentinel in _sentinels(g.value, g.integer):
            if (g.low is not None and sentinel < g.low) or (g.high is not None and
                                                            sentinel > g.high):
                continue  # the spec declares that no variant takes this value
            try:
                variant = prose(load_problem(pid, {name: sentinel}))
            except SpecError:
                continue  # a value the spec refuses (too many answers named by it)
            break
        if variant is None:
            continue
        if literal not in COMMON:
            assert not mentions(variant, literal), (
                f"{pid}: the prose still says {literal} when {name} = {sentinel}")
        word = WORDS.get(int(g.value)) if g.integer else None
        if word:
            assert not re.search(rf"\b{word}\b", variant, re.I), (
                f"{pid}: the prose still says '{word}' when {name} = {sentinel}")


# -- the placeholder language ---------------------------------------------------------------

VALUES = {"a": sp.Rational(851, 500), "k": sp.Integer(2), "p": sp.Integer(0),
          "w": sp.ImmutableMatrix([[1, sp.Rational(1, 2)]])}


@pytest.mark.parametrize("text,expected", [
    ("{{a}}", "1.702"),
    ("{{ a }}", "1.702"),
    ("{{k:word}} filters", "two filters"),
    ("{{a:word}}", "1.702"),  # not a whole number: digits
    ("{{p=0?no padding|padding #}}", "no padding"),
    ("{{k=0?no padding|padding #}}", "padding 2"),
    ("{{w}}", "[1, 0.5]"),
    ("{{w:tuple}}", "(1, 0.5)"),
    ("x_{t+1} and {a.x1}", "x_{t+1} and {a.x1}"),  # LaTeX groups and answer refs stay
])
def test_fill(text, expected):
    assert fill(text, VALUES, "p.yaml", "statement") == expected


@pytest.mark.parametrize("text,message", [
    ("{{alfa}}", r"p\.yaml: statement: placeholder '\{\{alfa\}\}' names no given"),
    ("{{a:bold}}", r"p\.yaml: statement: cannot read placeholder"),
    ("{{a=x?y|z}}", r"p\.yaml: statement: placeholder .*not a number"),
])
def test_fill_errors_name_the_field(text, message):
    with pytest.raises(SpecError, match=message):
        fill(text, VALUES, "p.yaml", "statement")
