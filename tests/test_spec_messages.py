"""Messages about specs that QA found odd: an unvaried reference problem refused for a
near tie with an empty field (": :"), a 300-digit count, `--set` messages without the
file, `derive list` calling invalid YAML a missing title."""

from __future__ import annotations

import json

import yaml
from checkkit import run_cli

from derive.assign.variants import givens_behind
from derive.core.spec import load_problem


def write_assignment(tmp_path, problems: list) -> str:
    (tmp_path / "hw.yaml").write_text(yaml.safe_dump({"title": "HW", "seed": 1,
                                                      "problems": problems}))
    return "hw.yaml"


def test_the_unvaried_reference_problem_can_be_assigned(tmp_path):
    # gelu-descent's own numbers give f(x_3) of -0.01841 (momentum) and -0.01825 (plain
    # descent), 0.9 % apart: the choice stays the spec author's, as `derive verify` has it
    hw = write_assignment(tmp_path, ["gelu-descent"])
    r = run_cli("assign", hw, "--students", "2", "--no-pdf", "--format", "json",
                "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    students = json.loads(r.stdout)["students"]
    assert students == {"s001": {"gelu-descent": {"givens": {}}},
                        "s002": {"gelu-descent": {"givens": {}}}}


def test_varying_what_the_choice_does_not_depend_on_keeps_the_spec_s_tie(tmp_path):
    hw = write_assignment(tmp_path, [{"id": "gelu-descent", "vary": {"eta": [0.05, 0.2]}}])
    r = run_cli("assign", hw, "--students", "2", "--no-pdf", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def test_a_tie_the_draw_makes_names_the_answer_and_what_to_vary(tmp_path):
    # x0_c = -3 is the spec's own start of part c: every draw is the near tie above
    hw = write_assignment(tmp_path, [{"id": "gelu-descent", "vary": {"x0_c": [-3]}}])
    r = run_cli("assign", hw, "--students", "1", "--no-pdf", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2
    line = r.stderr.strip()
    assert "\n" not in line and ": :" not in line
    assert line.startswith("derive: hw.yaml: problems[0].vary: no well-posed variant of "
                           "gelu-descent")
    assert "(e.g. x0_c = -3: c.faster: momentum = -0.01841 and gd = -0.01825" in line
    assert line.endswith("; vary a given c.faster depends on (alpha, eta_c, beta) under "
                         "problems[0].vary")


def test_givens_behind_an_answer_follow_its_part_and_definitions():
    # read off problems/gelu-descent.yaml by hand: part c's blocks use x0_c, eta_c, beta
    # and steps (fixed: min = max = 3), and f(x) = x*sigmoid(alpha*x) brings alpha
    p = load_problem("gelu-descent")
    assert givens_behind(p, "c.faster") == ["alpha", "x0_c", "eta_c", "beta"]
    assert givens_behind(p, "a.x1") == ["alpha", "x0", "eta"]


def test_a_huge_range_is_counted_by_its_size(tmp_path):
    hw = write_assignment(tmp_path, [{"id": "gelu-descent",
                                      "vary": {"eta": {"from": 0, "to": 1e300, "step": 1}}}])
    r = run_cli("assign", hw, "--students", "1", "--no-pdf", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip() == ("derive: hw.yaml: problems[0].vary.eta: about 1e300 values "
                                "(at most 10000: use a larger step)")


def test_set_values_that_cannot_be_read_name_the_spec():
    for value, message in [("abc", "'abc' is not a number"),
                           ("[[]]", "a matrix row is empty"),
                           ("[1,2", "missing ']'")]:
        r = run_cli("solve", "gelu-descent", "--set", f"eta={value}")
        assert r.returncode == 2
        assert r.stderr.startswith("derive: problems/gelu-descent.yaml: --set eta: ")
        assert message in r.stderr and r.stderr.count("\n") == 1


def listed(tmp_path, pid: str, text: str) -> str:
    """What ``derive list`` says of the spec ``pid`` written as ``text``."""
    (tmp_path / f"{pid}.yaml").write_text(text)
    r = run_cli("list", problems=tmp_path)
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith(pid))
    return line.split(None, 1)[1]


def test_list_calls_invalid_yaml_unreadable(tmp_path):
    assert listed(tmp_path, "broken-yaml", "id: broken-yaml\ngivens: {a: [1, 2}\n") == (
        "(unreadable spec: line 2: invalid YAML: expected ',' or ']', but got '}')")


def test_list_names_a_title_that_is_no_text(tmp_path):
    assert listed(tmp_path, "map-title", "id: map-title\ntitle: {a: 1}\n") == (
        "(invalid spec: title: expected one line of text, found a mapping)")


def test_an_answer_that_depends_on_itself_is_one_line(tmp_path):
    """QA: b.g0 -> b.x1 -> b.g0 (and an answer listing itself) were accepted; marking
    follows depends from an answer to what it is computed from, so a loop is the spec's
    mistake, named with the loop."""
    spec = {"id": "loop", "title": "loop", "givens": {"a": 1},
            "answers": {"a.p": {"kind": "number", "depends": ["a.q"]},
                        "a.q": {"kind": "number", "depends": ["a.r"]},
                        "a.r": {"kind": "number", "depends": ["a.p"]}},
            "parts": {"a": {"derive": [{"use": "evaluate", "answer": x, "expr": "a"}
                                       for x in ("a.p", "a.q", "a.r")]}}}
    (tmp_path / "loop.yaml").write_text(yaml.safe_dump(spec))
    r = run_cli("solve", "loop.yaml", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr == ("derive: loop.yaml: answers.a.p.depends: depends on itself "
                        "(a.p -> a.q -> a.r -> a.p)\n")
    spec["answers"] = {x: {"kind": "number", "depends": [x] if x == "a.q" else []}
                       for x in ("a.p", "a.q", "a.r")}
    (tmp_path / "loop.yaml").write_text(yaml.safe_dump(spec))
    r = run_cli("solve", "loop.yaml", cwd=tmp_path)
    assert "answers.a.q.depends: depends on itself (a.q -> a.q)" in r.stderr
