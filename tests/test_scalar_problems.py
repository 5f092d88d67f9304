"""tanh-derivative, softmax-shift, loss-gradients, rnn-vanishing against plain math/numpy.

Every expected number is computed here by hand; expression answers are evaluated with
SymPy's own evaluation and compared with hand-written formulas at random points.
"""

import math

import numpy as np
import pytest
import sympy as sp
from testkit import close, sigmoid, solve_json

import derive

# --- tanh-derivative -------------------------------------------------------------------


def test_tanh_derivative_answers_are_sech_squared_and_one_minus_f_squared(solved):
    s = solved("tanh-derivative")
    x = sp.Symbol("x", real=True)
    f = sp.Symbol("f", real=True)
    d = sp.lambdify(x, s.answers["a.derivative"].value)
    g = sp.lambdify(f, s.answers["a.in_terms_of_f"].value)
    for p in (-2.3, -0.4, 0.0, 0.9, 3.1):
        assert close(d(p), 1 / math.cosh(p) ** 2, 1e-12)
        assert close(g(math.tanh(p)), 1 / math.cosh(p) ** 2, 1e-12)
    assert s.answers["a.in_terms_of_f"].value.free_symbols == {f}


def test_tanh_derivation_goes_through_the_quotient_rule_and_cosh2_minus_sinh2(solved):
    s = solved("tanh-derivative")
    rules = [getattr(it, "rule", "") for it in s.items]
    assert "quotient-rule" in rules and "tanh-derivative" not in rules
    facts = [str(f) for it in s.items for f in getattr(it, "facts", ())]
    assert any("cosh(x)**2" in f and "sinh(x)**2" in f for f in facts)
    # every rewrite and every identity used has its own check
    names = [c.name for c in s.checks]
    assert sum("rewrite to" in n for n in names) == 3
    assert any("central" in c.method for c in s.checks)


def test_tanh_json():
    ans = solve_json("tanh-derivative")["answers"]
    assert ans["a.in_terms_of_f"]["value"] == "1 - f**2"
    assert ans["a.derivative"]["kind"] == "expression"


# --- softmax-shift ---------------------------------------------------------------------


def softmax_by_hand(v):
    m = max(v)
    e = [math.exp(a - m) for a in v]
    return [a / sum(e) for a in e]


@pytest.mark.parametrize("sets,x", [
    ((), [1, 2, 3]),
    (("x=[0.5,-1,2]",), [0.5, -1, 2]),
    (("x=[3,-2,0.25,7,1]", "shift=-500"), [3, -2, 0.25, 7, 1]),
])
def test_softmax_probs(sets, x):
    got = solve_json("softmax-shift", *sets)["answers"]["b.probs"]["value"]
    want = softmax_by_hand(x)
    assert len(got) == 1 and len(got[0]) == len(want)
    assert all(close(g, w) for g, w in zip(got[0], want, strict=True))


def test_softmax_probs_are_exact(solved):
    s = solved("softmax-shift")
    v = s.answers["b.probs"].value
    e = sp.E
    assert sp.simplify(v[0] - e / (e + e**2 + e**3)) == 0


def test_shift_proof_is_checked_for_every_K_and_shows_the_steps(solved):
    s = solved("softmax-shift")
    proof = [r for r in s.results if "softmax(x + c)_i" in r.name]
    assert len(proof) == 4 and all(r.ok for r in proof)
    assert all("K = 1..8" in r.detail for r in proof)
    rules = [getattr(it, "rule", "") for it in s.items]
    for r in ("exp-of-sum", "factor-out-of-sum", "cancel", "subtract-the-max"):
        assert r in rules
    # the stable evaluation shows x + 1000 - max = [-2, -1, 0]
    centred = [it for it in s.items if getattr(it, "rule", "") == "subtract-the-max"][0]
    assert list(centred.after) == [-2, -1, 0]


# --- loss-gradients --------------------------------------------------------------------


def np_softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def fd(f, z, j, h=1e-5):
    zp, zm = z.copy(), z.copy()
    zp[j] += h
    zm[j] -= h
    return (f(zp) - f(zm)) / (2 * h)


def eval_indexed(expr, p, t, i):
    """An answer over p[k], t[k], i, K evaluated for concrete vectors (1-based index i)."""
    pb, tb = sp.IndexedBase("p", real=True), sp.IndexedBase("t", real=True)
    i_s, k_big = sp.Symbol("i", integer=True), sp.Symbol("K", integer=True)
    e = expr.subs({k_big: len(p), i_s: i}).doit()
    reps = {pb[m + 1]: float(p[m]) for m in range(len(p))}
    reps.update({tb[m + 1]: float(t[m]) for m in range(len(t))})
    return float(e.xreplace(reps))


@pytest.mark.parametrize("K", [2, 3, 5, 6])
def test_softmax_cross_entropy_and_squared_error_gradients(K, solved):
    s = solved("loss-gradients")
    c, d = s.answers["c.dL_dz"].value, s.answers["d.dL_dz"].value
    r = np.random.default_rng(K)
    for _ in range(3):
        z = r.normal(size=K)
        onehot = np.eye(K)[r.integers(K)]
        anyt = r.normal(size=K)
        p = np_softmax(z)
        for j in range(K):
            ce = fd(lambda zz, t=onehot: -np.sum(t * np.log(np_softmax(zz))), z, j)
            assert abs(eval_indexed(c, p, onehot, j + 1) - ce) < 1e-7
            for t in (onehot, anyt):
                se = fd(lambda zz, t=t: 0.5 * np.sum((np_softmax(zz) - t) ** 2), z, j)
                assert abs(eval_indexed(d, p, t, j + 1) - se) < 1e-7


