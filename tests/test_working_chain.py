"""Reading and judging a working (derive.check.working): lines, steps, first error.

Expected first errors are worked out by hand in the comments (plain arithmetic), never
taken from the checker.
"""

from __future__ import annotations

import functools
import math
import re

import pytest
from solvekit import solution

from derive.check.working import check_working
from derive.check.working.lines import read_lines


@functools.cache
def _problem(pid: str):  # type: ignore[no-untyped-def]
    s = solution(pid)
    return s.problem, {a: v.value for a, v in s.answers.items()}


def run(pid: str, aid: str, text: str, own: dict | None = None):  # type: ignore[no-untyped-def]
    p, right = _problem(pid)
    return check_working(p, aid, text, right, own or {})


def test_lines_aligned_chain_and_one_line_chain() -> None:
    lines = read_lines(r"""\begin{aligned} f'(x) &= a \\ &= b \end{aligned}""")
    assert [ln.statements[0].sides for ln in lines] == [("f'(x)", "a"), ("", "b")]
    one = read_lines("x_1 = 0 - 0.1 (0.5) = -0.05")
    assert one[0].statements[0].sides == ("x_1", "0 - 0.1 (0.5)", "-0.05")


def test_lines_prose_and_implication() -> None:
    lines = read_lines(r"Using gradient descent we get \\ 3 = \frac{4}{s} \Rightarrow s = 4/3")
    assert lines[0].problem.startswith("prose")
    st = lines[1].statements
    assert [s.sides for s in st] == [("3", r"\frac{4}{s}"), ("s", "4/3")] and st[1].implied


def test_a_matrix_keeps_its_line_breaks() -> None:
    (line,) = read_lines(r"O = \begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}")
    assert line.statements[0].sides[1] == r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"


def test_descent_step_with_the_derivative_label_is_valid() -> None:
    # x_1 = 0 - 0.1 * f'(0) = -0.1 * 0.5 = -0.05: every step holds
    w = run("gelu-descent", "a.x1", r"""x_1 = x_0 - \eta \left. \frac{\partial \text{GELU}(x)}
            {\partial x} \right|_{x_0} \\ x_1 = 0 - 0.1 \left[ \frac{1}{2} \right] = -0.05""")
    assert [s.verdict for s in w.steps] == ["valid", "valid", "valid"]
    assert w.first_error is None


def test_learning_rate_written_wrong_is_the_first_error() -> None:
    # part c: eta_c = 0.1, x0 = -3, f'(-3) = -0.02455; the sheet writes 1 for eta:
    # -3 - 1(-0.0245) = -2.9755, not -3 + 0.0024549 = -2.99755
    w = run("gelu-descent", "c.gd.x1", r"""x_1 = x_0 - \eta \left. \frac{\partial
            \text{GELU}(x)}{\partial x} \right|_{x_0} \\ x_1 = -3 - 1(-0.0245) = -2.997""")
    assert w.first_error == 2 and w.steps[1].line == 2


def test_derivative_missing_the_inner_factor() -> None:
    # d/dx x sigma(1.702x) = sigma(1.702x) + 1.702 x sigma'(1.702x): the 1.702 is missing
    w = run("gelu-descent", "a.derivative", r"""\frac{\partial \text{GELU}(x)}{\partial x}
            &= \sigma(1.702x) + x \sigma'(1.702x) \\
            &= \sigma(1.702x) + 1.702x \sigma(1.702x) (1 - \sigma(1.702x))""")
    assert w.first_error == 1


def test_equation_chain_for_the_padding() -> None:
    # (4 - 3 + 2P)/1 + 1 = 4  <=>  P = 1 on every line
    ok = run("cnn-padding-pooling", "a.padding",
             r"4 = \frac{4 - 3 + 2P}{1} + 1 \\ 3 = 1 + 2P \\ 2P = 2 \\ P = 1")
    assert [s.verdict for s in ok.steps] == ["valid"] * 4
    # 3 = 2 + 2P gives P = 1/2: the second line is wrong
    bad = run("cnn-padding-pooling", "a.padding",
              r"4 = \frac{4 - 3 + 2P}{1} + 1 \\ 3 = 2 + 2P \\ P = \frac{1}{2}")
    assert bad.first_error == 2


