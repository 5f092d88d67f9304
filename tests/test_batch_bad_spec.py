"""A bad spec among several problems never stops `derive verify` or `derive sheet`: it is
reported on its own line (file and field), the others are verified or rendered, and the
exit code says that something was left out (2 for a bad spec)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from testkit import ROOT, run_cli

BAD_FIELD = "parts.c.derive[1].beta"


def altered(tmp_path: Path, pid: str, folder: str, change: Any) -> Path:
    """The shipped spec ``pid`` changed by ``change(data)``, written to ``tmp_path/folder``,
    as a path relative to ``tmp_path`` (the commands run there; messages show it so)."""
    data = yaml.safe_load((ROOT / "problems" / f"{pid}.yaml").read_text("utf-8"))
    change(data)
    (tmp_path / folder).mkdir()
    path = tmp_path / folder / f"{pid}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path.relative_to(tmp_path)


def bad_gelu(tmp_path: Path) -> Path:
    """gelu-descent with its momentum coefficient a list (QA finding 1's first repro)."""
    return altered(tmp_path, "gelu-descent", "bad",
                   lambda d: d["givens"]["beta"].update(value=[1, 2]))


def test_verify_reports_the_bad_spec_and_verifies_the_others(tmp_path):
    bad = bad_gelu(tmp_path)
    r = run_cli("verify", "conv-valid", str(bad), "tanh-derivative", cwd=tmp_path)
    assert r.returncode == 2
    ok = [ln.split()[1].rstrip(":") for ln in r.stdout.splitlines() if ln.startswith("ok")]
    assert ok == ["conv-valid", "tanh-derivative"]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in r.stderr
    assert str(bad) in lines[0] and f": {BAD_FIELD}: " in lines[0]
    assert lines[1] == f"derive: 1 of 3 problems not verified (said above): {bad}"


def test_verify_carries_on_past_an_unknown_problem(tmp_path):
    r = run_cli("verify", "nosuch-problem", "conv-valid", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout.startswith("ok   conv-valid")
    assert "unknown problem 'nosuch-problem'" in r.stderr.splitlines()[0]


def test_verify_of_one_bad_spec_is_its_one_line(tmp_path):
    bad = bad_gelu(tmp_path)
    r = run_cli("verify", str(bad), cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and BAD_FIELD in r.stderr


def test_verify_of_a_folder_with_a_bad_spec_checks_the_rest(tmp_path):
    """Plain `derive verify` over DERIVE_PROBLEMS: the broken one is said, the good one
    beside it verified (named here: all 40 shipped problems would take a minute)."""
    bad = bad_gelu(tmp_path)
    good = tmp_path / bad.parent / "tanh-derivative.yaml"
    good.write_text((ROOT / "problems" / "tanh-derivative.yaml").read_text("utf-8"))
    r = run_cli("verify", "gelu-descent", "tanh-derivative", cwd=tmp_path,
                env={"DERIVE_PROBLEMS": str(tmp_path / bad.parent)})
    assert r.returncode == 2
    assert "ok   tanh-derivative" in r.stdout and BAD_FIELD in r.stderr


def test_sheet_is_written_without_the_bad_spec_and_says_so(tmp_path):
    bad = bad_gelu(tmp_path)
    out = tmp_path / "sheet.tex"
    r = run_cli("sheet", "conv-valid", str(bad), "tanh-derivative", "-o", str(out),
                cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout.strip() == f"wrote {out} (2 problems)"
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2 and BAD_FIELD in lines[0] and str(bad) in lines[0]
    assert lines[1] == f"derive: 1 problem(s) left out of {out}: {bad}"
    tex = out.read_text(encoding="utf-8")
    shown = [ln.rsplit(" ", 1)[1].rstrip("}") for ln in tex.splitlines()
             if ln.startswith("\\section[")]  # each ends with the problem's id
    assert shown == ["conv-valid", "tanh-derivative"]
    assert "gelu-descent" not in tex


def test_sheet_of_only_bad_problems_writes_nothing(tmp_path):
    bad = bad_gelu(tmp_path)
    out = tmp_path / "sheet.tex"
    out.write_text("an earlier sheet\n", encoding="utf-8")
    r = run_cli("sheet", str(bad), "nosuch-problem", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].startswith("derive: none of the 2 problems")
    assert out.read_text(encoding="utf-8") == "an earlier sheet\n"


def wrong_tanh(tmp_path: Path) -> Path:
    """tanh-derivative claiming f'(x) may be written 2/cosh(x)**2: well-formed, but its
    identity check fails (twice the true derivative), so verification fails."""
    return altered(tmp_path, "tanh-derivative", "wrong",
                   lambda d: d["parts"]["a"]["derive"][0]["forms"][0].update(
                       form="2/cosh(x)**2"))


def test_verify_exits_2_for_a_bad_spec_and_still_counts_failures(tmp_path):
    bad, wrong = bad_gelu(tmp_path), wrong_tanh(tmp_path)
    r = run_cli("verify", str(wrong), str(bad), "conv-valid", cwd=tmp_path)
    assert r.returncode == 2
    assert "ok   conv-valid" in r.stdout and "FAIL" in r.stdout
    assert r.stderr.strip().splitlines()[-1] == (
        f"derive: 1 of 3 problems not verified (said above): {bad}; 1 problem(s) failed "
        "verification")
    r = run_cli("verify", str(wrong), "conv-valid", cwd=tmp_path)
    assert r.returncode == 1  # no bad spec: a failed verification's own exit code


def test_sheet_leaves_out_a_problem_that_fails_verification_with_exit_1(tmp_path):
    wrong = wrong_tanh(tmp_path)
    out = tmp_path / "sheet.tex"
    r = run_cli("sheet", str(wrong), "conv-valid", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 1
    assert "verification failed" in r.stderr.splitlines()[0]
    assert r.stderr.strip().splitlines()[-1] == (f"derive: 1 problem(s) left out of {out}: "
                                                 f"{wrong}")
    assert "tanh-derivative" not in out.read_text(encoding="utf-8")
