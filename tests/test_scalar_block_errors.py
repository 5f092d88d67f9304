"""Spec mistakes in the scalar blocks give one located message, never a traceback."""

from pathlib import Path

import pytest
import yaml

from derive.core.errors import SpecError
from derive.core.spec import load_problem

PROOF = {
    "id": "tiny",
    "symbols": ["c"],
    "answers": {"a.x": "number"},
    "parts": {"a": {"derive": [
        {"use": "identity", "indexed": ["x"], "integer": ["i", "k", "K"], "size": "K",
         "index": "i", "lhs": "s", "rhs": "s",
         "expr": "exp(x[i] + c)/Sum(exp(x[k] + c), (k, 1, K))",
         "steps": ["exp-of-sum", "factor-out-of-sum", "cancel"],
         "result": "exp(x[i])/Sum(exp(x[k]), (k, 1, K))"},
        {"use": "evaluate", "answer": "a.x", "expr": "1"}]}},
}
GRAD = {
    "id": "tiny",
    "symbols": {"p": {"indexed": True}, "i": {"integer": True}},
    "answers": {"a.g": {"kind": "expression", "vars": ["p", "i"]}},
    "parts": {"a": {"derive": [
        {"use": "indexed_backprop", "answer": "a.g", "output": "p", "activation": "softmax",
         "input": "z", "index": "i", "indexed": ["p", "t", "z"], "integer": ["k", "K"],
         "loss": "-Sum(t[k]*log(p[k]), (k, 1, K))", "sample": {"t": "one-hot"},
         "facts": ["Sum(t[k], (k, 1, K)) = 1"]}]}},
}
RNN = {
    "id": "tiny",
    "givens": {"w": 0.5, "xs": [1, 2, 3]},
    "symbols": ["h", "x"],
    "answers": {"a.h1": "number", "a.h2": "number", "a.h3": "number", "b.d": "number"},
    "parts": {
        "a": {"derive": [{"use": "recurrence", "state": "h", "update": "tanh(w*h + x)",
                          "inputs": {"x": "xs"}, "init": 0, "values": "a.h"}]},
        "b": {"derive": [{"use": "through_time", "state": "h", "update": "tanh(w*h + x)",
                          "inputs": {"x": "xs"}, "start": 1, "end": 3, "values": "a.h",
                          "answer": "b.d"}]}},
}


def change(spec: dict, part: str, n: int, **args) -> dict:
    import copy

    out = copy.deepcopy(spec)
    out["parts"][part]["derive"][n].update(args)
    return out


def solve(tmp_path: Path, spec: dict):
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(spec))
    return load_problem(p).solve()


def test_the_good_specs_solve(tmp_path):
    assert solve(tmp_path, PROOF).verified
    assert str(solve(tmp_path, GRAD).answers["a.g"].value) == "p[i] - t[i]"
    assert solve(tmp_path, RNN).verified


@pytest.mark.parametrize("spec,field,message", [
    (change(PROOF, "a", 0, steps=["exp-of-sum", "magic"]), "parts.a.derive[0].steps",
     "unknown operation 'magic' (expected one of: exp-of-sum, factor-out-of-sum, cancel)"),
    (change(PROOF, "a", 0, size="c"), "parts.a.derive[0].size",
     "'c' must be listed under integer"),
    (change(PROOF, "a", 0, expr="exp(x[i] + q)"), "parts.a.derive[0].expr", "unknown name 'q'"),
    (change(GRAD, "a", 0, loss="-log(p[i])"), "parts.a.derive[0].loss",
     "expected sums over one index"),
    # (a loss non-linear in its sum, log Σ t_k p_k, is derived since the log-sum-exp work)
    (change(GRAD, "a", 0, loss="Sum(t[k]*log(p[k]), (k, 1, K)) + Sum(p[k], (k, 1, K))"),
     "parts.a.derive[0].loss", "expected one sum with p in it"),
    (change(GRAD, "a", 0, sample={"t": "uniform"}), "parts.a.derive[0].sample.t",
     "unknown kind 'uniform'"),
    (change(GRAD, "a", 0, indexed=["p", "t"]), "parts.a.derive[0].input",
     "'z' must be listed under indexed"),
    (change(GRAD, "a", 0, facts=["Sum(t[k], (k, 1, K)) = = 1"]), "parts.a.derive[0].facts[0]",
     "expected one '='"),
    (change(RNN, "b", 0, end=4), "parts.b.derive[0].end", "expected start < end <= 3"),
    (change(RNN, "a", 0, inputs={"y": "xs"}), "parts.a.derive[0].inputs.y",
     "'y' is not a symbol of the update"),
    (change(RNN, "a", 0, update="tanh(w*h + x + q)"), "parts.a.derive[0].update",
     "unknown name 'q'"),
])
def test_block_messages(tmp_path, spec, field, message):
    with pytest.raises(SpecError) as e:
        solve(tmp_path, spec)
    assert e.value.field == field
    assert message in e.value.message


def test_a_fact_that_the_drawn_targets_break_fails_the_check(tmp_path):
    import derive

    spec = change(GRAD, "a", 0, sample={"t": "real"})
    with pytest.raises(derive.VerificationError, match="break the fact"):
        solve(tmp_path, spec)


def test_a_function_may_share_its_name_with_the_symbol_of_its_value(tmp_path):
    spec = {"id": "tiny", "symbols": ["x", "f"], "define": {"f(x)": "tanh(x)"},
            "answers": {"a.d": {"kind": "expression", "vars": ["x"]},
                        "a.e": {"kind": "expression", "vars": ["f"]}},
            "parts": {"a": {"derive": [
                {"use": "derivative", "f": "f", "wrt": "x", "answer": "a.d"},
                {"use": "rewrite", "answer": "a.e", "expr": "{a.d}", "replace": {"f": "tanh(x)"},
                 "wrt": "x"}]}}}
    s = solve(tmp_path, spec)
    assert str(s.answers["a.e"].value) == "1 - f**2"
    spec["symbols"] = ["x"]
    spec["givens"] = {"f": 1}
    with pytest.raises(SpecError, match="already a given"):
        solve(tmp_path, spec)
