"""backprop reads like a solution key: textbook factored forms, only the nodes on the
paths to the targets, earlier gradients referred to instead of derived again, and single
entries (w_1) of a vector given as targets."""

import copy
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import yaml

from derive.core.errors import SpecError
from derive.core.spec import load_problem
from derive.render.text import render_text

y, o, c, x, w_f = sp.symbols("y o c x w_f", real=True)
DELTA = [-2, y - o, o, 1 - o]  # ∂E/∂o · σ′ at the output unit


@pytest.fixture(scope="module")
def conv(solved):
    return solved("conv-sigmoid-backprop")


@pytest.mark.parametrize("aid,local", [
    ("a.dE_dwf", [c]),
    ("b.dE_dbf", []),
    ("c.dE_dwc", [w_f, c, 1 - c, x]),
    ("d.dE_dbc", [w_f, c, 1 - c]),
])
def test_conv_sigmoid_answers_are_the_textbook_products(conv, aid, local):
    # the very product a course writes, not sp.factor's 2·c·o·(o - 1)·(y - o)
    assert conv.answers[aid].value == sp.Mul(*DELTA, *local)


def _section(text: str, part: str) -> str:
    return text.split(f"({part}) ", 1)[1].split("\n\n", 1)[0]


def test_conv_sigmoid_text_reads_like_a_solution_key(conv):
    out = render_text(conv)
    a, b, cc, d, e = (_section(out, p) for p in "abcde")
    assert "dE/dw_f = dE/do·do/dw_f = -2·(y - o)·o·(1 - o)·c   [chain rule]" in a
    assert "do/dw_f = dσ(b_f + c·w_f)/dw_f = o·(1 - o)·c   [local derivative]" in a
    assert "dE/dc" not in a  # only the path E -> o -> w_f
    assert "dE/do = -2·(y - o)   [from part a]" in b
    assert "dE/db_f = dE/do·do/db_f = -2·(y - o)·o·(1 - o)   [chain rule]" in b
    assert "dE/dw_c = dE/dc·dc/dw_c = -2·(y - o)·o·(1 - o)·w_f·c·(1 - c)·x" in cc
    assert "dE/dc = -2·(y - o)·o·(1 - o)·w_f   [from part c]" in d
    assert "dE/db_c = dE/dc·dc/db_c = -2·(y - o)·o·(1 - o)·w_f·c·(1 - c)" in d
    # the loss's local derivative is derived once in the whole solution
    assert out.count("dE/do = d/do[(y - o)^2]") == 1
    assert out.count("[definition]") == 1
    # part e writes the values into the factored form
    assert "= -2·(1 - 0.626933)·0.626933·(1 - 0.626933)·0.7·0.598688·(1 - 0.598688)·1.5" in e


def test_conv_sigmoid_latex_keeps_the_factors_in_order(conv):
    from derive.render.printing import latex

    item = conv.items[conv.answers["a.dE_dwf"].item]
    assert latex(item.after) == (r"-2 \left(y - o\right) \cdot o \left(1 - o\right) "
                                 r"\cdot c")


def test_bce_sigmoid_still_cancels_to_yhat_minus_y(solved):
    s = solved("perceptron-bce")
    out = render_text(s)
    assert "= ŷ - y   [simplify]" in out
    assert "dE/dw_1 = dE/dz·dz/dw_1 = (ŷ - y)·x_1   [chain rule]" in out


def test_a_later_part_value_uses_the_earlier_derivation_without_repeating_it(conv):
    e = _section(render_text(conv), "e")
    assert "[local derivative]" not in e and "[chain rule]" not in e
    # e.dE_dwc is still computed (by hand here) from the givens
    sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    cv = sig(0.4 * 1.5 - 0.2)
    ov = sig(0.7 * cv + 0.1)
    want = -2 * (1 - ov) * ov * (1 - ov) * 0.7 * cv * (1 - cv) * 1.5
    assert np.isclose(float(conv.answers["e.dE_dwc"].value), want, rtol=1e-12)


SPEC = {
    "id": "tiny",
    "givens": {"x": [1, 2], "w": [0.5, -0.25], "t": 1},
    "define": {"z": "dot(w, x)", "E": "(z - t)**2/2"},
    "answers": {"a.g1": "number", "a.g2": "number"},
    "parts": {"a": {"derive": [{"use": "backprop", "of": "E",
                                "wrt": {"a.g1": "w_1", "a.g2": "w_2"}}]}},
}


def _solve(tmp_path: Path, spec: dict):
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return load_problem(p).solve()


def test_wrt_takes_entries_of_a_vector_given(tmp_path):
    s = _solve(tmp_path, SPEC)
    z = 0.5 * 1 - 0.25 * 2
    assert np.isclose(float(s.answers["a.g1"].value), (z - 1) * 1)
    assert np.isclose(float(s.answers["a.g2"].value), (z - 1) * 2)


