"""Networks in matrix form: the four problems against numpy written by hand, the
gold-value contract, shape errors, and broken rules that verification must catch."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
from testkit import run_cli, solve_json

import derive
from derive.core.errors import SpecError
from derive.render.printing import latex as latex_of
from derive.topics.networks import layers as network
from derive.topics.networks.matrix_calculus import Diag, Hadamard, Ordered, one_minus

RNG = np.random.default_rng(12345)


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def close(a, b, rel=1e-9):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert np.all(np.abs(a - b) <= rel * np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12)), \
        (a, b)


def mat(v):
    return np.array([[float(c) for c in row] for row in v.tolist()])


def explicit(expr, values):
    """The contract: substitute explicit matrices for every MatrixSymbol, then doit."""
    reps = {s: sp.ImmutableMatrix(np.atleast_2d(values[s.name]).tolist())
            for s in expr.atoms(sp.MatrixSymbol)}
    out = expr.xreplace(reps).doit()
    assert isinstance(out, sp.MatrixBase), type(out)
    return np.array(out.tolist(), dtype=float)


# -- softmax-backprop ------------------------------------------------------------------

def softmax_net_by_hand(x, W1, b1, W2, b2, y):
    f1 = x @ W1 + b1
    a = sig(f1)
    f2 = a @ W2 + b2
    o = softmax(f2.ravel()).reshape(f2.shape)
    E = -np.sum(y * np.log(o))
    d2 = o - y
    d1 = (d2 @ W2.T) * a * (1 - a)
    return dict(f1=f1, a=a, f2=f2, o=o, E=E, dE_df2=d2, dE_dx=d1 @ W1.T, dE_dW2=a.T @ d2,
                dE_db2=d2, dE_dW1=x.T @ d1, dE_db1=d1)


GIVENS = dict(x=np.array([[1.0, 2.0]]), W1=np.array([[0.1, 0.2], [0.3, 0.4]]),
              b1=np.zeros((1, 2)), W2=np.array([[0.5, -0.5], [0.2, 0.1]]),
              b2=np.zeros((1, 2)), y=np.array([[0.0, 1.0]]))


@pytest.mark.parametrize("sets", [{}, {"y": "[[1,0]]"},
                                  {"x": "[[-1, 0.5]]", "b2": "[[0.3, -0.2]]"}])
def test_softmax_backprop_numbers_match_numpy(sets, solved):
    s = solved("softmax-backprop", **sets)
    g = dict(GIVENS)
    for k, v in sets.items():
        g[k] = np.array(json.loads(v), dtype=float)
    want = softmax_net_by_hand(**g)
    close(mat(s.answers["e.o"].value), want["o"])
    close(float(s.answers["e.loss"].value), want["E"])
    close(mat(s.answers["e.dE_dx"].value), want["dE_dx"])


def test_softmax_backprop_cli_set_y():
    out = solve_json("softmax-backprop", "y=[[1,0]]")
    want = softmax_net_by_hand(**{**GIVENS, "y": np.array([[1.0, 0.0]])})
    close(out["answers"]["e.o"]["value"], want["o"])
    close(out["answers"]["e.loss"]["value"], want["E"])
    close(out["answers"]["e.dE_dx"]["value"], want["dE_dx"])
    assert out["answers"]["a.dE_df2"]["value"] == "o - y"


def test_softmax_backprop_textbook_forms(solved):
    a = solved("softmax-backprop").answers
    show = {k: latex_of(v.value) for k, v in a.items()}
    assert show["a.dE_df2"] == "o - y"
    assert show["b.dE_dx"] == (r"\left(o - y\right) W_{2}^{T} \operatorname{diag}\left(a \odot "
                               r"\left(1 - a\right)\right) W_{1}^{T}")
    assert show["c.dE_dW2"] == r"a^{T} \left(o - y\right)"
    assert show["c.dE_db2"] == "o - y"
    assert show["d.dE_dW1"].startswith(r"x^{T} \left(o - y\right) W_{2}^{T}")


def test_latex_output_shows_textbook_forms():
    r = run_cli("solve", "softmax-backprop", "--format", "latex")
    assert r.returncode == 0, r.stderr
    assert r"\boxed{o - y}" in r.stdout
    assert r"\left(o - y\right) W_{2}^{T} \operatorname{diag}" in r.stdout
    assert "MatMul" not in r.stdout and "HadamardProduct" not in r.stdout


@pytest.mark.parametrize("sizes", [(1, 3, 4), (4, 2, 3), (7, 5, 2)])
def test_softmax_gold_values_at_random_sizes_match_numpy(sizes):
    n, m, k = sizes
    g = dict(x=RNG.normal(size=(1, n)), W1=RNG.normal(size=(n, m)), b1=RNG.normal(size=(1, m)),
             W2=RNG.normal(size=(m, k)), b2=RNG.normal(size=(1, k)), y=np.eye(k)[[k - 1]])
    want = softmax_net_by_hand(**g)
    values = {"x": g["x"], "W_1": g["W1"], "b_1": g["b1"], "W_2": g["W2"], "b_2": g["b2"],
              "y": g["y"], "a": want["a"], "o": want["o"], "f_1": want["f1"],
              "f_2": want["f2"]}
    answers = derive.load("softmax-backprop").solve(verify=False).answers
    for aid, key in [("a.dE_df2", "dE_df2"), ("b.dE_dx", "dE_dx"), ("c.dE_dW2", "dE_dW2"),
                     ("c.dE_db2", "dE_db2"), ("d.dE_dW1", "dE_dW1"), ("d.dE_db1", "dE_db1")]:
        close(explicit(answers[aid].value, values), want[key])


def test_gold_contract_without_and_with_size_substitution():
    s = derive.load("softmax-backprop").solve(verify=False)
    N, M, K = (sp.Symbol(c, integer=True, positive=True) for c in "NMK")
    val = {"x": np.array([[0.3, -1.2, 0.5]]), "a": np.array([[0.2, 0.7]]),
           "o": np.array([[0.1, 0.6, 0.3, 0.0]])}
    shapes = {"x": (1, 3), "W_1": (3, 2), "b_1": (1, 2), "W_2": (2, 4), "b_2": (1, 4),
              "y": (1, 4), "a": (1, 2), "o": (1, 4), "f_1": (1, 2), "f_2": (1, 4)}
    for k, sh in shapes.items():
        val.setdefault(k, RNG.normal(size=sh))
    for aid, a in s.answers.items():
        if a.kind != "matrix-expression":
            continue
        e = a.value
        reps = {m: sp.ImmutableMatrix(val[m.name].tolist()) for m in e.atoms(sp.MatrixSymbol)}
        by_doit = e.xreplace(reps).doit()
        by_matrix = sp.Matrix(e.xreplace(reps))
        sized = e.xreplace(reps).xreplace({N: 3, M: 2, K: 4})
        assert isinstance(by_doit, sp.MatrixBase), aid
        close(np.array(by_doit.tolist(), float), np.array(by_matrix.tolist(), float))
        close(np.array(sp.Matrix(sized.doit()).tolist(), float),
              np.array(by_matrix.tolist(), float))


# -- jacobian-chain --------------------------------------------------------------------

def jacobian_by_hand(x, WA, WB, fa=np.tanh, dfa=lambda z: 1 - np.tanh(z) ** 2,
                     fb=sig, dfb=lambda z: sig(z) * (1 - sig(z))):
    za = WA @ x
    h = fa(za)
    zb = WB @ h
    JA, JB = np.diag(dfa(za).ravel()), np.diag(dfb(zb).ravel())
    return JA, JB, JB @ WB @ JA @ WA


@pytest.mark.parametrize("sets", [{}, {"x": "[0.3, 0.2, -1]"}])
def test_jacobian_chain_numbers_match_numpy(sets, solved):
    s = solved("jacobian-chain", **sets)
    x = np.array(json.loads(sets.get("x", "[1, -1, 0.5]")), dtype=float).reshape(-1, 1)
    WA = np.array([[0.2, -0.1, 0.4], [0.5, 0.3, -0.2]])
    WB = np.array([[1.0, -0.5], [0.25, 0.75]])
    _, _, J = jacobian_by_hand(x, WA, WB)
    close(mat(s.answers["d.J_x"].value), J)


def test_jacobian_chain_forms_and_shape(solved):
    a = solved("jacobian-chain").answers
    latex = latex_of
    assert latex(a["a.J_x"].value) == "J_{B} W_{B} J_{A} W_{A}"
    assert latex(a["c.dL_dx"].value) == "W_{A}^{T} J_{A} W_{B}^{T} J_{B} g"
    assert [str(d) for d in a["b.shape"].value] == ["k", "n"]
    n, m, k = 4, 3, 2
    x, WA, WB, g = (RNG.normal(size=s) for s in [(n, 1), (m, n), (k, m), (k, 1)])
    JA, JB, J = jacobian_by_hand(x, WA, WB)
    vals = {"W_A": WA, "W_B": WB, "J_A": JA, "J_B": JB, "g": g}
    close(explicit(a["a.J_x"].value, vals), J)
    close(explicit(a["c.dL_dx"].value, vals), J.T @ g)


# -- mlp-forward-backward --------------------------------------------------------------

def mlp_by_hand(i1, i2, y, alpha, w):
    w = list(w)
    h1 = w[0] * i1 + w[2] * i2 + w[4]
    h2 = w[1] * i1 + w[3] * i2 + w[5]
    yh = w[6] * h1 + w[7] * h2 + w[8]
    E = 0.5 * (y - yh) ** 2
    d = yh - y
    g = [d * w[6] * i1, d * w[7] * i1, d * w[6] * i2, d * w[7] * i2, d * w[6], d * w[7],
         d * h1, d * h2, d]
    new = [wi - alpha * gi for wi, gi in zip(w, g, strict=True)]
    n1 = new[0] * i1 + new[2] * i2 + new[4]
    n2 = new[1] * i1 + new[3] * i2 + new[5]
    ny = new[6] * n1 + new[7] * n2 + new[8]
    return dict(h1=h1, h2=h2, yhat=yh, loss=E, g=g, new=new,
                e=(n1, n2, ny, 0.5 * (y - ny) ** 2))


W0 = [-0.3, 0.8, 0.15, 0.2, 0.9, -0.14, 0.7, 0.25, -0.1]


@pytest.mark.parametrize("sets", [(), ("alpha=0.1", "y=1")])
def test_mlp_forward_backward_matches_numpy(sets):
    out = solve_json("mlp-forward-backward", *sets)["answers"]
    g = dict(i1=0.7, i2=0.5, y=0.5, alpha=0.03, w=W0)
    g.update({s.split("=")[0]: float(s.split("=")[1]) for s in sets})
    want = mlp_by_hand(**g)
    v = {k: a["value"] for k, a in out.items()}
    close(v["a.h1"], want["h1"])
    close(v["a.h2"], want["h2"])
    close(v["a.yhat"], want["yhat"])
    close(v["b.loss"], want["loss"])
    for i in range(9):
        close(v[f"c.dE_dw{i + 1}"], want["g"][i])
        close(v[f"d.w{i + 1}"], want["new"][i])
    close([v["e.h1"], v["e.h2"], v["e.yhat"], v["e.loss"]], want["e"])


def test_mlp_follow_through_uses_pinned_answers():
    p = derive.load("mlp-forward-backward")
    s = p.solve(pins={"a.yhat": sp.Rational(6, 10), "d.w9": sp.Integer(0)}, verify=False)
    d = 0.6 - 0.5
    close(float(s.answers["c.dE_dw9"].value), d)
    close(float(s.answers["c.dE_dw7"].value), d * 0.765)
    want = mlp_by_hand(0.7, 0.5, 0.5, 0.03, W0)
    n1, n2 = float(s.answers["e.h1"].value), float(s.answers["e.h2"].value)
    close(float(s.answers["e.yhat"].value),
          float(s.answers["d.w7"].value) * n1 + float(s.answers["d.w8"].value) * n2 + 0)
    assert not np.isclose(float(s.answers["e.yhat"].value), want["e"][2])


# -- conv-sigmoid-backprop -------------------------------------------------------------

def two_units_by_hand(x, w_c, b_c, w_f, b_f, y, alpha):
    c = sig(w_c * x + b_c)
    o = sig(w_f * c + b_f)
    E = (y - o) ** 2
    dz_f = -2 * (y - o) * o * (1 - o)
    dz_c = dz_f * w_f * c * (1 - c)
    return dict(c=c, o=o, E=E, dwf=dz_f * c, dbf=dz_f, dwc=dz_c * x, dbc=dz_c,
                wc_new=w_c - alpha * dz_c * x)


CONV = dict(x=1.5, w_c=0.4, b_c=-0.2, w_f=0.7, b_f=0.1, y=1.0, alpha=0.5)


@pytest.mark.parametrize("sets", [(), ("x=-0.5", "y=0", "w_f=-1.2")])
def test_conv_sigmoid_numbers_match_numpy(sets):
    out = solve_json("conv-sigmoid-backprop", *sets)["answers"]
    g = dict(CONV)
    g.update({s.split("=")[0]: float(s.split("=")[1]) for s in sets})
    want = two_units_by_hand(**g)
    close(out["e.o"]["value"], want["o"])
    close(out["e.loss"]["value"], want["E"])
    close(out["e.dE_dwc"]["value"], want["dwc"])
    close(out["e.wc_new"]["value"], want["wc_new"])


def test_conv_sigmoid_expressions_at_random_points(solved):
    s = solved("conv-sigmoid-backprop")
    names = ["x", "w_c", "b_c", "w_f", "b_f", "y"]
    syms = {n: sp.Symbol(n, real=True) for n in names}
    c, o = sp.Symbol("c", real=True), sp.Symbol("o", real=True)
    for _ in range(5):
        pt = dict(zip(names, RNG.uniform(-2, 2, size=6), strict=True))
        want = two_units_by_hand(**pt, alpha=0.0)
        subs = {syms[n]: pt[n] for n in names}
        subs.update({c: want["c"], o: want["o"]})
        for aid, key in [("a.dE_dwf", "dwf"), ("b.dE_dbf", "dbf"), ("c.dE_dwc", "dwc"),
                         ("d.dE_dbc", "dbc")]:
            close(float(s.answers[aid].value.xreplace(subs)), want[key])


# -- shapes and given values -----------------------------------------------------------

SPEC = """
id: t
givens:
  x: [[1, 2]]
  y: [[0, 1]]
