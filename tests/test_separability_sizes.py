"""Separability is decided exactly by Fourier–Motzkin elimination, whose rows square at each
stage: a point set too large for it stops with one line (exit 2), and points written as
decimals are read as the decimals they are (not guessed surds)."""

from __future__ import annotations

import json
import random

import sympy as sp
from testkit import run_cli

import derive
from derive.topics.threshold.separability import separate


def _points(n: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[round(rng.uniform(-1, 1), 3), round(rng.uniform(-1, 1), 3)] for _ in range(n)]


def test_hundreds_of_points_stop_with_one_line():
    xs = _points(600, 1)
    labels = [int(a + b > 0) for a, b in xs]
    r = run_cli("solve", "separability", "--no-cache", "--set", f"X={json.dumps(xs)}",
                "--set", f"z={json.dumps(labels)}")
    assert r.returncode == 2, r.stdout[-500:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "separability.yaml" in lines[0] and "points" in lines[0]
    assert "too many points for exact elimination" in lines[0]


def test_decimal_points_get_weights_that_separate_them():
    # the third point's coordinates once became 2**(311/976)·… under nsimplify
    xs = [[0.1, 0.2], [0.3, 0.7], [-0.731, 0.613], [0.9, 0.15]]
    labels = [0, 1, 1, 0]
    s = derive.load("separability", X=xs, z=labels).solve()
    w = [float(v) for v in s.answers["b.weights"].value]
    # by hand: the unit fires (w0 + w1 x1 + w2 x2 > 0) exactly on the points labelled 1
    fired = [int(w[0] + w[1] * a + w[2] * b > 0) for a, b in xs]
    assert fired == labels
    assert s.answers["a.separable"].value == "yes"


def test_float_coordinates_are_read_as_their_decimals():
    # large givens stay float64, so the elimination can meet floats; -0.542 once became
    # a product of surds under nsimplify, which no Rational holds (a traceback)
    xs = [(sp.Float(-0.542), sp.Float(0.827)), (sp.Float(-0.949), sp.Float(-0.553)),
          (sp.Float(0.5), sp.Float(0.25))]
    labels = [1, 0, 0]
    sep = separate(xs, labels)
    assert sep.separable
    w = [float(v) for v in sep.weights]
    assert [int(w[0] + w[1] * float(a) + w[2] * float(b) > 0) for a, b in xs] == labels
