"""`--set` values and spec givens are checked against the given's shape and range before
anything is solved; sizes are bounded; every error is one line with exit 2."""

from __future__ import annotations

import numpy as np
import pytest
from testkit import run_cli

from derive.core.errors import SpecError
from derive.core.spec import load_problem
from derive.core.values import ValueError_, parse_set_value


@pytest.mark.parametrize("problem,sets,field,message", [
    ("gelu-descent", {"steps": "0"}, "--set steps", "declared for steps = 3 only"),
    ("gelu-descent", {"x0": "1e300"}, "--set x0", "x0 = 1e300 is out of range"),
    ("gelu-descent", {"eta": "1e300"}, "--set eta", "eta = 1e300: too large to verify"),
    ("gelu-descent", {"eta": "1e400"}, "--set eta", "too large to verify numerically"),
    ("gelu-descent", {"steps": "2.5"}, "--set steps", "expected a whole number"),
    ("gelu-descent", {"eta": "[1, 2]"}, "--set eta", "expected a number"),
    ("mlp-forward-backward", {"w": "[1,2,3]"}, "--set w",
     "expected a list of 9 numbers like the spec's [-0.3, 0.8"),
    ("rnn-vanishing", {"xs": "[1,2,3,4,5]"}, "--set xs", "expected a list of 4 numbers"),
    ("conv-valid", {"K": "5"}, "--set K", "expected a 2×2 matrix"),
    ("cnn-architecture", {"size": "100000"}, "--set size", "expected 0 ≤ size ≤ 10000"),
    ("cnn-architecture", {"size": "-1"}, "--set size", "out of range"),
])
def test_set_values_are_checked_before_solving(problem, sets, field, message):
    with pytest.raises(SpecError) as e:
        load_problem(problem, sets)
    assert e.value.field == field
    assert message in e.value.message


def test_a_vector_may_be_written_in_either_orientation():
    """perceptron-bce's x is a row [2, 1]; [[2], [1]] is the same vector."""
    a = load_problem("perceptron-bce", {"x": "[[3], [1]]"}).givens["x"].value
    assert a.shape == (1, 2) and list(a) == [3, 1]


