"""perceptron-bce against plain math, defaults and --set variants."""

import math

import pytest
from testkit import close, sigmoid, solve_json


def by_hand(x, w, b, y):
    z = sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b
    yh = sigmoid(z)
    loss = -(y * math.log(yh) + (1 - y) * math.log(1 - yh))
    de_dyh = -y / yh + (1 - y) / (1 - yh)
    de_dz = de_dyh * yh * (1 - yh)
    return {"a.z": z, "a.yhat": yh, "b.loss": loss, "b.dE_dyhat": de_dyh, "b.dE_dz": de_dz,
            "b.dE_dw": [[de_dz * xi for xi in x]], "b.dE_db": de_dz, "c.sigma0": 0.5}


@pytest.mark.parametrize("sets,x,w,b,y", [
    ((), [2, 1], [0.2, 0.3], 0.1, 1),
    (("b=-0.3", "y=0"), [2, 1], [0.2, 0.3], -0.3, 0),
    (("x=[1,-2,0.5]", "w=[0.4,0.1,-1]"), [1, -2, 0.5], [0.4, 0.1, -1], 0.1, 1),
])
def test_perceptron_bce(sets, x, w, b, y):
    ans = solve_json("perceptron-bce", *sets)["answers"]
    want = by_hand(x, w, b, y)
    for aid, v in want.items():
        got = ans[aid]["value"]
        if isinstance(v, list):
            assert len(got) == 1 and len(got[0]) == len(v[0])
            assert all(close(g, e) for g, e in zip(got[0], v[0], strict=True))
        else:
            assert close(got, v), (aid, got, v)


def test_dE_dz_is_derived_in_textbook_form(solved):
    s = solved("perceptron-bce")
    steps = [it for it in s.items if getattr(it, "rule", "") == "simplify"]
    assert any(str(st.after) in ("-y + yhat", "yhat - y") for st in steps)


def test_pinned_wrong_yhat_propagates_to_gradients():
    """Follow-through support: a pinned (student's) yhat is used downstream."""
    import sympy as sp

    import derive

    s = derive.load("perceptron-bce").solve(pins={"a.yhat": sp.Rational(3, 5)}, verify=False)
    assert close(float(s.answers["b.dE_dz"].computed), 0.6 - 1)
    assert close(float(s.answers["b.loss"].computed), -math.log(0.6))
