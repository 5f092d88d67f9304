"""Every diagnosis a step may carry: a chain that triggers it, a valid one that must not.

Values in the comments are worked out by hand (a calculator), not by the checker.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
import sympy as sp
from solvekit import solution

from derive.check.judge.diagnoses import read_mistakes
from derive.check.working import check_working
from derive.check.working.declared import declared_values
from derive.check.working.diagnose import STEP_CODES
from derive.core.catalogue import problem_paths
from derive.core.spec import read_yaml

R = sp.Rational


@functools.cache
def _problem(pid: str) -> tuple[Any, dict[str, Any]]:
    s = solution(pid)
    return s.problem, {a: v.value for a, v in s.answers.items()}


def run(pid: str, aid: str, text: str, own: dict[str, Any] | None = None,
        declared: bool = False) -> Any:
    p, right = _problem(pid)
    mistakes = None
    if declared:
        decl = read_mistakes(p, read_yaml(problem_paths()[pid])).get(aid, ())
        mistakes = declared_values(p, decl, right, own or {})
    return check_working(p, aid, text, right, own or {}, mistakes=mistakes)


# (code, problem, answer, own answers, wrong chain, its first error, a valid chain)
CASES = [
    # dE/dz of BCE through a sigmoid is yhat - y = 0.68997 - 1 = -0.31003
    ("sign", "perceptron-bce", "b.dE_dz", {},
     r"\frac{\partial E}{\partial z} = \hat{y} - y = 0.68997 - 1 = 0.31003", 3,
     r"\frac{\partial E}{\partial z} = \hat{y} - y = 0.68997 - 1 = -0.31003"),
    # E = (y - yhat)^2 / 2: dE/dw9 = yhat - y = 0.0655, not 2(yhat - y) = 0.131
    ("half-factor", "mlp-forward-backward", "c.dE_dw9", {},
     r"\frac{\partial E}{\partial w_9} = 2(\hat{y} - y) = 2(0.5655 - 0.5) = 0.131", 1,
     r"\frac{\partial E}{\partial w_9} = \hat{y} - y = 0.5655 - 0.5 = 0.0655"),
    # -ln(0.68997) = 0.37110; -log2(0.68997) = 0.53539
    ("log-base", "perceptron-bce", "b.loss", {},
     r"E &= -\log(0.68997) \\ &= 0.53539", 2,
     r"E &= -\log(0.68997) \\ &= 0.37110"),
    # sigma'(u) = sigma(u)(1 - sigma(u)), not sigma(u)
    ("sigma-derivative", "gelu-descent", "a.derivative", {},
     r"f'(x) = \sigma(1.702x) + 1.702x \sigma'(1.702x) = \sigma(1.702x) + 1.702x "
     r"\sigma(1.702x)", 2,
     r"f'(x) = \sigma(1.702x) + 1.702x \sigma'(1.702x) = \sigma(1.702x) + 1.702x "
     r"\sigma(1.702x)(1 - \sigma(1.702x))"),
    # dE/dw_f = -2(y - o) o(1 - o) c; the o(1 - o) of the output sigmoid is left out
    ("missing-activation-derivative", "conv-sigmoid-backprop", "a.dE_dwf", {},
     r"\frac{\partial E}{\partial w_f} = -2(y - o) c", 1,
     r"\frac{\partial E}{\partial w_f} = -2(y - o) o (1 - o) c"),
    # (x sigma(1.702x))' = sigma(1.702x) + 1.702 x sigma'(1.702x): the 1.702 dropped
    ("chain-rule-factor", "gelu-descent", "a.derivative", {},
     r"\frac{d}{dx}\left(x \sigma(1.702x)\right) = \sigma(1.702x) + x \sigma'(1.702x)", 1,
     r"\frac{d}{dx}\left(x \sigma(1.702x)\right) = \sigma(1.702x) + 1.702 x "
     r"\sigma'(1.702x)"),
    # only the x' sigma(1.702x) term of the product rule
    ("product-rule", "gelu-descent", "a.derivative", {},
     r"\frac{d}{dx}\left(x \sigma(1.702x)\right) = \sigma(1.702x)", 1,
     r"\frac{d}{dx}\left(x \sigma(1.702x)\right) = \sigma(1.702x) "
     r"\left(1 + 1.702x (1 - \sigma(1.702x))\right)"),
    # f'(-0.05) = 0.4575013; x_2 = -0.05 - 0.045750 = -0.0957501; -0.5 copies x_1 wrong
    ("copying", "gelu-descent", "a.x2", {"a.x1": R("-0.05")},
     r"x_2 = x_1 - 0.1 f'(x_1) = -0.5 - 0.1 \times 0.4575", 2,
     r"x_2 = x_1 - 0.1 f'(x_1) = -0.05 - 0.1 \times 0.4575 = -0.0958"),
    # part c: eta_c = 0.1; f'(-3) = -0.0245485; x_1 = -3 + 0.00245 = -2.99755
    ("learning-rate", "gelu-descent", "c.gd.x1", {},
     r"x_1 = -3 - 1(-0.0245) = -2.9755", 1,
     r"x_1 = -3 - 0.1(-0.0245) = -2.9976"),
    # z = 0.2*2 + 0.3*1 + 0.1 = 0.8; b = 0.1 misread as 0.01
    ("wrong-given", "perceptron-bce", "a.z", {},
     r"z = w_1 x_1 + w_2 x_2 + b = 0.2 \times 2 + 0.3 \times 1 + 0.01 = 0.71", 2,
     r"z = w_1 x_1 + w_2 x_2 + b = 0.2 \times 2 + 0.3 \times 1 + 0.1 = 0.8"),
    # f'(-0.5) = 0.120796: -0.5 - 0.120796 = -0.620796; -0.6206 is right to 3 places only
    ("rounding", "gelu-descent", "b.x2", {"b.x1": R("-0.5")},
     r"x_2 = x_1 - \eta f'(x_1) = -0.6206", 2,
     r"x_2 = x_1 - \eta f'(x_1) = -0.6208"),
    # 0 - 0.1 * 0.5 = -0.05, not -0.5
    ("arithmetic", "gelu-descent", "a.x1", {},
     r"x_1 = 0 - 0.1 \times 0.5 = -0.5", 2,
     r"x_1 = 0 - 0.1 \times 0.5 = -0.05"),
]


@pytest.mark.parametrize("code,pid,aid,own,wrong,first,valid", CASES,
                         ids=[c[0] for c in CASES])
def test_step_diagnosis(code: str, pid: str, aid: str, own: dict[str, Any], wrong: str,
                        first: int, valid: str) -> None:
    w = run(pid, aid, wrong, own)
    assert w.first_error == first
    step = w.steps[first - 1]
    assert step.diagnosis == code
    assert step.feedback.startswith(f"line {step.line}: ")
    ok = run(pid, aid, valid, own)
    assert ok.first_error is None
    assert all(s.diagnosis is None for s in ok.steps)


def _gelu_prime(x: float) -> float:
    import math

    s = 1 / (1 + math.exp(-1.702 * x))
    return s * (1 + 1.702 * x * (1 - s))


def test_momentum_convention_from_the_answers_declared_mistakes() -> None:
    # v_1 = f'(-3); x_1 = -3 - 0.1 v_1; v_2 = 0.9 v_1 + f'(x_1) (not 0.9 v_1 + 0.1 f'(x_1))
    g0 = _gelu_prime(-3.0)
    x1 = -3 - 0.1 * g0
    wrong = run("gelu-descent", "c.mom.v2", r"v_2 = 0.9 v_1 + 0.1 f'(x_1)", declared=True)
    assert wrong.first_error == 1 and wrong.steps[0].diagnosis == "momentum-convention"
    right_v2 = 0.9 * g0 + _gelu_prime(x1)
    ok = run("gelu-descent", "c.mom.v2", rf"v_2 = 0.9 v_1 + f'(x_1) = {right_v2:.5f}",
             declared=True)
    assert ok.first_error is None


def test_every_step_code_is_tested() -> None:
    tested = {c[0] for c in CASES} | {"momentum-convention"}
    assert tested == set(STEP_CODES)


def test_a_result_added_up_wrong_is_arithmetic_not_a_misread_given() -> None:
    # -0.30096*0.7 + 0.14931*0.5 + 0.89862 = -0.210672 + 0.074655 + 0.89862 = 0.762603;
    # 0.7638 is an addition slip. No given stands in the bare result (0.8, w_2, is within
    # 5% of 0.7626 but the student wrote no w_2 there)
    w = run("mlp-forward-backward", "e.h1",
            r"h_1 = (-0.30096)(0.7) + (0.14931)(0.5) + 0.89862 = 0.7638")
    assert w.first_error == 2
    assert w.steps[1].diagnosis == "arithmetic"
    assert "w_2" not in w.steps[1].feedback


def test_a_named_quantity_copied_with_two_digits_swapped() -> None:
    # g_2 = f'(x_2) = 0.418876 (gelu part a), written 0.4819 (1 and 8 swapped):
    # -0.0958 - 0.1 * 0.4819 = -0.14399, not x_3 = -0.0958 - 0.04189 = -0.13769
    w = run("gelu-descent", "a.x3", r"x_3 = x_2 - \eta g_2 = -0.0958 - 0.1 \times 0.4819")
    assert w.first_error == 2
    assert w.steps[1].diagnosis == "copying"
    assert "g_2 = 0.4189" in w.steps[1].feedback


def test_product_rule_against_a_label_that_is_the_answer() -> None:
    # g_1 = f'(x_1) = 0.4575 at x_1 = -0.05; σ(1.702 x_1) = σ(-0.0851) = 0.4787 is the
    # x'·σ term alone: the answer's declared product-rule mistake, held against f'(x_1)
    w = run("gelu-descent", "a.g1", r"g_1 = f'(x_1) = \sigma(1.702 x_1) = 0.4787",
            declared=True)
    assert w.first_error == 2 and w.steps[1].diagnosis == "product-rule"


def test_a_sign_turned_in_a_sum_of_numbers() -> None:
    # -0.05 - 0.1*0.4575 = -0.05 - 0.04575 = -0.09575; -0.05 + 0.04575 turns one sign
    w = run("gelu-descent", "a.x2",
            r"x_2 = x_1 - \eta g_1 = -0.05 - 0.1 \times 0.4575 = -0.05 + 0.04575")
    assert w.first_error == 3 and w.steps[2].diagnosis == "sign"
    assert "0.04575" in w.steps[2].feedback


def test_a_side_naming_the_wrong_quantity_is_no_arithmetic_slip() -> None:
    # part b: x_2 = x_1 - 1*g_1 = -0.5 - 0.1208; x_1 - g_0 = -0.5 - 0.5 uses g_0: wrong,
    # but nothing was added up wrong
    w = run("gelu-descent", "b.x2", r"x_2 = x_1 - \eta_b g_1 = x_1 - g_0")
    assert w.first_error == 2 and w.steps[1].diagnosis != "arithmetic"


def test_a_factor_written_as_one_is_no_misread_given() -> None:
    # dE/dw_5 = (yhat - y) w_7 = 0.0655*0.7; (yhat - y)*1 leaves w_7 out. i_1 = 0.7 has
    # w_7's value, but a 1 is no misreading of 0.7
    w = run("mlp-forward-backward", "c.dE_dw5", r"\frac{\partial E}{\partial w_5} = "
            r"\frac{\partial E}{\partial \hat{y}} \frac{\partial \hat{y}}{\partial h_1} "
            r"\frac{\partial h_1}{\partial w_5} = (\hat{y} - y) \cdot 1")
    assert w.first_error == 2
    assert w.steps[1].diagnosis not in ("wrong-given", "learning-rate")


def test_a_sign_slip_names_the_term_as_written() -> None:
    # w_1 = w_0 - eta L'(w_0) = -0.5 + 0.11 = -0.39; with + the step is an ascent
    w = run("leaky-unit-descent", "b.w1", r"w_1 = w_0 + \eta \frac{dL}{dw}\Big|_{w_0}")
    assert w.first_error == 1 and w.steps[0].diagnosis == "sign"
    assert r"+ \eta \frac{dL}{dw}" in w.steps[0].feedback
    assert "Piecewise" not in w.steps[0].feedback


def test_one_digit_for_another_is_no_copying_and_the_left_side_is_named() -> None:
    # ReLU'(-0.5) = 0; writing 1 copies nothing (the earlier answer 0 of b.clip1 is one
    # digit, like 1); the step is held to its left side, not to a line before
    w = run("activation-derivatives", "b.relu1", r"r'(z_0) = 1", {"b.clip1": R(0)})
    assert w.first_error == 1 and w.steps[0].diagnosis != "copying"
    assert "line before" not in w.steps[0].feedback


def test_a_base_ten_logarithm_is_named_as_such() -> None:
    # E = -ln(0.68997) = 0.3711; -log10(0.69) = 0.1612 (base 10, not base 2: -log2 0.69
    # = 0.5353)
    w = run("perceptron-bce", "b.loss", r"E = -\ln \hat y = -\log_{10}(0.69)")
    assert w.first_error == 2 and w.steps[1].diagnosis == "log-base"
    assert "base-10" in w.steps[1].feedback and "base-2" not in w.steps[1].feedback


def test_rounding_too_early_when_every_step_passes_but_the_result_misses() -> None:
    # sigma(0.8) = 1/(1 + e^-0.8) = 1/1.449329 = 0.689974; e^-0.8 = 0.4493 written 0.5
    # (one decimal) gives 1/1.5 = 0.6667: each step is within what its rounding allows,
    # but 0.667 misses 0.690 at its 3 decimals, so the rounded step is the wrong one
    w = run("perceptron-bce", "a.yhat", r"\hat{y} = \sigma(z) = \frac{1}{1 + e^{-0.8}} = "
            r"\frac{1}{1 + 0.5} = 0.667")
    assert [s.verdict for s in w.steps] == ["valid", "valid", "invalid", "valid"]
    assert w.steps[2].diagnosis == "rounding"
    ok = run("perceptron-bce", "a.yhat", r"\hat{y} = \sigma(z) = \frac{1}{1 + e^{-0.8}} = "
             r"\frac{1}{1 + 0.4493} = 0.690")
    assert ok.first_error is None


def test_a_sign_slip_in_an_expression_is_not_shown_in_sympy_syntax() -> None:
    # (tanh x)' = 1 - tanh^2 x; 1 + tanh^2 x turns the sign of its second term
    w = run("tanh-derivative", "a.derivative", r"\frac{d}{dx}\tanh x = 1 + \tanh^2 x")
    assert w.steps[0].diagnosis == "sign"
    assert "**" not in w.steps[0].feedback and "the step holds" in w.steps[0].feedback
