"""LaTeX -> SymPy, case by case: one group per known need (expected values built by hand)."""

import re

import pytest
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from derive.check.read import latex2sympy_adapter as tex_core
from derive.check.read.parse import (
    ParseConfig,
    ParseError,
    ShapeMismatch,
    matrix_entries,
    name_key,
    parse_answer,
)
from derive.core.functions import relu, sigmoid

x, y, c, o = sp.symbols("x y c o", real=True)
w_c, b_c, w_f, b_f = sp.symbols("w_c b_c w_f b_f", real=True)
x_1, x_2 = sp.symbols("x_1 x_2", real=True)
SCALARS = ParseConfig(symbols={s.name: s for s in (x, y, w_c, b_c, w_f, b_f, x_1, x_2)},
                      names={"c": sp.Symbol("c", real=True), "o": sp.Symbol("o", real=True)})
R = sp.Rational


def same(a, b) -> bool:
    """Structural equality after expansion (the parser builds exact SymPy trees)."""
    return sp.expand(a - b) == 0


def expr(text, config=SCALARS):
    return parse_answer(text, "expression", config)


# --- the function table: calls, not products -------------------------------------------
@pytest.mark.parametrize("text,expected", [
    (r"\sigma(1.702x)", sigmoid(R(1702, 1000) * x)),
    (r"\sigma\left(1.702 x\right)", sigmoid(R(1702, 1000) * x)),
    (r"\sigma[x]", sigmoid(x)),
    (r"\varphi(x)", sigmoid(x)),                     # student 3 writes φ for σ
    (r"\phi(x)", sigmoid(x)),                        # student 4 writes ϕ for σ
    (r"\operatorname{sech}^2 x", sp.sech(x) ** 2),
    (r"\operatorname{sech}^2(x)", sp.sech(x) ** 2),
    (r"\tanh x", sp.tanh(x)),
    (r"\tanh^2 x", sp.tanh(x) ** 2),
    (r"\tanh 2x", sp.tanh(2 * x)),
    (r"\operatorname{ReLU}(x)", relu(x)),
    (r"\mathrm{ReLU}(x - 1)", relu(x - 1)),
    (r"\text{GELU}(x)", x * sigmoid(R(1702, 1000) * x)),
    (r"\sigma^2(x)", sigmoid(x) ** 2),
    (r"\sigma(x)^2", sigmoid(x) ** 2),
    (r"\sigma'(x)", sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
    (r"\max(0, x)", sp.Max(0, x)),
    (r"softmax(x) + sigmoid(x)", sp.exp(x) + sigmoid(x)),  # plain words; scalar softmax: e^x / 1
])
def test_function_calls(text, expected):
    if "softmax" in text:
        with pytest.raises(ParseError):
            expr(text)
        return
    assert same(expr(text), expected)


@pytest.mark.parametrize("text", [
    r"\delta(1.702x)[1 + 1.702x - 1.702x\delta(1.702x)]",   # student 2's δ for σ
    r"\psi(x)",
    r"\mathrm{Swish}(x)",
    r"g_{out}(x)",                              # a subscripted unknown name before brackets
])
def test_unknown_function_is_not_a_silent_product(text):
    with pytest.raises(ParseError, match="neither a function nor a variable"):
        expr(text)


def test_an_unknown_letter_before_brackets_is_a_product_judged_later():
    # the judge then names it: "your answer uses q, which is not a variable"
    assert same(expr("q(x + 1)"), sp.Symbol("q", real=True) * (x + 1))


def test_a_declared_name_before_brackets_is_a_product():
    assert same(expr(r"o(1 - o)"), o * (1 - o))
    assert same(expr(r"x(1-x)"), x * (1 - x))
    assert same(expr(r"c_i(x)"), c)       # an intermediate name with its variable: the name


def test_inverse_function_notation_is_ambiguous():
    with pytest.raises(ParseError, match="ambiguous"):
        expr(r"\tanh^{-1}(x)")


def test_sigma_needs_its_argument():
    with pytest.raises(ParseError, match="needs its argument"):
        expr(r"\sigma x")


# --- exp and logs ----------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    (r"e^{-x}", sp.exp(-x)),
    (r"e^x", sp.exp(x)),
    (r"\exp(-x)", sp.exp(-x)),
    (r"\exp x", sp.exp(x)),
    (r"\frac{e^{-x}}{(1+e^{-x})^2}", sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
    (r"\log x", sp.log(x)),                 # natural, as the course says
    (r"\ln x", sp.log(x)),
    (r"\log(x + 1)", sp.log(x + 1)),
    (r"\log_2 x", sp.log(x) / sp.log(2)),
    (r"\log_{10}(x)", sp.log(x) / sp.log(10)),
])
def test_exp_and_logs(text, expected):
    assert same(expr(text), expected)