def test_numbers_copied_wrong_and_number_rule() -> None:
    # yhat = w7 h1 + w8 h2 + w9 = 0.7*0.765 + 0.25*0.52 - 0.1 = 0.5655; 0.265 is copied
    # wrong from h_1 = 0.765 (0.7*0.265 + 0.13 - 0.1 = 0.2155)
    w = run("mlp-forward-backward", "a.yhat",
            r"\hat{y} = 0.7 \times 0.265 + 0.52 \times 0.25 - 0.1 = 0.5655", {"a.h1": 0.765})
    assert w.first_error == 1
    # log(0.68997) = -0.371104; -log2(0.68997) = 0.53539: the last step is wrong
    loss = run("perceptron-bce", "b.loss",
               r"E &= -(1) \log(0.68997) + (1-1) \log(1-0.68997) \\ &= 0.53539")
    assert [s.verdict for s in loss.steps] == ["valid", "invalid"]


@pytest.mark.parametrize("text", [
    r"f'(x) = \frac{d}{dx} (\tanh x) = \operatorname{sech}^2 x \\ f'(x) = 1 - f(x)^2",
    r"f'(x) = \frac{d}{dx}\left(\frac{\sinh x}{\cosh x}\right) = "
    r"\frac{\cosh^2 x - \sinh^2 x}{\cosh^2 x} = 1 - \tanh^2 x",
])
def test_valid_rewritings_of_tanh_prime(text: str) -> None:
    w = run("tanh-derivative", "a.derivative", text)
    assert w.first_error is None and all(s.verdict == "valid" for s in w.steps)


def test_an_index_outside_its_sum_is_wrong_and_a_right_sum_is_right() -> None:
    # d.dL_dz = (p_i - t_i) p_i - p_i sum_k (p_k - t_k) p_k; line 1 leaves t_k outside
    # the sum over k, line 2 is the derivative written out (k = i split off)
    w = run("loss-gradients", "d.dL_dz", r"""\frac{\partial \text{Loss}}{\partial y}
        &= \sum_k p_k - t_k \times (p_i (1 - p_k) - p_i p_k) \\
        &= (p_i - t_i) \times p_i (1 - p_i) + \sum_{k \neq i} (p_k - t_k) \times (-p_i p_k)""")
    assert w.first_error == 1 and "outside its sum" in w.steps[0].feedback
    ok = run("loss-gradients", "d.dL_dz", r"""\frac{\partial L}{\partial z_i} =
        (p_i - t_i) \times p_i (1 - p_i) + \sum_{k \neq i} (p_k - t_k) \times (-p_i p_k)""")
    assert ok.first_error is None and ok.steps[-1].verdict == "valid"


def test_a_one_hot_target_lets_a_step_use_its_sum() -> None:
    # with t one-hot (sum_k t_k = 1): -t_i + p_i t_i + p_i sum_{k != i} t_k = p_i - t_i;
    # for t not one-hot the two differ (t = (1, 1, 0), i = 1: p_1 - 1 + p_1 vs p_1 - 1)
    w = run("loss-gradients", "c.dL_dz", r"""\frac{\partial L}{\partial z_i}
        = -t_i + p_i t_i + \sum_{k \neq i} t_k \times p_i \\ = p_i - t_i""")
    assert [s.verdict for s in w.steps] == ["valid", "valid"]
    bad = run("loss-gradients", "c.dL_dz", r"\frac{\partial L}{\partial z_i} = 2 p_i - t_i")
    assert bad.first_error == 1


# gelu-descent part a by hand: f'(x) = s + 1.702 x s (1 - s), s = sigmoid(1.702 x)
def _gelu_prime(x: float) -> float:
    s = 1 / (1 + math.exp(-1.702 * x))
    return s + 1.702 * x * s * (1 - s)


X1 = 0 - 0.1 * _gelu_prime(0)            # -0.05
G1 = _gelu_prime(X1)                      # 0.4575…
X2 = X1 - 0.1 * G1                        # -0.09575…


