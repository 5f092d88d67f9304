"""Real answers (from the five student sheets) judged against golds built by hand.

Golds come from SymPy's own ``diff`` (σ's derivative from its definition), numpy, or
matrix expressions written out per the gold contract in ``derive.check.read.parse``.
"""

import numpy as np
import pytest
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from derive.check.judge.equivalence import judge
from derive.check.read.parse import ParseConfig
from derive.core.derivation import Answer
from derive.core.functions import sigmoid
from derive.core.model import AnswerSpec, Marking

R = sp.Rational
z = sp.Dummy("z")


def verdict(gold, kind, text, config=None, **spec):
    return judge(gold, AnswerSpec("p.answer", kind, **spec), text, config or ParseConfig())


# ------------------------------------------------------------------ gelu-descent a.derivative
x = sp.Symbol("x", real=True)
ALPHA = R(1702, 1000)
GELU_PRIME = sp.diff(x * sigmoid(ALPHA * x), x)   # SymPy's diff, σ' from its definition
GELU = ParseConfig(symbols={"x": x}, constants={"alpha": ALPHA})


@pytest.mark.parametrize("gold,answer,expected", [
    # student 0, last line and middle line of 1a
    (GELU_PRIME, r"\sigma(1.702x) [1 + 1.702x - 1.702x \sigma(1.702x)]", "correct"),
    (GELU_PRIME, r"\sigma(1.702x) + 1.702x \sigma(1.702x) (1 - \sigma(1.702x))", "correct"),
    # the interface's example, with \left[ \right]
    (GELU_PRIME, r"\sigma(1.702x)\left[1 + 1.702x\left(1 - \sigma(1.702x)\right)\right]",
     "correct"),
    # student 2 writes δ for σ: unparsable (an unknown function), not a product
    (GELU_PRIME, r"\delta(1.702x)[1 + 1.702x(1 - \delta(1.702x))]", "unparsable"),
    # the chain rule's inner factor forgotten
    (GELU_PRIME, r"\sigma(1.702x) + x \sigma'(1.702x)", "incorrect"),
    (GELU_PRIME, r"\sigma(1.702x) + 1.702 x \sigma'(1.702x)", "correct"),
    # written out with exponentials; with the given's name
    (GELU_PRIME, r"\frac{1}{1+e^{-1.702x}} + \frac{1.702x e^{-1.702x}}{(1+e^{-1.702x})^2}",
     "correct"),
    (GELU_PRIME, r"\sigma(\alpha x)(1 + \alpha x (1 - \sigma(\alpha x)))", "correct"),
    # a gold that keeps the given α as a name
    (sp.diff(x * sigmoid(sp.Symbol("alpha", real=True) * x), x),
     r"\sigma(1.702x)\left[1 + 1.702x\left(1 - \sigma(1.702x)\right)\right]", "correct"),
    (GELU_PRIME, r"f'(x) = \sigma(1.702x)\left[1 + 1.702x(1 - \sigma(1.702x))\right]",
     "correct"),
    # a rounded constant is a different function
    (GELU_PRIME, r"\sigma(1.7x)[1 + 1.7x - 1.7x\sigma(1.7x)]", "incorrect"),
    (GELU_PRIME, r"\sigma(1.702x)", "incorrect"),
])
def test_gelu_derivative(gold, answer, expected):
    assert verdict(gold, "expression", answer, GELU).verdict == expected


def test_unknown_variable_is_named():
    j = verdict(GELU_PRIME, "expression", r"\sigma(1.702q)[1 + 1.702q(1 - \sigma(1.702q))]",
                GELU)
    assert j.verdict == "incorrect"
    assert j.feedback == "your answer uses q, which is not a variable of this problem"


# ------------------------------------------------------------------ sigmoid derivative (sheet 4)
@pytest.mark.parametrize("gold,answer,expected", [
    (sp.diff(sigmoid(x), x), r"\frac{e^{-x}}{(1+e^{-x})^2}", "correct"),
    (sp.diff(sigmoid(x), x), r"\sigma(x)(1 - \sigma(x))", "correct"),
    (sp.diff(sigmoid(x), x), r"\phi(x)(1 - \phi(x))", "correct"),
    (sp.diff(sigmoid(x), x), r"\frac{e^{x}}{(1+e^{-x})^2}", "incorrect"),
])
def test_sigmoid_derivative(gold, answer, expected):
    assert verdict(gold, "expression", answer, GELU).verdict == expected