def test_cross_entropy_gradient_is_p_minus_t_not_a_fraction(solved):
    s = solved("loss-gradients")
    c = s.answers["c.dL_dz"].value
    pb, tb = sp.IndexedBase("p", real=True), sp.IndexedBase("t", real=True)
    i = sp.Symbol("i", integer=True)
    assert c == pb[i] - tb[i]
    facts = [str(f) for it in s.items for f in getattr(it, "facts", ())]
    assert any("Sum(t[k], (k, 1, K))" in f for f in facts)


def test_scalar_loss_expressions(solved):
    s = solved("loss-gradients")
    y, t = sp.symbols("y t", real=True)
    a = sp.lambdify((y, t), s.answers["a.dL_dz"].value)
    b = sp.lambdify((y, t), s.answers["b.dL_dz"].value)
    for yv, tv in ((0.2, 1.0), (0.7, 0.0), (0.45, 0.3)):
        assert close(a(yv, tv), yv - tv)
        assert close(b(yv, tv), (yv - tv) * yv * (1 - yv))
    spec = s.problem.answers["b.dL_dz"]
    assert set(spec.meanings) == {"y"}


@pytest.mark.parametrize("sets,z,t", [
    ((), -5.0, 1.0),
    (("z=2", "t=0"), 2.0, 0.0),
    (("z=0.3", "t=1/2"), 0.3, 0.5),
])
def test_loss_gradient_numbers(sets, z, t):
    ans = solve_json("loss-gradients", *sets)["answers"]
    y = sigmoid(z)
    assert close(ans["e.y"]["value"], y)
    assert close(ans["e.dL_dz"]["value"], (y - t) * y * (1 - y))
    assert close(ans["f.dL_dz"]["value"], y - t)
    assert ans["g.choice"]["value"] == "cross-entropy"


# --- rnn-vanishing ---------------------------------------------------------------------


def rnn_by_hand(w, u, xs, h0=0.0):
    hs = [h0]
    for x in xs:
        hs.append(math.tanh(w * hs[-1] + u * x))
    return hs


@pytest.mark.parametrize("sets,w,u,xs,forget", [
    ((), 0.5, 1.0, [1, 0.5, -0.5, 0.2], 0.9),
    (("w=0.9", "xs=[1,1,1,1]"), 0.9, 1.0, [1, 1, 1, 1], 0.9),
    (("w=-1.5", "u=0.3", "forget=0.5"), -1.5, 0.3, [1, 0.5, -0.5, 0.2], 0.5),
])
def test_rnn_vanishing(sets, w, u, xs, forget):
    ans = solve_json("rnn-vanishing", *sets)["answers"]
    hs = rnn_by_hand(w, u, xs)
    for t in range(1, 5):
        assert close(ans[f"a.h{t}"]["value"], hs[t]), t
    # dh4/dh1 by finite differences of the hand recurrence started at h1
    def h4_from(h1):
        h = h1
        for x in xs[1:4]:
            h = math.tanh(w * h + u * x)
        return h

    eps = 1e-6
    fd_val = (h4_from(hs[1] + eps) - h4_from(hs[1] - eps)) / (2 * eps)
    prod = math.prod(w * (1 - hs[t] ** 2) for t in (2, 3, 4))
    assert close(prod, fd_val, 1e-7)
    assert close(ans["b.dh4_dh1"]["value"], prod)
    assert close(ans["c.dc4_dc1"]["value"], forget ** 3)


def test_rnn_states_stay_exact_and_follow_through_uses_pins(solved):
    s = solved("rnn-vanishing")
    assert s.answers["a.h1"].value == sp.tanh(1)
    pinned = derive.load("rnn-vanishing").solve(pins={"a.h2": sp.Rational(1, 2)}, verify=False)
    h3 = math.tanh(0.5 * 0.5 - 0.5)
    assert close(float(pinned.answers["a.h3"].computed), h3)
    h4 = math.tanh(0.5 * h3 + 0.2)
    want = 0.5 ** 3 * (1 - 0.25) * (1 - h3 ** 2) * (1 - h4 ** 2)
    assert close(float(pinned.answers["b.dh4_dh1"].computed), want)


def test_rnn_pin_written_with_a_given_is_read_at_the_givens():
    """A pinned state written with a given's name (h_2 = w) follows through at the given's
    value, as a number: the update evaluated with the state, the input and the givens."""
    w = sp.Symbol("w", real=True)
    pinned = derive.load("rnn-vanishing").solve(pins={"a.h2": w}, verify=False)
    h3 = math.tanh(0.5 * 0.5 - 0.5)  # h_2 = w = 0.5, x_3 = -0.5
    assert pinned.answers["a.h3"].computed.free_symbols == set()
    assert close(float(pinned.answers["a.h3"].computed), h3)
    h4 = math.tanh(0.5 * h3 + 0.2)
    want = 0.5 ** 3 * (1 - 0.25) * (1 - h3 ** 2) * (1 - h4 ** 2)
    assert close(float(pinned.answers["b.dh4_dh1"].computed), want)