def test_an_update_written_with_the_problems_names_is_valid_on_every_line() -> None:
    # x_2 = x_1 - eta g holds at the problem's values with g = g_1 = f'(x_1); the same
    # line written three times gets the same verdict, and -0.0958 is x_2 to 4 places
    assert abs(round(X2, 4) - (-0.0958)) < 1e-12
    w = run("gelu-descent", "a.x2",
            "x_2 = x_1 - \\eta g \\\\ x_2 = x_1 - \\eta g \\\\ x_2 = x_1 - \\eta g \\\\ "
            "x_2 = -0.0958")
    assert [s.verdict for s in w.steps] == ["valid"] * 4 and w.first_error is None
    assert "g as g_1" in w.steps[0].feedback
    assert len({(s.verdict, s.feedback.split(": ", 1)[-1]) for s in w.steps[:3]}) == 1
    # the next update's g is the next gradient: x_3 = x_2 - eta g_2
    w3 = run("gelu-descent", "a.x3", "x_3 = x_2 - \\eta g \\\\ x_3 = "
             f"{X2 - 0.1 * _gelu_prime(X2):.4f}")
    assert [s.verdict for s in w3.steps] == ["valid", "valid"]
    assert "g as g_2" in w3.steps[0].feedback


def test_an_update_no_member_makes_true_is_not_valid() -> None:
    # x_1 + eta g is not x_2 for any of g_0, g_1, g_2 (x_2 < x_1 and every g_k > 0)
    assert all(_gelu_prime(x) > 0 for x in (0, X1, X2))
    w = run("gelu-descent", "a.x2", "x_2 = x_1 + \\eta g")
    assert w.steps[0].verdict != "valid"


def test_a_solution_is_shown_as_a_decimal_not_a_long_fraction() -> None:
    # an equation's solutions as a student reads them: 1/2 as written, a 40-digit
    # fraction (as marking holds the right values) as a decimal
    import sympy as sp

    from derive.check.working.equations import _roots

    long = sp.Rational(10 ** 40 + 7, 3 * 10 ** 39)  # 3.3333…
    assert _roots([sp.Rational(1, 2)]) == "1/2"
    assert _roots([long]) == "3.333" and not re.search(r"\d{5,}/\d", _roots([long]))


def _settled(pid: str, aid: str, text: str):  # type: ignore[no-untyped-def]
    # the right values as marking holds them (exact fractions)
    from derive.check.mark.followthrough import settle

    p, right = _problem(pid)
    return check_working(p, aid, text, {a: settle(v) for a, v in right.items()}, {})


X3 = X2 - 0.1 * _gelu_prime(X2)           # -0.13763…


@pytest.mark.parametrize(("aid", "text"), [
    ("a.x3", "-0.1376 = x_2 - \\eta u"),    # -0.1376 is x_3 to 4 places: u is g_2
    ("a.x2", "-0.0958 = x_1 - \\eta u"),    # -0.0958 is x_2 to 4 places: u is g_1
    ("a.x3", "-0.2 = x_2 - \\eta u"),       # x_2 is a.x2: a relation, not an equation
])
def test_a_name_the_problem_does_not_have_is_not_solved_for_the_answer(aid: str,
                                                                      text: str) -> None:
    # u is no quantity of gelu-descent: solving for it and comparing u = 0.4185 with
    # x_3 = -0.1376 judged the gradient as the answer; the step cannot be read against
    # the problem, so it is unchecked and says which name
    assert abs(round(X3, 4) - (-0.1376)) < 1e-12 and abs(round(X2, 4) - (-0.0958)) < 1e-12
    (step,) = _settled("gelu-descent", aid, text).steps
    assert step.verdict == "unchecked" and "uses u" in step.feedback


def test_an_equation_of_numbers_in_a_new_letter_is_still_solved() -> None:
    # 4 = (4 - 3 + 2P)/1 + 1 gives P = 1, the padding; 4 = (4 - 3 + 2P)/1 + 2 gives
    # P = 1/2, not the answer
    ok = _settled("cnn-padding-pooling", "a.padding", r"4 = \frac{4 - 3 + 2P}{1} + 1")
    bad = _settled("cnn-padding-pooling", "a.padding", r"4 = \frac{4 - 3 + 2P}{1} + 2")
    assert [s.verdict for s in ok.steps] == ["valid"]
    assert [s.verdict for s in bad.steps] == ["invalid"] and "P = 1/2" in bad.steps[0].feedback