# ------------------------------------------------------------------ tanh-derivative
f = sp.Symbol("f", real=True)
TANH_X = ParseConfig(symbols={"x": x}, functions={"f": sp.Lambda((x,), sp.tanh(x))})
TANH_F = ParseConfig(symbols={"f": f}, functions={"f": sp.Lambda((x,), sp.tanh(x))})


@pytest.mark.parametrize("gold,answer,expected", [
    (sp.diff(sp.tanh(x), x), r"\operatorname{sech}^2 x", "correct"),          # sheet 2
    (sp.diff(sp.tanh(x), x), r"1 - \tanh^2 x", "correct"),
    (sp.diff(sp.tanh(x), x), r"1 - f(x)^2", "correct"),                       # sheet 2
    (sp.diff(sp.tanh(x), x), r"\frac{4}{(e^x + e^{-x})^2}", "correct"),
    (sp.diff(sp.tanh(x), x), r"\frac{1}{\cosh^2 x}", "correct"),
    (sp.diff(sp.tanh(x), x), r"\operatorname{sech} x", "incorrect"),
    (sp.diff(sp.tanh(x), x), r"1 + \tanh^2 x", "incorrect"),
])
def test_tanh_derivative(gold, answer, expected):
    assert verdict(gold, "expression", answer, TANH_X).verdict == expected


@pytest.mark.parametrize("answer,expected", [
    (r"1 - f(x)^2", "correct"),          # sheet 2: f(x) is the name f
    (r"1 - f^2", "correct"),
    (r"(1 - f)(1 + f)", "correct"),
    (r"1 - f", "incorrect"),
    (r"1 - \tanh^2 x", "incorrect"),     # not in terms of f
])
def test_tanh_in_terms_of_f(answer, expected):
    assert verdict(1 - f ** 2, "expression", answer, TANH_F).verdict == expected


# ------------------------------------------------------------------ conv-sigmoid-backprop
y, w_c, b_c, w_f, b_f = sp.symbols("y w_c b_c w_f b_f", real=True)
c_name, o_name = sp.symbols("c o", real=True)
C = sigmoid(w_c * x + b_c)
O = sigmoid(w_f * C + b_f)
E = (y - O) ** 2
CONV = ParseConfig(symbols={s.name: s for s in (x, y, w_c, b_c, w_f, b_f)},
                   names={"c": C, "o": sigmoid(w_f * c_name + b_f)})


@pytest.mark.parametrize("gold,answer,expected", [
    (sp.diff(E, w_f), r"-2(y - o) o (1 - o) c", "correct"),
    (sp.diff(E, w_f), r"2(o - y) o (1 - o) c", "correct"),
    (sp.diff(E, w_f), r"-2(y - o) \cdot \frac{e^{-(w_f c + b_f)}}{(1+e^{-(w_f c + b_f)})^2} "
                      r"\cdot c", "correct"),
    (sp.diff(E, w_f), r"-2(y - o) o (1 - o)", "incorrect"),
    # sheet 4: σ' taken at w_f c, without b_f; names written w_i^f, c_i(x), o_i(x)
    (sp.diff(E, w_f), r"-2(y_i - o_i(x)) \cdot \frac{e^{-c_i(x)w_i^f}}{(1+e^{-c_i(x)w_i^f})^2}"
                      r" \cdot c_i(x)", "incorrect"),
    (sp.diff(E, b_f), r"-2(y_i - o_i(x)) \cdot \frac{e^{-b_i^f}}{(1+e^{-b_i^f})^2} \cdot 1",
     "incorrect"),
    (sp.diff(E, b_f), r"-2(y - o) o (1 - o)", "correct"),
    (sp.diff(E, w_c), r"-2(y - o) o (1 - o) w_f c (1 - c) x", "correct"),
    (sp.diff(E, w_c), r"-2(y - o) \cdot o(1-o) \cdot w^f \cdot c(1-c) \cdot x", "correct"),
    (sp.diff(E, w_c), r"-2(y - o) o (1 - o) w_f c (1 - c)", "incorrect"),
    (sp.diff(E, b_c), r"-2(y - o) o (1 - o) w_f c (1 - c)", "correct"),
    # sheet 4 part d writes O_i(x), C_i(x): capitals are other names
    (sp.diff(E, b_c), r"-2(y - O_i(x)) \cdot C_i(x)", "incorrect"),
])
def test_conv_sigmoid_backprop(gold, answer, expected):
    assert verdict(gold, "expression", answer, CONV).verdict == expected