answers:
  a.g: {kind: matrix-expression}
parts:
  a:
    derive:
      - {use: net-input, vector: x, shape: [1, N], value: x}
      - {use: net-dense, W: W_1, shape: [N, M], b: b_1, out: f_1}
      - {use: net-activation, fn: sigmoid, out: a}
      - {use: net-dense, W: W_2, shape: %s, out: f_2}
      - {use: net-softmax, out: o}
      - {use: net-loss, kind: cross-entropy, target: y, value: y}
      - {use: net-gradient, wrt: x, answer: a.g}
"""


def test_shape_mismatch_names_the_layer(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text(SPEC % "[L, K]")
    with pytest.raises(SpecError, match=r"parts\.a\.derive\[3\]\.shape: layer 'f_2 = a W_2': "
                       r"W_2 is L×K, but its input a is 1×M \(the rows of W_2 must match "
                       r"the columns of a\)"):
        derive.load(str(p)).solve()


def test_given_of_the_wrong_width_is_a_spec_error():
    with pytest.raises(SpecError, match=r"givens\.y: is 1×3, but y is 1×K with K = 2 "
                       r"\(from W2\)"):
        derive.load("softmax-backprop", y="[[0,0,1]]").solve()


def test_cross_entropy_target_must_be_one_hot():
    with pytest.raises(SpecError, match=r"givens\.y: the cross-entropy target must be one-hot"):
        derive.load("softmax-backprop", y="[[1,1]]").solve()
    r = run_cli("solve", "softmax-backprop", "--set", "y=[[0.5,0.7]]")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "one-hot" in r.stderr


# -- broken rules must fail verification -----------------------------------------------

def test_wrong_sigmoid_jacobian_fails_verification(monkeypatch):
    bad = replace(network.ACTIVATIONS["sigmoid"],
                  derivative=lambda a, z: Hadamard(a, one_minus(a), a))
    monkeypatch.setitem(network.ACTIVATIONS, "sigmoid", bad)
    with pytest.raises(derive.VerificationError) as e:
        derive.load("softmax-backprop").solve()
    assert "b.dE_dx" in str(e.value) and "d.dE_dW1" in str(e.value)
    assert "a.dE_df2" not in str(e.value)


def test_wrong_softmax_jacobian_fails_verification(monkeypatch):
    def wrong(self):
        o = self.out.expr
        return "softmax-jacobian", Ordered(Diag(o), o.T * o)  # sign of oᵀo flipped

    monkeypatch.setattr(network.Softmax, "jacobian", wrong)
    with pytest.raises(derive.VerificationError, match="a.dE_df2"):
        derive.load("softmax-backprop").solve()


def test_wrong_dense_weight_rule_fails_verification(monkeypatch):
    orig = network.Dense.param_gradient

    def wrong(self, p, delta):
        rule, factor, value = orig(self, p, delta)
        return rule, factor, (value.T.T * 2 if p != self.b else value)

    monkeypatch.setattr(network.Dense, "param_gradient", wrong)
    with pytest.raises(derive.VerificationError, match="c.dE_dW2"):
        derive.load("softmax-backprop").solve()


def test_cli_verify_fails_on_a_broken_block(monkeypatch):
    from click.testing import CliRunner

    from derive.cli import cli

    bad = replace(network.ACTIVATIONS["tanh"], derivative=lambda a, z: one_minus(a))
    monkeypatch.setitem(network.ACTIVATIONS, "tanh", bad)
    r = CliRunner().invoke(cli, ["verify", "jacobian-chain"])
    assert r.exit_code == 1
    assert "FAIL jacobian-chain" in r.output and "d.J_x" in r.output


# -- every layer kind, both conventions --------------------------------------------------

LAYERS_SPEC = """
id: t
answers:
  a.dx: {{kind: matrix-expression}}
  a.dz: {{kind: matrix-expression}}
  a.dW1: {{kind: matrix-expression}}
  a.db2: {{kind: matrix-expression}}
