"""What students really write (issue 12): each pattern is read, the right form accepted
and a near miss of it rejected, on the problem set's own problems. A checker that
accepted everything (or nothing) fails every pair."""

from __future__ import annotations

import pytest
from checkkit import make_marker, mark


@pytest.fixture(scope="module")
def marker():
    return make_marker()


def verdict(marker, pid: str, aid: str, text: str) -> str:
    return mark(marker, {pid: {aid: text}})[pid, aid].verdict


#: (problem, answer, right form as a student writes it, near miss of it)
PAIRS = [
    # names the problem defines, in their definitions' place (y = z; y = σ(z))
    ("loss-gradients", "a.dL_dz", "z - t", "z + t"),
    ("loss-gradients", "b.dL_dz", r"(\sigma(z) - t) \sigma(z)(1 - \sigma(z))",
     r"(\sigma(z) - t) \sigma(z)"),
    ("loss-gradients", "b.dL_dz", r"(y - t) \sigma'(z)", r"(y - t) \sigma(z)"),
    # a vector answer without its index: p - t for the component p_i - t_i
    ("loss-gradients", "c.dL_dz", "p - t", "t - p"),
    # the Kronecker delta in an indexed answer
    ("loss-gradients", "d.dL_dz", r"\sum_k (p_k - t_k) p_k (\delta_{ik} - p_i)",
     r"\sum_k (p_k - t_k) p_k (\delta_{ik} + p_i)"),
    # a network's names written as their definitions (o = softmax(f_2), a = σ(f_1))
    ("softmax-backprop", "a.dE_df2", r"\operatorname{softmax}(f_2) - y",
     r"\operatorname{softmax}(f_2) + y"),
    ("softmax-backprop", "b.dE_dx",
     r"(o - y) W_2^T \operatorname{diag}(\sigma(f_1) \odot (1 - \sigma(f_1))) W_1^T",
     r"(o - y) W_2^T \operatorname{diag}(\sigma(f_1)) W_1^T"),
    ("softmax-backprop", "b.dE_dx", r"(o - y) W_2^T \operatorname{diag}(\sigma'(f_1)) W_1^T",
     r"(o - y) W_2^T \operatorname{diag}(\sigma'(f_2)) W_1^T"),
    ("jacobian-chain", "a.J_x",
     r"\operatorname{diag}(f_B'(W_B h)) W_B \operatorname{diag}(f_A'(W_A x)) W_A",
     r"\operatorname{diag}(f_B'(W_B h)) W_B \operatorname{diag}(f_A(W_A x)) W_A"),
    # J_A, J_B are diagonal (so symmetric): a transposed product is the same answer
    ("jacobian-chain", "c.dL_dx", r"(J_B W_B J_A W_A)^T g", r"(J_B W_B W_A)^T g"),
    ("jacobian-chain", "c.dL_dx", r"W_A^T J_A^T W_B^T J_B^T g", r"W_A^T W_B^T J_B^T g"),
    # primes: W' for a matrix's transpose
    ("softmax-backprop", "b.dE_dx", r"(o - y) W_2' \operatorname{diag}(\sigma'(f_1)) W_1'",
     r"(o - y) W_2' \operatorname{diag}(\sigma(f_1)) W_1'"),
    # function application without brackets
    ("perceptron-bce", "b.loss", r"-\ln \sigma(0.8)", r"-\ln \sigma(0.6)"),
    # rounded numbers inside an expression: as precise as the decimals written
    ("perceptron-bce", "b.loss", r"-\ln 0.68997", r"-\ln 0.67"),
    ("perceptron-bce", "b.dE_dyhat", r"-\frac{1}{0.68997}", r"-\frac{1}{0.67}"),
    ("perceptron-bce", "b.dE_dyhat", r"-\frac{1}{0.69}", r"-\frac{1}{0.6}"),
    # a decimal stands for what the number rule accepts for it: 0.8 is z, 0.7 is not
    ("perceptron-bce", "a.yhat", r"\sigma(0.8)", r"\sigma(0.7)"),
    # ellipses inside a larger expression, a diagonal matrix written with \ddots
    ("softmax-backprop", "b.dE_dx",
     r"\left[o_1 - y_1 \quad o_2 - y_2 \dots o_K - y_K \right] W_2^T "
     r"\operatorname{diag}(a \odot (1 - a)) W_1^T",
     r"\left[o_1 + y_1 \quad o_2 + y_2 \dots o_K + y_K \right] W_2^T "
     r"\operatorname{diag}(a \odot (1 - a)) W_1^T"),
    ("softmax-backprop", "b.dE_dx",
     r"(o - y) W_2^T \begin{bmatrix} a_1(1-a_1) & \dots & 0 \\ \vdots & \ddots & \vdots "
     r"\\ 0 & \dots & a_M(1-a_M) \end{bmatrix} W_1^T",
     r"(o - y) W_2^T \begin{bmatrix} a_1 & \dots & 0 \\ \vdots & \ddots & \vdots "
     r"\\ 0 & \dots & a_M \end{bmatrix} W_1^T"),
    # students' own names: weights as assignments, a shape as lengths of named vectors
    ("separability", "b.weights", "w_0 = 1, w_1 = -1, w_2 = 1", "w_0 = 1, w_1 = 1, w_2 = 1"),
    ("jacobian-chain", "b.shape", r"[\text{len}(y_0), \text{len}(x_0)]",
     r"[\text{len}(x_0), \text{len}(y_0)]"),
    ("jacobian-chain", "b.shape", r"\text{len}(y) \times \text{len}(x)",
     r"\text{len}(y) \times \text{len}(h)"),
    # an earlier answer used by the name the spec gives it (ŷ, J_x)
    ("perceptron-bce", "b.loss", r"-\ln \hat y", r"\ln \hat y"),
    ("perceptron-bce", "b.loss", r"-\log \hat{y}", r"-\log (1 - \hat{y})"),
    ("jacobian-chain", "c.dL_dx", "J_x^T g", "J_x^T J_x^T g"),
    # a 0 with a subscript is the letter o (handwriting): 0_k - y_k
    ("softmax-backprop", "a.dE_df2", r"[0_1 - y_1 \quad \dots \quad 0_K - y_K]",
     r"[0_1 + y_1 \quad \dots \quad 0_K + y_K]"),
    # \otimes between numbers: their product
    ("perceptron-bce", "a.z", r"2 \otimes 0.2 + 1 \otimes 0.3 + 0.1",
     r"2 \otimes 0.3 + 1 \otimes 0.3 + 0.1"),
    # relations keep the written precision (number rule on the last side)
    ("gelu-descent", "a.x3", r"x_3 \approx -0.1376", r"x_3 \approx -0.1366"),
    ("perceptron-bce", "a.yhat", r"o \approx 0.690", r"o \approx 0.680"),
    # units and words after a number
    ("cnn-architecture", "conv1.params", r"456 \text{ parameters}", r"450 \text{ parameters}"),
    ("conv-layer-shapes", "b.params", r"760\ \mathrm{params}", r"260\ \mathrm{params}"),
]