def test_an_update_with_a_bare_gradient_and_a_sign_slip_is_invalid() -> None:
    # x_1 + eta g for g = g_0, g_1, g_2 by hand: none is x_2 = -0.09575
    gs = [_gelu_prime(x) for x in (0, X1, X2)]
    assert all(abs((X1 + 0.1 * g) - X2) > 0.01 for g in gs)
    w = _settled("gelu-descent", "a.x2", "x_2 = x_1 + \\eta g \\\\ x_2 = -0.0958")
    assert [s.verdict for s in w.steps] == ["invalid", "valid"] and w.first_error == 1
    # x_1 suggests g_1; the feedback says which reading it judged
    assert "g as g_1" in w.steps[0].feedback
    # x_0 + eta g_0 = 0 + 0.05 = -x_1: the sign diagnosis the explicit g_0 gets
    assert 0 + 0.1 * _gelu_prime(0) == -X1
    w1 = _settled("gelu-descent", "a.x1", "x_1 = x_0 + \\eta g")
    assert w1.steps[0].verdict == "invalid" and w1.steps[0].diagnosis == "sign"
    explicit = _settled("gelu-descent", "a.x1", "x_1 = x_0 + \\eta g_0")
    assert explicit.steps[0].diagnosis == "sign"


def test_a_bare_gradient_true_with_the_students_own_value_is_not_called_wrong() -> None:
    # the student's g_1 = 0.4: x_1 - eta g = -0.05 - 0.1 * 0.4 = -0.0900, their line
    # above; no right g_k gives it to 4 places (g_0, g_1, g_2 give -0.1, -0.09575,
    # -0.0918)
    assert abs((X1 - 0.1 * 0.4) - (-0.09)) < 1e-12
    assert all(abs(X1 - 0.1 * _gelu_prime(x) + 0.09) > 1e-4 for x in (0, X1, X2))
    w = run("gelu-descent", "a.x2", "x_2 = -0.0900 \\\\ &= x_1 - \\eta g", {"a.g1": 0.4})
    assert w.steps[1].verdict != "invalid"


@pytest.mark.parametrize("text", [
    "-0.1376 = x_2 - \\eta g_2",
    "-0.1376 = x_2 - \\eta g",
    "x_3 = -0.1376 = x_2 - \\eta g_2",
])
def test_a_rounded_left_side_copied_from_above_holds_a_computation(text: str) -> None:
    # x_2 - eta g_2 = -0.13763 by hand: -0.1376 is it to one unit of the 4th place
    assert abs(X3 - (-0.1376)) < 1e-4
    w = _settled("gelu-descent", "a.x2", text)
    assert all(s.verdict == "valid" for s in w.steps) and w.first_error is None


def test_a_rounded_left_side_is_held_to_its_last_place() -> None:
    # -0.1375 is 1.3e-4 from x_2 - eta g_2 = -0.13763: more than one unit of 1e-4
    assert abs(X3 - (-0.1375)) > 1e-4
    w = _settled("gelu-descent", "a.x2", "-0.1375 = x_2 - \\eta g_2")
    assert w.steps[0].verdict == "invalid"
    # a plain number after a rounder one is no derivation: 0.5 = 0.4575 stays wrong
    # (forward: 0.4575 is 0.0425 from 0.5, more than 1e-4)
    plain = _settled("gelu-descent", "a.x2", "g_1 = 0.5 = 0.4575")
    assert plain.steps[1].verdict == "invalid"


