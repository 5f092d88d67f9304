"""Batch answers in matrix form (issue 10's library problems), as students write them:
vectors of ones (``\\mathbf{1}^T δ``, ``1^T``, ``\\vec{1}^T``, ``\\mathbb{1}^T``,
``\\mathbf{1}_B^T``), indicators for ReLU's derivative (``\\mathbb{1}[F_1 > 0]``), and
near misses of each (no 1/B for a mean loss, X δ for Xᵀ δ, no indicator).

Each expected verdict was decided by hand from the problem's maths: e.g. softmax
regression with the mean cross-entropy has ∂E/∂b = 1ᵀ(P − Y)/B (1×K: the column sums of
P − Y over the B examples, over B), so ``\\mathbf{1}^T(P - Y)`` (B times too large) is
wrong and ``(P - Y)^T \\mathbf{1}/B`` is K×1 where a 1×K row is asked."""

from __future__ import annotations

import json

import pytest
import yaml
from checkkit import make_marker, mark, run_cli


@pytest.fixture(scope="module")
def marker():
    return make_marker()


def verdict(marker, pid: str, aid: str, text: str) -> str:
    return mark(marker, {pid: {aid: text}})[pid, aid].verdict


SOFTMAX = "softmax-regression-batch"
RIDGE = "ridge-logistic-batch"
MLP = "mlp-batch-mse"
DECAY = "softmax-mlp-weight-decay"
INSIDE = r"\left((O - Y) W_2^T \odot {} \right)"

#: (problem, answer, a right form, a near miss of it)
PAIRS = [
    # a row of ones, its length B read from the product it is in
    (SOFTMAX, "b.db_form", r"\frac{1}{B} \mathbf{1}^T (P - Y)", r"\mathbf{1}^T (P - Y)"),
    (SOFTMAX, "b.db_form", r"\mathbf 1^\top (P - Y)/B", r"\mathbf 1^\top (Y - P)/B"),
    (SOFTMAX, "b.db_form", r"1^T (P - Y) / B", r"1^T (P - Y) / K"),
    (SOFTMAX, "b.db_form", r"\frac{1}{B}\vec{1}^T(P - Y)", r"\frac{1}{B}\vec{1}^T P"),
    (SOFTMAX, "b.db_form", r"\frac{1}{B}\mathbb{1}^T(P - Y)", r"\frac{2}{B}\mathbb{1}^T(P - Y)"),
    (SOFTMAX, "b.db_form", r"\frac{1}{B}\mathbf{1}_B^T(P - Y)",
     r"\frac{1}{B}(P - Y)^T \mathbf{1}_B"),
    (RIDGE, "b.dE_db", r"\frac{1}{B} 1^T (P - Y)", r"1^T (P - Y)"),
    # a 1×1 answer: the transposed form δᵀ1 is the same number
    (RIDGE, "b.dE_db", r"(P - Y)^T \mathbf{1} / B", r"(P - Y)^T \mathbf{1}"),
    (MLP, "b.dE_db2", r"\frac{2}{B} \mathbf{1}^T (O - Y)", r"\frac{1}{B} \mathbf{1}^T (O - Y)"),
    # the given Y is the matrix Y of the formula (not its entries at B = 3)
    (SOFTMAX, "b.dW_form", r"\frac{1}{B} X^T (P - Y)", r"X^T (P - Y)"),
    (DECAY, "b.dE_dF2", r"(P - Y)/B", r"P - Y"),
    (DECAY, "b.dE_dW2", r"H^T (P - Y)/B + \lambda W_2", r"H^T (P - Y) + \lambda W_2"),
    # the indicator of ReLU's derivative, entrywise
    (MLP, "b.dE_dW1", r"X^T \left(\frac{2}{B}(O - Y) W_2^T \odot \mathbb{1}[F_1 > 0]\right)",
     r"X^T \left(\frac{2}{B}(O - Y) W_2^T\right)"),
    (MLP, "b.dE_dW1", r"\frac{2}{B} X^T " + INSIDE.format(r"\mathbf{1}(F_1 > 0)"),
     r"\frac{2}{B} X^T " + INSIDE.format(r"\mathbf{1}(F_1 < 0)")),
    (MLP, "b.dE_db1", r"\frac{2}{B} \mathbf{1}^T " + INSIDE.format(r"\mathbb{1}_{F_1 > 0}"),
     r"\frac{2}{B} \mathbf{1}^T " + INSIDE.format(r"\mathbb{1}_{F_1 > 1}")),
    (MLP, "b.dE_db1", r"\frac{2}{B} 1^T " + INSIDE.format(r"\mathbb{1}\{0 < F_1\}"),
     r"\frac{2}{B} 1^T " + INSIDE.format(r"\mathbb{1}\{0 > F_1\}")),
    # a sum over the rows (examples) of a B×K matrix is 1ᵀ times it
    (SOFTMAX, "b.db_form", r"\frac{1}{B}\sum_b (P_b - Y_b)", r"\frac{1}{B}\sum_b (P_b + Y_b)"),
    (SOFTMAX, "b.db_form", r"\frac{1}{B}\sum_{b=1}^{B} (P_{b} - Y_{b})",
     r"\sum_{b=1}^{B} (P_{b} - Y_{b})"),
    (MLP, "b.dE_db2", r"\frac{2}{B}\sum_b (O_b - Y_b)", r"\frac{1}{B}\sum_b (O_b - Y_b)"),
    # an expression answer: ReLU'(z) as an indicator
    ("activation-derivatives", "a.relu", r"\mathbb{1}[z > 0]", r"\mathbb{1}[z < 0]"),
]


