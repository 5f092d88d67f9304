"""Bugs met writing new problems (issue 10, item 8), each pinned by a test."""

from pathlib import Path

import sympy as sp
from click.testing import CliRunner
from testkit import ROOT, run_cli

import derive
from derive.core.derivation import CheckResult

SPECS = ROOT / "tests" / "specs"


def _spec(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "t.yaml"
    p.write_text("id: t\ntitle: t\n" + body)
    return p


def test_evaluate_keeps_exact_values_exact(tmp_path):
    p = _spec(tmp_path, """givens: {eps: 1e-8, a: 3.800000002, b: 2.000000001}
answers: {a.y: number, a.q: number, a.m: matrix}
parts: {a: {derive: [{use: evaluate, answer: a.y, expr: 1 + eps},
                     {use: evaluate, answer: a.q, expr: a/b},
                     {use: evaluate, answer: a.m, expr: '[[1, 2], [3, eps]]'}]}}
""")
    s = derive.load(str(p)).solve()  # verifies: a rounded 1 + eps failed its check
    assert s.answers["a.y"].value == sp.Rational(100000001, 100000000)
    assert s.answers["a.q"].value == sp.Rational(3800000002, 2000000001)
    assert s.answers["a.m"].value[1, 1] == sp.Rational(1, 10**8)
    r = run_cli("verify", str(p))
    assert r.returncode == 0, r.stdout + r.stderr


def test_verify_summary_reports_the_failing_checks_error(tmp_path, monkeypatch):
    from derive import cli

    p = _spec(tmp_path, "answers: {a.y: number}\n"
                        "parts: {a: {derive: [{use: evaluate, answer: a.y, expr: 2}]}}\n")
    bad = [CheckResult("a.y: value", ("a.y",), "numpy-recompute", False, 0.5, "")]
    monkeypatch.setattr("derive.core.verify.run_checks", lambda s: bad)
    r = CliRunner().invoke(cli.cli, ["verify", str(p)])
    assert r.exit_code == 1
    assert "largest relative error 5.0e-01" in r.output


def test_descent_on_a_function_of_two_variables_is_a_spec_error(tmp_path):
    p = _spec(tmp_path, """symbols: [x, y]
define: {'f(x, y)': x**2 + 3*y**2}
answers: {a.x1: number}
parts: {a: {derive: [{use: descent, f: f, wrt: x, x0: 1, eta: 0.1, steps: 1, x: a.x}]}}
""")
    r = run_cli("solve", str(p))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "use the optimize block" in r.stderr


def test_a_one_by_one_network_quantity_typesets():
    spec = str(SPECS / "net-one-by-one.yaml")
    r = run_cli("solve", spec, "--format", "latex")
    assert r.returncode == 0, r.stderr
    assert r"1 \times 1" in r.stdout


def test_backprop_tidy_up_is_bounded():
    from derive.topics.networks.blocks_graph import MAX_TIDY_OPS, _simplify

    xs = sp.symbols("a0:20", real=True)
    wide = sp.Add(*[sp.exp(x) / (1 + x) ** 2 for x in xs])
    assert sp.count_ops(wide) > MAX_TIDY_OPS
    assert _simplify(wide) is wide  # returned untouched, not factored
    small = (xs[0] ** 2 - 1) / (xs[0] - 1)
    assert _simplify(small) == xs[0] + 1