@pytest.mark.parametrize(("pid", "aid", "right", "near"), PAIRS,
                         ids=[f"{p}-{a}-{r[:20]}" for p, a, r, _ in PAIRS])
def test_right_form_accepted_and_near_miss_rejected(marker, pid, aid, right, near):
    assert verdict(marker, pid, aid, right) == "correct"
    assert verdict(marker, pid, aid, near) == "incorrect"


def test_words_after_a_number_do_not_hide_maths(marker):
    # only a trailing word is a unit: letters glued to a number are not dropped
    assert verdict(marker, "cnn-architecture", "conv1.params", "456xy") != "correct"


def test_a_prime_on_a_scalar_is_still_not_read(marker):
    # W' is a transpose only for a matrix; on a number it is no derivative of anything
    assert verdict(marker, "gelu-descent", "a.x1", "0.05'") == "unparsable"


def test_an_exact_expression_is_still_compared_exactly(marker):
    # no decimal written: no tolerance (σ(0.8) is exact, 1/(1 + e^{-0.8}) too)
    assert verdict(marker, "perceptron-bce", "a.yhat", r"\frac{1}{1 + e^{-0.8}}") == "correct"
    assert verdict(marker, "perceptron-bce", "a.yhat", r"\frac{1}{1 + e^{-4/5}} + 10^{-6}") \
        == "incorrect"


# ---------------------------------------------------------------- files


def test_a_latex_file_with_one_broken_brace_marks_every_other_answer(tmp_path):
    from derive.check.mark.answers import read_answer_file

    f = tmp_path / "hw.tex"
    f.write_text("\\student{s}\n\\answer{gelu-descent/a.x1}{-0.05}\n"
                 "\\answer{gelu-descent/a.x2}{\\frac{-0.0957}{1}\n"     # a } is missing
                 "\\answer{gelu-descent/a.g0}{0.5}\n"
                 "\\answer{gelu-descent/a.f1}{-0.0239\n", encoding="utf-8")  # never closed
    marked = make_marker().mark(read_answer_file(f))
    assert marked.error is None
    by = {r.answer: r for r in marked.results}
    assert by["a.x1"].verdict == "correct" and by["a.g0"].verdict == "correct"
    assert by["a.x2"].verdict == "unparsable"
    assert by["a.x2"].feedback.startswith("could not be read from the file: line 3: ")
    assert by["a.f1"].verdict == "unparsable" and "never closed" in by["a.f1"].feedback
    assert by["a.x3"].verdict == "missing"