@pytest.mark.parametrize(("pid", "aid", "right", "miss"), PAIRS,
                         ids=[f"{p[1]}:{p[2][:30]}" for p in PAIRS])
def test_right_form_accepted_near_miss_rejected(marker, pid, aid, right, miss):
    assert verdict(marker, pid, aid, right) == "correct"
    assert verdict(marker, pid, aid, miss) == "incorrect"


@pytest.mark.parametrize("text", [
    r"\frac{1}{B}(P - Y)^T \mathbf{1}",  # K×1 where the row 1×K is asked
    r"\frac{1}{B}\mathbf{1}_K^T(P - Y)",  # 1×K times B×K: the sizes do not fit
])
def test_ones_of_the_wrong_shape_are_wrong(marker, text):
    r = mark(marker, {SOFTMAX: {"b.db_form": text}})[SOFTMAX, "b.db_form"]
    assert r.verdict == "incorrect"
    assert r.feedback


@pytest.mark.parametrize("text", [
    r"\mathbb{R}^T (P - Y)/B",  # a set, not a vector
    r"\frac{1}{B}\mathbf{1}_Q^T(P - Y)",  # Q is no size of the problem
    r"\frac{1}{B}\mathbf{1}^T \mathbf{1}",  # no product tells the length
    r"\mathbb{1}[0 < P < 1]^T",  # an indicator holds one comparison
    r"\mathbb{1}[P > Y]",  # compares two matrices
    r"\mathbf{1}_{" + "B" * 3000 + "}^T (P - Y)",  # too long
    r"\frac{1}{B}\sum_{b=1}^{K} (P_b - Y_b)",  # K is not the number of rows
    r"\frac{1}{B}\sum_b P_b Y_b^T",  # not a plain sum of rows
])
def test_garbled_ones_are_unparsable_with_feedback(marker, text):
    r = mark(marker, {SOFTMAX: {"b.db_form": text}})[SOFTMAX, "b.db_form"]
    assert r.verdict == "unparsable"
    assert r.feedback


