"""derive check and derive template as users meet them (fresh processes)."""

import json
import math
import shutil
import subprocess
import time

import pytest
from checkkit import gelu_prime, run_cli, sigmoid

VERDICT_KEYS = ["correct", "follow-through", "incorrect", "unparsable", "missing"]


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_json_report_has_the_interface_shape_and_counts(tmp_path):
    x2 = -0.09
    x3 = x2 - 0.1 * gelu_prime(x2)
    f = write(tmp_path / "s017.yaml",
              "student: s017\nanswers:\n  gelu-descent:\n    a.x1: -0.05\n"
              f"    a.x2: {x2}\n    a.x3: {x3:.5f}\n    a.g0: -0.5\n    a.g1: abc\n"
              "    a.q: 1\n")
    r = run_cli("check", f, "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == ["submissions"]
    (sub,) = out["submissions"]
    assert list(sub) == ["file", "student", "results", "score"]
    assert sub["file"] == f and sub["student"] == "s017"
    assert list(sub["score"]) == VERDICT_KEYS
    # 35 answers asked + the unknown a.q
    assert sub["score"] == {"correct": 1, "follow-through": 1, "incorrect": 2,
                            "unparsable": 2, "missing": 30}
    by = {r["answer"]: r for r in sub["results"]}
    assert len(sub["results"]) == 36 and len(by) == 36
    assert by["a.x1"] == {"problem": "gelu-descent", "answer": "a.x1", "verdict": "correct",
                          "given": "-0.05", "expected": "-0.05", "feedback": ""}
    assert list(by["a.g0"]) == ["problem", "answer", "verdict", "given", "expected",
                                "diagnosis", "feedback"]
    assert by["a.g0"]["diagnosis"] == "sign" and by["a.g0"]["verdict"] == "incorrect"
    assert by["a.x3"]["verdict"] == "follow-through"
    assert "diagnosis" not in by["a.x3"]
    assert by["a.g1"]["verdict"] == "unparsable"
    assert by["a.q"]["verdict"] == "unparsable" and "'a.q'" in by["a.q"]["feedback"]
    assert by["a.f1"] == {"problem": "gelu-descent", "answer": "a.f1", "verdict": "missing",
                          "given": None, "expected": f"{-0.05 * sigmoid(-0.05 * 1.702):.6g}",
                          "feedback": "no answer given"}


def test_a_broken_file_is_reported_and_the_others_are_marked(tmp_path):
    good = write(tmp_path / "a.yaml", "answers: {check-unit: {a.z: 0.7}}\n")
    files = [good,
             write(tmp_path / "b.yaml", "answers: {check-unit: {a.z: 0.7}\n"),  # bad YAML
             write(tmp_path / "c.yaml", "- not a mapping\n"),
             write(tmp_path / "d.yaml", "answers: {check-unti: {a.z: 0.7}}\n"),
             write(tmp_path / "e.tex", "\\answer{check-unit/a.z}{0.7\n"),
             write(tmp_path / "f.yaml", "answers: {check-unit: {a.z: 0.6}}\n")]
    r = run_cli("check", *files, "--format", "json", specs=True)
    assert r.returncode == 1
    assert r.stderr.startswith("derive: 4 of 6 answer files could not be marked (first: ")
    subs = json.loads(r.stdout)["submissions"]
    assert [s["file"] for s in subs] == files
    assert [s.get("error") is not None for s in subs] == [False, True, True, True, True, False]
    assert subs[1]["error"].endswith("b.yaml: line 2: invalid YAML: expected ',' or '}', but "
                                     "got '<stream end>'")
    assert "unknown problem 'check-unti'; did you mean 'check-unit'?" in subs[3]["error"]
    assert subs[4]["error"].endswith("e.tex: line 1: the { of this \\answer is never closed "
                                     "(unbalanced braces)")
    assert subs[0]["score"]["correct"] == 1 and subs[5]["score"]["incorrect"] == 1


def test_a_problem_that_fails_to_load_is_a_file_error(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "broken-spec.yaml").write_text("id: broken-spec\nanswers: {a.x: numbr}\n")
    f = write(tmp_path / "s.yaml", "answers: {broken-spec: {a.x: 1}}\n")
    r = run_cli("check", f, "--format", "json", problems=specs)
    assert r.returncode == 1
    (sub,) = json.loads(r.stdout)["submissions"]
    assert "problem 'broken-spec' cannot be marked: " in sub["error"]
    assert "unknown kind 'numbr'" in sub["error"]


HOSTILE = {
    "a.z": "10^{10^{10}}",
    "a.yhat": "{" * 2000 + "1" + "}" * 2000,
    "b.loss": "1" * 100_000,
    "b.mse": "\\input{/etc/passwd}",
    "c.dE_dz": "\\frac{1}{0}",
    "c.faster": "\\csname loss\\endcsname" * 50,
}


def test_hostile_answers_end_unparsable_or_incorrect_in_bounded_time(tmp_path):
    lines = "".join(f"    {k}: '{v}'\n" for k, v in HOSTILE.items())
    files = [write(tmp_path / f"h{i}.yaml", f"answers:\n  check-unit:\n{lines}")
             for i in range(3)]
    files.append(write(tmp_path / "ok.yaml", "answers: {check-unit: {a.z: 0.7}}\n"))
    t = time.monotonic()
    r = run_cli("check", *files, "--format", "json", "--timeout", "3", specs=True)
    elapsed = time.monotonic() - t
    assert r.returncode == 0, r.stderr
    assert elapsed < 90, elapsed
    subs = json.loads(r.stdout)["submissions"]
    for s in subs[:3]:
        got = {x["answer"]: x["verdict"] for x in s["results"]}
        assert set(HOSTILE) <= set(got)
        assert all(got[a] in ("unparsable", "incorrect") for a in HOSTILE), got
        assert all(len(x["given"] or "") < 1000 for x in s["results"])
        assert "root:" not in json.dumps(s)
    assert subs[3]["score"]["correct"] == 1


def test_an_oversized_answer_file_is_refused(tmp_path):
    f = write(tmp_path / "big.yaml", "answers:\n  check-unit:\n    a.z: '" + "1" * 1_100_000
              + "'\n")
    r = run_cli("check", f, specs=True)
    assert r.returncode == 1
    assert "answer files are at most 1,000,000 bytes" in r.stderr


def test_template_compiles_fill_two_answers_and_check(tmp_path):
    r = run_cli("template", "gelu-descent")
    assert r.returncode == 0, r.stderr
    sheet = r.stdout
    import re

    assert len(re.findall(r"^\\answer\{gelu-descent/[a-z0-9.]+\}\{\}$", sheet, re.M)) == 35
    tex = tmp_path / "hw.tex"
    tex.write_text(sheet)
    if shutil.which("latexmk"):
        c = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error",
                            "hw.tex"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=300)
        assert c.returncode == 0, c.stdout[-2000:]
        assert (tmp_path / "hw.pdf").stat().st_size > 1000
    filled = sheet.replace("\\answer{gelu-descent/a.x1}{}", "\\answer{gelu-descent/a.x1}{-0.05}")
    filled = filled.replace("\\answer{gelu-descent/a.g0}{}",
                            "\\answer{gelu-descent/a.g0}{\\frac{1}{3}}")
    filled = filled.replace("\\student{}", "\\student{Ada}")
    tex.write_text(filled)
    before = tex.read_bytes()
    r = run_cli("check", str(tex))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["Ada", str(tex), "1/35"]
    assert any(ln.split()[:2] == ["a.x1", "correct"] for ln in lines)
    assert any(ln.split()[:4] == ["a.g0", "incorrect", "\\frac{1}{3}", "0.5"] for ln in lines)
    assert "not answered (33): a.derivative, a.g1," in r.stdout
    assert "score 1/35: 1 correct · 0 follow-through · 1 incorrect · 0 unparsable · 33 " \
           "missing" in r.stdout
    assert "\x1b[" not in r.stdout                  # no colours when not a terminal
    assert tex.read_bytes() == before


