"""The sheet's notation and layout across the whole problem set: upright words, names
that are products or hyphenated words, prose subscripts, answer rows per family, page
breaks between steps, network node shapes."""

import re

import pytest
import sympy as sp

from derive.core.functions import sigmoid
from derive.render.figures import network_tex
from derive.render.latex import _family_row, answers_tex, steps_tex
from derive.render.printing import tex, upright_words
from derive.render.prose import prose_tex
from derive.render.shown import shown_expr
from derive.topics.networks.matrix_calculus import elementwise


@pytest.mark.parametrize("math,want", [
    (r"s_{pool}", r"s_{\mathrm{pool}}"),
    ("filters_1", r"\mathrm{filters}_1"),
    (r"size \times size", r"\mathrm{size} \times \mathrm{size}"),
    # commands, their text arguments and two-letter products are left alone
    (r"\operatorname{softmax}(x) + \text{one hot} + \partial xy", None),
    (r"\begin{bmatrix} a \end{bmatrix}", None),
])
def test_words_in_math_are_upright(math, want):
    assert upright_words(math) == (math if want is None else want)


@pytest.mark.parametrize("name,want", [
    ("W_out", r"W_{\mathrm{out}}"),
    ("shape_conv1", r"\mathrm{shape}_{\mathrm{conv1}}"),
    ("cross-entropy", r"\text{cross-entropy}"),  # a word, not cross minus entropy
    ("W_A*x", r"W_{A} x"),  # a product used as a name
    ("eta_b", r"\eta_{b}"),
    ("x_t", r"x_{t}"),
])
def test_symbol_names_in_the_sheet(name, want):
    assert tex(sp.Symbol(name)) == want


def test_an_elementwise_function_of_a_matrix_shows_its_argument_in_italics():
    f1 = sp.MatrixSymbol("f_1", 1, 3)
    assert tex(elementwise(sigmoid, f1)) == r"\sigma\left(f_{1}\right)"
    assert "mathrm" not in tex(elementwise(sp.Function("softmax"), f1).expr)


def test_a_negative_value_as_a_functions_argument_has_one_pair_of_brackets():
    z = sp.Symbol("z")
    shown = shown_expr(sigmoid(z), ((z, sp.Integer(-5)),))
    assert shown.printer().doprint(shown.expr) == r"\sigma\left(-5\right)"


def test_prose_subscripts_become_math_but_answer_ids_stay_text():
    assert prose_tex("the inputs x_1, x_2 and gate f_t") == \
        "the inputs $x_{1}$, $x_{2}$ and gate $f_{t}$"
    assert prose_tex("see a.dE_df2") == r"see a.dE\_df2"
    assert prose_tex(r"$filters$ filters") == r"$\mathrm{filters}$ filters"


@pytest.mark.parametrize("ids,per_row,want", [
    (("b.g0", "b.g1", "b.g2", "b.x1", "b.x2", "b.x3", "b.f1", "b.f2", "b.f3"), 4, 3),
    (tuple(f"c.dE_dw{k}" for k in range(1, 10)), 3, 3),  # one family: as many as fit
    (("a.h1", "a.h2", "a.yhat"), 4, 4),  # families of unequal size
    (("x1", "x2", "x3", "y1", "y2", "y3"), 2, 2),  # a family wider than a row fits
])
def test_a_grid_row_holds_one_family_of_answers(ids, per_row, want):
    assert _family_row(ids, per_row) == want


def test_answers_are_left_aligned_and_a_long_one_is_not_a_centred_display(solved):
    s = solved("softmax-backprop")
    out = answers_tex(s, ("e.o", "e.loss", "e.dE_dx"))
    assert "gather" not in out and r"\answerid{e.o}\enspace$\displaystyle \boxed{" in out
    assert out.index("e.o") < out.index("e.loss") < out.index("e.dE")


def test_page_breaks_fall_between_steps_not_inside_one(solved):
    s = solved("tanh-derivative")
    steps = [s.items[i] for i in s.sections[0].items if hasattr(s.items[i], "rule")]
    out = steps_tex(steps)
    groups = out.split(r"\\[2pt]")
    assert len(groups) > 1
    assert all(g.count(r"\tag*") == 1 for g in groups)  # one step (one rule) per group
    ends = [ln.rstrip() for ln in out.splitlines()[1:-2]]
    assert ends and all(e.endswith((r"\\*", r"\\[2pt]")) for e in ends), ends