# ------------------------------------------------------------------ loss-gradients (sums)
t_s = sp.Symbol("t", real=True)
p, t = sp.IndexedBase("p"), sp.IndexedBase("t")
i, k = sp.Symbol("i", integer=True), sp.Symbol("k", integer=True)
Kb = sp.Symbol("K", integer=True, positive=True)
LOSS_D = p[i] * (p[i] - t[i]) - p[i] * sp.Sum((p[k] - t[k]) * p[k], (k, 1, Kb))
INDEXED = ParseConfig(symbols={"p": p, "t": t})
SCALAR_YT = ParseConfig(symbols={"y": y, "t": t_s})


@pytest.mark.parametrize("gold,answer,config,expected", [
    (y - t_s, "y - t", SCALAR_YT, "correct"),
    (y - t_s, "t - y", SCALAR_YT, "incorrect"),
    ((y - t_s) * y * (1 - y), r"(y - t) \times y(1 - y)", SCALAR_YT, "correct"),   # sheet 4
    (p[i] - t[i], r"p_i - t_i", INDEXED, "correct"),                                # sheet 4
    (p[i] - t[i], r"\frac{\partial L}{\partial y_i} = p_i - t_i", INDEXED, "correct"),
    (LOSS_D, r"p_i(p_i - t_i) - p_i \sum_k (p_k - t_k) p_k", INDEXED, "correct"),
    (LOSS_D, r"p_i(p_i - t_i) - p_i \sum_{k=1}^{K} (p_k - t_k) p_k", INDEXED, "correct"),
    # sheet 4's form: the k = i term apart, the rest summed over k ≠ i
    (LOSS_D, r"(p_i - t_i) \times p_i (1 - p_i) + \sum_{k \neq i} (p_k - t_k) \times "
             r"(-p_i p_k)", INDEXED, "correct"),
    (LOSS_D, r"(p_i - t_i) p_i (1 - p_i)", INDEXED, "incorrect"),
    (LOSS_D, r"p_i - t_i", INDEXED, "incorrect"),
])
def test_loss_gradients(gold, answer, config, expected):
    assert verdict(gold, "expression", answer, config).verdict == expected


# ------------------------------------------------------------------ softmax-backprop
N, M, K = (sp.Symbol(s, integer=True, positive=True) for s in ("N", "M", "K"))
MS = {n: sp.MatrixSymbol(n, r, cc) for n, r, cc in [
    ("x", 1, N), ("W_1", N, M), ("b_1", 1, M), ("W_2", M, K), ("b_2", 1, K),
    ("a", 1, M), ("o", 1, K), ("y", 1, K), ("f_1", 1, M), ("f_2", 1, K)]}
F1 = MS["x"] * MS["W_1"] + MS["b_1"]
F2 = MS["a"] * MS["W_2"] + MS["b_2"]
E2 = F2.applyfunc(sp.Lambda(z, sp.exp(z)))
NAMES = {"f_1": F1, "a": F1.applyfunc(sp.Lambda(z, sigmoid(z))), "f_2": F2,
         "o": sp.MatMul(sp.Inverse(sp.MatMul(E2, sp.OneMatrix(K, 1))), E2)}
SOFTMAX = ParseConfig(symbols=MS, names=NAMES)
o_, y_, a_, W_1, W_2, x_ = (MS[n] for n in ("o", "y", "a", "W_1", "W_2", "x"))
DELTA1 = sp.HadamardProduct((o_ - y_) * W_2.T, a_, sp.OneMatrix(1, M) - a_)
G = {"a.dE_df2": o_ - y_, "b.dE_dx": DELTA1 * W_1.T, "c.dE_dW2": a_.T * (o_ - y_),
     "d.dE_dW1": x_.T * DELTA1, "d.dE_db1": DELTA1}