def test_template_of_a_spec_of_ones_own_says_how_check_finds_it(tmp_path):
    """An instructor's own spec, outside the shipped set: the template's closing line
    names the folder ``derive check`` must be told of (it looks problems up by id, and a
    student's folder is never searched for specs), and the unknown-problem line says how."""
    from checkkit import SPECS

    mine = tmp_path / "my specs"
    mine.mkdir()
    (mine / "check-unit.yaml").write_bytes((SPECS / "check-unit.yaml").read_bytes())
    out = tmp_path / "hw.tex"
    r = run_cli("template", str(mine / "check-unit.yaml"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert f"then: DERIVE_PROBLEMS='{mine}' derive check {out}" in r.stderr
    out.write_text(out.read_text().replace("\\answer{check-unit/a.z}{}",
                                           "\\answer{check-unit/a.z}{0.7}"))
    r = run_cli("check", str(out))
    assert r.returncode == 1
    assert "unknown problem 'check-unit'" in r.stderr
    assert "a spec of your own is found with its folder in DERIVE_PROBLEMS" in r.stderr
    r = run_cli("check", str(out), "--format", "json", problems=mine)
    assert r.returncode == 0, r.stderr
    results = json.loads(r.stdout)["submissions"][0]["results"]
    assert {x["answer"]: x["verdict"] for x in results}["a.z"] == "correct"  # 0.3·2 + 0.1
    r = run_cli("template", "gelu-descent", "-o", str(tmp_path / "shipped.tex"))
    assert r.stderr.rstrip().endswith(f"then: derive check {tmp_path / 'shipped.tex'}")


def test_template_does_not_overwrite_without_force(tmp_path):
    out = tmp_path / "hw.tex"
    out.write_text("my answers")
    r = run_cli("template", "gelu-descent", "-o", str(out))
    assert r.returncode == 2 and "use --force" in r.stderr
    assert out.read_text() == "my answers"
    r = run_cli("template", "gelu-descent", "-o", str(out), "--force")
    assert r.returncode == 0 and "\\answer{gelu-descent/a.x1}{}" in out.read_text()


def test_template_leaves_out_a_bad_spec_and_never_writes_over_one(tmp_path):
    """A bad spec among several is one line and left out (the others' slots written,
    exit 2 with a closing line); none readable: nothing written; -o naming a spec is
    refused even with --force."""
    from pathlib import Path

    shipped = Path(__file__).parents[1] / "problems" / "gelu-descent.yaml"
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: broken\ntitle: [unclosed\n")
    out = tmp_path / "hw.tex"
    r = run_cli("template", "gelu-descent", str(bad), "conv-valid", "-o", str(out))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "broken.yaml" in r.stderr and "left out of the template: " in r.stderr
    text = out.read_text()
    assert "\\answer{gelu-descent/a.x1}{}" in text and "\\answer{conv-valid/" in text
    assert "broken" not in text
    r = run_cli("template", str(bad), "nope", "-o", str(tmp_path / "none.tex"))
    assert r.returncode == 2 and "no template written" in r.stderr
    assert not (tmp_path / "none.tex").exists()
    spec = tmp_path / "gelu-descent.yaml"
    spec.write_bytes(shipped.read_bytes())
    r = run_cli("template", str(spec), "-o", str(spec), "--force")
    assert r.returncode == 2 and "is one of the input files" in r.stderr
    assert spec.read_bytes() == shipped.read_bytes()


def test_gradescope_csv_and_outputs_never_over_inputs(tmp_path):
    f = write(tmp_path / "s1.yaml", "answers: {check-unit: {a.z: 0.7, a.yhat: 0.5}}\n")
    g, c = tmp_path / "results.json", tmp_path / "grades.csv"
    r = run_cli("check", f, "--gradescope", str(g), "--csv", str(c), "--summary",
                specs=True)
    assert r.returncode == 0, r.stderr
    res = json.loads(g.read_text())
    assert res["score"] == 1.0
    tests = {t["name"]: t for t in res["tests"]}
    assert len(tests) == 6
    assert tests["check-unit a.z"]["score"] == 1.0 and tests["check-unit a.z"]["max_score"] == 1
    assert tests["check-unit a.yhat"]["score"] == 0.0
    yhat = sigmoid(0.7)
    assert f"expected: {yhat:.6g}" in tests["check-unit a.yhat"]["output"]
    rows = c.read_text().splitlines()
    assert rows[0].startswith("file,student,correct,follow-through,incorrect,unparsable,"
                              "missing,points,out_of,error,check-unit/a.z,")
    assert rows[1].startswith(f"{f},s1,1,0,1,0,4,1,6,,correct,incorrect,")
    for bad in (["--output", f], ["--csv", f], ["--gradescope", f]):
        r = run_cli("check", f, *bad, specs=True)
        assert r.returncode == 2 and "inputs are never written over" in r.stderr
    r = run_cli("check", f, str(tmp_path / "s2.yaml"), "--gradescope", str(g), specs=True)
    assert r.returncode == 2


@pytest.mark.skipif(not shutil.which("pdflatex"), reason="pdflatex is not installed")
def test_feedback_documents_are_compiled_and_safe(tmp_path):
    evil = "\\input{/etc/passwd} \\write18{touch pwned}"
    f = write(tmp_path / "s1.tex", "\\student{Ada}\n\\answer{check-unit/a.z}{0.6}\n"
              f"\\answer{{check-unit/a.yhat}}{{{evil}}}\n"
              f"\\answer{{check-unit/b.loss}}{{{-math.log(0.6):.4f}}}\n")
    before = (tmp_path / "s1.tex").read_bytes()
    r = run_cli("check", f, "--feedback", str(tmp_path), specs=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "s1.tex").read_bytes() == before          # the input is untouched
    doc = (tmp_path / "s1-feedback.tex").read_text()
    assert "\\input{/etc/passwd}" not in doc
    assert "\\textbackslash{}input\\{/etc/" in doc  # escaped (broken into typewriter pieces)
    assert "bias-omitted" in doc and "Worked solution" in doc
    pdf = tmp_path / "s1-feedback.pdf"
    assert pdf.is_file()
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                          text=True).stdout if shutil.which("pdftotext") else ""
    assert not text or ("root:x:0:0" not in text and "Feedback for Ada" in text)
    assert not (tmp_path / "pwned").exists()


def test_usage_errors_exit_2(tmp_path):
    r = run_cli("check", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2 and r.stderr == f"derive: {tmp_path / 'nope.yaml'}: no such " \
                                             "file\n"
    r = run_cli("check")
    assert r.returncode == 2
    r = run_cli("check", str(tmp_path))
    assert r.returncode == 2 and "empty folder (no answer files" in r.stderr


def test_a_directory_is_marked_file_by_file_in_name_order(tmp_path):
    for name in ("b.yaml", "a.yaml", "notes.txt"):
        (tmp_path / name).write_text("answers: {check-unit: {a.z: 0.7}}\n")
    r = run_cli("check", str(tmp_path), "--format", "json", specs=True)
    assert r.returncode == 0, r.stderr
    files = [s["file"] for s in json.loads(r.stdout)["submissions"]]
    assert files == [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]
