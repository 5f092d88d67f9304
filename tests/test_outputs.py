"""The shared writer: atomic, the umask's mode, links followed on purpose, never over an
input or a student's answers without --force, no partial file after an interruption."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from checkkit import SPECS
from testkit import run_cli

import derive.core.outputs as outputs
from derive.core.errors import UsageError
from derive.core.outputs import atomic_write, looks_like_answers


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_mode_comes_from_the_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        atomic_write(tmp_path / "out.csv", "a,b\n")
    finally:
        os.umask(old)
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == mode


def test_a_link_is_followed_and_stays_a_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    atomic_write(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


@pytest.mark.parametrize("name,text,answers", [
    ("s017.yaml", "answers: {}\n", True),
    ("s017.yml", "x: 1\n", True),
    ("sheet.tex", r"\answer{gelu-descent/a.x1}{-0.05}", True),
    ("sheet.tex", r"\answer{gelu-descent/a.x1}{ }", False),  # an empty template slot
    ("sheet.tex", r"% \answer{gelu-descent/a.x1}{-0.05}", False),  # commented out
    ("report.txt", r"\answer{gelu-descent/a.x1}{-0.05}", False),
])
def test_answer_looking_files_are_replaced_only_with_force(tmp_path, name, text, answers):
    p = tmp_path / name
    p.write_text(text)
    assert looks_like_answers(p) == answers
    if answers:
        with pytest.raises(UsageError, match="holds a student's answers"):
            atomic_write(p, "report")
        assert p.read_text() == text
        atomic_write(p, "report", force=True)
    else:
        atomic_write(p, "report")
    assert p.read_text() == "report"


def test_an_input_is_never_replaced_even_with_force(tmp_path):
    p = tmp_path / "in.tex"
    p.write_text("x")
    with pytest.raises(UsageError, match="inputs are never written over"):
        atomic_write(p, "y", force=True, inputs=[str(p)])
    assert p.read_text() == "x"


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    p = tmp_path / "out.csv"
    p.write_text("old")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(p, "new")
    assert p.read_text() == "old"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out.csv"]


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path):
    blocker = tmp_path / "plain-file"
    blocker.write_text("")
    with pytest.raises(UsageError, match="cannot write there"):
        atomic_write(blocker / "sub" / "out.tex", "x")
    r = run_cli("sheet", "tanh-derivative", "-o", str(blocker / "out.tex"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr


def test_check_never_writes_over_an_answer_file_outside_the_run(tmp_path):
    answers = tmp_path / "s1.yaml"
    answers.write_text("answers:\n  check-unit:\n    a.z: '0.7'\n")
    other = tmp_path / "s2.yaml"
    other.write_text("answers:\n  check-unit:\n    a.z: '0.6'\n")
    tex = tmp_path / "s3.tex"
    tex.write_text(r"\answer{check-unit/a.z}{0.7}")
    def check(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli("check", str(answers), *args, env={"DERIVE_PROBLEMS": str(SPECS)})

    for option, target in (("--csv", other), ("-o", tex), ("--gradescope", other)):
        before = target.read_text()
        r = check(option, str(target))
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert "holds a student's answers" in r.stderr
        assert target.read_text() == before
    r = check("--csv", str(other), "--force")
    assert r.returncode == 0, r.stderr
    assert other.read_text().startswith("file,") or "," in other.read_text().splitlines()[0]
    r = check("--csv", str(answers), "--force")
    assert r.returncode == 2 and "inputs are never written over" in r.stderr
    assert Path(answers).read_text().startswith("answers:")


def test_sheet_never_writes_over_its_spec(tmp_path):
    """``derive sheet SPEC -o SPEC`` (or a path reaching it through ..) is a usage error
    saying it is an input, before anything is solved; the spec is left as it was, also
    with --force."""
    spec = tmp_path / "gelu-descent.yaml"
    spec.write_text((Path(__file__).parents[1] / "problems" / "gelu-descent.yaml").read_text())
    before = spec.read_bytes()
    for out in (str(spec), str(tmp_path / ".." / tmp_path.name / spec.name)):
        for extra in ((), ("--force",)):
            r = run_cli("sheet", str(spec), "-o", out, *extra)
            assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
            assert "is one of the input files" in r.stderr and "student" not in r.stderr
            assert spec.read_bytes() == before
    # all problems (none named): every spec the catalogue finds is an input
    mine = tmp_path / "mine"
    mine.mkdir()
    own = mine / "my-descent.yaml"
    own.write_bytes(before.replace(b"id: gelu-descent", b"id: my-descent"))
    r = run_cli("sheet", "-o", str(own), env={"DERIVE_PROBLEMS": str(mine)})
    assert r.returncode == 2 and "is one of the input files" in r.stderr
    assert own.read_bytes() == before.replace(b"id: gelu-descent", b"id: my-descent")