@pytest.mark.parametrize("gold,answer,expected", [
    (G["a.dE_df2"], "o - y", "correct"),
    (G["a.dE_df2"], r"o_i - y_i", "correct"),                       # sheets 0 and 1
    (G["a.dE_df2"], r"\boxed{= o_i - y_i}", "correct"),
    (G["a.dE_df2"], r"y_i - o_i", "incorrect"),
    (G["a.dE_df2"], r"\operatorname{softmax}(f_2) - y", "correct"),
    (G["a.dE_df2"], r"\left[o_1 - y_1 \quad o_2 - y_2 \dots o_K - y_K\right]", "correct"),
    (G["b.dE_dx"], r"\left[(o - y) W_2^T \odot a \odot (1 - a)\right] W_1^T", "correct"),
    (G["b.dE_dx"], r"(o - y) W_2^T \operatorname{diag}(a \odot (1 - a)) W_1^T", "correct"),
    (G["b.dE_dx"], r"(o - y)W_2^{\top} \operatorname{diag}(a(1-a)) W_1^{\top}", "correct"),
    (G["b.dE_dx"], r"(o - y) W_2^T \operatorname{diag}(\sigma'(f_1)) W_1^T", "correct"),
    (G["b.dE_dx"], r"(o - y) W_2^T \operatorname{diag}(\sigma'(x W_1 + b_1)) W_1^T",
     "correct"),
    (G["b.dE_dx"], r"(o - y) W_2^T W_1^T", "incorrect"),
    (G["b.dE_dx"], r"\frac{\partial E}{\partial a} \times \frac{1}{w_2}", "unparsable"),
    (G["c.dE_dW2"], r"a^T (o - y)", "correct"),
    (G["c.dE_dW2"], r"a^{\intercal}(o - y)", "correct"),
    (G["d.dE_dW1"], r"x^T [(o - y) W_2^T \odot a(1 - a)]", "correct"),
    (G["d.dE_dW1"], r"x^T (o - y) W_2^T", "incorrect"),
    (G["d.dE_db1"], r"(o - y) W_2^T \odot \sigma(f_1) \odot (1 - \sigma(f_1))", "correct"),
])
def test_softmax_backprop(gold, answer, expected):
    assert verdict(gold, "matrix-expression", answer, SOFTMAX).verdict == expected


@pytest.mark.parametrize("gold,answer,feedback", [
    (G["a.dE_df2"], "(o - y)^T", "1×K expected, your expression is K×1: transposed?"),
    (G["c.dE_dW2"], "(o - y)^T a", "M×K expected, your expression is K×M: transposed?"),
    (G["b.dE_dx"], "W_1 W_2^T", "W_1 W_2^T: N×M times K×M"),
    (G["b.dE_dx"], "(o - y) W_2", "(o - y) W_2: 1×K times M×K"),
    (G["a.dE_df2"], "o_1 - y_1", "you wrote one component"),
])
def test_matrix_expression_feedback(gold, answer, feedback):
    j = verdict(gold, "matrix-expression", answer, SOFTMAX)
    assert j.verdict == "incorrect" and feedback in j.feedback


# ------------------------------------------------------------------ jacobian-chain
n, m, kk = (sp.Symbol(s, integer=True, positive=True) for s in ("n", "m", "k"))
JM = {nm: sp.MatrixSymbol(nm, r, cc) for nm, r, cc in [
    ("x", n, 1), ("W_A", m, n), ("W_B", kk, m), ("h", m, 1), ("g", kk, 1),
    ("J_A", m, m), ("J_B", kk, kk), ("d_A", m, 1), ("d_B", kk, 1)]}
# J_A and J_B are diagonal: their definitions say so (diag of a vector)
JAC = ParseConfig(symbols=JM, names={"J_A": DiagMatrix(JM["d_A"]),
                                     "J_B": DiagMatrix(JM["d_B"])})
J_X = JM["J_B"] * JM["W_B"] * JM["J_A"] * JM["W_A"]


