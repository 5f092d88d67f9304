"""Problems come in the course's order (an ORDER file per directory), not the alphabet's."""

import os
from pathlib import Path

from testkit import run_cli

from derive.core.spec import problem_paths

#: the order of /work/shared/problem-set.md, copied here by hand
PROBLEM_SET = ["gelu-descent", "logic-gates", "softmax-backprop", "cnn-padding-pooling",
               "tanh-derivative", "mlp-forward-backward", "conv-layer-shapes",
               "softmax-shift", "perceptron-bce", "conv-valid", "cnn-architecture",
               "conv-sigmoid-backprop", "separability", "jacobian-chain", "loss-gradients",
               "rnn-vanishing"]


def test_shipped_problems_follow_the_problem_set():
    assert [p for p in problem_paths() if p in PROBLEM_SET] == PROBLEM_SET


def test_derive_list_shows_the_problem_set_order():
    r = run_cli("list")
    assert r.returncode == 0, r.stderr
    ids = [ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()]
    assert [i for i in ids if i in PROBLEM_SET] == PROBLEM_SET


def _spec(d: Path, pid: str) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{pid}.yaml").write_text(f"id: {pid}\n")


def test_order_files_of_several_directories_then_the_rest_alphabetically(tmp_path,
                                                                          monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    for pid in ("zeta", "alpha", "mid", "beta"):
        _spec(first, pid)
    for pid in ("omega", "delta", "zeta"):
        _spec(second, pid)
    (first / "ORDER").write_text("# course order\nzeta\n\nmissing   # no spec: ignored\n")
    (second / "ORDER").write_text("omega\nalpha\nzeta\n")
    monkeypatch.setenv("DERIVE_PROBLEMS", os.pathsep.join([str(first), str(second)]))
    paths = problem_paths()
    ours = [p for p in paths if paths[p].parent in (first, second)]
    assert ours == ["zeta", "omega", "alpha", "beta", "delta", "mid"]
    assert paths["zeta"] == first / "zeta.yaml"  # the first directory still wins
