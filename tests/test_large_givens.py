"""Givens past a thousand entries are kept in float64; their answers and errors.

Expected values are computed here with numpy from the problem's definitions (f1 = x W1
+ b1, a = σ(f1), f2 = a W2 + b2, o = softmax(f2), E = −Σ y log o) and the textbook
gradient ∂E/∂x = ((o − y) W2ᵀ ⊙ a ⊙ (1 − a)) W1ᵀ; exact entries from Python's own text
of each float.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from testkit import assert_answers_close, softmax_backprop_by_hand

import derive
from derive.core.errors import SpecError


def _givens(n: int, m: int, k: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def r(*shape: int) -> np.ndarray:
        return np.round(rng.uniform(-1, 1, shape), 3)

    y = np.zeros((1, k), dtype=int)
    y[0, rng.integers(k)] = 1
    return {"x": r(1, n), "W1": r(n, m), "b1": r(1, m), "W2": r(m, k), "b2": r(1, k),
            "y": y}


def test_a_wide_input_is_solved_in_float64_and_checked_at_the_givens():
    # W1 has 4500 entries, past the exact threshold (x's 1500 too, but the spec also
    # names x as the network's input, so it is read exactly); ∂E/∂x has 1500 entries,
    # past the every-entry limit of the finite differences, so the sampled check runs
    from derive.core.arrays import FloatMatrix

    g = _givens(1500, 3, 2, seed=5)
    p = derive.load("softmax-backprop", **{k: v.tolist() for k, v in g.items()})
    assert isinstance(p.givens["W1"].value, FloatMatrix)
    s = p.solve()
    assert s.verified
    assert_answers_close(s, softmax_backprop_by_hand(g))
    at_givens = [r for r in s.results if "e.dE_dx" in r.answers
                 and r.method == "central-differences"]
    assert at_givens and all("random directions" in r.detail for r in at_givens)


def test_the_sampled_check_at_the_givens_catches_one_wrong_entry():
    from derive.core.numeric import GRAD_TOL
    from derive.topics.networks.blocks_gradients import network_of
    from derive.topics.networks.oracle import fd_sampled_error

    g = _givens(1500, 3, 2, seed=6)
    p = derive.load("softmax-backprop", **{k: v.tolist() for k, v in g.items()})
    net = network_of(p)
    env = {"x": g["x"], "W_1": g["W1"], "b_1": g["b1"], "W_2": g["W2"], "b_2": g["b2"],
           "y": g["y"].astype(float)}
    right = softmax_backprop_by_hand(g)["e.dE_dx"]
    assert fd_sampled_error(net, env, right, "x") < GRAD_TOL
    wrong = right.copy()
    i = int(np.argsort(np.abs(right[0]))[len(right[0]) // 2])  # a typical entry
    wrong[0, i] *= 1.1
    assert fd_sampled_error(net, env, wrong, "x") > GRAD_TOL


def test_the_exact_entries_of_a_large_given_are_the_numbers_written():
    w = np.round(np.random.default_rng(1).uniform(-1, 1, (40, 40)), 3)
    w[0, 0], w[0, 1] = 0.1, 7  # a decimal a float cannot hold, and a whole number
    p = derive.load("softmax-backprop", W1=w.tolist())
    v = p.givens["W1"].value
    want = sp.ImmutableMatrix(40, 40, [sp.Rational(str(c)) for c in w.ravel().tolist()])
    assert v.exact() == want
    assert v.exact()[0, 0] == sp.Rational(1, 10) and v.exact()[0, 1] == 7


@pytest.mark.parametrize(("bad", "says"), [
    (float("nan"), "nan is not a finite number"),
    (float("inf"), "inf is not a finite number"),
    (2e6, "too large to verify numerically"),
    (True, "True is not a number"),
])
def test_a_bad_entry_of_a_large_given_is_named(bad, says):
    w = np.zeros((40, 40)).tolist()
    w[39][2] = bad
    with pytest.raises(SpecError) as e:
        derive.load("softmax-backprop", W1=w)
    assert "--set W1" in str(e.value) and says in str(e.value)


def test_a_large_target_that_is_not_one_hot_is_refused_in_one_line():
    g = _givens(3, 2, 1200, seed=2)
    y = np.zeros((1, 1200), dtype=int)
    y[0, :2] = 1
    with pytest.raises(SpecError) as e:
        derive.load("softmax-backprop", **{**{k: v.tolist() for k, v in g.items()},
                                           "y": y.tolist()}).solve()
    assert "one-hot" in str(e.value) and "1200 entries summing to 2" in str(e.value)


def test_solving_uses_one_blas_thread_and_restores_the_count():
    from derive.core import blas

    funcs = blas._openblas()
    if funcs is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS")
    get, put = funcs
    put(2)
    seen = []
    with blas.one_blas_thread():
        seen.append(get())
    assert seen == [1] and get() == 2


def test_a_large_given_a_block_reads_entry_by_entry_is_built_exactly():
    # conv-valid's convolve reads M's entries: M stays an exact matrix; softmax-backprop's
    # W1 goes only to the network's values and stays float64
    from derive.core.arrays import FloatMatrix

    m = np.random.default_rng(3).integers(0, 3, (40, 40))
    p = derive.load("conv-valid", M=m.tolist())
    assert isinstance(p.givens["M"].value, sp.MatrixBase)
    assert p.givens["M"].value == sp.ImmutableMatrix(m.tolist())
    assert p.solve().verified
    w = derive.load("softmax-backprop", W1=np.zeros((40, 40)).tolist()).givens["W1"].value
    assert isinstance(w, FloatMatrix)


@pytest.mark.parametrize(("bad", "says"), [
    ("1e400", "x = 1e400: too large to verify numerically"),
    ("1000000.5", "x = 1000000.5: too large to verify numerically"),
    ("-2e6", "x = -2000000: too large to verify numerically"),
])
def test_one_bad_entry_among_many_exact_ones_is_named(bad, says):
    # past 16 entries the bounds are tested in float64 first; the exact test decides
    text = "[" + ", ".join(["0.5"] * 30 + [bad] + ["-0.25"] * 5) + "]"
    with pytest.raises(SpecError) as e:
        derive.load("softmax-shift", x=text)
    assert says in str(e.value)
    assert derive.load("softmax-shift", x="[" + ", ".join(["1e6"] * 20) + "]").givens["x"]


def test_a_float64_given_is_written_out_in_text_and_json():
    import json

    from derive.render import render_json, render_text

    g = _givens(40, 40, 2, seed=8)  # W1 is 40×40: float64
    s = derive.load("softmax-backprop", **{k: v.tolist() for k, v in g.items()}).solve()
    row = next(ln for ln in render_text(s, steps=False).splitlines()
               if ln.strip().startswith("W1 ="))
    assert row.split("= ", 1)[1].startswith("[[" + ", ".join(
        str(sp.Rational(str(c))) if c == int(c) else str(c) for c in g["W1"][0][:3]))
    assert json.loads(render_json(s))["givens"]["W1"] == g["W1"].tolist()


def test_a_large_jacobian_at_the_givens_is_checked_column_by_column(tmp_path):
    # jacobian-chain with n = 40, m = 35, k = 30: ∂y/∂x has 1200 entries, past the
    # every-entry limit; by hand ∂y/∂x = diag(σ′(W_B h)) W_B diag(1 − h²) W_A, h = tanh(W_A x)
    import yaml

    from derive.core.numeric import GRAD_TOL
    from derive.core.spec import find_problem
    from derive.topics.networks.blocks_gradients import network_of
    from derive.topics.networks.oracle import fd_sampled_error

    spec = yaml.safe_load(find_problem("jacobian-chain").read_text())
    spec["answers"]["d.J_x"]["shape"] = [30, 40]
    path = tmp_path / "jacobian-chain.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    rng = np.random.default_rng(1)
    x, wa, wb = (np.round(rng.uniform(-1, 1, s), 3) for s in ((40, 1), (35, 40), (30, 35)))
    p = derive.load(str(path), x=x.tolist(), WA=wa.tolist(), WB=wb.tolist())
    s = p.solve()
    h = np.tanh(wa @ x)
    y = 1 / (1 + np.exp(-(wb @ h)))
    want = np.diag((y * (1 - y)).ravel()) @ wb @ np.diag((1 - h ** 2).ravel()) @ wa
    got = np.array(s.answers["d.J_x"].value.tolist(), dtype=float)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    assert s.verified and any("seeded columns" in r.detail for r in s.results)
    env = {"x": x, "W_A": wa, "W_B": wb, "g": np.ones((30, 1))}
    wrong = want.copy()
    wrong[:, 7] *= 1.05
    assert fd_sampled_error(network_of(p), env, wrong, "x", "y") > GRAD_TOL