@pytest.mark.parametrize("gold,answer,expected", [
    (J_X, r"J_B W_B J_A W_A", "correct"),
    (J_X, r"J_B \times W_B^T \times J_A \times W_A^T", "incorrect"),     # sheet 4
    (J_X, r"J_B W_B W_A J_A", "incorrect"),
    (J_X.T * JM["g"], r"W_A^T J_A W_B^T J_B g", "correct"),   # J^T = J for a diagonal
    (J_X.T * JM["g"], r"(J_B W_B J_A W_A)^T g", "correct"),
    (J_X.T * JM["g"], r"g^T J_B W_B J_A W_A", "incorrect"),
])
def test_jacobian_chain(gold, answer, expected):
    assert verdict(gold, "matrix-expression", answer, JAC).verdict == expected


# ------------------------------------------------------------------ matrices (number rule)
F_IMG = np.array([[3, 5, 2, 3], [9, 1, 8, 4], [6, 4, 3, 7], [7, 0, 2, 4]], float)
K1 = np.array([[-1, 0.5, -2], [2, 0, 1], [0, 1, 1.5]])
PADDED = np.pad(F_IMG, 1)
CONV_OUT = np.array([[np.sum(PADDED[r:r + 3, s:s + 3] * K1) for s in range(4)]
                     for r in range(4)])
POOLED = CONV_OUT.reshape(2, 2, 2, 2).mean(axis=(1, 3))


def exact(a):
    return sp.ImmutableMatrix([[sp.Rational(str(v)) for v in row] for row in np.atleast_2d(a)])


@pytest.mark.parametrize("gold,answer,expected", [
    # sheet 0's F' (correct) and sheet 3's table with one slip (-2.5 for -12.5)
    (exact(CONV_OUT), r"F' = \begin{bmatrix} 15.5 & 21 & 27 & 8 \\ 4.5 & 30 & 9.5 & 22.5 \\ "
                      r"13.5 & -6.5 & 18 & 4 \\ -5 & 6 & -12.5 & 4.5 \end{bmatrix}", "correct"),
    (exact(CONV_OUT), r"\begin{array}{|c|c|c|c|} \hline 15.5 & 21 & 27 & 8 \\ \hline 4.5 & 30 "
                      r"& 9.5 & 22.5 \\ \hline 13.5 & -6.5 & 18 & 4 \\ \hline -5 & 6 & -2.5 & "
                      r"4.5 \\ \hline \end{array}", "incorrect"),
    # sheet 3's pooling: entries written as sums (exact), then a slip 11.75
    (exact(POOLED), r"\begin{array}{|c|c|} \hline \frac{15.5+21+4.5+30}{4} & "
                    r"\frac{27+8+9.5+22.5}{4} \\ \hline \frac{13.5-6.5-5+6}{4} & "
                    r"\frac{18+4-12.5+4.5}{4} \\ \hline \end{array}", "correct"),
    (exact(POOLED), r"\begin{array}{|c|c|} \hline 11.75 & 16.75 \\ \hline 2 & 3.5 \\ "
                    r"\hline \end{array}", "incorrect"),
    (exact(POOLED), r"\begin{bmatrix} 5.125 & 3.375 \\ 15.25 & 18 \end{bmatrix}", "incorrect"),
    # conv-valid, sheet 3
    (exact([[1, 1, 1], [0, 1, 3], [0, 0, 1]]),
     r"\begin{bmatrix} 1 & 1 & 1 \\ 0 & 1 & 3 \\ 0 & 0 & 1 \end{bmatrix}", "correct"),
    # softmax-shift b.probs to the number rule per entry
    (sp.ImmutableMatrix([[sp.exp(1), sp.exp(2), sp.exp(3)]]) / sum(sp.exp(j) for j in (1, 2, 3)),
     "[0.090, 0.245, 0.665]", "correct"),
    (sp.ImmutableMatrix([[sp.exp(1), sp.exp(2), sp.exp(3)]]) / sum(sp.exp(j) for j in (1, 2, 3)),
     r"\left[0.09 \quad 0.24 \quad 0.67\right]", "correct"),
    (sp.ImmutableMatrix([[sp.exp(1), sp.exp(2), sp.exp(3)]]) / sum(sp.exp(j) for j in (1, 2, 3)),
     "[0.1, 0.2, 0.7]", "incorrect"),
])
def test_matrices(gold, answer, expected):
    assert verdict(gold, "matrix", answer).verdict == expected


