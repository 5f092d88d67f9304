"""Bugs an instructor met writing a course's own problems (QA round: a term on derive),
each pinned by a test whose expected values come from numpy or plain arithmetic."""

import math
from pathlib import Path

import numpy as np
from testkit import run_cli

import derive


def _spec(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "t.yaml"
    p.write_text("id: t\ntitle: t\n" + body)
    return p


_ATTENTION = """givens:
  q: {value: [[1, 2]]}
  Kt: {value: [[1, 0, -1], [1, 1, 0]]}
  d: 2
answers: {a.s: {kind: matrix, shape: [1, 3]}, b.a: {kind: matrix, shape: [1, 3]},
          c.n: number}
parts:
  a: {derive: [{use: evaluate, answer: a.s, expr: 'q*Kt/sqrt(d)'}]}
  b: {derive: [{use: softmax, answer: b.a, of: '{a.s}'}]}
  c: {derive: [{use: evaluate, answer: c.n, expr: 3}]}
"""


def test_a_matrix_answer_may_feed_a_block_that_takes_a_vector(tmp_path):
    # attention weights softmax(q K^T / sqrt(d)) of one query: the scores are an answer
    p = _spec(tmp_path, _ATTENTION)
    s = derive.load(str(p)).solve()
    scores = np.array([[1, 2]]) @ np.array([[1, 0, -1], [1, 1, 0]]) / math.sqrt(2)
    want = np.exp(scores) / np.exp(scores).sum()
    got = np.array(s.answers["b.a"].value.evalf(), dtype=float)
    assert np.allclose(got, want, rtol=1e-12)


def test_a_number_answer_where_a_vector_belongs_is_one_line(tmp_path):
    p = _spec(tmp_path, _ATTENTION.replace("of: '{a.s}'", "of: '{a.n}'").replace(
        "c.n: number", "a.n: number").replace(
        "a: {derive: [", "a: {derive: [{use: evaluate, answer: a.n, expr: 3}, ").replace(
        "  c: {derive: [{use: evaluate, answer: c.n, expr: 3}]}\n", ""))
    r = run_cli("solve", str(p))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "parts.b.derive[0].of" in r.stderr and "vector or matrix" in r.stderr, r.stderr


def test_a_matrix_answer_inside_a_matrix_formula_is_one_line_not_a_failed_check(tmp_path):
    # '{b.a}*V' read {b.a} as a number: each entry of V times the whole matrix, a nested
    # matrix that failed its check with "TypeError: Cannot convert expression to float"
    body = _ATTENTION.replace("c.n: number", "c.out: {kind: matrix, shape: [1, 2]}").replace(
        "  d: 2\n", "  d: 2\n  V: {value: [[1, 0], [0, 1], [2, 2]]}\n").replace(
        "answer: c.n, expr: 3", "answer: c.out, expr: '{b.a}*V'")
    r = run_cli("solve", str(_spec(tmp_path, body)))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "parts.c.derive[0].expr" in r.stderr and "{b.a}" in r.stderr, r.stderr
    assert "verification failed" not in r.stderr


_GLOROT = """givens: {n_in: 256, n_out: 128}
answers: {c.v: number, c.limit: number}
parts:
  c: {derive: [{use: evaluate, answer: c.v, expr: '2/(n_in + n_out)', called: v},
               {use: evaluate, answer: c.limit, expr: 'sqrt(3*{c.v})', called: a}]}
"""


def test_an_earlier_answer_in_evaluate_is_shown_with_the_formula(tmp_path):
    # Glorot's uniform limit a = √(3v) = √(6/(n_in + n_out)) = 1/8 for 256 and 128
    p = _spec(tmp_path, _GLOROT)
    got = derive.load(str(p)).solve().answers["c.limit"].value
    assert float(got) == math.sqrt(6 / 384)
    r = run_cli("solve", str(p))
    line = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("a ="))
    # the formula and the value written in, not "a = 0.125" alone
    assert "c.v" in line and "1/192" in line and line.rstrip().endswith("[substitute]"), line


def test_a_square_root_is_shown_as_a_root_not_a_rounded_power(tmp_path):
    # √3 was decimalized to 3**0.5 = 1.73205 (an "=" that is not equal) and √v̂ as v̂^{0.5}
    p = _spec(tmp_path, _GLOROT)
    text = run_cli("solve", str(p)).stdout
    latex = run_cli("solve", str(p), "--format", "latex").stdout
    assert "1.73205" not in text and "^0.5" not in text, text
    assert "1.73205" not in latex and "^{0.5}" not in latex, latex
    assert "\\sqrt{3}" in latex, latex