def test_an_unknown_problem_id_leaves_the_other_problems_marked(marker):
    from derive.check.mark.answers import Submission

    marked = marker.mark(Submission("s.yaml", "s", {"gelu-desent": {"a.x1": "-0.05"},
                                                    "gelu-descent": {"a.x1": "-0.05"}}))
    assert marked.error is None
    by = {(r.problem, r.answer): r for r in marked.results}
    assert by["gelu-descent", "a.x1"].verdict == "correct"
    wrong = by["gelu-desent", "a.x1"]
    assert wrong.verdict == "unparsable"
    assert wrong.feedback.startswith("unknown problem 'gelu-desent'; did you mean "
                                     "'gelu-descent'?")
    assert any("gelu-desent" in w for w in marked.warnings)
    # a file naming only unknown problems is still a file that cannot be marked
    assert marker.mark(Submission("t.yaml", "t", {"gelu-desent": {"a.x1": "1"}})).error


# ---------------------------------------------------------------- a sheet's own notation

DELTA_RIGHT = r"\delta(1.702x)[1 + 1.702x(1 - \delta(1.702x))]"
DELTA_NEAR = r"\delta(1.702x)[1 + 1.702x(1 + \delta(1.702x))]"


def test_a_declared_notation_is_read_and_shown_in_the_feedback(marker):
    from derive.check.mark.answers import Submission

    def marked(text: str, notation: dict[str, str]):
        sub = Submission("s.yaml", "s", {"gelu-descent": {"a.derivative": text}},
                         notation=notation)
        (r,) = [r for r in marker.mark(sub).results if r.answer == "a.derivative"]
        return r

    right = marked(DELTA_RIGHT, {r"\delta": r"\sigma"})
    assert right.verdict == "correct"
    assert right.given == DELTA_RIGHT                      # as the student wrote it
    assert right.feedback == r"read with your notation (\delta as \sigma)"
    near = marked(DELTA_NEAR, {r"\delta": r"\sigma"})
    assert near.verdict == "incorrect" and near.feedback.startswith("read with your notation")
    # never guessed: without the declaration δ is no function of the problem
    assert marked(DELTA_RIGHT, {}).verdict == "unparsable"


def test_notation_in_yaml_and_latex_files(tmp_path):
    from derive.check.mark.answers import AnswerFileError, read_answer_file

    y = tmp_path / "s.yaml"
    y.write_text("notation: {'\\delta': '\\sigma'}\nanswers:\n  gelu-descent:\n"
                 f"    a.derivative: '{DELTA_RIGHT}'\n", encoding="utf-8")
    t = tmp_path / "s.tex"
    t.write_text("\\derivenotation{\\delta}{\\sigma}\n"
                 f"\\answer{{gelu-descent/a.derivative}}{{{DELTA_RIGHT}}}\n", encoding="utf-8")
    for f in (y, t):
        sub = read_answer_file(f)
        assert sub.notation == {r"\delta": r"\sigma"}
        (r,) = [r for r in make_marker().mark(sub).results if r.answer == "a.derivative"]
        assert r.verdict == "correct", f
    bad = tmp_path / "b.yaml"
    bad.write_text("notation: {'\\delta': 'x + 1'}\nanswers: {gelu-descent: {a.x1: 1}}\n",
                   encoding="utf-8")
    with pytest.raises(AnswerFileError, match="notation"):
        read_answer_file(bad)


def test_a_diagonal_pattern_whose_entries_disagree_is_not_guessed(marker):
    # a_2 does not follow the pattern a_i(1 - a_i) of the last entry: nothing is read
    text = (r"(o - y) W_2^T \begin{bmatrix} a_1(1-a_1) & 0 & 0 \\ 0 & a_2 & \vdots \\ "
            r"0 & \ddots & a_M(1-a_M) \end{bmatrix} W_1^T")
    assert verdict(marker, "softmax-backprop", "b.dE_dx", text) == "unparsable"


# ---------------------------------------------------------------- generic diagnoses


@pytest.mark.parametrize(("pid", "aid", "text", "right"), [
    ("jacobian-chain", "c.dL_dx", "W_A J_A W_B^T J_B g", "W_A^T J_A W_B^T J_B g"),
    ("softmax-backprop", "b.dE_dx", r"(o - y) W_2 \operatorname{diag}(a \odot (1-a)) W_1",
     r"(o - y) W_2^T \operatorname{diag}(a \odot (1-a)) W_1^T"),
])
def test_a_missing_transpose_where_the_sizes_do_not_fit_is_named(marker, pid, aid, text,
                                                                  right):
    r = mark(marker, {pid: {aid: text}})[pid, aid]
    assert r.verdict == "incorrect" and r.diagnosis == "transpose"
    assert right in r.feedback