# --- wrappers, spacing, brackets -------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    (r"\boxed{x^2}", x ** 2),
    (r"\left( x + 1 \right) \cdot y", (x + 1) * y),
    (r"x \times y", x * y),
    (r"x\,y\;+\!1", x * y + 1),
    (r"\displaystyle \frac{x}{2}", x / 2),
    (r"\mathrm{x} + \mathbf{y}", x + y),
    (r"[1 + x] \cdot 2", 2 + 2 * x),
    (r"\left[ 1 - x \right] y", (1 - x) * y),
    (r"\left\{ x \right\}", x),
    (r"$x + 1$", x + 1),
    (r"\dfrac{1}{x}", 1 / x),
    (r"\frac12 x", x / 2),
    (r"x^23", 3 * x ** 2),                 # TeX takes one character
    (r"\sqrt{x}", sp.sqrt(x)),
    (r"|x - 1|", sp.Abs(x - 1)),
    ("x − 1", x - 1),                       # a Unicode minus
    ("σ(x)", sigmoid(x)),
])
def test_wrappers_spacing_brackets(text, expected):
    assert same(expr(text), expected)


# --- relations: the last side is the answer; no state kept -----------------------------
def test_only_the_answer_side_must_be_understood():
    p_i = sp.Symbol("p_i", real=True)
    cfg = ParseConfig(symbols={"p_i": p_i})
    assert parse_answer(r"\frac{\partial L}{\partial y_i} = p_i", "expression", cfg) == p_i
    assert parse_answer(r"\left. \frac{d f}{dx} \right|_{x_0} = 0.5", "number", cfg) == R(1, 2)
    with pytest.raises(ParseError, match="derivative sign"):
        parse_answer(r"p_i = \frac{\partial L}{\partial y_i}", "expression", cfg)


def test_relation_last_side():
    assert parse_answer(r"x_2 = x_1 - \eta g = -0.096", "number", SCALARS) == R(-96, 1000)
    assert same(expr(r"f'(x) = \sigma(x) + x"), sigmoid(x) + x)
    assert same(expr(r"\boxed{= x - y}"), x - y)
    assert parse_answer(r"\boxed{x_1 = 0 - 0.1 \left[ \frac{1}{2} \right] = -0.05}", "number",
                        SCALARS) == R(-5, 100)
    assert parse_answer(r"x_1 \leftarrow 0 - (0.1 \cdot 0.5) = -0.05", "number",
                        SCALARS) == R(-1, 20)


def test_no_state_leaks_between_answers():
    before = tex_core.state_snapshot()
    assert parse_answer("x = 5", "expression", SCALARS) == 5
    assert expr("x") == x                        # not 5
    assert expr("x := 3") == 3 and expr("x") == x
    assert same(expr(r"\frac{dx}{2}"), sp.Symbol("d", real=True) * x / 2)
    assert expr("x + y") == x + y                # the 'dx' did not break later calls
    assert tex_core.state_snapshot() == before


def test_inequalities_are_not_answers():
    with pytest.raises(ParseError, match="inequality"):
        expr(r"x \le 2")


# --- numbers stay exact ----------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("0.1", R(1, 10)),
    ("-0.05", R(-1, 20)),
    (".5", R(1, 2)),
    (r"\frac{4}{3}", R(4, 3)),
    ("4/3", R(4, 3)),
    (r"1.5 \times 10^{-3}", R(3, 2000)),
    ("1.5e-3", R(3, 2000)),
    (r"2^{-1}", R(1, 2)),
])
def test_numbers_exact(text, expected):
    v = parse_answer(text, "number", SCALARS)
    assert v == expected and isinstance(v, sp.Rational)


def test_decimals_in_expressions_are_exact():
    v = expr("0.1 x")
    assert v == R(1, 10) * x and not v.has(sp.Float)