def test_answer_file_marked_through_the_cli(tmp_path):
    answers = {"student": "s101", "answers": {
        SOFTMAX: {"b.db_form": r"\frac{1}{B}\mathbf{1}^T (P - Y)",
                  "b.dW_form": r"X^T (P - Y)"},
        MLP: {"b.dE_db1": r"\frac{2}{B} \mathbf{1}^T " + INSIDE.format(r"\mathbb{1}[F_1>0]"),
              "b.dE_db2": r"\mathbf{1}_B^\top (O - Y)"},
        "activation-derivatives": {"a.relu": r"\mathbb{1}[z > 0]"},
    }}
    path = tmp_path / "s101.yaml"
    path.write_text(yaml.safe_dump(answers), encoding="utf-8")
    r = run_cli("check", str(path), "--format", "json", "-j", "1")
    assert r.returncode == 0, r.stderr
    got = {(x["problem"], x["answer"]): x for s in json.loads(r.stdout)["submissions"]
           for x in s["results"]}
    assert got[SOFTMAX, "b.db_form"]["verdict"] == "correct"
    assert got[SOFTMAX, "b.dW_form"]["verdict"] == "incorrect"  # 1/B missing
    assert got[MLP, "b.dE_db1"]["verdict"] == "correct"
    assert got[MLP, "b.dE_db2"]["verdict"] == "incorrect"  # 2/B missing
    assert got["activation-derivatives", "a.relu"]["verdict"] == "correct"
    # the text report shows the student's brackets as written (not as markup)
    text = run_cli("check", str(path), "-j", "1").stdout
    assert r"\mathbb{1}[z > 0]" in text


#: (problem, answer, near miss, the diagnosis a marker names for it)
DIAGNOSED = [
    # the sum over the batch where the loss is its mean: 1/B left out, whole or in a term
    (SOFTMAX, "b.dW_form", r"X^T (P - Y)", "missing-batch-mean"),
    (SOFTMAX, "b.db_form", r"\mathbf{1}^T (P - Y)", "missing-batch-mean"),
    (MLP, "b.dE_dO", r"2(O - Y)", "missing-batch-mean"),
    (SOFTMAX, "b.db_form", r"\sum_b (P_b - Y_b)", "missing-batch-mean"),
    (DECAY, "b.dE_dF2", r"P - Y", "missing-batch-mean"),
    (DECAY, "b.dE_dW2", r"H^T (P - Y) + \lambda W_2", "missing-batch-mean"),
    (RIDGE, "b.dE_dw", r"X^T (P - Y) + \lambda w", "missing-batch-mean"),
    # X δ for Xᵀ δ: the sizes do not fit, one transpose makes it right
    (RIDGE, "b.dE_dw", r"X (P - Y)/B + \lambda w", "transpose"),
    # the 2 of the squared error's derivative left out (MSE without ½)
    (MLP, "b.dE_db2", r"\frac{1}{B} \mathbf{1}^T (O - Y)", "half-factor"),
    # ReLU's derivative 1[F_1 > 0] left out of the chain rule
    (MLP, "b.dE_dW1", r"X^T \left(\frac{2}{B}(O - Y) W_2^T\right)",
     "missing-activation-derivative"),
]


@pytest.mark.parametrize(("pid", "aid", "text", "code"), DIAGNOSED,
                         ids=[f"{d[1]}:{d[3]}" for d in DIAGNOSED])
def test_near_misses_are_named(marker, pid, aid, text, code):
    r = mark(marker, {pid: {aid: text}})[pid, aid]
    assert (r.verdict, r.diagnosis) == ("incorrect", code), r.feedback
    assert r.feedback


def test_a_wrong_answer_of_another_kind_gets_no_batch_diagnosis(marker):
    # 1/K is no batch mean: wrong, and not said to be a missing 1/B
    r = mark(marker, {SOFTMAX: {"b.db_form": r"\frac{1}{K}\mathbf{1}^T (P - Y)"}})
    got = r[SOFTMAX, "b.db_form"]
    assert got.verdict == "incorrect"
    assert got.diagnosis != "missing-batch-mean"


#: indicators that agree with the right answer everywhere but at the kink, where the
#: problem states its convention (ReLU'(0) = 0, leaky ReLU'(0) = a = 0.1): by hand,
#: 1[z ≥ 0] is 1 at z = 0, 1[z > 0] + 0.1·1[z ≤ 0] is 0.1 there
KINKS = [
    ("activation-derivatives", "a.relu", r"\mathbb{1}[z > 0]", r"\mathbb{1}[z \ge 0]"),
    ("activation-derivatives", "a.leaky", r"\mathbb{1}[z > 0] + 0.1\,\mathbb{1}[z \le 0]",
     r"\mathbb{1}[z \geq 0] + 0.1\,\mathbb{1}[z < 0]"),
    (MLP, "b.dE_dW1", r"X^T \left(\frac{2}{B}(O - Y) W_2^T \odot \mathbb{1}[F_1 > 0]\right)",
     r"X^T \left(\frac{2}{B}(O - Y) W_2^T \odot \mathbb{1}[F_1 \ge 0]\right)"),
]


