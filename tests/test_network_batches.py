"""The network blocks on a batch (one example per row) and with L1/L2 penalties: values
computed by hand in numpy here, never by the code under test."""

import copy

import numpy as np
import pytest
import sympy as sp
import yaml
from testkit import ROOT, run_cli, solve_json

X4 = np.array([[1, 2], [0, -1], [2, 0.5], [-1, 1]], float)


def relu_mlp_by_hand(X, W1, b1, W2, b2, Y):
    """F1 = XW1 + 1b1, H = relu(F1), O = HW2 + 1b2, E = mean over the batch of (O - Y)²."""
    B = len(X)
    F1 = X @ W1 + b1
    H = np.maximum(F1, 0)
    O = H @ W2 + b2
    E = np.sum((O - Y) ** 2) / B
    dO = 2 * (O - Y) / B                      # δ at the output, B×1
    dF1 = (dO @ W2.T) * (F1 > 0)               # B×M
    return dict(O=O, E=E, dW2=H.T @ dO, db2=dO.sum(0, keepdims=True), dW1=X.T @ dF1,
                db1=dF1.sum(0, keepdims=True))


MLP = dict(W1=[[0.5, -0.3, 0.8], [0.2, 0.4, -0.6]], b1=[[0.1, 0.2, 0.3]],
           W2=[[0.7], [-0.5], [0.4]], b2=[[0.05]], Y=[[1], [0], [0.5], [-0.5]])


@pytest.mark.parametrize("sets,changes", [
    ((), {}),
    (("W2=[[1],[0.5],[-0.5]]", "b1=[[0,0,0]]"), {"W2": [[1], [0.5], [-0.5]],
                                                   "b1": [[0, 0, 0]]}),
    # QA: a ReLU input exactly 0 (the second example, x = (0, -1): F1 = -W1[1] + b1)
    # failed verification, the central difference straddling the kink; ReLU'(0) = 0 as
    # in relu_mlp_by_hand (F1 > 0), one kink and two
    (("b1=[[0.2,0.2,0.3]]",), {"b1": [[0.2, 0.2, 0.3]]}),
    (("b1=[[0.2,0.1,-0.6]]",), {"b1": [[0.2, 0.1, -0.6]]}),
    # QA: a number for a 1×1 given was refused ("expected a list of 1 numbers")
    (("b2=0.1",), {"b2": [[0.1]]}),
])
def test_relu_mlp_on_a_batch_with_mean_squared_error(sets, changes):
    g = {k: np.array(v, float) for k, v in {**MLP, **changes}.items()}
    want = relu_mlp_by_hand(X4, g["W1"], g["b1"], g["W2"], g["b2"], g["Y"])
    ans = solve_json("mlp-batch-mse", *sets)["answers"]
    assert np.allclose(ans["a.O"]["value"], want["O"], rtol=1e-12)
    assert ans["a.E"]["value"] == pytest.approx(want["E"], rel=1e-12)
    for aid, key in [("c.dE_dW2", "dW2"), ("c.dE_dW1", "dW1"), ("c.dE_db1", "db1")]:
        assert np.allclose(ans[aid]["value"], want[key], rtol=1e-12, atol=1e-15), aid


def test_the_batch_formula_is_the_matrix_form_a_course_writes(solved):
    """∂E/∂W_1 = Xᵀ((2/B)(O − Y) W_2ᵀ ⊙ [F_1 > 0]) and ∂E/∂b_1 = 1ᵀ(…): the formula
    answered, evaluated at random matrices, against the same form written here."""
    answers = solved("mlp-batch-mse").answers
    r = np.random.default_rng(3)
    B, N, M = 5, 2, 3
    vals = {"X": r.normal(size=(B, N)), "O": r.normal(size=(B, 1)), "Y": r.normal(size=(B, 1)),
            "W_2": r.normal(size=(M, 1)), "F_1": r.normal(size=(B, M)),
            "H": r.normal(size=(B, M))}
    dF1 = (2 * (vals["O"] - vals["Y"]) / B @ vals["W_2"].T) * (vals["F_1"] > 0)
    for aid, want in [("b.dE_dW1", vals["X"].T @ dF1), ("b.dE_db1", dF1.sum(0, keepdims=True)),
                      ("b.dE_dW2", vals["H"].T @ (2 * (vals["O"] - vals["Y"]) / B))]:
        form = answers[aid].value
        subs = {m: sp.Matrix(vals[m.name]) for m in form.atoms(sp.MatrixSymbol)}
        subs.update({s: {"B": B, "N": N, "M": M}[s.name] for s in form.free_symbols
                     if isinstance(s, sp.Symbol) and s.name in "BNM"})
        got = np.array(sp.Matrix(form.xreplace(subs).doit()).tolist(), float)
        assert np.allclose(got, want), aid