def test_one_term_with_the_wrong_sign_is_a_sign_slip_naming_the_term() -> None:
    # x_1 + eta g_1 by hand: -0.05 + 0.1 * 0.4575 = -0.00425, while x_2 = x_1 - eta g_1
    # = -0.09575: only the term eta g_1 has its sign turned (an ascent step)
    g1 = _gelu_prime(X1)
    assert abs((X1 + 0.1 * g1) - (-0.00425)) < 1e-4 and abs((X1 - 0.1 * g1) - X2) < 1e-12
    w = run("gelu-descent", "a.x2", "x_2 = x_1 + \\eta g_1")
    assert w.steps[0].verdict == "invalid" and w.steps[0].diagnosis == "sign"
    assert "term + \\eta g_1" in w.steps[0].feedback  # the term as the student wrote it
    bare = run("gelu-descent", "a.x2", "x_2 = x_1 + \\eta g")  # read as g_1, said so
    assert bare.steps[0].diagnosis == "sign" and "g as g_1" in bare.steps[0].feedback
    # a wrong term that is not a turned sign stays an arithmetic slip
    other = run("gelu-descent", "a.x2", "x_2 = x_1 - \\eta g_1 + 0.1")
    assert other.steps[0].verdict == "invalid" and other.steps[0].diagnosis != "sign"


def test_a_name_the_student_defines_as_an_expression_is_used_below() -> None:
    # delta_o = -2(y - o) o (1 - o), so delta_o w_f c (1 - c) = dE/db_c (part d's chain
    # rule); with +2 it would be the opposite sign
    w = run("conv-sigmoid-backprop", "d.dE_dbc", r"""\delta_o = -2(y - o) o (1 - o) \\
            \frac{\partial E}{\partial b_c} = \delta_o w_f c (1 - c)""")
    assert [s.verdict for s in w.steps] == ["unchecked", "valid"]
    bad = run("conv-sigmoid-backprop", "d.dE_dbc", r"""\delta_o = 2(y - o) o (1 - o) \\
              \frac{\partial E}{\partial b_c} = \delta_o w_f c (1 - c)""")
    assert [s.verdict for s in bad.steps] == ["unchecked", "invalid"]


def test_two_relations_side_by_side_are_two_statements() -> None:
    def sides(text: str) -> list[tuple[str, ...]]:
        (line,) = read_lines(text)
        return [s.sides for s in line.statements]

    assert sides(r"L = \frac{1}{2}(y - t)^2, \quad y = z") == [
        ("L", r"\frac{1}{2}(y - t)^2"), ("y", "z")]
    assert sides(r"a = 1 \text{ and } b = 2") == [("a", "1"), ("b", "2")]
    # a comma inside brackets, a decimal comma and a list stay where they are
    assert sides("f(x, y) = 3") == [("f(x, y)", "3")]
    assert sides("x = 0,5") == [("x", "0,5")]
    assert sides("x = 1, 2, 3 = y") == [("x", "1, 2, 3", "y")]
    # part a: L = (y - t)^2/2 and y = z are both the part's own definitions
    w = run("loss-gradients", "a.dL_dz", r"L = \frac{1}{2}(y - t)^2, \quad y = z")
    assert [s.verdict for s in w.steps] == ["valid", "valid"]


def test_a_function_named_alone_in_a_derivative_label() -> None:
    # L(w) = (LeakyReLU(wu) - t)^2/2; at w_0 = -0.5: t_hat = 0.1*(-1) = -0.1,
    # dL/dw = (t_hat - t) a u = (-1.1)(0.1)(2) = -0.22; w_1 = -0.5 - 0.5(-0.22) = -0.39
    w = run("leaky-unit-descent", "b.w1",
            r"w_1 = w_0 - \eta \frac{dL}{dw}\Big|_{w_0} = -0.5 - 0.5(-0.22) = -0.39")
    assert [s.verdict for s in w.steps] == ["valid"] * 3


def test_a_function_of_several_letters_applied_in_plain_letters() -> None:
    # lr(z) = leaky ReLU with a = 0.1: lr'(-0.5) = a = 0.1 (lr' is not l times r')
    w = run("activation-derivatives", "b.leaky1", r"lr'(-0.5) = a = 0.1")
    assert [s.verdict for s in w.steps] == ["valid", "valid"]
    # lr(-0.5) = a * (-0.5) = -0.05, not l * relu(-0.5) = 0
    bad = run("activation-derivatives", "b.leaky1", r"lr'(-0.5) = 1")
    assert [s.verdict for s in bad.steps] == ["invalid"]