def test_matrix_feedback():
    j = verdict(exact([[1, 1, 1], [0, 1, 3], [0, 0, 1]]), "matrix",
                r"\begin{bmatrix} 1 & 1 \\ 0 & 1 \end{bmatrix}")
    assert j.verdict == "incorrect" and j.feedback == "expected 3×3, you wrote 2×2"
    j = verdict(exact(POOLED), "matrix", r"\begin{bmatrix} 11.75 & 16.75 \\ 2 & 3.5 "
                                        r"\end{bmatrix}")
    assert j.feedback == "entry (1,1): expected 17.75, you wrote 11.75"
    j = verdict(exact([[1, 2, 3]]), "matrix", r"\begin{bmatrix} 1 \\ 2 \\ 3 \end{bmatrix}")
    assert j.feedback == "expected 1×3, you wrote 3×1"


# ------------------------------------------------------------------ shapes
ks = {s: sp.Symbol(s, integer=True, positive=True) for s in "knm"}


@pytest.mark.parametrize("gold,answer,expected", [
    ((28, 28, 10), r"28 \times 28 \times 10", "correct"),
    ((28, 28, 10), r"28 \times 24 \times 10", "incorrect"),                # sheet 2
    ((9, 9, 6), r"= 9 \times 9 \times 6", "correct"),                      # sheet 3
    ((9, 9, 6), "9x9x6", "correct"),
    ((9, 9, 6), "[9, 9, 6]", "correct"),
    ((9, 9, 6), r"6 \times 9 \times 9", "incorrect"),
    ((ks["k"], ks["n"]), r"k \times n", "correct"),
    ((ks["k"], ks["n"]), r"n \times k", "incorrect"),
    (("k", "n"), r"k \times n", "correct"),            # sizes given as names
    (("k", "n"), r"n \times k", "incorrect"),
    ((ks["k"], ks["n"]), r"[\text{len}(y_0), \text{len}(x_0)]", "unparsable"),  # sheet 4
])
def test_shapes(gold, answer, expected):
    gold = tuple(sp.sympify(d) for d in gold)
    assert verdict(gold, "shape", answer).verdict == expected


# ------------------------------------------------------------------ choices
@pytest.mark.parametrize("gold,answer,expected", [
    ("momentum", "momentum", "correct"),
    ("momentum", "Momentum", "correct"),
    ("momentum", r"\text{momentum}", "correct"),
    ("momentum", "gd", "incorrect"),
    ("softmax", "softmax", "correct"),                 # sheet 2
    ("cross-entropy", r"\text{Cross-Entropy}", "correct"),
    ("no", "No.", "correct"),
])
def test_choices(gold, answer, expected):
    spec = {"choices": ("momentum", "gd", "softmax", "cross-entropy", "mse", "yes", "no")}
    assert verdict(gold, "choice", answer, **spec).verdict == expected


def test_choice_not_offered_or_two_at_once_goes_to_a_person():
    # words naming two options, or none, are read by a person (not marked wrong)
    for text in ("GD with momentum", "Adam"):
        j = verdict("momentum", "choice", text, choices=("gd", "momentum"))
        assert j.verdict == "unparsable"
        assert j.feedback == (f"'{text.lower()}' names none of the options (gd, momentum) "
                              "or more than one; a person should read it")


# ------------------------------------------------------------------ numbers
@pytest.mark.parametrize("gold,answer,expected", [
    (R(-23937, 1000000), r"\boxed{-0.024}", "correct"),
    (R(-1, 20), r"x_1 \leftarrow 0 - (0.1 \cdot 0.5) = \boxed{-0.05}", "correct"),     # sheet 1
    (R(-1, 20), r"\boxed{x_1 = 0 - 0.1 \left[ \frac{1}{2} \right] = -0.05}", "correct"),
    (1 / (1 + sp.exp(-R(4, 5))), r"\frac{1}{1 + e^{-0.8}}", "correct"),
    (1 / (1 + sp.exp(-R(4, 5))), "0.68997", "correct"),                         # sheet 2
    (-sp.log(1 / (1 + sp.exp(-R(4, 5)))), "0.53539", "incorrect"),             # log base 10
    (R(4, 3), "1.33", "correct"),
    (R(4, 3), "abc", "unparsable"),
])
def test_numbers(gold, answer, expected):
    assert verdict(gold, "number", answer).verdict == expected


