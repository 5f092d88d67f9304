"""The shared solutions of the test run (solvekit): solved once, and a change is caught."""

from __future__ import annotations

import math
from types import SimpleNamespace

import sympy as sp
from solvekit import fingerprint, solution


def test_an_unchanged_solution_keeps_its_fingerprint(solved):
    for pid in ("logic-gates", "mlp-forward-backward", "softmax-backprop"):
        s = solved(pid)
        assert fingerprint(s) == fingerprint(s)  # (SymPy makes a Matrix's entries anew)


def test_the_same_problem_and_givens_are_solved_once(solved):
    assert solved is solution
    first = solved("perceptron-bce", b="0.25")
    assert solved("perceptron-bce", b="0.25") is first
    assert solved("perceptron-bce") is not first
    # its own number, by hand: z = w·x + b with x = [2, 1], w = [0.2, 0.3]
    assert math.isclose(float(first.answers["a.z"].value), 0.2 * 2 + 0.3 * 1 + 0.25,
                        rel_tol=1e-12)


def test_a_change_in_place_changes_the_fingerprint():
    def fake() -> SimpleNamespace:
        return SimpleNamespace(givens={"W": [[1, 2]]}, answers={"a.x": sp.Integer(1)},
                               meanings={})

    s = fake()
    seen = fingerprint(s)
    assert fingerprint(s) == seen
    s.givens["W"][0][1] = 3
    assert fingerprint(s) != seen
    s = fake()
    s.answers["a.m"] = sp.Matrix([[1, 2]])  # a mutable Matrix, changed entry by entry
    seen = fingerprint(s)
    assert fingerprint(s) == seen
    s.answers["a.m"][0, 1] = 3
    assert fingerprint(s) != seen
    s = fake()
    seen = fingerprint(s)
    s.answers["a.y"] = 2
    assert fingerprint(s) != seen
    s = fake()
    seen = fingerprint(s)
    s.meanings["W"] = "weights"
    assert fingerprint(s) != seen