def test_sides_by_cases() -> None:
    # ELU with alpha = 1: d/dz [z | alpha(e^z - 1)] = [1 | alpha e^z] = [1 | e^z]
    w = run("activation-derivatives", "a.elu", r"""e'(z) = \frac{d}{dz}\begin{cases} z & z > 0
            \\ \alpha(e^z - 1) & z \le 0 \end{cases} = \begin{cases} 1 & z > 0 \\
            \alpha e^z & z \le 0 \end{cases}""")
    assert [s.verdict for s in w.steps] == ["valid", "valid"]
    # ReLU'(z) is 0 for z < 0, not 1
    bad = run("activation-derivatives", "a.relu",
              r"r'(z) = \begin{cases} 1 & z > 0 \\ 1 & z \le 0 \end{cases}")
    assert [s.verdict for s in bad.steps] == ["invalid"]


def test_a_remark_after_the_relation_is_not_read() -> None:
    def sides(text: str) -> list[tuple[str, ...]]:
        (line,) = read_lines(text)
        return [s.sides for s in line.statements]

    assert sides(r"x_2 = -0.0958 \quad \text{(rounded)}") == [("x_2", "-0.0958")]
    # the reason's condition made the whole line an inequality
    assert sides(r"c'(z_0) = 1 \quad \text{since } |z_0| < 1") == [("c'(z_0)", "1")]
    # a condition inside cases stays
    assert sides(r"y = \begin{cases} 1 & \text{if } z > 0 \\ 0 & \text{otherwise} "
                 r"\end{cases}")[0][0] == "y"
    # clip'(z) = 1 on [-1, 1]: c'(-0.5) = 1 is right, 0 is wrong
    w = run("activation-derivatives", "b.clip1", r"c'(z_0) = 1 \quad \text{since } |z_0| < 1")
    assert [s.verdict for s in w.steps] == ["valid"]
    bad = run("activation-derivatives", "b.clip1", r"c'(z_0) = 0 \quad \text{since } |z_0| < 1")
    assert [s.verdict for s in bad.steps] == ["invalid"]


def test_entries_of_a_vector_given_by_its_written_name() -> None:
    # rnn-vanishing: xs = [1, 0.5, -0.5, 0.2] is written x; h_1 = tanh(w h_0 + u x_1)
    # = tanh(0.5*0 + 1*1) = tanh(1) = 0.76159
    w = run("rnn-vanishing", "a.h1", r"h_1 = \tanh(w h_0 + u x_1) = \tanh(1) = 0.7616")
    assert [s.verdict for s in w.steps] == ["valid"] * 3
    # x_3 = -0.5: w h_2 + u x_3 = 0.5*0.706818 - 0.5 = -0.146591, not + 0.5
    bad = run("rnn-vanishing", "a.h3", r"h_3 = \tanh(w h_2 + u x_3) = \tanh(0.3534 + 0.5)")
    assert [s.verdict for s in bad.steps] == ["valid", "invalid"]


def test_a_vector_written_as_a_column_for_a_row() -> None:
    # momentum: x_2 = x_1 - eta v_2 = (0.9, 0) - 0.05 (3.6, 18) = (0.72, -0.9), written
    # as columns while the answer is a row: the same vector
    w = run("momentum-two-conventions", "a.x2", r"""x_2 = x_1 - \eta v_2 =
            \begin{bmatrix} 0.9 \\ 0 \end{bmatrix} - 0.05 \begin{bmatrix} 3.6 \\ 18
            \end{bmatrix} = \begin{bmatrix} 0.72 \\ -0.9 \end{bmatrix}""")
    assert [s.verdict for s in w.steps] == ["valid"] * 3
    # (0.72, 0.9): the second entry is wrong, and the message shows the vector, not SymPy
    bad = run("momentum-two-conventions", "a.x2",
              r"x_2 = x_1 - \eta v_2 = \begin{bmatrix} 0.72 \\ 0.9 \end{bmatrix}")
    assert [s.verdict for s in bad.steps] == ["valid", "invalid"]
    assert "Matrix(" not in bad.steps[1].feedback