def test_a_number_written_as_an_expression():
    v = parse_answer(r"\frac{1}{1+e^{-0.8}}", "number", SCALARS)
    assert v == 1 / (1 + sp.exp(-R(4, 5)))


# --- names: subscripts, superscripts, products of names --------------------------------
@pytest.mark.parametrize("text,expected", [
    ("x_1x_2", x_1 * x_2),
    ("x_{1} x_{2}", x_1 * x_2),
    ("w_c x + b_c", w_c * x + b_c),
    ("w_{c}x", w_c * x),
    ("w^c x + b^c", w_c * x + b_c),       # a letter superscript names (w^c = w_c)
    ("w_i^f c", w_f * c),                 # student 4's w_i^f: index i dropped, f names
    ("w_i^c x_i", w_c * x),
    ("x^2", x ** 2),
    ("x^{2}_{1}", x_1 ** 2),               # superscript first: the subscript still names
    ("x_1^2", x_1 ** 2),
    ("y_i - o_i", y - o),                 # an index on a declared scalar is dropped
])
def test_names(text, expected):
    assert same(expr(text), expected)


def test_name_keys():
    assert name_key(r"\hat{y}") == "hat(y)"
    assert name_key(r"\hat y") == "hat(y)"
    assert name_key("w_{c}") == "w_c"
    assert name_key("W_1") == "W_1"
    assert name_key(r"\eta_b") == "eta_b"
    assert name_key("x + 1") is None


def test_unknown_names_are_kept_for_feedback():
    v = expr("q x")
    assert {s.name for s in v.free_symbols} == {"q", "x"}


# --- shapes ----------------------------------------------------------------------------
K_, n_, k_ = (sp.Symbol(s, integer=True, positive=True) for s in ("K", "n", "k"))


@pytest.mark.parametrize("text,expected", [
    (r"9 \times 9 \times 6", (9, 9, 6)),
    ("9x9x6", (9, 9, 6)),
    ("[9, 9, 6]", (9, 9, 6)),
    ("(9, 9, 6)", (9, 9, 6)),
    (r"28 \times 24 \times 10", (28, 24, 10)),
    (r"160 \times 1", (160, 1)),
    (r"4 \times 4 \times 6 = 96", (96,)),    # the last side of a relation
    (r"k \times n", (k_, n_)),
    (r"n \times k", (n_, k_)),
    (r"\boxed{9 \times 9 \times 6}", (9, 9, 6)),
    # sheet 3 writes the computation
    (r"\left(\frac{21-5}{2} + 1 \right) \times \left(\frac{21-5}{2} + 1 \right) \times 6",
     (9, 9, 6)),
])
def test_shapes(text, expected):
    assert parse_answer(text, "shape", ParseConfig()) == tuple(sp.sympify(expected))


@pytest.mark.parametrize("text", [r"[\text{len}(y_0), \text{len}(x_0)]", r"4-5 \times 3",
                                  r"9.5 \times 2", r"\frac{3}{2} \times 2"])
def test_bad_shapes(text):
    with pytest.raises(ParseError):
        parse_answer(text, "shape", ParseConfig())


# --- choices ---------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("momentum", "momentum"), ("Momentum", "momentum"), (r"\text{GD}", "gd"),
    (r"$\text{softmax}$", "softmax"), ("cross-entropy", "cross-entropy"), (" yes. ", "yes"),
])
def test_choices(text, expected):
    assert parse_answer(text, "choice", ParseConfig()) == expected


# --- matrices: cell by cell ------------------------------------------------------------
def M(rows):
    return sp.ImmutableMatrix([[sp.Rational(str(v)) for v in r] for r in rows])


