"""The optimize block and its library problems against optimizers written out by hand here.

Each expected value is computed in this file with plain numpy and the gradient written
by hand; torch.optim is a further oracle where torch is installed.
"""

import numpy as np
import pytest
from testkit import run_cli, solve_json

import derive
from derive.core.errors import SpecError, VerificationError


def _rows(ans, prefix, lo, hi):
    return [np.array(ans[f"{prefix}{i}"]["value"], dtype=float).reshape(-1)
            for i in range(lo, hi + 1)]


def adam_by_hand(grad, x, steps, eta, b1=0.9, b2=0.999, eps=1e-8):
    x = np.array(x, dtype=float)
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    out = []
    for t in range(1, steps + 1):
        g = grad(x)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = m / (1 - b1**t), v / (1 - b2**t)
        x = x - eta * mh / (np.sqrt(vh) + eps)
        out.append(dict(g=g, m=m, v=v, mhat=mh, vhat=vh, x=x))
    return out


@pytest.mark.parametrize("sets,x0,eta,steps", [
    ((), 2.0, 0.1, 3),
    (("x0=-1", "eta=0.05", "steps=5"), -1.0, 0.05, 5),
])
def test_adam_bias_correction(sets, x0, eta, steps):
    ans = solve_json("adam-bias-correction", *sets)["answers"]
    want = adam_by_hand(lambda x: 2 * (x - 1), [x0], steps, eta)
    assert ans["a.g0"]["value"] == pytest.approx(2 * (x0 - 1), rel=1e-12)
    assert ans["a.m1"]["value"] == pytest.approx(want[0]["m"][0], rel=1e-12)
    assert ans["a.v1"]["value"] == pytest.approx(want[0]["v"][0], rel=1e-12)
    assert ans["a.mhat1"]["value"] == pytest.approx(want[0]["mhat"][0], rel=1e-12)
    assert ans["a.vhat1"]["value"] == pytest.approx(want[0]["vhat"][0], rel=1e-12)
    # the asked iterates follow --set steps (answers declared as a.x{1..steps})
    assert sorted(a for a in ans if a.startswith("a.x")) == sorted(
        f"a.x{i}" for i in range(1, steps + 1))
    for i, w in enumerate(want, start=1):
        assert ans[f"a.x{i}"]["value"] == pytest.approx(w["x"][0], rel=1e-12)
        assert ans[f"a.f{i}"]["value"] == pytest.approx((w["x"][0] - 1) ** 2, rel=1e-10)


def test_adam_first_iterate_is_exact_not_rounded():
    """eps = 1e-8 keeps x1 = 2 - 0.1·2/(2 + 1e-8) exact (it is not 1.9)."""
    ans = solve_json("adam-bias-correction")["answers"]
    assert ans["a.x1"]["exact"] == "380000002/200000001"


def momentum_by_hand(grad, x, steps, eta, beta, average=False, nesterov=False):
    x = np.array(x, dtype=float)
    v = np.zeros_like(x)
    out = []
    for _ in range(steps):
        g = grad(x - eta * beta * v) if nesterov else grad(x)
        v = beta * v + ((1 - beta) * g if average else g)
        x = x - eta * v
        out.append(dict(g=g, v=v, x=x))
    return out


def bowl_grad(x):
    return np.array([2 * x[0], 20 * x[1]])


@pytest.mark.parametrize("sets,eta,beta", [((), 0.05, 0.9), (("eta=0.02", "beta=0.5"), 0.02, 0.5)])
def test_momentum_in_both_conventions(sets, eta, beta):
    ans = solve_json("momentum-two-conventions", *sets)["answers"]
    a = momentum_by_hand(bowl_grad, [1, 1], 3, eta, beta)
    b = momentum_by_hand(bowl_grad, [1, 1], 3, eta, beta, average=True)
    for i in range(3):
        assert np.allclose(_rows(ans, "a.v", i + 1, i + 1)[0], a[i]["v"], rtol=1e-12)
        assert np.allclose(_rows(ans, "a.x", i + 1, i + 1)[0], a[i]["x"], rtol=1e-12)
        assert np.allclose(_rows(ans, "b.x", i + 1, i + 1)[0], b[i]["x"], rtol=1e-12)
    f = lambda x: x[0] ** 2 + 10 * x[1] ** 2  # noqa: E731
    assert ans["a.f3"]["value"] == pytest.approx(f(a[2]["x"]), rel=1e-12)
    assert ans["c.lower"]["value"] == ("sum" if f(a[2]["x"]) < f(b[2]["x"]) else "average")