@pytest.mark.parametrize("text,message", [
    ("1e999999999", "exponent is larger than"),
    ("1" * 100, "more than 40 characters"),
    ("[" * 3_000 + "1" + "]" * 3_000, "lists nest at most 2 deep"),
    ("[" * 30_000 + "1" + "]" * 30_000, "more than 10,000 items"),
    ("[[[1]]]", "lists nest at most 2 deep"),
    ("[" + ",".join(["1"] * 20_000) + "]", "more than 10,000 items"),
    ("[1, 2", "missing ']'"),
    ("nan", "is not a number"),
], ids=lambda v: v[:20] if isinstance(v, str) else str(v))
def test_set_text_is_bounded(text, message):
    with pytest.raises(ValueError_, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_set_value(text)


def test_spec_givens_are_checked_too(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("id: big\ntitle: Big\ngivens:\n  a: {value: 1e300}\nsymbols: [x]\n"
                 "answers: {a.d: {kind: expression, vars: [x]}}\n")
    with pytest.raises(SpecError) as e:
        load_problem(p)
    assert e.value.field == "givens.a.value" and "too large to verify" in e.value.message
    p.write_text("id: big\ngivens:\n  a: {value: 5, min: 0, max: 3}\nanswers: {a.d: number}\n")
    with pytest.raises(SpecError, match="a = 5 is out of range; expected 0 ≤ a ≤ 3"):
        load_problem(p)
    p.write_text("id: big\ngivens:\n  a: " + "9" * 5000 + "\nanswers: {a.d: number}\n")
    with pytest.raises(SpecError, match="invalid YAML"):
        load_problem(p)


@pytest.mark.parametrize("args", [
    ["gelu-descent", "--set", "steps=0"],
    ["mlp-forward-backward", "--set", "w=[1,2,3]"],
    ["gelu-descent", "--set", "steps=" + "[" * 30_000],
    ["gelu-descent", "--set", "eta=1e400"],
    ["rnn-vanishing", "--set", "xs=[1,2,3,4,5]"],
], ids=lambda a: a[-1][:20])
def test_cli_set_errors_are_one_line_with_exit_2(args):
    r = run_cli("solve", *args)
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("derive: "), r.stderr


def test_a_variant_the_checks_cannot_confirm_is_one_line_with_exit_1():
    """perceptron-bce at b = 1000: σ saturates and the float64 recheck cannot confirm the
    loss; no answer is shown, one line says why, no numpy warning leaks."""
    r = run_cli("solve", "perceptron-bce", "--set", "b=1000")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert "cannot confirm the answers at --set b=1000" in r.stderr


@pytest.mark.parametrize("problem,sets,field,message", [
    # a stride of 9999 asks for padding 14998: a 30000×30000 matrix of zeros, written out
    ("cnn-padding-pooling", {"stride_a": "9999"}, "parts.a.derive[1].padding",
     "makes the padded input 30000×30000"),
    # a decay rate past 1 makes RMSProp's average of squared gradients negative
    ("adam-vs-rmsprop", {"rho": "1e6"}, "parts.a.derive[0].beta",
     "rmsprop's decay rate must be 0 ≤ beta ≤ 1"),
    ("adam-vs-rmsprop", {"rho": "1"}, "parts.b.derive[0].beta2",
     "adam's decay rate must be 0 ≤ beta2 < 1"),
    # each step is exact arithmetic on the one before
    ("momentum-two-conventions", {"steps": "10000"}, "parts.a.derive[0].steps",
     "expected at most 50 steps, found 10000"),
])
def test_values_that_would_run_for_minutes_stop_with_one_line(problem, sets, field, message):
    with pytest.raises(SpecError) as e:
        load_problem(problem, sets).solve()
    assert e.value.field == field
    assert message in e.value.message


def test_a_sigmoid_saturated_at_a_huge_argument_is_evaluated_without_cancelling():
    # alpha = -1e6 puts σ(5·10⁴) in gelu-descent's derivative: 1 − σ(z) cancelled at any
    # fixed precision and SymPy's evalf ran for minutes; it is σ(−z) = 1/(1 + e^{z})
    import mpmath
    import sympy as sp

    from derive.core.functions import sigmoid
    from derive.core.numbers import approx

    z = sp.Integer(50_000)
    got = approx(5 * (1 - sigmoid(z)) * sigmoid(z))
    with mpmath.workprec(80_000):
        want = 5 / (1 + mpmath.exp(z)) / (1 + mpmath.exp(-z))
    assert abs(float(got / sp.Float(want, 40)) - 1) < 1e-30


def test_a_sum_that_cancels_is_evaluated_again_and_never_handed_to_evalf():
    """QA (benchmarks/extreme_givens.py): softmax-backprop with a weight of 10⁶ ran for
    minutes in SymPy's evalf, which raised its precision to a million bits for a sum of
    softmax terms that cancels. A sum losing its digits is evaluated again at eight
    times the precision (past that, SymPy's evalf has a CPU second)."""
    import mpmath
    import sympy as sp

    from derive.core.functions import sigmoid
    from derive.core.numbers import approx

    # σ(300) + σ(301) − 2 = −σ(−300) − σ(−301): ~430 bits cancel, fine at the retry
    got = approx(sigmoid(sp.Integer(300)) + sigmoid(sp.Integer(301)) - 2)
    with mpmath.workprec(4000):
        want = -1 / (1 + mpmath.exp(300)) - 1 / (1 + mpmath.exp(301))
    assert abs(float(got / sp.Float(want, 40)) - 1) < 1e-30


def test_evalf_of_a_value_that_cancels_past_the_retry_has_a_cpu_second(monkeypatch):
    """What SymPy's evalf cannot finish in its budget is NaN (the checks refuse it); a
    stand-in evalf that spins stands for the million-bit softmax sum."""
    import time

    import sympy as sp

    from derive.core import numbers
    from derive.core.functions import sigmoid

    def spins(*args: object, **kwargs: object) -> str:
        start = time.process_time()
        while time.process_time() - start < 5:
            pass
        return "finished"

    monkeypatch.setattr(numbers.sp, "N", spins)
    monkeypatch.setattr(numbers, "EVALF_SECONDS", 0.05)
    # σ(10⁴) + σ(10⁴ + 1) − 2 = −2.3·10⁻⁴³⁴³: 14 000 bits cancel, past the retry
    assert numbers.approx(sigmoid(sp.Integer(10_000)) + sigmoid(sp.Integer(10_001)) - 2
                          ) is sp.nan


def test_a_huge_weight_in_a_network_stops_in_one_line():
    """The same through the command: refused in one line (it ran past 30 s)."""
    r = run_cli("solve", "softmax-backprop", "--set", "W2=[[1/2,-1/2],[1/5,1e6]]")
    assert r.returncode == 1 and r.stdout == "" and r.stderr.count("\n") == 1, r.stderr
    assert "cannot confirm the answers at --set W2=" in r.stderr


def test_a_tiny_start_keeps_adagrad_exact_where_cheap_and_right():
    # start = 1e-400: the accumulated squares have 800-digit integers, whose exact square
    # root SymPy simplified by factoring them (seconds); by hand in mpmath at 3000 digits
    import mpmath

    from derive.core.numbers import approx

    s = load_problem("adagrad-rmsprop", {"start": "[1e-400, 1e-400]"}).solve()
    assert s.verified
    with mpmath.workdps(3000):
        x = [mpmath.mpf("1e-400")] * 2
        eta, eps = mpmath.mpf("0.5"), mpmath.mpf("1e-8")
        g = [2 * x[0] + x[1], 8 * x[1] + x[0]]
        x1 = [xi - eta * gi / (abs(gi) + eps) for xi, gi in zip(x, g, strict=True)]
        for got, want in zip(s.answers["a.x1"].value, x1, strict=True):
            assert abs(mpmath.mpf(str(approx(got))) / want - 1) < mpmath.mpf("1e-30")


def _jacobian_chain(n: int):
    """jacobian-chain's d.J_x for an input of ``n`` entries given as a flat list (x is a
    column given): solved, and by hand in numpy."""
    import numpy as np

    rng = np.random.default_rng(n)
    x = rng.uniform(-1, 1, n).round(3)
    wa = rng.uniform(-1, 1, (2, n)).round(3)
    wb = np.array([[1.0, -0.5], [0.25, 0.75]])
    p = load_problem("jacobian-chain", {"x": x.tolist(), "WA": wa.tolist()})
    assert p.givens["x"].value.shape == (n, 1)
    got = np.array(p.solve().answers["d.J_x"].value.tolist(), dtype=float)
    a = wa @ x
    y = 1 / (1 + np.exp(-(wb @ np.tanh(a))))
    want = np.diag(y * (1 - y)) @ wb @ np.diag(1 - np.tanh(a) ** 2) @ wa
    return got, want


@pytest.mark.parametrize("n", [5, 1100])
def test_a_flat_list_for_a_column_given_is_a_column(n):
    """jacobian-chain's x is a column ([1, -1, 0.5] in the spec, read as 3×1): a longer
    flat list through the API is a column too, small (exact) or large (float64)."""
    got, want = _jacobian_chain(n)
    assert got.shape == (2, n)
    assert np.allclose(got, want, rtol=1e-9, atol=1e-12)


def test_a_row_given_resized_as_a_column_is_a_row():
    a = load_problem("perceptron-bce", {"x": "[[3], [1], [4]]", "w": "[1, 2, 3]"})
    assert a.givens["x"].value.shape == (1, 3)


def _numbers(n: int, seed: int) -> list[float]:
    return np.random.default_rng(seed).uniform(-1, 1, n).round(3).tolist()


@pytest.mark.parametrize("n", [65, 1500])
def test_a_given_written_into_a_definition_is_bounded(n):
    """perceptron-bce's x and w enter the definition ``dot(w, x)``, a symbol per entry,
    exactly: 1500 entries took 263 s. Past 64 entries: one line naming the file and the
    given, exit 2."""
    x, w = (",".join(map(str, _numbers(n, s))) for s in (1, 2))
    r = run_cli("solve", "perceptron-bce", "--set", f"x=[{x}]", "--set", f"w=[{w}]")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert "problems/perceptron-bce.yaml" in r.stderr
    assert f"--set w: w has {n:,} entries" in r.stderr and "at most 64" in r.stderr


def test_a_given_written_into_a_definition_at_the_bound_is_solved():
    """64 entries (the bound) are solved; the answers are numpy's by hand."""
    x, w = _numbers(64, 1), _numbers(64, 2)
    s = load_problem("perceptron-bce", {"x": x, "w": w}).solve()
    z = float(np.dot(x, w)) + 0.1
    yhat = 1 / (1 + np.exp(-z))
    assert np.isclose(float(s.answers["a.z"].value), z, rtol=1e-12)
    assert np.isclose(float(s.answers["b.loss"].value), -np.log(yhat), rtol=1e-12)
    got = np.array(s.answers["b.dE_dw"].value.tolist(), dtype=float).ravel()
    assert np.allclose(got, (yhat - 1) * np.array(x), rtol=1e-10, atol=1e-14)


def test_a_network_given_is_not_bounded_by_the_definition_bound():
    """jacobian-chain's x goes to the network blocks (float64 there), not into a
    definition: 100 entries are solved (the d.J_x values are checked above at 1100)."""
    p = load_problem("jacobian-chain", {"x": _numbers(100, 3), "WA": [_numbers(100, 4)] * 2})
    assert p.givens["x"].value.shape == (100, 1)


def test_a_block_argument_is_not_bounded_by_the_definition_bound():
    """softmax-shift's x is the softmax block's argument, which reads it its own way:
    200 entries are solved, and the probabilities are numpy's."""
    x = _numbers(200, 5)
    s = load_problem("softmax-shift", {"x": x}).solve()
    got = np.array(s.answers["b.probs"].value.tolist(), dtype=float).ravel()
    e = np.exp(np.array(x) - max(x))
    assert np.allclose(got, e / e.sum(), rtol=1e-10, atol=0)