def test_a_wrong_answer_that_no_mistake_explains_gets_no_code(marker):
    r = mark(marker, {"gelu-descent": {"a.x1": "-0.7"}})["gelu-descent", "a.x1"]
    assert r.verdict == "incorrect" and r.diagnosis is None
    # sizes that do not fit whatever is transposed: no code either
    r = mark(marker, {"jacobian-chain": {"c.dL_dx": "W_A W_B g"}})["jacobian-chain",
                                                                    "c.dL_dx"]
    assert r.verdict == "incorrect" and r.diagnosis is None



# ---------------------------------------------------------------- follow-through


def test_a_named_answer_is_read_with_the_students_own_value(marker):
    r = mark(marker, {"perceptron-bce": {"a.yhat": "0.6", "b.loss": r"-\ln \hat y"}})
    assert r["perceptron-bce", "a.yhat"].verdict == "incorrect"
    assert r["perceptron-bce", "b.loss"].verdict == "follow-through"
    assert r["perceptron-bce", "b.loss"].feedback.startswith("correct from your a.yhat = 0.6")
    # a right (rounded) ŷ: the formula is simply right
    r = mark(marker, {"perceptron-bce": {"a.yhat": "0.690", "b.loss": r"-\ln \hat y"}})
    assert r["perceptron-bce", "b.loss"].verdict == "correct"
    r = mark(marker, {"jacobian-chain": {"a.J_x": "J_B W_B W_A", "c.dL_dx": "J_x^T g"}})
    assert r["jacobian-chain", "c.dL_dx"].verdict == "follow-through"
    r = mark(marker, {"jacobian-chain": {"a.J_x": "J_B W_B W_A", "c.dL_dx": "J_x^T W_A g"}})
    assert r["jacobian-chain", "c.dL_dx"].verdict == "incorrect"


def test_a_product_in_the_wrong_order_is_named(marker):
    r = mark(marker, {"jacobian-chain": {"c.dL_dx": r"g \times J_x^T"}})["jacobian-chain",
                                                                         "c.dL_dx"]
    assert r.verdict == "incorrect" and r.diagnosis == "transpose"
    assert "J_x^T g is right" in r.feedback


def test_follow_through_uses_the_students_rounded_right_values(marker):
    # x2 wrong, g2 = 0.42 right but rounded (f'(-0.09575) = 0.4186…): x3 from both
    x3 = -0.0904 - 0.1 * 0.42
    r = mark(marker, {"gelu-descent": {"a.x2": "-0.0904", "a.g2": "0.42",
                                       "a.x3": f"{x3:.4f}"}})
    assert r["gelu-descent", "a.g2"].verdict == "correct"
    assert r["gelu-descent", "a.x3"].verdict == "follow-through"
    r = mark(marker, {"gelu-descent": {"a.x2": "-0.0904", "a.g2": "0.42",
                                       "a.x3": f"{x3 - 0.001:.4f}"}})
    assert r["gelu-descent", "a.x3"].verdict == "incorrect"


def test_restating_the_asked_derivative_is_no_answer(marker):
    # f' of a function the problem defines, in an expression answer, is what is asked
    assert verdict(marker, "gelu-descent", "a.derivative", "f'(x)") != "correct"
    # the course's own functions keep their primes (σ' = σ(1 − σ))
    assert verdict(marker, "gelu-descent", "a.derivative",
                   r"\sigma(1.702x) + 1.702 x \sigma'(1.702x)") == "correct"


def test_a_matrix_declared_symmetric_is_compared_as_one():
    import sympy as sp

    from derive.check.judge.equivalence import judge
    from derive.check.read.config import ParseConfig
    from derive.core.model import AnswerSpec

    m, n = (sp.Symbol(s, integer=True, positive=True) for s in "mn")
    W, S, g = sp.MatrixSymbol("W", m, n), sp.MatrixSymbol("S", m, m), sp.MatrixSymbol("g", m, 1)
    spec = AnswerSpec("a.v", "matrix-expression", shape=(n, 1))
    plain = ParseConfig(symbols={"W": W, "S": S, "g": g})
    declared = ParseConfig(symbols={"W": W, "S": S, "g": g}, properties={"S": "symmetric"})
    gold = W.T * S * g
    assert judge(gold, spec, "(S W)^T g", declared).verdict == "correct"
    assert judge(gold, spec, "(S W)^T g", plain).verdict == "incorrect"   # S^T ≠ S
    assert judge(gold, spec, "W^T S^T S g", declared).verdict == "incorrect"


def test_otimes_of_matrices_is_not_read_as_a_product(marker):
    assert verdict(marker, "softmax-backprop", "c.dE_dW2", r"a^T \otimes (o - y)") \
        == "unparsable"