def ridge_logistic_by_hand(X, w, b, y, lam):
    """σ(Xw + 1b), mean binary cross-entropy + (λ/2)‖w‖², its gradients (bias not penalised)."""
    B = len(X)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    E = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / B + lam / 2 * np.sum(w * w)
    return dict(p=p, E=E, dw=X.T @ (p - y) / B + lam * w, db=(p - y).sum(0, keepdims=True) / B)


@pytest.mark.parametrize("sets,lam,w", [
    ((), 0.1, [[0.3], [-0.2]]),
    (("lamda=0.5", "w0=[[1],[0.25]]"), 0.5, [[1], [0.25]]),
    (("lamda=0",), 0.0, [[0.3], [-0.2]]),
])
def test_l2_regularised_logistic_regression_on_a_batch(sets, lam, w):
    y = np.array([[1], [0], [0], [1]], float)
    X = np.array([[1, 2], [2, -1], [-1, 0.5], [0.5, 1]], float)
    want = ridge_logistic_by_hand(X, np.array(w, float), 0.1, y, lam)
    ans = solve_json("ridge-logistic-batch", *sets)["answers"]
    assert np.allclose(ans["a.yhat"]["value"], want["p"], rtol=1e-12)
    assert ans["a.E"]["value"] == pytest.approx(want["E"], rel=1e-12)
    assert np.allclose(ans["c.dE_dw"]["value"], want["dw"], rtol=1e-12)
    assert np.allclose(ans["c.dE_db"]["value"], want["db"], rtol=1e-12)


def test_the_l2_convention_and_the_l1_kink_are_as_documented(tmp_path):
    """l2: full doubles the gradient (2λw); l1 gives λ sign(w) with sign(0) = 0."""
    spec = yaml.safe_load((ROOT / "problems/library/ridge-logistic-batch.yaml").read_text())
    X = np.array([[1, 2], [2, -1], [-1, 0.5], [0.5, 1]], float)
    y = np.array([[1], [0], [0], [1]], float)
    for penalty, w, extra in [
        ({"l2": "lamda"}, [[0.3], [-0.2]], lambda w: 2 * 0.1 * w),
        ({"l1": "lamda"}, [[0.3], [0]], lambda w: 0.1 * np.sign(w)),
    ]:
        s = copy.deepcopy(spec)
        loss = s["parts"]["a"]["derive"][3]
        loss["penalty"] = penalty
        loss["l2"] = "full"
        s["givens"]["w0"]["value"] = w
        path = tmp_path / "ridge-logistic-batch.yaml"
        path.write_text(yaml.safe_dump(s))
        ans = solve_json(str(path))["answers"]
        w = np.array(w, float)
        p = 1 / (1 + np.exp(-(X @ w + 0.1)))
        assert np.allclose(ans["c.dE_dw"]["value"], X.T @ (p - y) / 4 + extra(w),
                           rtol=1e-12), penalty


def softmax_mlp_by_hand(X, W1, b1, W2, b2, Y, lam):
    """σ hidden layer, softmax by rows, mean cross-entropy + (λ/2)(‖W1‖² + ‖W2‖²)."""
    B = len(X)
    H = 1 / (1 + np.exp(-(X @ W1 + b1)))
    F2 = H @ W2 + b2
    P = np.exp(F2) / np.exp(F2).sum(axis=1, keepdims=True)
    E = -np.sum(Y * np.log(P)) / B + lam / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dF2 = (P - Y) / B
    dF1 = (dF2 @ W2.T) * H * (1 - H)
    return dict(P=P, E=E, dW2=H.T @ dF2 + lam * W2, dW1=X.T @ dF1 + lam * W1)