@pytest.mark.parametrize(("pid", "aid", "right", "other_convention"), KINKS,
                         ids=[k[1] for k in KINKS])
def test_the_convention_at_the_kink_is_held(marker, pid, aid, right, other_convention):
    assert verdict(marker, pid, aid, right) == "correct"
    r = mark(marker, {pid: {aid: other_convention}})[pid, aid]
    assert r.verdict == "incorrect"
    assert "convention" in r.feedback


def test_a_column_of_ones_takes_its_length_from_the_sum():
    import sympy as sp

    from derive.check.read.parse import ParseConfig, parse_answer

    B, N, M = (sp.Symbol(s, integer=True, positive=True) for s in "BNM")
    X, W, b = sp.MatrixSymbol("X", B, N), sp.MatrixSymbol("W", N, M), sp.MatrixSymbol("b", 1, M)
    cfg = ParseConfig(symbols={"X": X, "W": W, "b": b}, sizes={"B": B, "N": N, "M": M},
                      ones_vectors=True)
    value = parse_answer(r"X W + \mathbf{1} b", "matrix-expression", cfg)
    assert value.shape == (B, M)
    # 1 b is the bias in every row: with B = 2, N = 1, M = 2 by hand
    x, w, bb = sp.Matrix([[1], [2]]), sp.Matrix([[3, 4]]), sp.Matrix([[5, 6]])
    got = value.subs({B: 2, N: 1, M: 2}).xreplace({
        sp.MatrixSymbol("X", 2, 1): x, sp.MatrixSymbol("W", 1, 2): w,
        sp.MatrixSymbol("b", 1, 2): bb}).as_explicit()
    assert got == sp.Matrix([[8, 10], [11, 14]])
    # ones of the wrong orientation do not fit
    with pytest.raises(ValueError):
        parse_answer(r"X W + b \mathbf{1}", "matrix-expression", cfg)


def test_later_answers_follow_through_from_a_wrong_formula(marker):
    # δ = 2(O − Y) without the 1/B: Hᵀδ, 1ᵀδ from it are right from the student's δ
    got = mark(marker, {MLP: {"b.dE_dO": "2(O - Y)", "b.dE_dW2": "2 H^T (O - Y)",
                              "b.dE_db2": r"2\,\mathbf{1}^T (O - Y)",
                              "b.dE_dW1": r"X^T \left(2 (O - Y) W_2^T\right)"}})
    assert got[MLP, "b.dE_dO"].diagnosis == "missing-batch-mean"
    assert got[MLP, "b.dE_dW2"].verdict == "follow-through"
    assert got[MLP, "b.dE_db2"].verdict == "follow-through"
    # the indicator is missing besides: wrong even from the student's δ
    assert got[MLP, "b.dE_dW1"].verdict == "incorrect"


def test_values_follow_through_from_a_wrong_formula(marker):
    # by hand (numpy of the givens): H = ReLU(X W_1 + 1 b_1), O = H W_2 + 1 b_2;
    # the student's 2 Hᵀ(O − Y) is [1.272, -0.66, 4.034]ᵀ, the right (2/B) Hᵀ(O − Y)
    # is [0.318, -0.165, 1.0085]ᵀ
    import numpy as np

    X = np.array([[1, 2], [0, -1], [2, 0.5], [-1, 1]])
    W1 = np.array([[0.5, -0.3, 0.8], [0.2, 0.4, -0.6]])
    H = np.maximum(X @ W1 + np.array([[0.1, 0.2, 0.3]]), 0)
    O = H @ np.array([[0.7], [-0.5], [0.4]]) + 0.05
    Y = np.array([[1], [0], [0.5], [-0.5]])
    theirs = [[round(float(v), 4)] for v in (2 * H.T @ (O - Y)).ravel()]
    got = mark(marker, {MLP: {"b.dE_dW2": "2 H^T (O - Y)", "c.dE_dW2": theirs}})
    assert got[MLP, "c.dE_dW2"].verdict == "follow-through"
    wrong = [[v[0] + 0.5] for v in theirs]
    got = mark(marker, {MLP: {"b.dE_dW2": "2 H^T (O - Y)", "c.dE_dW2": wrong}})
    assert got[MLP, "c.dE_dW2"].verdict == "incorrect"


