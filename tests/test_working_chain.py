"""Reading and judging a working (derive.check.working): lines, steps, first error.

Expected first errors are worked out by hand in the comments (plain arithmetic), never
taken from the checker.
"""

from __future__ import annotations

import functools

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