@pytest.mark.parametrize("sets,eta,beta,steps", [((), 0.1, 0.9, 3),
                                                 (("beta=0.5", "steps=4"), 0.1, 0.5, 4)])
def test_nesterov_takes_the_gradient_at_the_lookahead_point(sets, eta, beta, steps):
    ans = solve_json("nesterov-lookahead", *sets)["answers"]
    grad = lambda x: np.array([x[0], 4 * x[1]])  # noqa: E731
    want = momentum_by_hand(grad, [2, 1], steps, eta, beta, nesterov=True)
    plain = momentum_by_hand(grad, [2, 1], steps, eta, beta)
    for i in range(steps):
        assert np.allclose(_rows(ans, "a.g", i, i)[0], want[i]["g"], rtol=1e-12)
        assert np.allclose(_rows(ans, "a.x", i + 1, i + 1)[0], want[i]["x"], rtol=1e-12)
        assert np.allclose(_rows(ans, "b.x", i + 1, i + 1)[0], plain[i]["x"], rtol=1e-12)
    assert len([a for a in ans if a.startswith("a.v")]) == steps


@pytest.mark.parametrize("sets,eta,rho", [((), 0.5, 0.9), (("eta=0.1", "rho=0.5"), 0.1, 0.5)])
def test_adagrad_and_rmsprop(sets, eta, rho):
    ans = solve_json("adagrad-rmsprop", *sets)["answers"]
    grad = lambda p: np.array([2 * p[0] + p[1], p[0] + 8 * p[1]])  # noqa: E731
    for prefix, decay in (("a", None), ("b", rho)):
        x, s = np.array([1.0, -1.0]), np.zeros(2)
        for t in range(1, 3):
            g = grad(x)
            s = s + g * g if decay is None else decay * s + (1 - decay) * g * g
            x = x - eta * g / (np.sqrt(s) + 1e-8)
            assert np.allclose(_rows(ans, f"{prefix}.s", t, t)[0], s, rtol=1e-12)
            assert np.allclose(_rows(ans, f"{prefix}.x", t, t)[0], x, rtol=1e-12)


@pytest.mark.parametrize("sets,u,y,lam", [((), 2, 1, 0.1),
                                          (("u=-1", "y=-1", "lam=0.5"), -1, -1, 0.5)])
def test_regularised_logistic_regression_descent(sets, u, y, lam):
    ans = solve_json("ridge-descent", *sets)["answers"]
    p = np.zeros(2)
    for t in range(2):
        z = y * (p[0] * u + p[1])
        s = 1 / (1 + np.exp(z))  # σ(−z)
        g = np.array([-y * u * s + lam * p[0], -y * s])
        assert np.allclose(_rows(ans, "a.g", t, t)[0], g, rtol=1e-12)
        p = p - 0.5 * g
        assert np.allclose(_rows(ans, "a.x", t + 1, t + 1)[0], p, rtol=1e-12)
        loss = np.log1p(np.exp(-y * (p[0] * u + p[1]))) + lam / 2 * p[0] ** 2
        assert ans[f"a.f{t + 1}"]["value"] == pytest.approx(loss, rel=1e-12)


# --- torch.optim as a further oracle ---------------------------------------------------