def test_wrt_unknown_entry_is_a_located_message(tmp_path):
    spec = copy.deepcopy(SPEC)
    spec["parts"]["a"]["derive"][0]["wrt"]["a.g2"] = "w_3"
    with pytest.raises(SpecError, match=r"wrt\.a\.g2.*unknown name 'w_3'"):
        _solve(tmp_path, spec)


def test_only_a_product_with_a_denominator_is_cancelled():
    """A product of chain-rule factors without a denominator is kept as written (no
    cancelling tried); a quotient that σ′ cancels (BCE's, as backprop forms it) becomes
    ŷ − y."""
    import sympy as sp

    from derive.topics.networks.blocks_graph import _cancels

    o, y, c = sp.symbols("o y c", real=True)
    assert _cancels(-2 * (y - o) * o * (1 - o) * c) is None
    assert _cancels(sp.sqrt(o) * (1 - o)) is None
    bce = sp.Mul((1 - o), (y - o) / (o - 1), evaluate=False)
    assert sp.expand(_cancels(bce) - (o - y)) == 0
    assert _cancels(bce * c) is not None


def test_a_part_on_the_same_graph_refers_and_another_graph_derives(tmp_path):
    """Block-local graphs: a later part on the very same definitions refers to the
    earlier derivation; one whose loss differs by a constant (½ against ⅓) derives its
    own, with its own value (checked by hand)."""
    half = {"y": "sigmoid(z)", "L": "(y - t)**2/2"}
    third = {"y": "sigmoid(z)", "L": "(y - t)**2/3"}
    spec = {
        "id": "tiny",
        "givens": {"z": 0.5, "t": 1},
        "symbols": ["y"],
        "answers": {"a.d": "number", "b.d": "number", "c.d": "number"},
        "parts": {p: {"derive": [{"use": "backprop", "of": "L", "graph": g,
                                  "wrt": {f"{p}.d": "z"}}]}
                  for p, g in (("a", half), ("b", third), ("c", half))},
    }
    s = _solve(tmp_path, spec)
    rules = {sec.part: [s.items[i].rule for i in sec.items] for sec in s.sections}
    assert "definition" in rules["a"] and "definition" in rules["b"]
    assert "definition" not in rules["c"] and "local-derivative" not in rules["c"]
    sig = 1 / (1 + np.exp(-0.5))
    slope = sig * (1 - sig) * (sig - 1)
    assert np.isclose(float(s.answers["a.d"].value), slope, rtol=1e-12)
    assert np.isclose(float(s.answers["c.d"].value), slope, rtol=1e-12)
    assert np.isclose(float(s.answers["b.d"].value), slope * 2 / 3, rtol=1e-12)


def test_tidying_a_polynomial_is_sympys_cancel_then_factor():
    """A polynomial in the names is factored directly: the same as SymPy's
    factor(cancel(together(e))) on random polynomials (sums, products, powers, rational
    coefficients), and a polynomial with a function in it still takes that way."""
    import random

    from derive.core.op_count import count_ops
    from derive.topics.networks.blocks_graph import MAX_TIDY_NAMES, MAX_TIDY_OPS, _simplify

    names = list(sp.symbols("t y o yhat a b", real=True)) + [sp.Symbol("c")]
    coefs = [1, -1, 2, -2, 3, sp.Rational(1, 2), -sp.Rational(3, 2), sp.Rational(2, 3), 6]
    r = random.Random(17)

    def term(depth: int):
        if depth <= 0 or r.random() < 0.35:
            return r.choice(coefs) * r.choice(names) ** r.choice([1, 1, 1, 2])
        k = r.random()
        if k < 0.4:
            return sp.Add(*[term(depth - 1) for _ in range(r.randint(2, 3))],
                          r.choice([0, 1, -1, sp.Rational(1, 2)]))
        if k < 0.8:
            return sp.Mul(*[term(depth - 1) for _ in range(r.randint(2, 3))])
        return term(depth - 1) ** r.randint(2, 3)

    tried = 0
    while tried < 150:
        e = term(r.randint(1, 3))
        e = sp.expand(e) if r.random() < 0.3 else e
        if e.is_number or count_ops(e) > MAX_TIDY_OPS or len(e.free_symbols) > MAX_TIDY_NAMES:
            continue
        tried += 1
        want = sp.factor(sp.cancel(sp.together(e)))
        want = want if count_ops(want) <= count_ops(e) else e
        assert sp.srepr(_simplify(e)) == sp.srepr(want), e
    # δ² = δ when expanded: not a polynomial in the names, SymPy's way
    k, i = sp.symbols("k i", integer=True)
    e = (sp.KroneckerDelta(i, k) - 2) * (sp.KroneckerDelta(i, k) + y)
    want = sp.factor(sp.cancel(sp.together(e)))
    assert sp.srepr(_simplify(e)) == sp.srepr(want if count_ops(want) <= count_ops(e) else e)