def test_exact_numbers():
    assert verdict(R(4, 3), "number", "1.33", marking=Marking(exact=True)).verdict == "incorrect"
    assert verdict(R(4, 3), "number", "4/3", marking=Marking(exact=True)).verdict == "correct"


# ------------------------------------------------------------------ symbolic confirmation
def test_symbolic_confirmation_is_bounded_and_decides():
    import time

    from derive.check.judge.symbolic import confirm_equal

    assert confirm_equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)) is True
    assert confirm_equal(x + 1, x) is False
    start = time.perf_counter()   # out of time: "don't know", and the worker is gone
    assert confirm_equal(sp.exp(sp.sin(x) ** 20 + sp.tanh(x) ** 13), x, timeout=0.05) is None
    assert time.perf_counter() - start < 3


def test_inconclusive_points_fall_back_to_symbolic():
    # log of a negative number: no real point on either side, so the points cannot decide
    gold = sp.log(-1 - x ** 2)
    assert verdict(gold, "expression", r"\ln(-1 - x^2)", GELU).verdict == "correct"
    assert verdict(gold, "expression", r"\ln(-2 - x^2)", GELU).verdict == "incorrect"


def test_designs_are_parsed_not_judged_here():
    with pytest.raises(NotImplementedError, match="check_design"):
        verdict(sp.ImmutableMatrix([[1, 1, -1.5]]), "design", "[1, 1, -1.5]")


# ------------------------------------------------------------------ generic functions f_A, f_B
def test_jacobian_chain_with_the_problems_own_functions():
    from derive.check.read.names import Function

    fA, fB = sp.Function("f_A"), sp.Function("f_B")
    J = {nm: JM[nm] for nm in ("x", "W_A", "W_B", "h", "g", "J_A", "J_B")}
    names = {"h": (J["W_A"] * J["x"]).applyfunc(sp.Lambda(z, fA(z))),
             "J_A": DiagMatrix((J["W_A"] * J["x"]).applyfunc(sp.Lambda(z, sp.diff(fA(z), z)))),
             "J_B": DiagMatrix((J["W_B"] * J["h"]).applyfunc(sp.Lambda(z, sp.diff(fB(z), z))))}
    cfg = ParseConfig(symbols=J, names=names,
                      functions={"f_A": Function("f_A", fA), "f_B": Function("f_B", fB)})
    gold = J["J_B"] * J["W_B"] * J["J_A"] * J["W_A"]
    for text, expected in [
        (r"J_B W_B J_A W_A", "correct"),
        (r"\operatorname{diag}(f_B'(W_B h)) W_B \operatorname{diag}(f_A'(W_A x)) W_A", "correct"),
        (r"\operatorname{diag}(f_B'(W_B f_A(W_A x))) W_B J_A W_A", "correct"),
        (r"\operatorname{diag}(f_B'(W_B x)) W_B J_A W_A", "incorrect"),
        (r"\operatorname{diag}(f_A'(W_B h)) W_B J_A W_A", "incorrect"),
    ]:
        assert verdict(gold, "matrix-expression", text, cfg).verdict == expected, text


def test_huge_values_do_not_hide_an_additive_slip():
    """e^{(x+5)^3} + 1 is not e^{(x+5)^3}, though float64 cannot see the 1 there."""
    x = sp.Symbol("x", real=True)
    gold = sp.exp((x + 5) ** 3)
    spec = AnswerSpec("a.e", "expression", vars=("x",))
    cfg = ParseConfig(symbols={"x": x})
    right = judge(Answer("a.e", "expression", gold, gold), spec, sp.latex(gold), cfg)
    slip = judge(Answer("a.e", "expression", gold, gold), spec, sp.latex(gold + 1), cfg)
    assert (right.verdict, slip.verdict) == ("correct", "incorrect")