def test_network_nodes_with_long_labels_are_boxes_and_weights_sit_on_their_edges():
    pic = network_tex({"layers": [["A", "B"], [r"C\,(b = -1)", "D"], ["y"]],
                       "edges": [("A", r"C\,(b = -1)", 2), ("B", "D", -1),
                                 (r"C\,(b = -1)", "y", 1), ("D", "y", 1)]})
    assert r"\node[box, fill=blue!6] (n1x0)" in pic
    assert r"\node[neuron, fill=blue!6] (n1x1)" in pic
    assert "fill=white}]" in pic and "node[wlabel, pos=0.3]" in pic
    chain = network_tex({"layers": [["x"], ["a"], ["E"]],
                         "edges": [("x", "a", "W"), ("a", "E", None)]})
    assert "sloped, above}]" in chain and "node[wlabel, pos=0.5]" in chain


# -- the terminal text (derive solve) ----------------------------------------------------
@pytest.mark.parametrize("statement,want", [
    (r"$E = \frac{1}{2}(y - \hat y)^2$", "E = 1/2(y - ŷ)^2"),
    (r"$\frac{x+1}{2}$", "(x+1)/2"),
    (r"$x_{t+1} = x_t - \eta g_t$", "x_{t+1} = x_t - η g_t"),
    (r"$A, B \in \{0, 1\}$", "A, B ∈ {0, 1}"),
    (r"$\partial E / \partial f_2$", "∂E / ∂f_2"),
    (r"$\lfloor (n + 2p - k)/s \rfloor + 1$", "⌊(n + 2p - k)/s⌋ + 1"),
    (r"$h_1, \dots, h_4$", "h_1, …, h_4"),
    # QA: raw LaTeX in `derive solve`'s text (\nabla f, \hat{m}_{t+1}, tfrac12, lVert)
    (r"$\nabla f(x_t)$, $\hat{m}_{t+1}$, $\hat y_b$, $\hat{\theta}$",
     "∇f(x_t), m̂_{t+1}, ŷ_b, θ̂"),
    (r"$\tfrac12 r^2$ for $|r| \le \delta$, $w \neq 0$", "1/2 r^2 for |r| ≤ δ, w ≠ 0"),
    (r"$\lambda/2 \lVert w \rVert^2$, $\ell(w)$, $\sqrt{s_{t+1}}$",
     "λ/2 ‖w‖^2, ℓ(w), √(s_{t+1})"),
    (r"$\bar{g} - \overline{g}$, $\dots$", "ḡ - ḡ, …"),
])
def test_statements_read_well_in_a_terminal(statement, want):
    from derive.render.text import plain_statement

    assert plain_statement(statement) == want


def test_no_latex_command_is_left_in_any_problem_s_text(solved):
    """QA: `derive solve` printed \\nabla f, \\hat{m}_{t+1}, epsilon and mu beside β
    and η; a name written in LaTeX or spelling a Greek letter is written as one."""
    from derive.core.catalogue import problem_paths
    from derive.render.text import render_text

    for pid in problem_paths():
        out = render_text(solved(pid))
        assert not re.search(r"\\[A-Za-z]+", out), (pid, re.findall(r".*\\[A-Za-z]+.*", out))
        steps = "\n".join(ln for ln in out.splitlines() if ln.startswith("    "))
        # (the givens keep their names: they are what `--set NAME=VALUE` takes)
        assert not re.search(r"\b(epsilon|mu|sigma|gamma|theta|rho)\b", steps), pid


def test_text_writes_a_transpose_with_a_caret_and_yhat_as_a_hat():
    from derive.render.printing import text

    W, x = sp.MatrixSymbol("W_2", 3, 2), sp.MatrixSymbol("x", 1, 3)
    assert text(W.T) == "W_2^T"
    assert text(sp.Transpose(x * W)) == "(x·W_2)^T"
    assert text(sp.Symbol("yhat") - sp.Symbol("y")) == "ŷ - y"
