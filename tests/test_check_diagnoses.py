"""Every catalogued diagnosis is recognised by a test that triggers it; the mistakes:
format is validated. Mistaken values are computed here with plain math."""

import math
from pathlib import Path

import pytest
import sympy as sp
from checkkit import SPECS, gelu_prime, make_marker, mark, sigmoid

import derive.check.mark.marking as marking
from derive.check.judge.diagnoses import CATALOGUE, read_mistakes
from derive.check.judge.equivalence import Judgement
from derive.core.errors import SpecError
from derive.core.spec import build_problem, load_problem, problem_paths, read_yaml
from derive.core.values import ValueError_, parse_set_value

YHAT = sigmoid(0.3 * 2 + 0.1)          # check-unit: ŷ = σ(w x + b)


@pytest.fixture(scope="module")
def marker():
    return make_marker()


def diagnosed(marker, problem, aid, text):
    r = mark(marker, {problem: {aid: text}})[problem, aid]
    assert r.verdict == "incorrect", r
    return r


CASES = [
    # generic, by kind
    ("gelu-descent", "a.g0", "-0.5", "sign"),
    ("gelu-descent", "a.f1", "-0.02", "rounding"),           # -0.0239: right to 2 places, >5%
    ("gelu-descent", "a.x2", "-0.09", "rounding"),           # -0.09575 truncated
    ("gelu-descent", "a.g1", f"{gelu_prime(-0.05) + 0.0005:.4f}", "rounding"),  # 4th place off
    ("check-conv", "a.third", "1.33", "rounding"),            # 4/3 must be exact
    # generic, no declaration (issue 12): a single factor, the ½, a dropped bias
    ("gelu-descent", "a.x1", f"{0 - 0.5:.1f}", "missing-factor"),     # η left out of x0 − η f'(0)
    ("loss-gradients", "a.dL_dz", "2(y - t)", "half-factor"),          # L = (y − t)², no ½
    ("conv-sigmoid-backprop", "a.dE_dwf", "-2(y - o) o(1 - o)", "missing-factor"),  # no c
    ("check-unit", "a.yhat", f"{sigmoid(0.3 * 2):.4f}", "bias-omitted"),  # σ(w x), no b
    # spec-declared
    ("check-unit", "b.loss", f"{-math.log(YHAT) / math.log(2):.5f}", "log-base"),
    ("check-unit", "a.z", f"{0.3 * 2:.2f}", "bias-omitted"),
    ("check-conv", "a.params", str(5 * 5 * 3 * 10), "bias-omitted"),
    ("check-conv", "a.params", str((5 * 5 + 1) * 10), "input-depth-omitted"),
    ("check-conv", "a.size", str((32 - 5 + 2 * 1) // 1), "size-formula"),
    ("check-conv", "b.entry", str(5 * 1 + 3 * 0 + 2 * 2 + 1 * 7), "kernel-flipped"),
    ("check-unit", "b.mse", f"{(1 - YHAT) ** 2:.5f}", "half-factor"),
    ("check-unit", "c.dE_dz",
     f"{(YHAT - 1) * sigmoid(YHAT) * (1 - sigmoid(YHAT)):.5f}", "sigma-prime-argument"),
    ("check-unit", "c.dE_dz", f"{YHAT - 1:.5f}", "missing-activation-derivative"),
    ("check-descent", "a.x1", str(2 - 1 * (2 * 2 + 1)), "learning-rate"),      # η = 1
    ("check-descent", "b.v1", str(0.5 * 0 + (1 - 0.5) * (2 * 2 + 1)), "momentum-convention"),
]


@pytest.mark.parametrize("problem,aid,written,code", CASES)
def test_diagnosis(marker, problem, aid, written, code):
    r = diagnosed(marker, problem, aid, written)
    assert r.diagnosis == code
    assert r.feedback and r.feedback != f"expected {r.expected}"


@pytest.mark.parametrize("written", [str((5 * 5 * 3 + 1) * 10 - 1),
                                     str((5 * 5 * 3 + 1) * 10 + 1)])
def test_an_exact_count_off_by_one_is_not_called_rounded(marker, written):
    """QA: 455 for 456 parameters was "455 is 456 rounded; this answer must be exact",
    though an integer written to the count's own place rounds nothing."""
    r = diagnosed(marker, "check-conv", "a.params", written)
    assert r.diagnosis != "rounding" and "rounded" not in r.feedback


def test_the_right_value_rounded_too_coarsely_is_rounding_before_any_mistake(marker):
    """QA: 0.5 for gelu-descent's g1 = f'(-0.05) = 0.4575 was "keeps only one term of
    the product rule" (that mistake gives 0.4787, also 0.5 to one place): one significant
    figure cannot tell the two apart, and the right value rounded is the plain reading."""
    g1 = gelu_prime(-0.05)
    assert round(g1, 1) == 0.5 and abs(0.5 - g1) > 0.05 * abs(g1)
    r = diagnosed(marker, "gelu-descent", "a.g1", "0.5")
    assert r.diagnosis == "rounding" and "too coarse" in r.feedback


def test_a_value_off_past_its_last_two_places_is_not_a_slip_in_its_digits(marker):
    """QA: mlp-forward-backward's w9 - α ∂E/∂w9 written as w9 + α ∂E/∂w9 (a step uphill)
    to 6 places, 3.9 % off, was "right to 2 decimal places ...: check the last digits";
    a value off by thousands of units of its last place is another mistake. By hand:
    h = (0.765, 0.52), ŷ = 0.7·0.765 + 0.25·0.52 − 0.1 = 0.5655, ∂E/∂w9 = ŷ − 0.5."""
    h1, h2 = -0.3 * 0.7 + 0.15 * 0.5 + 0.9, 0.8 * 0.7 + 0.2 * 0.5 - 0.14
    g9 = 0.7 * h1 + 0.25 * h2 - 0.1 - 0.5
    right, uphill = -0.1 - 0.03 * g9, -0.1 + 0.03 * g9
    assert abs(uphill - right) <= 0.05 * abs(right)         # inside 5 %, so not obvious
    r = diagnosed(marker, "mlp-forward-backward", "d.w9", f"{uphill:.6f}")
    assert r.diagnosis != "rounding" and "last digits" not in r.feedback
    close = diagnosed(marker, "mlp-forward-backward", "d.w9", f"{right + 3e-6:.6f}")
    assert close.diagnosis == "rounding" and "last digits" in close.feedback


# gelu-descent, part a by hand: x1 = x0 - eta f'(x0), f'(0) = sigmoid(0) = 1/2
GELU_X1 = 0 - 0.1 * 0.5


@pytest.mark.parametrize("written,coincidence", [
    # -0.05 / 0.9: a match for "without the factor beta", but beta is part c's momentum
    (f"{GELU_X1 / 0.9:.3f}", 0.9),
    # twice -0.05: a match for the half-factor, but no square stands in plain descent
    (f"{GELU_X1 * 2:.1f}", 0.5),
])
def test_a_coincidental_factor_names_no_mistake(marker, written, coincidence):
    # the number really is the right one times the factor (within the 5 % rule) ...
    assert abs(float(written) * coincidence - GELU_X1) <= 0.05 * abs(GELU_X1)
    r = diagnosed(marker, "gelu-descent", "a.x1", written)
    # ... yet x1 involves neither: no diagnosis blames them
    assert r.diagnosis is None, r.feedback
    assert "beta" not in r.feedback and "½" not in r.feedback
    assert r.feedback == f"expected {r.expected}"


def test_a_factor_the_answer_uses_is_still_named(marker):
    # eta left out of x1 = x0 - eta f'(x0): -0.5 (the learning rate does move x1)
    r = diagnosed(marker, "gelu-descent", "a.x1", f"{GELU_X1 / 0.1:.1f}")
    assert r.diagnosis == "missing-factor" and "\\eta = 0.1" in r.feedback


def test_momentum_convention_two_steps_later(marker):
    # the averaged convention v ← βv + (1 − β) f'(x), f(x) = x² + x, from x0 = 2, η = 0.3
    x, v = 2.0, 0.0
    for _ in range(2):
        v = 0.5 * v + 0.5 * (2 * x + 1)
        x = x - 0.3 * v
    r = diagnosed(marker, "check-descent", "b.x2", f"{x:.4f}")
    assert r.diagnosis == "momentum-convention"
    assert "v = βv + (1−β)g" in r.feedback


def test_feedback_sentences_fill_their_placeholders(marker):
    written = f"{-math.log2(YHAT):.5f}"
    r = diagnosed(marker, "check-unit", "b.loss", written)
    assert r.diagnosis == "log-base"
    assert r.feedback == f"{written} is -log2({YHAT:.6g}): \\log means the natural log"
    r = diagnosed(marker, "gelu-descent", "a.g0", "-0.5")
    assert r.feedback == "-0.5 has the wrong sign (expected 0.5)"


def test_expr_mistakes_also_read_the_students_own_earlier_answers(marker):
    # the loss in base 2 of the student's own (wrong) ŷ = 0.6
    r = mark(marker, {"check-unit": {"a.yhat": "0.6",
                                     "b.loss": f"{-math.log2(0.6):.4f}"}})["check-unit", "b.loss"]
    assert r.verdict == "incorrect" and r.diagnosis == "log-base"
    assert r.feedback == f"{-math.log2(0.6):.4f} is -log2(0.6): \\log means the natural log"


def test_transpose(marker, monkeypatch):
    """The parser reads matrices later (another developer); a stand-in reads [[…]] here."""
    real = marking.judge

    def with_matrices(gold, spec, text, config):
        if spec.kind != "matrix":
            return real(gold, spec, text, config)
        try:
            m = parse_set_value(text)
        except ValueError_:
            return Judgement("unparsable", None, "not a list")
        ok = m.shape == gold.value.shape and m == gold.value
        return Judgement("correct" if ok else "incorrect", m, "")

    monkeypatch.setattr(marking, "judge", with_matrices)
    a = [[1, 2, 0], [0, 1, 3]]
    b = [[1, 0], [3, 1], [0, 4]]
    ab = [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(2)] for i in range(2)]
    transposed = [[ab[j][i] for j in range(2)] for i in range(2)]
    assert transposed != ab
    r = diagnosed(marker, "check-matrix", "a.prod", str(transposed))
    assert r.diagnosis == "transpose"
    assert mark(marker, {"check-matrix": {"a.prod": str(ab)}})["check-matrix", "a.prod"] \
        .verdict == "correct"


def test_every_catalogued_code_has_a_triggering_test():
    from test_check_calibration import CASES as SHIPPED_CASES  # codes found on real sheets

    assert set(CATALOGUE) == ({c[3] for c in CASES} | {c[3] for c in SHIPPED_CASES}
                              | {"transpose"})  # see test_transpose


# -- the mistakes: format -----------------------------------------------------------------

def _spec(tmp_path: Path, mistakes: str):
    text = (SPECS / "check-unit.yaml").read_text()
    text = text.replace("      bias-omitted: {expr: 'w*x'}", mistakes)
    p = tmp_path / "check-unit.yaml"
    p.write_text(text)
    raw = read_yaml(p)
    return build_problem(raw, str(p), {}), raw


@pytest.mark.parametrize("mistakes,message", [
    ("      bias-omited: {expr: 'w*x'}",
     "answers.a.z.mistakes.bias-omited: 'bias-omited' is not in the catalogue (did you mean "
     "'bias-omitted'?"),
    ("      bias-omitted: {expr: 'w*q'}", "answers.a.z.mistakes.bias-omitted.expr: unknown name"),
    ("      bias-omitted: {expr: 'w*x', set: {w: 1}}", "give either expr"),
    ("      bias-omitted: {exp: 'w*x'}", "unknown field; did you mean 'expr'?"),
    ("      learning-rate: {set: {eta: 1}}",
     "answers.a.z.mistakes.learning-rate.set.eta: unknown given"),
    ("      momentum-convention: {args: {'parts.q.derive[0].convention': average}}",
     "the spec has no parts.q"),
    ("      momentum-convention: {args: {'parts.a.derive[0].convention': average}}",
     "this variant is not a valid spec: parts.a.derive[0].convention: unknown argument"),
    ("      sign: {expr: '-z'}", None),
])
def test_mistakes_format_is_validated(tmp_path, mistakes, message):
    problem, raw = _spec(tmp_path, mistakes)
    if message is None:
        assert read_mistakes(problem, raw)["a.z"][0].code == "sign"
        return
    with pytest.raises(SpecError) as e:
        read_mistakes(problem, raw)
    assert message in str(e.value)


def test_a_code_outside_the_catalogue_needs_its_own_feedback(tmp_path):
    problem, raw = _spec(tmp_path, "      wrong-unit: {expr: 'w*x', feedback: '{given} is w x'}")
    assert read_mistakes(problem, raw)["a.z"][0].feedback == "{given} is w x"


@pytest.mark.parametrize("pid", sorted(problem_paths()))
def test_shipped_problems_mistakes_are_valid(pid):
    problem = load_problem(pid)
    read_mistakes(problem, read_yaml(problem_paths()[pid]))


def test_rounding_sentences():
    from derive.check.judge.diagnoses import Situation
    from derive.check.judge.rounding import rounding
    from derive.check.read.parse import read_number
    from derive.core.model import AnswerSpec

    spec = AnswerSpec("a.x", "number")

    def sentence(gold, text):
        return rounding(Situation(spec, text, sp.Rational(gold), lambda v: False, [],
                                  read_number), gold)

    assert sentence("-0.1376", "-0.1") == ("-0.1 is -0.1376 rounded to 1 decimal place: too "
                                           "coarse to be within 5%; keep at least 3 "
                                           "significant figures")
    assert sentence("0.0199", "0.01").startswith("0.01 is 0.0199 truncated; rounded to the "
                                                 "same place it is 0.02")
    assert sentence("0.418876", "0.4180") == ("0.4180 is 0.418876 truncated to 3 decimal "
                                              "places, but written to 4 decimal places: round "
                                              "at the last digit you write")
    assert sentence("-0.0957501", "-0.0975") == ("-0.0975 is close to -0.0957501 (right to 2 "
                                                 "decimal places) but not to the 4 decimal "
                                                 "places it is written to: check the last "
                                                 "digits")
    assert sentence("0.418876", "0.9") is None                 # just wrong


@pytest.mark.parametrize("written,verdict", [
    # loss-gradients g.choice is cross-entropy (the problem's reason: the MSE gradient
    # vanishes with the sigmoid); gelu-descent c.faster is momentum
    ("\\text{cross entropy}", "correct"), ("\\text{binary cross-entropy}", "correct"),
    ("\\text{CE}", "correct"), ("\\text{cross-entropy (the MSE gradient vanishes)}", "correct"),
    ("\\text{mean squared error}", "incorrect"), ("\\text{MSE}", "incorrect"),
    ("\\text{hinge}", "unparsable"), ("\\text{not MSE}", "unparsable"),
    ("\\text{MSE or cross-entropy}", "unparsable"),
])
def test_a_choice_in_the_student_s_own_words(marker, written, verdict):
    """QA: "cross entropy" (no hyphen), "binary cross-entropy" or "CE" were incorrect,
    "is not one of: cross-entropy, mse"; words that name one option are that option,
    words that name none or several (or negate one) go to a person (unparsable)."""
    r = mark(marker, {"loss-gradients": {"g.choice": written}})["loss-gradients", "g.choice"]
    assert r.verdict == verdict, r


@pytest.mark.parametrize("written,verdict", [
    ("\\text{gradient descent with momentum}", "correct"), ("\\text{momentum is faster}",
                                                              "correct"),
    ("\\text{plain gradient descent}", "incorrect"), ("\\text{GD is slower than momentum}",
                                                      "unparsable"),
])
def test_a_choice_between_methods_in_words(marker, written, verdict):
    r = mark(marker, {"gelu-descent": {"c.faster": written}})["gelu-descent", "c.faster"]
    assert r.verdict == verdict, r


def test_a_wrong_choice_alone_is_not_blamed_on_a_convention(marker):
    """QA: "GD" for gelu-descent's c.faster, on a sheet with no momentum values, was
    "follows the averaged momentum": a choice of two flips under another convention half
    the time, so only the student's own values could show the convention."""
    r = diagnosed(marker, "gelu-descent", "c.faster", "\\text{GD}")
    assert r.diagnosis is None and r.feedback == "expected momentum"


@pytest.mark.parametrize("problem,aid,written", [
    ("tanh-derivative", "a.derivative", "1 - tanh^2(x)"),
    ("tanh-derivative", "a.derivative", "sech^2(x)"),
    ("tanh-derivative", "a.derivative", r"\operatorname{sech}^2 x"),
    ("gelu-descent", "a.derivative",
     "sigma(1.702x) + 1.702 x sigma(1.702x)(1 - sigma(1.702x))"),
])
def test_a_function_typed_without_its_backslash_is_read(marker, problem, aid, written):
    """QA: 1 - tanh^2(x) was incorrect, "uses a, h, n and t, which are not variables";
    d/dx tanh x = 1 - tanh² x = sech² x, and GELU' = σ(αx) + αx σ(αx)(1 - σ(αx))."""
    r = mark(marker, {problem: {aid: written}})[problem, aid]
    assert r.verdict == "correct", r


@pytest.mark.parametrize("written,verdict", [
    (r"\frac{e^{z_i}}{\sum_{k=1}^{K} e^{z_k}}", "correct"),
    (r"\frac{\exp(z_i)}{\sum_{j=1}^{K} \exp(z_j)}", "correct"),
    (r"\frac{e^{p_i}}{\sum_{k=1}^{K} e^{p_k}}", "correct"),
    (r"\frac{e^{z_k}}{\sum_{k=1}^{K} e^{z_k}}", "incorrect"),
])
def test_log_sum_exp_s_gradient_in_the_statement_s_z(marker, written, verdict):
    """QA: ∂/∂z_i log Σ_k e^{z_k} = e^{z_i}/Σ_k e^{z_k} written in the statement's z was
    "uses z_i and z_k, which are not variables" (the block names the scores p)."""
    r = mark(marker, {"log-sum-exp": {"a.grad": written}})["log-sum-exp", "a.grad"]
    assert r.verdict == verdict, r
