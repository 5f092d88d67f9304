"""The marking rules and diagnoses added to mark real sheets as a careful marker does.

Each diagnosis is triggered on a shipped problem with a value computed here by plain math
(the mistake done by hand); each rule has a case on either side of it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from checkkit import gelu_prime, make_marker, mark, sigmoid


@pytest.fixture(scope="module")
def marker():
    return make_marker()


def one(marker, problem: str, answers: dict[str, str], aid: str):
    return mark(marker, {problem: answers})[problem, aid]


def _sp(z: float) -> float:
    return sigmoid(z) * (1 - sigmoid(z))


YHAT = sigmoid(2 * 0.2 + 1 * 0.3 + 0.1)    # perceptron-bce: σ(w·x + b)


def _flipped_pooled() -> np.ndarray:
    """cnn-padding-pooling: F convolved with the flipped K1 (padding 1), 2×2 averaged."""
    f = np.pad(np.array([[3, 5, 2, 3], [9, 1, 8, 4], [6, 4, 3, 7], [7, 0, 2, 4]], float), 1)
    k = np.array([[-1, 0.5, -2], [2, 0, 1], [0, 1, 1.5]])[::-1, ::-1]
    out = np.array([[(f[i:i + 3, j:j + 3] * k).sum() for j in range(4)] for i in range(4)])
    return out.reshape(2, 2, 2, 2).mean(axis=(1, 3))


def _tex(m: np.ndarray) -> str:
    rows = " \\\\ ".join(" & ".join(f"{v:g}" for v in row) for row in m)
    return f"\\begin{{bmatrix}} {rows} \\end{{bmatrix}}"


CASES = [
    ("perceptron-bce", {"b.loss": f"{-math.log2(YHAT):.5f}"}, "b.loss", "log-base"),
    ("perceptron-bce", {"b.loss": f"{-math.log10(YHAT):.5f}"}, "b.loss", "log-base"),
    ("perceptron-bce", {"c.sigma0": "0"}, "c.sigma0", "sigmoid-at-zero"),
    ("gelu-descent", {"a.g0": "0"}, "a.g0", "sigmoid-at-zero"),
    ("gelu-descent", {"a.g1": f"{sigmoid(1.702 * -0.05):.5f}"}, "a.g1", "product-rule"),
    ("cnn-architecture", {"dense.params": str(4 * 4 * 10 * 10)}, "dense.params",
     "bias-omitted"),
    ("cnn-architecture", {"conv1.params": str((5 * 5 + 1) * 6)}, "conv1.params",
     "input-depth-omitted"),
    ("cnn-architecture", {"conv2.params": str(3 * 3 * 6 * 10)}, "conv2.params",
     "bias-omitted"),
    ("conv-layer-shapes", {"b.params": str((5 * 5 + 1) * 10)}, "b.params",
     "input-depth-omitted"),
    ("conv-layer-shapes", {"b.params": str(5 * 5 * 3 * 10)}, "b.params", "bias-omitted"),
    ("conv-layer-shapes", {"a.shape": f"28 \\times {28 - 5 + 1} \\times 10"}, "a.shape",
     "wrong-given"),
    ("cnn-padding-pooling", {"c.output": _tex(_flipped_pooled())}, "c.output",
     "kernel-flipped"),
    ("conv-sigmoid-backprop", {"a.dE_dwf": r"-2(y - o) \sigma(w_f c)(1 - \sigma(w_f c)) c"},
     "a.dE_dwf", "sigma-prime-argument"),
    ("conv-sigmoid-backprop", {"b.dE_dbf": r"-2(y - o) \frac{e^{-b_f}}{(1 + e^{-b_f})^2}"},
     "b.dE_dbf", "sigma-prime-argument"),
    ("jacobian-chain", {"a.J_x": r"J_B W_B^T J_A W_A^T"}, "a.J_x", "transpose"),
]


@pytest.mark.parametrize(("problem", "answers", "aid", "code"), CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CASES])
def test_diagnosis_on_a_shipped_problem(marker, problem, answers, aid, code):
    r = one(marker, problem, answers, aid)
    assert (r.verdict, r.diagnosis) == ("incorrect", code), r.feedback
    assert r.feedback and r.feedback != f"expected {r.expected}"


def test_averaged_momentum_from_the_students_own_v_and_x(marker):
    v1, x1 = -0.0245, -2.997                  # right to their places
    v2 = 0.9 * v1 + 0.1 * gelu_prime(x1)      # one averaged step from them
    r = one(marker, "gelu-descent", {"c.mom.v1": str(v1), "c.mom.x1": str(x1),
                                     "c.mom.v2": f"{v2:.4f}"}, "c.mom.v2")
    assert (r.verdict, r.diagnosis) == ("incorrect", "momentum-convention")


def test_a_right_answer_with_one_transpose_too_many_is_not_a_transpose_when_right(marker):
    r = one(marker, "jacobian-chain", {"a.J_x": r"J_B W_B J_A W_A"}, "a.J_x")
    assert r.verdict == "correct"


@pytest.mark.parametrize("written", ["0", "1"])
def test_rounding_needs_a_significant_digit(marker, written):
    # a.x1 = -0.05: 0 or 1 carries no digit of it, it is simply wrong
    r = one(marker, "gelu-descent", {"a.x1": written}, "a.x1")
    assert r.verdict == "incorrect" and r.diagnosis is None


def test_follow_through_from_right_but_coarse_answers_is_rounding(marker):
    grad = 0.022                              # right (0.022925 within 0.001 and 5%)
    w3 = 0.15 - 0.03 * grad                   # exact from it, written to 5 places
    res = mark(marker, {"mlp-forward-backward": {"c.dE_dw3": str(grad),
                                                 "d.w3": f"{w3:.5f}"}})
    assert res["mlp-forward-backward", "c.dE_dw3"].verdict == "correct"
    r = res["mlp-forward-backward", "d.w3"]
    assert (r.verdict, r.diagnosis) == ("follow-through", "rounding")


def test_follow_through_from_a_wrong_answer_has_no_diagnosis(marker):
    res = mark(marker, {"mlp-forward-backward": {"c.dE_dw3": "0.5",
                                                 "d.w3": f"{0.15 - 0.03 * 0.5:.3f}"}})
    r = res["mlp-forward-backward", "d.w3"]
    assert (r.verdict, r.diagnosis) == ("follow-through", None)


# f(x2) of gelu-descent c: -0.018192396733478250307 (mpmath, 50 digits, by hand route)
@pytest.mark.parametrize(("written", "verdict"), [
    ("-0.018192396733478253", "correct"),     # 17 significant digits, float64 noise
    ("-0.01819239673348", "correct"),         # 13 digits, right to its last place
    ("-0.0181923967330", "correct"),          # 12 digits, 4.8 units off: within 1e-9
    ("-0.0181923968000", "incorrect"),        # 12 digits, 3e-9 relative off
])
def test_script_output_digits(marker, written, verdict):
    r = one(marker, "gelu-descent", {"c.gd.f2": written}, "c.gd.f2")
    assert r.verdict == verdict


def test_eleven_digits_keep_the_last_place_rule(marker):
    r = one(marker, "gelu-descent", {"c.gd.f2": "-0.018192396735"}, "c.gd.f2")
    assert r.verdict == "incorrect"           # 11 significant digits, 2 units off


@pytest.mark.parametrize(("problem", "aid", "written", "verdict"), [
    ("cnn-architecture", "flatten.shape", r"160 \times 1", "correct"),
    ("cnn-architecture", "flatten.shape", r"160 \times 2", "incorrect"),
    ("conv-valid", "a.shape", r"3 \times 3", "correct"),
    ("conv-valid", "a.shape", r"3 \times 3 \times 2", "incorrect"),
])
def test_trailing_ones_of_a_shape(marker, problem, aid, written, verdict):
    assert one(marker, problem, {aid: written}, aid).verdict == verdict


@pytest.mark.parametrize(("hidden", "output", "verdict"), [
    ("[[1, -1, -0.5], [-1, 1, -0.5]]", "[[1, 1, -0.5]]", "correct"),     # XOR
    ("[[1, 1, -0.5], [1, 1, -1.5]]", "[[1, -1, -0.5]]", "correct"),      # OR and not AND
    ("[[1, 1, -0.5], [1, 1, -1.5]]", "[[1, 1, -0.5]]", "incorrect"),     # OR
])
def test_designs_marked_by_their_property_together(marker, hidden, output, verdict):
    res = mark(marker, {"logic-gates": {"c.hidden": hidden, "c.output": output}})
    assert res["logic-gates", "c.hidden"].verdict == verdict
    assert res["logic-gates", "c.output"].verdict == verdict


def test_a_design_group_with_a_missing_part_is_incorrect(marker):
    res = mark(marker, {"cnn-padding-pooling": {"d.filter": "[[0.25, 0.25], [0.25, 0.25]]",
                                                "d.stride": "2"}})
    assert res["cnn-padding-pooling", "d.filter"].verdict == "incorrect"
    assert res["cnn-padding-pooling", "d.padding"].verdict == "missing"
    full = mark(marker, {"cnn-padding-pooling": {"d.filter": "[[0.25, 0.25], [0.25, 0.25]]",
                                                 "d.stride": "2", "d.padding": "0"}})
    assert {full["cnn-padding-pooling", a].verdict
            for a in ("d.filter", "d.stride", "d.padding")} == {"correct"}
