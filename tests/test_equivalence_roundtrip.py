"""Round trip: SymPy's own LaTeX of a random expression is judged equal to it; +1 is not."""

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.check.judge.equivalence import judge
from derive.check.read.parse import ParseConfig
from derive.core.functions import relu, sigmoid
from derive.core.model import AnswerSpec

x, y = sp.symbols("x y", real=True)
CFG = ParseConfig(symbols={"x": x, "y": y})
SPEC = AnswerSpec("a.e", "expression", vars=("x", "y"))

UNARY = [sigmoid, sp.tanh, sp.sech, sp.exp, sp.cosh, sp.sinh, relu,
         lambda u: sp.log(1 + u ** 2), lambda u: sp.sqrt(1 + u ** 2)]

leaves = st.one_of(
    st.sampled_from([x, y]),
    st.integers(-5, 5).map(sp.Integer),
    st.tuples(st.integers(-9, 9), st.integers(1, 9)).map(lambda t: sp.Rational(*t)),
    st.sampled_from(["0.5", "1.702", "-0.25"]).map(sp.Rational),
)


def _combine(children):
    return st.one_of(
        st.tuples(children, children).map(lambda t: t[0] + t[1]),
        st.tuples(children, children).map(lambda t: t[0] * t[1]),
        st.tuples(children, children).map(lambda t: t[0] - t[1]),
        st.tuples(children, st.sampled_from([2, 3, -1])).map(lambda t: t[0] ** t[1]),
        st.tuples(st.sampled_from(UNARY), children).map(lambda t: t[0](t[1])),
    )


expressions = st.recursive(leaves, _combine, max_leaves=6).filter(
    lambda e: e.free_symbols and e.is_finite is not False and not e.has(sp.zoo, sp.nan))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_latex_of_an_expression_is_judged_equal_to_it(e):
    text = sp.latex(e)
    j = judge(e, SPEC, text, CFG)
    assert j.verdict == "correct", (text, j)
    assert judge(e + 1, SPEC, text, CFG).verdict == "incorrect", text
