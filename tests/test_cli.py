"""The command line as users meet it: exit codes and one-line messages."""

import json

import pytest
from testkit import run_cli, run_process


def test_list_prints_id_then_title():
    r = run_cli("list")
    assert r.returncode == 0
    lines = dict(line.split(None, 1) for line in r.stdout.splitlines())
    assert lines["gelu-descent"] == "Gradient descent on GELU"


def test_unknown_problem_is_a_usage_error():
    r = run_cli("solve", "gelu-desent")
    assert r.returncode == 2
    assert r.stderr == "derive: unknown problem 'gelu-desent'; did you mean 'gelu-descent'? " \
                       "(`derive list` shows them; a spec of your own is found with its " \
                       "folder in DERIVE_PROBLEMS)\n"


def test_bad_set_is_exit_2_one_line():
    r = run_cli("solve", "gelu-descent", "--set", "eta")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "NAME=VALUE" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_given_that_makes_an_answer_infinite_is_one_line_exit_2():
    """QA: --set eps=-7 ended in "verification failed … TypeError: Cannot convert complex
    to float" (exit 1): the derivation had made zoo and nan (AdaGrad's first step with
    ε = -7: √s₁ = √49 = 7 cancels ε, a division by zero), and only the float check said
    anything. A derived number that is not a finite real is the givens' fault: exit 2."""
    r = run_cli("solve", "adagrad-rmsprop", "--set", "eps=-7")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "answers.a.x1" in r.stderr and "not a finite real number" in r.stderr


def test_bad_spec_file_is_exit_2(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("id: bad\nanswers: {a.x: {kind: numbr}}\n")
    r = run_cli("solve", str(p))
    assert r.returncode == 2
    assert r.stderr.strip().endswith(
        "answers.a.x: unknown kind 'numbr' (expected one of: number, expression, matrix, "
        "matrix-expression, shape, choice, design)")


def test_json_shape():
    r = run_cli("solve", "gelu-descent", "--format", "json")
    out = json.loads(r.stdout)
    assert set(out) == {"problem", "givens", "answers"}
    assert out["givens"]["eta"] == 0.1 and out["givens"]["x0"] == 0
    assert out["answers"]["c.faster"] == {"kind": "choice", "value": "momentum",
                                          "latex": "\\text{momentum}"}
    for a in out["answers"].values():
        assert {"kind", "value", "latex"} <= set(a)


def test_verify_all_passes():
    r = run_process("verify")  # the main job, as the README runs it
    assert r.returncode == 0, r.stdout + r.stderr
    assert "FAIL" not in r.stdout


def test_every_command_has_help():
    from derive.cli import cli

    for name in cli.commands:
        r = run_cli(name, "--help")
        assert r.returncode == 0 and "Usage:" in r.stdout


def test_find_problem_reads_ids_in_the_listing_it_is_given(tmp_path):
    """verify and sheet list the spec folders once and resolve every id in that listing."""
    from derive.core.catalogue import find_problem
    from derive.core.errors import UsageError

    spec = tmp_path / "my-problem.yaml"
    spec.write_text("id: my-problem\n")
    assert find_problem("my-problem", {"my-problem": spec}) == spec
    with pytest.raises(UsageError, match="did you mean 'my-problem'"):
        find_problem("my-problen", {"my-problem": spec})
    with pytest.raises(UsageError, match="unknown problem 'gelu-descent'"):
        find_problem("gelu-descent", {"my-problem": spec})  # only the listing given


@pytest.mark.parametrize("args, names", [
    (("solve", "gelu-descent", "--bogus"), ["derive solve", "--bogus"]),
    (("solve",), ["derive solve", "PROBLEM"]),
    (("bogus",), ["derive", "bogus"]),
    (("solve", "gelu-descent", "--format", "xml"), ["derive solve", "xml"]),
    (("check",), ["derive check", "ANSWERS"]),
    (("sheet", "-o"), ["-o"]),
])
def test_click_usage_errors_are_one_line_exit_2(args, names):
    """Usage errors Click finds read like derive's own: one line naming the command and
    what is wrong, exit 2 (Click alone printed the usage, a hint and the error)."""
    r = run_cli(*args)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stdout == "", r.stderr
    assert all(n in r.stderr for n in names), r.stderr
    assert "-h` for help" in r.stderr


def test_help_and_version_still_exit_0():
    for args in (("--help",), ("solve", "-h"), ("--version",)):
        r = run_cli(*args)
        assert r.returncode == 0 and r.stdout and r.stderr == ""
