"""gelu-descent against a plain-math route (no derive code computes the expectations)."""

import math

import pytest
import sympy as sp
from testkit import close, sigmoid, solve_json

import derive

ALPHA = 1.702


def f(x: float, a: float = ALPHA) -> float:
    return x * sigmoid(a * x)


def fprime(x: float, a: float = ALPHA) -> float:
    # the product rule, written by hand
    s = sigmoid(a * x)
    return s + a * x * s * (1 - s)


def descend(x0, eta, steps, beta=None):
    x, v, out = x0, 0.0, []
    for _ in range(steps):
        g = fprime(x)
        if beta is None:
            x = x - eta * g
            out.append({"g": g, "x": x, "f": f(x)})
        else:
            v = beta * v + g
            x = x - eta * v
            out.append({"g": g, "v": v, "x": x, "f": f(x)})
    return out


def test_fprime_by_hand_matches_finite_differences():
    for x in (-2.0, -0.3, 0.0, 0.7, 2.5):
        h = 1e-6
        assert close(fprime(x), (f(x + h) - f(x - h)) / (2 * h), 1e-8)


def check_run(answers, prefix, run, with_g=True):
    for t, row in enumerate(run):
        if with_g:
            assert close(answers[f"{prefix}g{t}"]["value"], row["g"])
        assert close(answers[f"{prefix}x{t + 1}"]["value"], row["x"])
        assert close(answers[f"{prefix}f{t + 1}"]["value"], row["f"])
        if "v" in row:
            assert close(answers[f"{prefix}v{t + 1}"]["value"], row["v"])


@pytest.mark.parametrize("sets,eta,x0,eta_b,x0_c,eta_c,beta", [
    ((), 0.1, 0.0, 1.0, -3.0, 0.1, 0.9),
    (("eta=0.05", "x0=1", "beta=0.5"), 0.05, 1.0, 1.0, -3.0, 0.1, 0.5),
    (("eta_b=0.3", "x0_c=-1.5", "eta_c=1/3"), 0.1, 0.0, 0.3, -1.5, 1 / 3, 0.9),
])
def test_every_answer_agrees_with_plain_math(sets, eta, x0, eta_b, x0_c, eta_c, beta):
    out = solve_json("gelu-descent", *sets)
    ans = out["answers"]
    check_run(ans, "a.", descend(x0, eta, 3))
    check_run(ans, "b.", descend(x0, eta_b, 3))
    check_run(ans, "c.gd.", descend(x0_c, eta_c, 3), with_g=False)
    mom = descend(x0_c, eta_c, 3, beta)
    check_run(ans, "c.mom.", [{k: r[k] for k in ("v", "x", "f")} for r in mom], with_g=False)
    gd_f3 = descend(x0_c, eta_c, 3)[-1]["f"]
    assert ans["c.faster"]["value"] == ("momentum" if mom[-1]["f"] < gd_f3 else "gd")


def test_reference_values_of_the_problem_set():
    ans = solve_json("gelu-descent")["answers"]
    # values the students' own scripts printed (sheet 001)
    assert math.isclose(ans["a.x3"]["value"], -0.13763771842581057, rel_tol=1e-12)
    assert math.isclose(ans["b.f3"]["value"], -0.16251748448720163, rel_tol=1e-12)
    assert ans["a.x1"] == {"kind": "number", "value": -0.05, "latex": "-0.05"}


def test_derivative_expression_is_equivalent_to_the_hand_derivative(solved):
    s = solved("gelu-descent")
    x = sp.Symbol("x", real=True)
    d = s.answers["a.derivative"].value
    fn = sp.lambdify(x, d.rewrite(sp.exp))
    for p in (-2.5, -1.0, 0.0, 0.4, 3.0):
        assert close(fn(p), fprime(p), 1e-12)


def test_library_api_returns_the_same_objects_the_cli_renders():
    s = derive.load("gelu-descent", eta=0.5).solve()
    assert isinstance(s, derive.Solution)
    assert s.verified
    assert close(float(s.answers["a.x1"].value), -0.25)
    assert s.answers["a.x1"].value == sp.Rational(-1, 4)  # exact where inputs are exact
