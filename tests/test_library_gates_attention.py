"""Library problems from a term's homework (QA round "a course on derive"): one GRU step
with its gradient through every path, and scaled dot-product attention for one query.
Every expected value is computed here with numpy (finite differences for the gradient),
at the spec's numbers and at a --set variant."""

from __future__ import annotations

import json

import numpy as np
import pytest
from testkit import run_cli


def _sigmoid(v: float) -> float:
    return 1 / (1 + np.exp(-v))


def _gru(x: float, h: float) -> dict[str, float]:
    wz, uz, wr, ur, w, u = 0.5, -0.6, 1, 2, 0.8, -0.6

    def step(h: float) -> tuple[float, float, float, float]:
        z, r = _sigmoid(wz * x + uz * h), _sigmoid(wr * x + ur * h)
        hc = np.tanh(w * x + u * r * h)
        return z, r, hc, (1 - z) * h + z * hc

    z, r, hc, hn = step(h)
    e = 1e-6
    return {"a.z": z, "a.r": r, "a.hc": hc, "a.hn": hn,
            "b.dhn_dh": (step(h + e)[3] - step(h - e)[3]) / (2 * e)}


def _answers(*args: str) -> dict[str, object]:
    r = run_cli("solve", *args, "--format", "json")
    assert r.returncode == 0, r.stderr
    return {k: v["value"] for k, v in json.loads(r.stdout)["answers"].items()}


@pytest.mark.parametrize("sets", [(), ("--set", "x=-1", "--set", "h=0.25")])
def test_gru_step_matches_numpy(sets):
    got = _answers("gru-step", *sets)
    x = -1.0 if sets else 1.0
    h = 0.25 if sets else -0.5
    for aid, want in _gru(x, h).items():
        assert got[aid] == pytest.approx(want, rel=1e-6, abs=1e-9), aid


@pytest.mark.parametrize("d", [2, 4])
def test_attention_weights_match_numpy(d):
    got = _answers("attention-scores", "--set", f"d={d}")
    s = np.array([[1, 2]]) @ np.array([[1, 0, -1], [1, 1, 0]]) / np.sqrt(d)
    assert np.allclose(got["a.s"], s, rtol=1e-12)
    assert np.allclose(got["b.a"], np.exp(s) / np.exp(s).sum(), rtol=1e-12)


def test_the_typical_mistakes_are_named_and_followed_through(tmp_path):
    """The other gate convention, the direct path alone, unscaled scores (and softmax of
    them: follow-through), at the spec's numbers; values by numpy here."""
    g = _gru(1.0, -0.5)
    swapped = g["a.z"] * -0.5 + (1 - g["a.z"]) * g["a.hc"]
    scores = np.array([3.0, 2, -1])  # q K^T = [1·1 + 2·1, 0 + 2·1, -1 + 0], not ÷ √2

    def row(v: np.ndarray) -> str:
        return "'\\begin{bmatrix} " + " & ".join(f"{x:.4g}" for x in v) + " \\end{bmatrix}'"

    (tmp_path / "a.yaml").write_text(
        "answers:\n  gru-step:\n"
        f"    a.hn: {swapped:.4f}\n    b.dhn_dh: {1 - g['a.z']:.4f}\n"
        f"  attention-scores:\n    a.s: {row(scores)}\n"
        f"    b.a: {row(np.exp(scores) / np.exp(scores).sum())}\n",
        encoding="utf-8")
    r = run_cli("check", "a.yaml", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = {(x["problem"], x["answer"]): x
            for x in json.loads(r.stdout)["submissions"][0]["results"]}
    assert rows[("gru-step", "a.hn")]["diagnosis"] == "gate-convention"
    assert rows[("gru-step", "b.dhn_dh")]["diagnosis"] == "direct-path-only"
    assert rows[("attention-scores", "a.s")]["diagnosis"] == "unscaled"
    assert rows[("attention-scores", "b.a")]["verdict"] == "follow-through"


def test_the_entries_of_a_given_with_its_own_latex_are_written_so():
    """q K^T/√d's worked step showed the entries as Kt_{11}: the given's name, not the
    spec's `latex: 'K^T'` that the table of givens shows."""
    r = run_cli("solve", "attention-scores", "--format", "latex")
    assert r.returncode == 0, r.stderr
    assert "(K^T)_{11} q_{1}" in r.stdout and "Kt_" not in r.stdout, r.stdout


def test_a_matrix_with_values_written_in_reads_as_rows_in_text():
    """The substituted middle side of q K^T/√d printed SymPy's `Matrix([[…]])`."""
    r = run_cli("solve", "attention-scores")
    assert r.returncode == 0, r.stderr
    step = next(ln for ln in r.stdout.splitlines() if "[substitute]" in ln)
    assert "Matrix(" not in step and "= [[(1·1 + 1·2)/sqrt(2), " in step, step