@pytest.mark.parametrize("text,expected", [
    (r"\begin{bmatrix} 1 & 1 & 1 \\ 0 & 1 & 3 \\ 0 & 0 & 1 \end{bmatrix}",
     [[1, 1, 1], [0, 1, 3], [0, 0, 1]]),
    (r"\begin{pmatrix} 0.5 & -1 \end{pmatrix}", [[0.5, -1]]),
    (r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}", [[1], [2]]),
    (r"\left[\begin{matrix} 1 & 2 \\ 3 & 4 \end{matrix}\right]", [[1, 2], [3, 4]]),
    # the CNN sheets' tables
    (r"\begin{array}{|c|c|} \hline 11.75 & 16.75 \\ \hline 2 & 3.5 \\ \hline \end{array}",
     [[11.75, 16.75], [2, 3.5]]),
    (r"\begin{array}{ c c } \hline \frac{1}{4} & \frac{1}{4} \\ \hline \frac{1}{4} & "
     r"\frac{1}{4} \\ \hline \end{array}", [[0.25, 0.25], [0.25, 0.25]]),
    (r"F' = \begin{bmatrix} 15.5 & 21 \\ 4.5 & 30 \end{bmatrix}", [[15.5, 21], [4.5, 30]]),
    # row vectors
    ("[0.5, 0.5, -0.7]", [[0.5, 0.5, -0.7]]),
    (r"\left[ 0.5 \quad -0.2 \right]", [[0.5, -0.2]]),
    ("[[1, -1, -0.5], [-1, 1, -0.5]]", [[1, -1, -0.5], [-1, 1, -0.5]]),
    # entries written as expressions
    (r"\begin{bmatrix} \frac{15.5+21+4.5+30}{4} & 2 \cdot 3 \end{bmatrix}", [[17.75, 6]]),
    (r"0.5 \begin{bmatrix} 1 & 2 \end{bmatrix}", [[0.5, 1]]),
    # scientific notation in a cell is a number, not 1.5·e − 3
    (r"\begin{bmatrix} 1.5e-3 & 2E2 \end{bmatrix}", [[0.0015, 200]]),
])
def test_matrices(text, expected):
    assert parse_answer(text, "matrix", ParseConfig()) == M(expected)


def test_matrix_entries_keep_written_digits():
    rows = matrix_entries(r"\begin{bmatrix} 1.50 & -2 \\ \frac{1}{4} & 3 \end{bmatrix}",
                          ParseConfig())
    assert [[t for t, _ in r] for r in rows] == [["1.50", "-2"], [r"\frac{1}{4}", "3"]]
    assert [[v for _, v in r] for r in rows] == [[R(3, 2), -2], [R(1, 4), 3]]


@pytest.mark.parametrize("text,message", [
    (r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}", "different numbers of entries"),
    (r"\begin{vmatrix} 1 & 2 \\ 3 & 4 \end{vmatrix}", "environment 'vmatrix'"),
    (r"\begin{bmatrix} 1 & x \end{bmatrix}", "not a number"),
])
def test_bad_matrices(text, message):
    with pytest.raises(ParseError, match=message):
        parse_answer(text, "matrix", ParseConfig())


def test_design_values():
    assert parse_answer("[0.5, 0.5, -0.7]", "design", ParseConfig()) == M([[0.5, 0.5, -0.7]])
    assert parse_answer(r"\begin{bmatrix} 1 & -1 & -0.5 \\ -1 & 1 & -0.5 \end{bmatrix}",
                        "design", ParseConfig()) == M([[1, -1, -0.5], [-1, 1, -0.5]])


# --- matrix expressions ----------------------------------------------------------------
N, Mm, K = (sp.Symbol(s, integer=True, positive=True) for s in ("N", "M", "K"))
MS = {n: sp.MatrixSymbol(n, r, cc) for n, r, cc in [
    ("x", 1, N), ("W_1", N, Mm), ("b_1", 1, Mm), ("W_2", Mm, K), ("b_2", 1, K),
    ("a", 1, Mm), ("o", 1, K), ("y", 1, K), ("f_1", 1, Mm), ("f_2", 1, K)]}
MATS = ParseConfig(symbols=MS)


def mexpr(text):
    return parse_answer(text, "matrix-expression", MATS)


@pytest.mark.parametrize("text", ["W_2^T", "W_2^{T}", r"W_2^\top", r"W_2^{\top}",
                                  r"W_2^{\intercal}", r"W_2^{\mathsf{T}}", r"W_2^{\mathrm{T}}",
                                  "W_2ᵀ"])
def test_transposes(text):
    assert mexpr(text) == MS["W_2"].T