@pytest.mark.parametrize("method,kwargs", [
    ("gd", {}), ("momentum", {"momentum": 0.9}), ("adagrad", {}),
    ("rmsprop", {"alpha": 0.9}), ("adam", {}),
    ("nesterov", {"momentum": 0.9, "nesterov": True}),
])
def test_against_torch_optim(tmp_path, method, kwargs):
    torch = pytest.importorskip("torch")
    opt_cls = {"gd": torch.optim.SGD, "momentum": torch.optim.SGD,
               "nesterov": torch.optim.SGD, "adagrad": torch.optim.Adagrad,
               "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam}[method]
    extra = "nesterov: pytorch," if method == "nesterov" else ""
    extra += " beta: 0.9," if method in ("momentum", "nesterov", "rmsprop") else ""
    spec = tmp_path / "t.yaml"
    spec.write_text(f"""id: t
title: t
symbols: [x, y]
define: {{'f(x, y)': 'x**2 + 3*y**2 + x*y'}}
answers: {{'a.x{{1..4}}': matrix}}
parts: {{a: {{derive: [{{use: optimize, f: f, method: {method}, {extra} x0: [1, -2],
  eta: 0.1, steps: 4, x: a.x}}]}}}}
""")
    s = derive.load(str(spec)).solve()
    p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    kw = dict(kwargs)
    if method == "adagrad":
        kw["eps"] = 1e-8
    opt = opt_cls([p], lr=0.1, **kw)
    for i in range(1, 5):
        opt.zero_grad()
        (p[0] ** 2 + 3 * p[1] ** 2 + p[0] * p[1]).backward()
        opt.step()
        got = np.array(s.answers[f"a.x{i}"].value.tolist(), dtype=float).reshape(-1)
        assert np.allclose(got, p.detach().numpy(), rtol=1e-10), (method, i)


# --- what the block refuses, and a wrong rule is caught ----------------------------------


def _spec(tmp_path, body):
    p = tmp_path / "t.yaml"
    p.write_text("id: t\ntitle: t\nsymbols: [x, y]\ndefine: {'f(x, y)': 'x**2 + y**2'}\n" + body)
    return p


def test_a_vector_iterate_declared_as_a_number_says_to_declare_a_matrix(tmp_path):
    p = _spec(tmp_path, "answers: {a.x1: number}\nparts: {a: {derive: [{use: optimize, f: f, "
                        "method: gd, x0: [1, 1], eta: 0.1, steps: 1, x: a.x}]}}\n")
    r = run_cli("solve", str(p))
    assert r.returncode == 2
    assert "'a.x1' is declared kind number, but f has 2 parameters" in r.stderr
    assert "declare it kind: matrix" in r.stderr


def test_a_prefix_the_method_does_not_carry_is_refused(tmp_path):
    p = _spec(tmp_path, "answers: {a.m1: matrix}\nparts: {a: {derive: [{use: optimize, f: f, "
                        "method: momentum, x0: [1, 1], eta: 0.1, steps: 1, m: a.m}]}}\n")
    with pytest.raises(SpecError, match="method momentum has no m"):
        derive.load(str(p)).solve()


def test_a_wrong_update_rule_fails_verification(monkeypatch):
    from derive.topics.optimizers import rules

    real = rules.update

    def no_bias_correction(method, hp, t, x, g, state, pin=None):
        new, xn = real(method, hp, t, x, g, state, pin)
        if method == "adam":  # forget the bias correction of m
            xn = [xi - hp.eta * mi / ((vi ** 0.5) + hp.eps)
                  for xi, mi, vi in zip(x, new["m"], new["vhat"], strict=True)]
        return new, xn

    monkeypatch.setattr("derive.topics.optimizers.blocks.update", no_bias_correction)
    with pytest.raises(VerificationError):
        derive.load("adam-bias-correction").solve()


@pytest.mark.parametrize("sets,eta,rho,b1", [((), 0.1, 0.9, 0.9),
                                             (("eta=0.05", "rho=0.99", "beta1=0.5"), 0.05,
                                              0.99, 0.5)])
def test_adam_against_rmsprop(sets, eta, rho, b1):
    ans = solve_json("adam-vs-rmsprop", *sets)["answers"]
    grad = lambda p: np.array([2 * (p[0] - 1), 20 * (p[1] + 1)])  # noqa: E731
    f = lambda p: (p[0] - 1) ** 2 + 10 * (p[1] + 1) ** 2  # noqa: E731
    x, s = np.zeros(2), np.zeros(2)
    for t in range(1, 4):
        g = grad(x)
        s = rho * s + (1 - rho) * g * g
        x = x - eta * g / (np.sqrt(s) + 1e-8)
        assert np.allclose(_rows(ans, "a.x", t, t)[0], x, rtol=1e-12)
    adam = adam_by_hand(grad, [0, 0], 3, eta, b1=b1, b2=rho)
    assert np.allclose(_rows(ans, "b.m", 1, 1)[0], adam[0]["m"], rtol=1e-12)
    assert np.allclose(_rows(ans, "b.mhat", 1, 1)[0], adam[0]["mhat"], rtol=1e-12)
    for t in range(1, 4):
        assert np.allclose(_rows(ans, "b.x", t, t)[0], adam[t - 1]["x"], rtol=1e-12)
    assert ans["c.lower"]["value"] == ("rmsprop" if f(x) < f(adam[2]["x"]) else "adam")


@pytest.mark.parametrize("sets,u,w0,steps", [((), 2, -0.5, 3),
                                             (("u=1", "w0=0.25", "steps=4"), 1, 0.25, 4)])
def test_leaky_relu_unit_descent(sets, u, w0, steps):
    """The problem written from `derive blocks` and the README alone (see README)."""
    ans = solve_json("leaky-unit-descent", *sets)["answers"]
    a, t, eta = 0.1, 1, 0.5

    def grad(w):
        z = w * u
        out, slope = (z, 1.0) if z > 0 else (a * z, a)
        return (out - t) * slope * u

    def loss(w):
        z = w * u
        return ((z if z > 0 else a * z) - t) ** 2 / 2

    assert ans["a.d1"]["value"] == pytest.approx(grad(w0), rel=1e-12)
    w = w0
    for i in range(1, steps + 1):
        w = w - eta * grad(w)
        assert ans[f"b.w{i}"]["value"] == pytest.approx(w, rel=1e-12)
        assert ans[f"b.L{i}"]["value"] == pytest.approx(loss(w), rel=1e-12)


MOM_SCALAR = """\
id: mom-scalar
title: Momentum on a parabola
symbols: [x]
define:
  f(x): x**2
answers:
  a.v1: number
  a.x1: {kind: number, depends: [a.v1]}
  a.v2: {kind: number, depends: [a.v1, a.x1]}
  a.x2: {kind: number, depends: [a.x1, a.v2]}
parts:
  a:
    derive:
      - {use: optimize, f: f, method: momentum, x0: 1, eta: 0.1, beta: 0.9, steps: 2,
         v: a.v, x: a.x}
"""


def test_an_iterate_follows_through_from_the_student_s_own_velocity(tmp_path):
    """QA: x1 = x0 - η v1 computed right from a student's wrong v1 was incorrect (the
    block took x1 from its own v1). By hand, f'(x) = 2x from x0 = 1: v1 = 2, x1 = 0.8;
    a student's v1 = 1 gives x1 = 1 - 0.1·1 = 0.9, then v2 = 0.9·1 + 1.8 = 2.7 and
    x2 = 0.9 - 0.27 = 0.63."""
    import json

    from checkkit import run_cli

    (tmp_path / "mom-scalar.yaml").write_text(MOM_SCALAR, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        "answers: {mom-scalar: {a.v1: 1, a.x1: 0.9, a.v2: 2.7, a.x2: 0.63}}\n")
    r = run_cli("check", "s.yaml", "--format", "json", cwd=tmp_path, problems=tmp_path)
    assert r.returncode == 0, r.stderr
    got = {x["answer"]: x["verdict"] for x in json.loads(r.stdout)["submissions"][0]["results"]}
    assert got == {"a.v1": "incorrect", "a.x1": "follow-through", "a.v2": "follow-through",
                   "a.x2": "follow-through"}