parts:
  a:
    derive:
      - {{use: net-input, vector: x, shape: {xshape}, convention: {conv}}}
      - {{use: net-dense, W: W_1, shape: {w1}, b: b_1, out: z}}
      - {{use: net-activation, fn: {act}, out: h}}
      - {{use: net-dense, W: W_2, shape: {w2}, b: b_2, out: u}}
      - {{use: net-activation, fn: {out_act}, out: o}}
      - {{use: net-loss, kind: {loss}, target: t, half: {half}, reduction: {red}}}
      - {{use: net-gradient, wrt: x, answer: a.dx}}
      - {{use: net-gradient, wrt: u, answer: a.dz}}
      - {{use: net-gradient, wrt: W_1, answer: a.dW1}}
      - {{use: net-gradient, wrt: b_2, answer: a.db2}}
"""


def layers_spec(tmp_path, conv, act, out_act, loss, half="true", red="sum"):
    row = conv == "row"
    text = LAYERS_SPEC.format(
        xshape="[1, N]" if row else "[N, 1]", conv=conv,
        w1="[N, M]" if row else "[M, N]", w2="[M, K]" if row else "[K, M]",
        act=act, out_act=out_act, loss=loss, half=half, red=red)
    p = tmp_path / "t.yaml"
    p.write_text(text)
    return derive.load(str(p))


@pytest.mark.parametrize("conv", ["row", "column"])
@pytest.mark.parametrize("act", ["identity", "sigmoid", "tanh", "relu", "gelu"])
def test_every_activation_verifies(tmp_path, conv, act):
    s = layers_spec(tmp_path, conv, act, "identity", "squared-error").solve()
    assert s.verified
    assert {r.method for r in s.results} >= {"central-differences", "complex-step"}
    assert latex_of(s.answers["a.dz"].value) == "o - t"  # identity + ½ squared error


@pytest.mark.parametrize("loss,out_act,half,red,want", [
    ("binary-cross-entropy", "sigmoid", "true", "sum", "o - t"),
    ("squared-error", "identity", "false", "sum", r"2 \left(o - t\right)"),
    ("squared-error", "identity", "true", "mean", r"\frac{1}{K} \left(o - t\right)"),
    ("squared-error", "sigmoid", "true", "sum", None),
    ("cross-entropy", "sigmoid", "true", "sum", None),
])
def test_every_loss_verifies(tmp_path, loss, out_act, half, red, want):
    s = layers_spec(tmp_path, "row", "tanh", out_act, loss, half, red).solve()
    assert s.verified
    if want:
        assert latex_of(s.answers["a.dz"].value) == want


def test_column_network_matches_numpy(tmp_path):
    s = layers_spec(tmp_path, "column", "tanh", "sigmoid", "squared-error").solve()
    n, m, k = 3, 4, 2
    x, W1, b1, W2, b2, t = (RNG.normal(size=sh) for sh in
                            [(n, 1), (m, n), (m, 1), (k, m), (k, 1), (k, 1)])
    z = W1 @ x + b1
    h = np.tanh(z)
    u = W2 @ h + b2
    o = sig(u)
    du = (o - t) * o * (1 - o)
    dz = (W2.T @ du) * (1 - h ** 2)
    vals = {"x": x, "W_1": W1, "b_1": b1, "W_2": W2, "b_2": b2, "t": t, "z": z, "h": h,
            "u": u, "o": o}
    close(explicit(s.answers["a.dz"].value, vals), du)
    close(explicit(s.answers["a.db2"].value, vals), du)
    close(explicit(s.answers["a.dW1"].value, vals), dz @ x.T)
    close(explicit(s.answers["a.dx"].value, vals), W1.T @ dz)


def test_torch_autograd_agrees():
    torch = pytest.importorskip("torch")
    s = derive.load("softmax-backprop").solve(verify=False)
    n, m, k = 5, 4, 3
    g = {name: RNG.normal(size=sh) for name, sh in
         [("x", (1, n)), ("W_1", (n, m)), ("b_1", (1, m)), ("W_2", (m, k)), ("b_2", (1, k))]}
    y = np.eye(k)[[1]]
    t = {name: torch.tensor(v, requires_grad=True, dtype=torch.float64) for name, v in g.items()}
    a = torch.sigmoid(t["x"] @ t["W_1"] + t["b_1"])
    o = torch.softmax(a @ t["W_2"] + t["b_2"], dim=1)
    E = -(torch.tensor(y) * torch.log(o)).sum()
    E.backward()
    vals = {**g, "y": y, "a": a.detach().numpy(), "o": o.detach().numpy()}
    for aid, name in [("b.dE_dx", "x"), ("c.dE_dW2", "W_2"), ("c.dE_db2", "b_2"),
                      ("d.dE_dW1", "W_1"), ("d.dE_db1", "b_1")]:
        close(explicit(s.answers[aid].value, vals), t[name].grad.numpy())


def test_matrix_follow_through_uses_the_pinned_formula():
    p = derive.load("softmax-backprop")
    o, y = (sp.MatrixSymbol(n, 1, sp.Symbol("K", integer=True, positive=True)) for n in "oy")
    wrong = sp.MatMul(2, o - y)
    s = p.solve(pins={"a.dE_df2": wrong}, verify=False)
    assert latex_of(s.answers["b.dE_dx"].value).startswith(r"\left(2 o - 2 y\right) W_{2}^{T}")
    want = softmax_net_by_hand(**GIVENS)
    close(mat(s.answers["e.dE_dx"].value), 2 * want["dE_dx"])
    close(mat(s.answers["e.o"].value), want["o"])
    assert s.answers["b.dE_dx"].computed == s.answers["b.dE_dx"].value
    assert s.answers["a.dE_df2"].computed == o - y and s.answers["a.dE_df2"].pinned


TANH_ZERO = """\
id: tanh-zero
title: A 2-3-1 tanh network whose first unit's input cancels to 0
givens:
  x: {value: [[1, -2]]}
  W1: {value: [[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]], latex: 'W_1'}
  b1: {value: [[0.1, 0, -0.1]], latex: 'b_1'}
  W2: {value: [[1], [-1], [0.5]], latex: 'W_2'}
  b2: {value: [[0.2]], latex: 'b_2'}
  y: {value: [[1]]}