def test_hatted_quantities_by_their_written_names() -> None:
    # adam: m_hat_1 = 0.2/0.1 = 2, v_hat_1 = 0.004/0.001 = 4; x_1 = 2 - 0.1*2/(2 + 1e-8)
    # = 1.9; without the bias correction m_1/sqrt(v_1) = 0.2/0.0632 = 3.16: x_1 = 1.684
    w = run("adam-bias-correction", "a.x1", r"x_1 = x_0 - \eta \frac{\hat{m}_1}"
            r"{\sqrt{\hat{v}_1} + \epsilon} = 2 - 0.1 \cdot \frac{2}{\sqrt{4}} = 1.9")
    assert [s.verdict for s in w.steps] == ["valid"] * 3
    bad = run("adam-bias-correction", "a.x1",
              r"x_1 = x_0 - \eta \frac{m_1}{\sqrt{v_1} + \epsilon} = 1.684")
    assert bad.steps[0].verdict == "invalid"


def test_displays_one_below_the_other_are_lines() -> None:
    # each $$ … $$ is a line: the second display is f'(x_1), not more of x_2's right side
    lines = read_lines("$$x_2 = x_1 - \\eta f'(x_1)$$\n$$f'(x_1) = 0.4575$$\n"
                       "$$x_2 = -0.05 - 0.1 \\cdot 0.4575 = -0.0958$$")
    assert [ln.statements[0].sides[0] for ln in lines] == ["x_2", "f'(x_1)", "x_2"]
    # f'(-0.05) = 0.4575; x_2 = -0.05 - 0.04575 = -0.09575
    w = run("gelu-descent", "a.x2", "$$x_2 = x_1 - \\eta f'(x_1)$$\n$$f'(x_1) = 0.4575$$\n"
            "$$x_2 = -0.05 - 0.1 \\cdot 0.4575 = -0.0958$$")
    assert w.first_error is None
    assert read_lines(r"x = 1 \\[2pt] = 2")[1].statements[0].sides == ("", "2")


def test_one_equation_a_line_without_line_breaks() -> None:
    # a YAML working written one relation a line, no \\: three lines, each checked
    # (x_1 = 0 - 0.1 * 0.5 = -0.05)
    text = "x_1 = x_0 - \\eta g_0\nx_1 = 0 - 0.1 \\times 0.5\nx_1 = -0.05"
    assert [ln.text for ln in read_lines(text)] == [
        r"x_1 = x_0 - \eta g_0", r"x_1 = 0 - 0.1 \times 0.5", "x_1 = -0.05"]
    assert run("gelu-descent", "a.x1", text).first_error is None
    # a right side broken after an operator, or before one, stays one line
    assert len(read_lines("x = 0.5 \\times\n 3 = 1.5")) == 1
    assert len(read_lines("x = a + b\n  + c = 3")) == 1


def test_entries_of_a_vector_answer_by_index() -> None:
    # softmax-backprop e: o = softmax(f_2) = [0.677279, 0.322721] with y = [0, 1], so
    # E = -ln o_2 = -ln 0.322721 = 1.13097; -ln o_1 = 0.38966 is the other class
    w = run("softmax-backprop", "e.loss", r"E = -\log o_2 = -\ln(0.3227) = 1.131")
    assert [s.verdict for s in w.steps] == ["valid"] * 3
    bad = run("softmax-backprop", "e.loss", r"E = -\log o_1")
    assert [s.verdict for s in bad.steps] == ["invalid"]


def test_a_weight_marked_as_its_next_value() -> None:
    # d.w1 = w_1 - alpha dE/dw_1 = -0.3 - 0.03 * 0.032095 = -0.30096; w_1^{(1)} is that
    # updated weight (it was read as the given w_1 = -0.3), w_1^{(0)} the given
    for text in (r"w_1^{(1)} = w_1^{(0)} - 0.03 \times 0.0321 = -0.30096",
                 r"w_1^{new} = w_1 - \alpha \frac{\partial E}{\partial w_1} = -0.30096"):
        w = run("mlp-forward-backward", "d.w1", text)
        assert [s.verdict for s in w.steps] == ["valid", "valid"], text
    bad = run("mlp-forward-backward", "d.w1",
              r"w_1^{(1)} = w_1^{(0)} + \alpha \frac{\partial E}{\partial w_1}")
    assert [s.verdict for s in bad.steps] == ["invalid"]