@pytest.mark.parametrize("sets,lam,Y", [
    ((), 0.01, [[1, 0, 0], [0, 0, 1], [0, 1, 0]]),
    (("lamda=0.2", "Y=[[0,1,0],[1,0,0],[0,0,1]]"), 0.2, [[0, 1, 0], [1, 0, 0], [0, 0, 1]]),
])
def test_softmax_network_on_a_batch_with_weight_decay(sets, lam, Y):
    X = np.array([[1, 0], [0, 1], [1, -1]], float)
    W1, b1 = np.array([[0.2, -0.4], [0.6, 0.1]]), np.array([[0, 0.1]])
    W2, b2 = np.array([[0.5, -0.5, 0.3], [-0.2, 0.4, 0.1]]), np.array([[0, 0, 0.2]])
    want = softmax_mlp_by_hand(X, W1, b1, W2, b2, np.array(Y, float), lam)
    ans = solve_json("softmax-mlp-weight-decay", *sets)["answers"]
    assert np.allclose(ans["a.P"]["value"], want["P"], rtol=1e-12)
    assert ans["a.E"]["value"] == pytest.approx(want["E"], rel=1e-12)
    assert np.allclose(ans["c.dE_dW2"]["value"], want["dW2"], rtol=1e-12)
    assert np.allclose(ans["c.dE_dW1"]["value"], want["dW1"], rtol=1e-12)
    assert ans["b.dE_dF2"]["value"] in ("1/B*(P - Y)", "(P - Y)/B")


def test_mean_over_outputs_is_not_mean_over_the_batch_and_softmax_without_cross_entropy(
        tmp_path):
    """Squared error after a softmax, reduction: mean (÷K, the outputs of one example),
    over_batch: sum, l1 on W_2 only: the softmax's own rule by rows (no simplification)."""
    spec = yaml.safe_load((ROOT / "problems/library/softmax-mlp-weight-decay.yaml").read_text())
    loss = spec["parts"]["a"]["derive"][5]
    loss.update({"kind": "squared-error", "over_outputs": "mean", "over_batch": "sum",
                 "penalty": {"l1": "lamda"}, "penalize": ["W_2"]})
    path = tmp_path / "softmax-mlp-weight-decay.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    ans = solve_json(str(path))["answers"]
    X = np.array([[1, 0], [0, 1], [1, -1]], float)
    W1, b1 = np.array([[0.2, -0.4], [0.6, 0.1]]), np.array([[0, 0.1]])
    W2, b2 = np.array([[0.5, -0.5, 0.3], [-0.2, 0.4, 0.1]]), np.array([[0, 0, 0.2]])
    Y, lam, K = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]], float), 0.01, 3
    H = 1 / (1 + np.exp(-(X @ W1 + b1)))
    F2 = H @ W2 + b2
    P = np.exp(F2) / np.exp(F2).sum(axis=1, keepdims=True)
    E = np.sum(0.5 * (P - Y) ** 2) / K + lam * np.abs(W2).sum()
    dP = (P - Y) / K
    # the softmax Jacobian of each row, diag(p) - p^T p, applied row by row
    dF2 = np.stack([dP[b] @ (np.diag(P[b]) - np.outer(P[b], P[b])) for b in range(3)])
    dF1 = (dF2 @ W2.T) * H * (1 - H)
    assert ans["a.E"]["value"] == pytest.approx(E, rel=1e-12)
    assert np.allclose(ans["c.dE_dW2"]["value"], H.T @ dF2 + lam * np.sign(W2), rtol=1e-12)
    assert np.allclose(ans["c.dE_dW1"]["value"], X.T @ dF1, rtol=1e-12)


# -- spec errors: one line naming the file and the place, exit 2 -----------------------

BASE = {
    "id": "bad", "title": "t",
    "givens": {"X": [[1, 2], [3, 4]], "W": [[1], [2]], "Y": [[1], [0]]},
    "answers": {"a.g": {"kind": "matrix-expression"}},
    "parts": {"a": {"derive": [
        {"use": "net-input", "vector": "X", "shape": ["B", "N"], "batch": "rows",
         "value": "X"},
        {"use": "net-dense", "W": "W_1", "shape": ["N", 1], "values": {"W_1": "W"}},
        {"use": "net-loss", "kind": "squared-error", "target": "T", "value": "Y"},
        {"use": "net-gradient", "wrt": "W_1", "answer": "a.g"}]}},
}


