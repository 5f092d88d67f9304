"""A deliberately wrong derivative rule must make verification fail, naming the answer."""

import pytest
import sympy as sp

import derive
from derive.core.functions import sigmoid
from derive.topics.scalar import calculus


def test_wrong_sigmoid_rule_fails_verification(monkeypatch):
    wrong = ("sigmoid-derivative", lambda u: sigmoid(u) * (1 + sigmoid(u)))
    monkeypatch.setitem(calculus.RULES, sigmoid, wrong)
    with pytest.raises(derive.VerificationError) as e:
        derive.load("gelu-descent").solve()
    assert "a.derivative" in str(e.value)
    assert "gradient descent" in str(e.value)


def test_wrong_tanh_rule_fails_verification(monkeypatch, tmp_path):
    monkeypatch.setitem(calculus.RULES, sp.tanh, ("tanh-derivative", lambda u: 1 + sp.tanh(u)**2))
    spec = tmp_path / "t.yaml"
    spec.write_text("""
id: t
symbols: [x]
define: {f(x): tanh(2*x)}
answers: {a.d: {kind: expression, vars: [x]}}
parts: {a: {derive: [{use: derivative, f: f, wrt: x, answer: a.d}]}}
""")
    with pytest.raises(derive.VerificationError, match="a.d"):
        derive.load(str(spec)).solve()


def test_cli_verify_exits_1_naming_the_failure(monkeypatch):
    from click.testing import CliRunner

    from derive.cli import cli

    monkeypatch.setitem(calculus.RULES, sigmoid,
                        ("sigmoid-derivative", lambda u: sigmoid(u) ** 2))
    r = CliRunner().invoke(cli, ["verify", "gelu-descent"])
    assert r.exit_code == 1
    assert "FAIL gelu-descent" in r.output
    assert "a.derivative" in r.output


def test_wrong_log_rule_fails_backprop_verification(monkeypatch):
    monkeypatch.setitem(calculus.RULES, sp.log, ("log-derivative", lambda u: 2 / u))
    with pytest.raises(derive.VerificationError) as e:
        derive.load("perceptron-bce").solve()
    assert "b.dE_dyhat" in str(e.value)