def test_a_where_clause_defines_a_name_the_line_used() -> None:
    # u = 1.702x: sigma(u) + x sigma'(u) du/dx = sigma(1.702x) + 1.702x sigma'(1.702x),
    # f'(x); u = 1.702x is a definition, not the answer
    w = run("gelu-descent", "a.derivative",
            r"f'(x) = \sigma(u) + x\sigma'(u)\frac{du}{dx}, \quad u = 1.702x")
    assert [s.verdict for s in w.steps] == ["unchecked", "valid"]
    assert "defines u" in w.steps[0].feedback


def test_the_family_the_answer_is_written_in() -> None:
    # softmax-jacobian: dp_i/dz_j = p_i (delta_ij - p_j); p_i (1 - p_j) holds for i = j
    # only. p is the family p_1..p_K here, not part b's probabilities (a 3x1 matrix:
    # p_i p_j squared it and raised NonSquareMatrixError, the whole working lost)
    w = run("softmax-jacobian", "a.entry",
            r"\frac{\partial p_i}{\partial z_j} = p_i \delta_{ij} - p_i p_j")
    assert [s.verdict for s in w.steps] == ["valid"]
    bad = run("softmax-jacobian", "a.entry", r"\frac{\partial p_i}{\partial z_j} = p_i(1 - p_j)")
    assert [s.verdict for s in bad.steps] == ["invalid"]


def test_an_indexed_variable_by_its_written_letter() -> None:
    # log-sum-exp: L = log sum_k e^{z_k}, dL/dz_i = e^{z_i} / sum_k e^{z_k} (the block's
    # p is written z); 1/sum_k e^{z_k} alone drops the e^{z_i}
    w = run("log-sum-exp", "a.grad", r"\frac{\partial L}{\partial z_i} = \frac{1}{\sum_k "
            r"e^{z_k}} e^{z_i} = \frac{e^{z_i}}{\sum_{k=1}^K e^{z_k}}")
    assert [s.verdict for s in w.steps] == ["valid", "valid"]
    bad = run("log-sum-exp", "a.grad",
              r"\frac{\partial L}{\partial z_i} = \frac{1}{\sum_k e^{z_k}}")
    assert [s.verdict for s in bad.steps] == ["invalid"]


def test_a_rule_stated_in_a_fresh_letter_holds_for_every_value() -> None:
    # sigma'(u) = sigma(u)(1 - sigma(u)) for every u: a true rule, then the derivative
    # f'(x) = sigma(1.702x) + 1.702x sigma'(1.702x) by it
    w = run("gelu-descent", "a.derivative", r"""\sigma'(u) = \sigma(u)(1 - \sigma(u)) \\
            f'(x) = \sigma(1.702x) + 1.702x\sigma'(1.702x)""")
    assert [s.verdict for s in w.steps] == ["valid", "valid"]
    assert "every u" in w.steps[0].feedback
    # 2(P + 1) = 2P + 2 holds for every P; 4 = (4 - 3 + 2P)/1 + 1 is still solved (P = 1)
    pad = run("cnn-padding-pooling", "a.padding",
              r"2(P + 1) = 2P + 2 \\ 4 = \frac{4 - 3 + 2P}{1} + 1 \\ P = 1")
    assert [s.verdict for s in pad.steps] == ["valid"] * 3


def test_a_derivative_label_meant_at_the_answers_point() -> None:
    # a.d1 is dL/dw at w_0 = -0.5: t_hat = 0.1 * (-0.5)(2) = -0.1 and (t_hat - t) a u =
    # (-1.1)(0.1)(2) = -0.22; dL/dw without a bar, equal to numbers, means it there
    w = run("leaky-unit-descent", "a.d1",
            r"\frac{dL}{dw} = (-0.1 - 1) \cdot a \cdot u = (-1.1)(0.1)(2) = -0.22")
    assert w.first_error is None and w.steps[0].verdict == "valid"
    # an expression on the right is still held to the label: f'(x) is not sigma(1.702x)
    bad = run("gelu-descent", "a.g1", r"f'(x) = \sigma(1.702x)")
    assert bad.steps[0].verdict == "invalid"