answers:
  a.h: {kind: matrix, shape: [1, 3]}
  a.o: {kind: matrix, shape: [1, 1]}
  a.E: number
parts:
  a:
    derive:
      - {use: net-input, vector: x, shape: [1, N], value: x}
      - {use: net-dense, W: W_1, shape: [N, M], b: b_1, out: f_1, values: {W_1: W1, b_1: b1}}
      - {use: net-activation, fn: tanh, out: h}
      - {use: net-dense, W: W_2, shape: [M, K], b: b_2, out: o, values: {W_2: W2, b_2: b2}}
      - {use: net-loss, kind: squared-error, target: y, value: y}
      - {use: net-forward, answers: {h: a.h, o: a.o, E: a.E}}
"""


def test_a_unit_whose_input_cancels_to_zero_verifies(tmp_path):
    """QA: f1 = 0.5·1 + 0.3·(−2) + 0.1 is exactly 0, float64 makes it ~2.8e-17, and the
    forward-pass check called that a relative error of 2.8e-5: the problem was refused.
    Values by hand: f1 = (0, −1, 1.2), h = tanh f1, o = h W2 + 0.2, E = ½(o − 1)²."""
    (tmp_path / "tanh-zero.yaml").write_text(TANH_ZERO, encoding="utf-8")
    ans = solve_json(str(tmp_path / "tanh-zero.yaml"))["answers"]
    h = np.tanh(np.array([[0.0, -1.0, 1.2]]))
    o = h @ np.array([[1], [-1], [0.5]]) + 0.2
    assert ans["a.h"]["value"] == [[0, pytest.approx(h[0, 1], rel=1e-12),
                                    pytest.approx(h[0, 2], rel=1e-12)]]
    close(ans["a.o"]["value"], o, rel=1e-12)
    assert ans["a.E"]["value"] == pytest.approx(0.5 * (o[0, 0] - 1) ** 2, rel=1e-12)
