"""Piecewise functions: derivatives piece by piece, kink conventions, checks away from kinks.

Expected values are written out by hand here (plain Python), never taken from derive.
"""

import math

import numpy as np
import pytest
import sympy as sp
from testkit import run_cli, solve_json

import derive
from derive.core.errors import VerificationError
from derive.core.numeric import kink_near


def hinge_grad(y, s):
    return -y if y * s < 1 else 0.0  # at the margin the flat piece holds


@pytest.mark.parametrize("sets,y,s", [
    ((), 1, (0.5, 1, 2)),
    (("y=-1", "s1=-2", "s2=-1", "s3=0.25"), -1, (-2, -1, 0.25)),
])
def test_hinge_loss(sets, y, s):
    ans = solve_json("hinge-loss", *sets)["answers"]
    for i, si in enumerate(s, start=1):
        assert ans[f"b.d{i}"]["value"] == hinge_grad(y, si)
    assert ans["c.loss1"]["value"] == pytest.approx(max(0.0, 1 - y * s[0]))


def test_hinge_derivative_expression_is_right_on_both_sides(solved):
    v = solved("hinge-loss").answers["a.dL"].value
    f = sp.lambdify(sp.Symbol("s", real=True), v)
    for p in (-3.0, 0.2, 0.99, 1.01, 4.0):
        assert f(p) == hinge_grad(1, p)


@pytest.mark.parametrize("sets,delta,r1,r2", [((), 1, 0.5, -3),
                                              (("delta=2", "r2=1.5"), 2, 0.5, 1.5)])
def test_huber_loss(sets, delta, r1, r2):
    ans = solve_json("huber-loss", *sets)["answers"]

    def grad(r):
        return r if abs(r) <= delta else delta * math.copysign(1, r)

    def loss(r):
        return r * r / 2 if abs(r) <= delta else delta * (abs(r) - delta / 2)

    assert ans["b.d1"]["value"] == pytest.approx(grad(r1))
    assert ans["b.d2"]["value"] == pytest.approx(grad(r2))
    assert ans["b.L2"]["value"] == pytest.approx(loss(r2))


@pytest.mark.parametrize("sets,a,alpha,z0", [
    ((), 0.1, 1, -0.5),
    (("z0=0",), 0.1, 1, 0),            # every kink convention at once
    (("z0=2", "a=0.2", "alpha=0.5"), 0.2, 0.5, 2),
    (("z0=-1",), 0.1, 1, -1),          # clip's lower bound passes the gradient
])
def test_activation_derivatives_and_their_kink_conventions(sets, a, alpha, z0):
    ans = solve_json("activation-derivatives", *sets)["answers"]
    assert ans["b.relu1"]["value"] == (1 if z0 > 0 else 0)
    assert ans["b.leaky1"]["value"] == pytest.approx(1 if z0 > 0 else a)
    assert ans["b.elu1"]["value"] == pytest.approx(1 if z0 > 0 else alpha * math.exp(z0))
    assert ans["b.clip1"]["value"] == (1 if -1 <= z0 <= 1 else 0)


@pytest.mark.parametrize("sets,lam,w0,eta,steps", [
    ((), 2, -1, 0.05, 3),
    (("lam=0.5", "w0=4", "eta=0.1", "steps=4"), 0.5, 4, 0.1, 4),
])
def test_l1_descent(sets, lam, w0, eta, steps):
    ans = solve_json("l1-descent", *sets)["answers"]
    w = float(w0)
    for t in range(steps):
        g = 2 * (w - 3) + lam * np.sign(w)
        assert ans[f"b.g{t}"]["value"] == pytest.approx(g, rel=1e-12)
        w = w - eta * g
        assert ans[f"b.w{t + 1}"]["value"] == pytest.approx(w, rel=1e-12)
        assert ans[f"b.f{t + 1}"]["value"] == pytest.approx((w - 3) ** 2 + lam * abs(w),
                                                             rel=1e-12)


def test_kinks_are_found_and_smooth_points_are_not():
    assert kink_near(abs, 0.0) and kink_near(abs, 1e-4)
    assert kink_near(lambda x: max(0.0, 1 - x), 1.0)
    assert not kink_near(abs, 0.5) and not kink_near(math.exp, 0.0)


def test_a_wrong_abs_rule_fails_verification(monkeypatch):
    from derive.topics.scalar import calculus

    monkeypatch.setitem(calculus.RULES, sp.Abs, ("abs-derivative", lambda u: sp.S.One))
    with pytest.raises(VerificationError):
        derive.load("l1-descent").solve()


def test_an_unquoted_comma_in_flow_style_says_to_quote(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("id: t\ntitle: t\nanswers: {a.x: number}\n"
                 "parts: {a: {derive: [{use: evaluate, answer: a.x, expr: max(0, 1 - 2)}]}}\n")
    r = run_cli("solve", str(p))
    assert r.returncode == 2
    assert "split a value at a comma: quote it" in r.stderr
