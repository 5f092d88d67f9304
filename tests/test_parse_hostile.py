"""Hostile input ends as a ParseError (or a bounded result) within a bounded time.

The bound (5 s) is generous for CI; on the development machine each case takes < 1.5 s.
"""

import time

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.check.judge.equivalence import judge
from derive.check.read.parse import ParseConfig, ParseError, parse_answer
from derive.core.model import AnswerSpec

BOUND = 5.0
x = sp.Symbol("x", real=True)
CFG = ParseConfig(symbols={"x": x})
SPEC = AnswerSpec("a.derivative", "expression", vars=("x",))

HOSTILE = {
    "power tower": r"10^{10^{10}}",
    "symbolic power tower": r"x^{10^{10}}",
    "exp tower": r"e^{e^{e^{e^{10}}}}",
    "2000 nested braces": "{" * 2000 + "x" + "}" * 2000,
    "100 000 characters": "x+" * 50000 + "x",
    "input": r"\input{/etc/passwd}",
    "include": r"\include{secret}",
    "def": r"\def\x{1}\x",
    "csname": r"\csname relax\endcsname",
    "catcode": r"\catcode`\^=12",
    "write18": r"\immediate\write18{rm -rf /}",
    "huge integer": "9" * 1999,
    "long digits": "1" * 70,
    "number tower": r"(2^{1000})^{1000}",
    "repeated squaring": "x" + "^{2}" * 30,
    "nested superscripts": "x^{" * 39 + "2" + "}" * 39,
    "long product": " ".join(["x"] * 249),
    "long sum": " + ".join(["x"] * 124),
    "many groups": "(x+1)" * 58,
    "nested fractions": r"\frac{1}{" * 39 + "x" + "}" * 39,
    "nested calls": r"\sigma(" * 19 + "x" + ")" * 19,
    "nested absolute values": "|" * 20 + "x" + "|" * 20,
    "huge sum": r"\sum_{k=1}^{10^{9}} x",
    "factorial": "1000!",
    "python": "__import__('os').system('ls')",
    "null bytes": "x\x00y",
    "scientific exponent": "1e999999999",
    "scientific in a matrix": r"\begin{bmatrix} 1e999999999 \end{bmatrix}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_bounded(name):
    text = HOSTILE[name]
    for kind in ("expression", "number", "matrix", "shape"):
        start = time.perf_counter()
        try:
            value = parse_answer(text, kind, CFG)
        except ParseError:
            value = None
        elapsed = time.perf_counter() - start
        assert elapsed < BOUND, f"{name} ({kind}) took {elapsed:.1f} s"
        if value is not None and isinstance(value, sp.Basic):
            assert sp.count_ops(value) < 1000
    start = time.perf_counter()
    j = judge(x, SPEC, text, CFG)
    assert time.perf_counter() - start < BOUND
    assert j.verdict in ("incorrect", "unparsable")


@pytest.mark.parametrize("name,message", [
    ("power tower", "exponent"),
    ("2000 nested braces", "characters long"),
    ("100 000 characters", "characters long"),
    ("input", r"'\\input' is not a command"),
    ("def", r"'\\def' is not a command"),
    ("csname", r"'\\csname' is not a command"),
    ("number tower", "too large"),
    ("huge sum", "more than 1000 terms"),
    ("long digits", "too long"),
    ("python", "subscript without a name"),
])
def test_hostile_input_says_why(name, message):
    with pytest.raises(ParseError, match=message):
        parse_answer(HOSTILE[name], "expression", CFG)


def test_nesting_is_checked_before_parsing():
    start = time.perf_counter()
    with pytest.raises(ParseError, match="nested 41 deep"):
        parse_answer("(" * 41 + "x" + ")" * 41, "expression", CFG)
    assert time.perf_counter() - start < 0.1


VOCAB = ["x", "y", "o", "a", "W_1", "W_2^T", "(", ")", "[", "]", "{", "}", "+", "-",
         r"\cdot", "^", "_", "2", "0.5", r"\frac", r"\sigma", r"\tanh", "e", "=", ",",
         r"\quad", r"\odot", "'", r"\sum", "k", "p_k", "i", r"\left(", r"\right)",
         r"\begin{bmatrix}", r"\end{bmatrix}", "&", r"\\", "|", r"\sqrt", r"\top",
         r"\operatorname{diag}", r"\text{", r"\hat{y}", "w^c", r"\neq", r"\dots", "!"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=14),
       st.sampled_from(["expression", "matrix-expression", "matrix", "number", "shape"]))
def test_token_soup_gives_a_value_or_a_parse_error(words, kind):
    import test_equivalence as T

    cfg = T.SOFTMAX if kind == "matrix-expression" else T.CONV
    text = " ".join(words)
    start = time.perf_counter()
    try:
        parse_answer(text, kind, cfg)
    except ParseError:
        pass
    gold = {"expression": x, "matrix-expression": T.G["a.dE_df2"],
            "matrix": sp.ImmutableMatrix([[1, 2]]), "number": sp.Integer(1),
            "shape": (sp.Integer(2),)}[kind]
    j = judge(gold, AnswerSpec("p.a", kind), text, cfg)
    assert j.verdict in ("correct", "incorrect", "unparsable")
    assert time.perf_counter() - start < 2 * BOUND


def test_a_defined_function_nested_in_itself_is_refused() -> None:
    # f(x) = x sigma(1.702 x): f'(x) holds x three times, so f'(f'(…)) five deep is about
    # 3^5 * 30 = 7 000 nodes; evaluated at a number that took the worker's whole clock
    from derive.check.read.names import Function
    from derive.core.functions import sigmoid

    f = Function("f", sp.Lambda(x, x * sigmoid(sp.Rational(1702, 1000) * x)))
    cfg = ParseConfig(symbols={"x": x}, functions={"f": f})
    assert parse_answer("f'(f'(x))", "expression", cfg) is not None  # two deep is fine
    start = time.perf_counter()
    with pytest.raises(ParseError, match="too large"):
        parse_answer("f'(" * 30 + "x" + ")" * 30, "expression", cfg)
    assert time.perf_counter() - start < BOUND