def test_matrix_expression_pieces():
    a, o_, y_, W_1, W_2 = MS["a"], MS["o"], MS["y"], MS["W_1"], MS["W_2"]
    assert mexpr("o - y") == o_ - y_
    assert mexpr("(o - y) W_2^T") == sp.MatMul(o_ - y_, W_2.T)
    assert mexpr(r"(o - y)W_2^T \odot a") == sp.HadamardProduct(sp.MatMul(o_ - y_, W_2.T), a)
    assert mexpr(r"a \circ (1 - a)") == sp.HadamardProduct(a, sp.OneMatrix(1, Mm) - a)
    assert mexpr("1 - a") == sp.OneMatrix(1, Mm) - a           # ones minus a
    assert mexpr(r"\operatorname{diag}(a)") == DiagMatrix(a)
    assert mexpr("a^T (o - y)").shape == (Mm, K)
    assert mexpr(r"\sigma(f_1)").shape == (1, Mm)
    assert mexpr(r"\operatorname{softmax}(f_2)").shape == (1, K)
    assert mexpr("(o-y)^T").shape == (K, 1)
    # a product of two rows of one shape: elementwise, as σ' = a(1-a) is written
    assert mexpr("a(1-a)") == sp.HadamardProduct(a, sp.OneMatrix(1, Mm) - a)
    assert mexpr("x W_1").shape == (1, Mm) and mexpr(r"W_1 \cdot W_2").shape == (N, K)
    assert W_1.shape == (N, Mm)


@pytest.mark.parametrize("text,message", [
    ("W_1 W_2^T", "W_1 W_2^T: N×M times K×M"),
    ("(o - y) W_2", "times M×K"),
    ("o + a", "1×K plus 1×M"),
    (r"a \odot o", "elementwise product needs equal sizes"),
])
def test_inconsistent_sizes(text, message):
    with pytest.raises(ShapeMismatch, match=re.escape(message)):
        mexpr(text)


def test_component_form():
    i = sp.Symbol("i", integer=True, positive=True)
    assert mexpr("o_i - y_i") == sp.IndexedBase("o")[i] - sp.IndexedBase("y")[i]


# --- sums over an index ----------------------------------------------------------------
def test_sums_over_indexed_names():
    p, t = sp.IndexedBase("p"), sp.IndexedBase("t")
    k, i = (sp.Symbol(s, integer=True, positive=True) for s in ("k", "i"))
    Kb = sp.Symbol("K", integer=True, positive=True)
    cfg = ParseConfig(symbols={"p": p, "t": t})
    v = parse_answer(r"\sum_{k=1}^{K} (p_k - t_k) p_k", "expression", cfg)
    assert v == sp.Sum((p[k] - t[k]) * p[k], (k, 1, Kb))
    assert parse_answer(r"\sum_k (p_k - t_k) p_k", "expression", cfg) == v
    v = parse_answer(r"\sum_{k \neq i} p_k", "expression", cfg)
    assert v == sp.Sum(p[k], (k, 1, Kb)) - p[i]
    with pytest.raises(ParseError, match="index"):
        parse_answer(r"\sum p_k", "expression", cfg)


# --- what cannot be understood says what ----------------------------------------------
@pytest.mark.parametrize("text,message", [
    (r"\left[o_1 - y_1 \quad o_2 + y_2 \dots o_K - y_K\right]",
     r"'\\dots' \(an ellipsis\) cannot be marked: write the full expression"),
    (r"\begin{bmatrix} a_1 \\ \vdots \\ a_k \end{bmatrix}", r"'\\vdots' \(an ellipsis\)"),
    (r"\begin{bmatrix} a_1 & 0 \\ \vdots & \ddots \end{bmatrix}", r"'\\vdots' \(an ellipsis\)"),
    ("x_1 + ... + x_n", "ellipsis"),
    (r"x \Big|_{x_0}", "evaluation bar"),
    (r"\left. \frac{x}{2} \right|_{x=0}", "evaluation bar"),
    (r"\frac{\partial E}{\partial w}", r"'\\partial' \(a derivative sign\)"),
    (r"\input{/etc/passwd}", r"'\\input' is not a command"),
    (r"\def\x{1}", r"'\\def' is not a command"),
    (r"\csname x\endcsname", r"'\\csname' is not a command"),
    (r"\foo(x)", r"'\\foo' is not a command"),
    (r"x + \text{for one-hot encoded vector}", "text"),
    # cases are read (value & condition per row): rows without a condition are refused
    (r"\begin{cases} 1 \\ 2 \end{cases}", "case 1 is written 'value & condition'"),
    ("x + ", "cannot read"),
    ("", "empty"),
    ("3!", "factorial"),
])
def test_not_understood(text, message):
    with pytest.raises(ParseError, match=message):
        expr(text)