def test_a_sum_over_the_batch_for_its_mean_is_named_in_numbers(marker):
    # by hand (numpy): the MSE over the 4 examples is mean((O - Y)^2) = 0.39975, their sum
    # 1.599; ∂E/∂W_2 = (2/B) Hᵀ(O − Y), 4 times it is the sum's gradient
    import numpy as np

    X = np.array([[1, 2], [0, -1], [2, 0.5], [-1, 1]])
    H = np.maximum(X @ np.array([[0.5, -0.3, 0.8], [0.2, 0.4, -0.6]])
                   + np.array([[0.1, 0.2, 0.3]]), 0)
    O = H @ np.array([[0.7], [-0.5], [0.4]]) + 0.05
    Y = np.array([[1], [0], [0.5], [-0.5]])
    total = round(float(((O - Y) ** 2).sum()), 4)
    summed = [[round(float(v), 4)] for v in (2 * H.T @ (O - Y)).ravel()]
    got = mark(marker, {MLP: {"a.E": total, "c.dE_dW2": summed}})
    for aid in ("a.E", "c.dE_dW2"):
        assert (got[MLP, aid].verdict, got[MLP, aid].diagnosis) == (
            "incorrect", "missing-batch-mean")
    mean = round(float(((O - Y) ** 2).mean()), 4)
    got = mark(marker, {MLP: {"a.E": mean, "c.dE_dW2": [[v[0] / 4] for v in summed]}})
    assert got[MLP, "a.E"].verdict == "correct"
    assert got[MLP, "c.dE_dW2"].verdict == "correct"
    # another wrong number: no batch diagnosis
    got = mark(marker, {MLP: {"a.E": round(total * 3, 4)}})
    assert got[MLP, "a.E"].diagnosis != "missing-batch-mean"


def test_a_column_written_as_a_list_of_one_entry_rows(marker):
    # ∂E/∂W_2 (3×1) at the givens, by hand above: [0.318, -0.165, 1.0085]ᵀ; a student's
    # '[[0.318], [-0.165], [1.0085]]' is that column (it was read as a 1×3 row)
    got = mark(marker, {MLP: {"c.dE_dW2": "[[0.318], [-0.165], [1.0085]]"}})
    assert got[MLP, "c.dE_dW2"].verdict == "correct"
    got = mark(marker, {MLP: {"c.dE_dW2": "[[0.318, -0.165, 1.0085]]"}})
    assert got[MLP, "c.dE_dW2"].verdict == "incorrect"  # the row: 1×3 for 3×1
    got = mark(marker, {MLP: {"c.dE_dW2": "[[0.318], [-0.165, 1.0085]]"}})
    assert got[MLP, "c.dE_dW2"].verdict == "unparsable"


def test_a_working_with_indicators_and_ones_is_checked_step_by_step(marker):
    # each line equals the one above (by hand: 2/B moved out of the product) until the
    # last, which drops the indicator
    working = "\n".join([
        r"\frac{\partial E}{\partial b_1} &= \mathbf{1}^T \left(\frac{2}{B}(O - Y) W_2^T"
        r" \odot \mathbb{1}[F_1 > 0]\right) \\",
        r"&= \frac{2}{B}\mathbf{1}^T \left((O - Y) W_2^T \odot \mathbb{1}[F_1 > 0]\right) \\",
        r"&= \frac{2}{B}\mathbf{1}^T (O - Y) W_2^T",
    ])
    from derive.check.mark.answers import Submission

    sub = Submission("s.yaml", "s", {MLP: {"b.dE_db1": r"\frac{2}{B}\mathbf{1}^T (O - Y) W_2^T"}},
                     working={(MLP, "b.dE_db1"): working})
    r = next(x for x in marker.mark(sub).results if x.answer == "b.dE_db1")
    assert r.verdict == "incorrect"
    steps = [s.verdict for s in r.working.steps]
    assert steps == ["valid", "valid", "invalid"], r.working
    assert r.working.first_error == 3