@pytest.mark.parametrize("where,change,message", [
    ("0", {"batch": "rows", "convention": "column"}, "derive[0].batch: batch: rows needs "
     "convention: row"),
    ("0", {"batch": "diagonal"}, "derive[0].batch:"),
    ("0", {"batch": None}, "derive[0].shape: a row vector is 1×n, found B×N (a batch"),
    ("2", {"penalty": {"l3": 0.1}}, "derive[2].penalty.l3: unknown penalty; expected l1 or l2"),
    ("2", {"penalty": {"l2": -1}}, "derive[2].penalty.l2: the coefficient must be a number ≥ 0"),
    ("2", {"penalty": {"l1": "W"}}, "derive[2].penalty.l1: the coefficient must be a number "
     "≥ 0 (e.g. 0.01, or a given such as lamda), found a matrix"),
    ("2", {"penalty": {"l2": 0.1}, "penalize": ["W_9"]}, "derive[2].penalize[0]: unknown "
     "parameter 'W_9' (expected one of: W_1)"),
    ("2", {"penalize": ["W_1"]}, "derive[2].penalize: names what a penalty applies to"),
    ("2", {"penalty": {"l2": 0.1}, "penalize": "W_1"}, "derive[2].penalize: expected a list"),
    ("2", {"over_batch": "median"}, "derive[2].over_batch:"),
    ("2", {"reduction": "mean", "over_outputs": "sum"}, "derive[2].over_outputs: says sum but "
     "reduction says mean (they name the same thing: give one)"),
])
def test_bad_batch_and_penalty_arguments_are_one_line_spec_errors(tmp_path, where, change,
                                                                    message):
    spec = copy.deepcopy(BASE)
    call = spec["parts"]["a"]["derive"][int(where)]
    for k, v in change.items():
        if v is None:
            call.pop(k)
        else:
            call[k] = v
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    r = run_cli("solve", str(path))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "bad.yaml" in lines[0] and message in lines[0], lines[0]


def test_over_batch_on_one_example_and_a_jacobian_on_a_batch_are_refused(tmp_path):
    spec = copy.deepcopy(BASE)
    calls = spec["parts"]["a"]["derive"]
    calls[3] = {"use": "net-jacobian", "of": "X", "wrt": "X", "answer": "a.g"}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec))
    r = run_cli("solve", str(path))
    assert r.returncode == 2 and "derive[3].of: on a batch the Jacobian" in r.stderr, r.stderr
    spec = copy.deepcopy(BASE)
    calls = spec["parts"]["a"]["derive"]
    calls[0] = {"use": "net-input", "vector": "x", "shape": [1, "N"], "value": "X"}
    calls[2]["over_batch"] = "sum"
    path.write_text(yaml.safe_dump(spec))
    r = run_cli("solve", str(path))
    assert r.returncode == 2 and "derive[2].over_batch: the network's input is one " \
        "example" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_one_example_per_column_softmax_sum_over_the_batch_and_both_penalties():
    """Z = WX + b1ᵀ, softmax per column, cross-entropy summed over the batch, L1 + L2 (half)
    on W_1 and b_1: values by hand."""
    X = np.array([[1, 0, 2], [2, -1, 0.5]], float)
    W1 = np.array([[0.5, 0.2], [-0.3, 0.4], [0.8, -0.6]])
    b1 = np.array([[0.1], [0.2], [0.3]])
    W2 = np.array([[0.7, -0.5, 0.4], [0.1, 0.2, -0.3]])
    b2 = np.array([[0.05], [0]])
    Y = np.array([[1, 0, 0], [0, 1, 1]], float)
    lam = 0.01
    F1 = W1 @ X + b1
    H = np.tanh(F1)
    F2 = W2 @ H + b2
    P = np.exp(F2) / np.exp(F2).sum(axis=0, keepdims=True)
    R = sum(lam * np.abs(m).sum() + lam / 2 * (m * m).sum() for m in (W1, b1))
    E = -np.sum(Y * np.log(P)) + R
    dF1 = (W2.T @ (P - Y)) * (1 - H ** 2)
    ans = solve_json(str(ROOT / "tests/specs/net-batch-columns.yaml"))["answers"]
    assert np.allclose(ans["a.P"]["value"], P, rtol=1e-12)
    assert ans["a.E"]["value"] == pytest.approx(E, rel=1e-12)
    pen = lambda m: lam * np.sign(m) + lam * m  # noqa: E731
    assert np.allclose(ans["c.dW1"]["value"], dF1 @ X.T + pen(W1), rtol=1e-12)
    assert np.allclose(ans["c.db1"]["value"], dF1.sum(axis=1, keepdims=True) + pen(b1),
                       rtol=1e-12)
    assert np.allclose(ans["c.dX"]["value"], W1.T @ dF1, rtol=1e-12)


def test_a_set_target_that_is_not_one_hot_per_example_is_one_line():
    r = run_cli("solve", "softmax-mlp-weight-decay", "--set", "Y=[[1,1,0],[0,0,1],[0,1,0]]")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "givens.Y: the cross-entropy target must be one-hot (entries 0 or 1, one of them " \
        "1 per example)" in r.stderr, r.stderr
