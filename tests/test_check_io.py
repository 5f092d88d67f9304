"""`derive check`'s inputs and outputs: which files are read, what the reports carry,
and that no output is lost or unsafe (QA findings 7-12, 14)."""

from __future__ import annotations

import json

from checkkit import run_cli


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def submissions(stdout: str) -> dict[str, dict]:
    return {s["file"]: s for s in json.loads(stdout)["submissions"]}


# -- warnings in the JSON report (finding 12) ------------------------------------------------

def test_every_warning_of_the_text_report_is_in_the_json_report(tmp_path):
    dup = write(tmp_path / "dup.tex", "\\answer{check-unit/a.z}{0.6}\n"
                "\\answer{check-unit/a.z}{0.7}\n")
    noslash = write(tmp_path / "noslash.tex", "\\answer{check-unit}{1}\n"
                    "\\answer{}{}\n\\answer{check-unit/a.z}{0.7}\n")
    two = write(tmp_path / "two.tex", "\\student{ada}\n\\student{bob}\n"
                "\\answer{check-unit/a.z}{0.7}\n")
    plain = write(tmp_path / "plain.yaml", "answers: {check-unit: {a.z: 0.7}}\n")
    r = run_cli("check", dup, noslash, two, plain, "--format", "json", specs=True)
    assert r.returncode == 0, r.stderr
    subs = submissions(r.stdout)
    assert subs[dup]["warnings"] == [
        "line 2: check-unit/a.z is answered again (first on line 1); the last answer is "
        "marked"]
    warned = subs[noslash]["warnings"]
    assert len(warned) == 2
    assert warned[0].startswith("line 1: \\answer{check-unit} names no problem")
    assert warned[1].startswith("line 2: \\answer{} names no problem")
    assert subs[two]["student"] == "bob"
    assert subs[two]["warnings"] == [
        "line 2: another \\student{…} ('bob', after 'ada' on line 1); the last one is used"]
    assert "warnings" not in subs[plain]             # the interface's shape when none
    text = run_cli("check", dup, noslash, two, specs=True).stdout
    for w in [*subs[dup]["warnings"], *warned, *subs[two]["warnings"]]:
        assert w in " ".join(text.split())


def test_the_same_student_twice_is_not_a_warning(tmp_path):
    f = write(tmp_path / "a.tex", "\\student{ada}\n\\answer{check-unit/a.z}{0.7}\n"
              "\\student{ada}\n")
    r = run_cli("check", f, "--format", "json", specs=True)
    assert r.returncode == 0, r.stderr
    assert "warnings" not in submissions(r.stdout)[f]


# -- an unreadable file's score under --assignment (finding 14) ------------------------------

def test_an_unreadable_file_scores_zero_out_of_the_assignment(tmp_path):
    write(tmp_path / "hw.yaml", "seed: 1\nproblems:\n"
          "  - {id: perceptron-bce, answers: {a.z: 1, a.yhat: 2}}\n")
    write(tmp_path / "s1.yaml", "student: s1\nanswers: [\n")          # invalid YAML
    write(tmp_path / "s2.yaml", "student: s2\nanswers: {perceptron-bce: {a.z: 0}}\n")
    r = run_cli("check", "s1.yaml", "s2.yaml", "--assignment", "hw.yaml", "--format",
                "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    subs = submissions(r.stdout)
    bad, good = subs["s1.yaml"], subs["s2.yaml"]
    assert "error" in bad and "error" not in good
    assert set(bad["score"]) == set(good["score"])
    assert bad["score"]["points"] == 0 and bad["score"]["out_of"] == 3   # 1 + 2 points
    assert good["score"]["out_of"] == 3


# -- an unclosed \begin{working} (finding 8) ------------------------------------------------

def marked_json(f: str) -> tuple[dict, dict]:
    """``derive check F --format json`` (exit 0): the file's submission, and its results
    by answer id."""
    r = run_cli("check", f, "--format", "json", specs=True)
    assert r.returncode == 0, r.stderr
    (sub,) = json.loads(r.stdout)["submissions"]
    return sub, {x["answer"]: x for x in sub["results"]}


def test_an_unclosed_working_costs_only_its_answer(tmp_path):
    f = write(tmp_path / "w.tex", "\\answer{check-unit/a.z}{0.7}\n"
              "\\begin{working}{check-unit/a.z}\n"
              "z &= 0.3 \\cdot 2 + 0.1 \\\\\n"
              "\\answer{check-unit/b.loss}{0.5}\n")
    sub, by = marked_json(f)
    assert "error" not in sub
    assert by["a.z"]["verdict"] == "unparsable"
    assert "line 2" in by["a.z"]["feedback"] and "\\end{working}" in by["a.z"]["feedback"]
    assert by["b.loss"]["given"] == "0.5"           # read past the unclosed working
    assert by["b.loss"]["verdict"] in ("incorrect", "follow-through")
    assert sub["warnings"] == ["check-unit/a.z: line 2: this \\begin{working} has no "
                               "\\end{working}"]


def test_a_working_that_runs_into_the_next_costs_only_its_answer(tmp_path):
    f = write(tmp_path / "w.tex", "\\answer{check-unit/a.z}{0.7}\n"
              "\\answer{check-unit/b.loss}{0.5}\n"
              "\\begin{working}{check-unit/b.loss}\nL = 0.5\n"
              "% \\end{working} in a comment does not close it\n"
              "\\begin{working}{check-unit/a.z}\nz = 0.3 \\cdot 2 + 0.1 = 0.7\n"
              "\\end{working}\n")
    sub, by = marked_json(f)
    assert by["b.loss"]["verdict"] == "unparsable"
    assert "line 3" in by["b.loss"]["feedback"] and "line 6" in by["b.loss"]["feedback"]
    assert by["a.z"]["verdict"] == "correct"        # 0.3·2 + 0.1 = 0.7, by hand
    assert by["a.z"]["working"]["first_error"] is None


# -- the files named (finding 11) -----------------------------------------------------------

ONE = "answers: {check-unit: {a.z: 0.7}}\n"


def test_a_path_that_cannot_be_marked_is_one_line_and_the_others_are_marked(tmp_path):
    import os

    write(tmp_path / "g1.yaml", ONE)
    (tmp_path / "empty").mkdir()
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    os.mkfifo(tmp_path / "fifo.yaml")
    r = run_cli("check", "g1.yaml", "nosuch.yaml", "empty", "dangling.yaml", "fifo.yaml",
                "/dev/zero", "--format", "json", cwd=tmp_path, specs=True)
    assert r.returncode == 2
    assert [s["file"] for s in json.loads(r.stdout)["submissions"]] == ["g1.yaml"]
    lines = r.stderr.splitlines()
    assert lines[:5] == [
        "derive: nosuch.yaml: no such file",
        "derive: empty: empty folder (no answer files, *.yaml, *.yml or *.tex, in it or its "
        "subfolders)",
        f"derive: dangling.yaml: a broken symbolic link (to {tmp_path / 'nowhere.yaml'}, "
        "which does not exist)",
        "derive: fifo.yaml: not a regular file (a FIFO); answer files are regular files",
        "derive: /dev/zero: not a regular file (a device); answer files are regular files"]
    assert lines[5].startswith("derive: 5 path(s) named were not marked (first: nosuch.yaml")
    assert len(lines) == 6


def test_a_folder_is_searched_with_its_subfolders_and_odd_entries_are_named(tmp_path):
    import os

    write(tmp_path / "b.yaml", ONE)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "a.tex", "\\answer{check-unit/a.z}{0.7}\n")
    (tmp_path / "sub" / "deeper").mkdir()
    write(tmp_path / "sub" / "deeper" / "c.yml", ONE)
    (tmp_path / ".git").mkdir()                       # hidden folders are not searched
    write(tmp_path / ".git" / "x.yaml", ONE)
    write(tmp_path / "notes.txt", "not an answer file")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)  # a link back up: searched once
    os.mkfifo(tmp_path / "sub" / "pipe.yaml")
    r = run_cli("check", ".", "--format", "json", cwd=tmp_path, specs=True)
    assert r.returncode == 2
    files = [s["file"] for s in json.loads(r.stdout)["submissions"]]
    assert files == ["b.yaml", "sub/a.tex", "sub/deeper/c.yml"]
    assert r.stderr.splitlines()[0] == ("derive: sub/pipe.yaml: not a regular file (a FIFO); "
                                        "answer files are regular files")


def test_a_fifo_is_never_opened_for_reading(tmp_path):
    import os

    from derive.check.mark.answers import AnswerFileError, read_answer_file

    os.mkfifo(tmp_path / "p.yaml")
    try:
        read_answer_file(tmp_path / "p.yaml")          # would block if opened plainly
    except AnswerFileError as e:
        assert "not a regular file" in str(e)
    else:
        raise AssertionError("a FIFO was read as an answer file")
    try:
        read_answer_file("/dev/zero")                   # would never end if read
    except AnswerFileError as e:
        assert "not a regular file" in str(e)
    else:
        raise AssertionError("/dev/zero was read as an answer file")


# -- two outputs naming one file (finding 7) ------------------------------------------------

def test_two_outputs_naming_one_file_are_a_usage_error_before_marking(tmp_path):
    import os

    write(tmp_path / "a.yaml", ONE)
    (tmp_path / "out").mkdir()
    (tmp_path / "link.json").symlink_to(tmp_path / "out" / "r.json")
    write(tmp_path / "old.csv", "x\n")
    os.link(tmp_path / "old.csv", tmp_path / "hard.json")
    clashes = [
        (["-o", "r.json", "--csv", "r.json"], "--csv r.json and --output r.json"),
        (["-o", "out/r.json", "--csv", "out/../out/r.json"], "--csv out/../out/r.json and "
         "--output out/r.json"),
        (["-o", "out/r.json", "--gradescope", "link.json"], "--gradescope link.json and "
         "--output out/r.json"),
        (["--csv", "old.csv", "--gradescope", "hard.json"], "--csv old.csv and --gradescope "
         "hard.json"),
        (["-o", "fb/a-feedback.tex", "--feedback", "fb", "--no-pdf"], "--feedback "
         "fb/a-feedback.tex and --output fb/a-feedback.tex"),
        (["--csv", "fb/a-feedback.pdf", "--feedback", "fb"], "--feedback fb/a-feedback.pdf "
         "and --csv fb/a-feedback.pdf"),
    ]
    for args, names in clashes:
        r = run_cli("check", "a.yaml", *args, cwd=tmp_path, specs=True)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr == f"derive: {names} name the same file (one output would be " \
                           "lost); choose another name\n", args
        assert r.stdout == ""                      # nothing marked, nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "hard.json", "link.json",
                                                          "old.csv", "out"]
    assert (tmp_path / "old.csv").read_text() == "x\n"
    r = run_cli("check", "a.yaml", "-o", "out", cwd=tmp_path, specs=True)
    assert r.returncode == 2 and r.stderr == "derive: --output out: is a directory; name a " \
                                             "file\n"
    os.mkfifo(tmp_path / "pipe.csv")
    r = run_cli("check", "a.yaml", "--csv", "pipe.csv", cwd=tmp_path, specs=True)
    assert r.returncode == 2 and r.stderr == "derive: --csv pipe.csv: exists and is not a " \
                                             "regular file\n"
    assert r.stdout == ""                          # refused before marking


def test_an_output_naming_an_input_through_a_link_is_refused(tmp_path):
    write(tmp_path / "a.yaml", ONE)
    (tmp_path / "link.csv").symlink_to(tmp_path / "a.yaml")
    before = (tmp_path / "a.yaml").read_bytes()
    for opt in ("--csv", "-o", "--gradescope"):
        r = run_cli("check", "a.yaml", opt, "link.csv", cwd=tmp_path, specs=True)
        assert r.returncode == 2 and "inputs are never written over" in r.stderr
        assert len(r.stderr.splitlines()) == 1
    assert (tmp_path / "a.yaml").read_bytes() == before


def test_distinct_outputs_are_all_written(tmp_path):
    write(tmp_path / "a.yaml", ONE)
    r = run_cli("check", "a.yaml", "-o", "r.json", "--format", "json", "--csv", "g.csv",
                "--gradescope", "gs.json", "--feedback", "fb", "--no-pdf", cwd=tmp_path,
                specs=True)
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "r.json").read_text())["submissions"][0]["file"] == "a.yaml"
    assert (tmp_path / "g.csv").read_text().startswith("file,student,")
    assert "tests" in json.loads((tmp_path / "gs.json").read_text())
    assert (tmp_path / "fb" / "a-feedback.tex").is_file()


def test_the_gradebook_and_the_lms_export_may_not_name_one_file(tmp_path):
    write(tmp_path / "hw.yaml", "seed: 1\nproblems:\n"
          "  - {id: perceptron-bce, answers: {a.z: 1, a.yhat: 2}}\n")
    write(tmp_path / "s1.yaml", "student: s1\nanswers: {perceptron-bce: {a.z: 0}}\n")
    r = run_cli("check", "s1.yaml", "--assignment", "hw.yaml", "--csv", "g.csv", "--lms",
                "./g.csv", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr == "derive: --lms ./g.csv and --csv g.csv name the same file (one " \
                       "output would be lost); choose another name\n"
    assert not (tmp_path / "g.csv").exists()


# -- student text in spreadsheets and terminals (finding 10) --------------------------------

def test_csv_cells_that_would_be_formulas_are_neutralised_and_numbers_kept():
    from derive.check.report.safe_text import csv_cell

    for text in ("=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-1+cmd|' /C calc'!A0",
                 "@SUM(A1)", " =1+1", "-", "-inf"):
        assert csv_cell(text) == "'" + text, text
    # control characters are written escaped (a leading tab or CR then starts nothing)
    for text, cell in (("\tx", "\\tx"), ("\rx", "\\rx"), ("a\n=1+1", "a\\n=1+1"),
                       ("x\x1b]0;T\x07", "x\\x1b]0;T\\x07"), ("\u202egnp", "\\u202egnp")):
        assert csv_cell(text) == cell, text
    for text in ("-0.5", "+3", "-2e-3", "0.25", "s017", "a=b", "", "12/35"):
        assert csv_cell(text) == text, text
    assert csv_cell(-0.5) == -0.5 and csv_cell(3) == 3


def test_gradebooks_and_lms_exports_neutralise_student_text(tmp_path):
    import csv
    import io

    write(tmp_path / "hw.yaml", "seed: 1\nproblems:\n"
          "  - {id: perceptron-bce, answers: {a.z: 1, a.yhat: 2}}\n")
    write(tmp_path / "r.csv", "student,group\ns1,-0.5\nok,@SUM(A1)\n")
    write(tmp_path / "=x.yaml", "student: =cmd\nanswers: {perceptron-bce: {a.z: '=1+1'}}\n")
    r = run_cli("check", "=x.yaml", "--assignment", "hw.yaml", "--roster", "r.csv", "--csv",
                "g.csv", "--lms", "lms.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lms = list(csv.reader(io.StringIO((tmp_path / "lms.csv").read_text())))
    assert lms == [["student", "total"], ["s1", "0"], ["ok", "0"]]
    g = list(csv.DictReader(io.StringIO((tmp_path / "g.csv").read_text())))
    assert [(x["student"], x["group"], x["file"]) for x in g] == [
        ("s1", "-0.5", ""), ("ok", "'@SUM(A1)", ""), ("'=cmd", "", "'=x.yaml")]
    assert g[2]["out_of"] == "3" and g[2]["note"] == "not on the roster"
    r = run_cli("check", "=x.yaml", "--assignment", "hw.yaml", "--lms", "lms2.csv",
                cwd=tmp_path)
    lms = list(csv.reader(io.StringIO((tmp_path / "lms2.csv").read_text())))
    assert lms == [["student", "total"], ["'=cmd", "0"]]
    r = run_cli("check", "=x.yaml", "--csv", "plain.csv", cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "plain.csv").read_text())))
    assert rows[0]["file"] == "'=x.yaml" and rows[0]["student"] == "'=cmd"


def test_control_characters_from_students_are_shown_escaped_in_the_terminal(tmp_path):
    write(tmp_path / "e.yaml", 'student: "evil\\e]0;pwned\\a\\e[31mRED"\n'
          'answers: {check-unit: {a.z: "\\e[2J0.7"}}\n')
    r = run_cli("check", "e.yaml", cwd=tmp_path, specs=True)
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "evil\\x1b]0;pwned\\x07\\x1b[31mRED" in r.stdout
    assert "\\x1b[2J0.7" in r.stdout
    r = run_cli("check", "e.yaml", "x\x1b[2J.yaml", "--summary", cwd=tmp_path, specs=True)
    assert r.returncode == 2
    assert "\x1b" not in r.stdout + r.stderr
    assert "derive: x\\x1b[2J.yaml: no such file" in r.stderr
    assert "evil\\x1b]0;pwned" in r.stdout                # the summary table too


def test_gradebook_and_text_report_keep_a_student_to_one_line_without_raw_controls(tmp_path):
    # QA: ESC, BEL and U+202E from a `student:` were written raw into --csv (`cat` ran
    # them), and a newline in it split the text report's row
    raw = "ctrl\x01\x1b]0;TITLE\x07 uni\u202ecode\n=1+1"
    write(tmp_path / "e.yaml", json.dumps({"student": raw,
                                           "answers": {"check-unit": {"a.z": "0.7"}}}))
    r = run_cli("check", "e.yaml", "--csv", "g.csv", cwd=tmp_path, specs=True)
    assert r.returncode == 0, r.stderr
    grades = (tmp_path / "g.csv").read_text(encoding="utf-8")
    assert not any(c in grades for c in "\x01\x1b\x07\u202e")
    assert len(grades.splitlines()) == 2                       # the header and one row
    assert "ctrl\\x01\\x1b]0;TITLE\\x07 uni\\u202ecode\\n=1+1" in grades
    assert "ctrl\\x01\\x1b]0;TITLE\\x07 uni\\u202ecode\\n=1+1" in r.stdout.splitlines()[0]


def test_json_reports_escape_the_controls_json_leaves_raw(tmp_path):
    # JSON escapes C0 controls itself; DEL, C1 (\x9b is a terminal's CSI) and the
    # bidirectional overrides were written raw into --format json and Gradescope's file
    raw = "evil\x9b2J\u202egnp.exe\x7f"
    write(tmp_path / "e.yaml", json.dumps({"student": raw,
                                           "answers": {"check-unit": {"a.z": raw}}}))
    r = run_cli("check", "e.yaml", "--format", "json", "--gradescope", "gs.json",
                cwd=tmp_path, specs=True)
    assert r.returncode == 0, r.stderr
    gradescope = (tmp_path / "gs.json").read_text(encoding="utf-8")
    for text in (r.stdout, gradescope):
        assert not any(c in text for c in "\x9b\u202e\x7f")
        assert "\\u009b" in text and "\\u202e" in text and "\\u007f" in text
    sub = json.loads(r.stdout)["submissions"][0]
    assert sub["student"] == raw                       # the same strings once parsed
    assert any(raw in t["output"] for t in json.loads(gradescope)["tests"])


# -- Gradescope does not hand out the expected answers (finding 9) --------------------------

def test_gradescope_tests_showing_an_expected_answer_wait_for_the_due_date(tmp_path):
    import math

    z = 0.3 * 2 + 0.1                                   # w·x + b of check-unit, by hand
    write(tmp_path / "s1.yaml", f"answers: {{check-unit: {{a.z: {z}, a.yhat: 0.5}}}}\n")
    r = run_cli("check", "s1.yaml", "--gradescope", "gs.json", cwd=tmp_path, specs=True)
    assert r.returncode == 0, r.stderr
    tests = {t["name"]: t for t in json.loads((tmp_path / "gs.json").read_text())["tests"]}
    assert tests["check-unit a.z"]["visibility"] == "visible"        # correct: own answer
    assert "expected" not in tests["check-unit a.z"]["output"]
    yhat = tests["check-unit a.yhat"]
    assert yhat["score"] == 0 and f"{1 / (1 + math.exp(-z)):.6g}" in yhat["output"]
    assert yhat["visibility"] == "after_due_date"
    missing = tests["check-unit b.loss"]
    assert missing["visibility"] == "after_due_date"
    revealing = [t for t in tests.values() if "expected" in t["output"]]
    assert revealing and all(t["visibility"] == "after_due_date" for t in revealing)
    for when in ("after_published", "hidden", "visible"):
        r = run_cli("check", "s1.yaml", "--gradescope", f"{when}.json",
                    "--gradescope-expected", when, cwd=tmp_path, specs=True)
        assert r.returncode == 0, r.stderr
        got = json.loads((tmp_path / f"{when}.json").read_text())["tests"]
        assert {t["name"]: t["visibility"] for t in got} == {
            n: ("visible" if n == "check-unit a.z" else when) for n in tests}
    r = run_cli("check", "s1.yaml", "--gradescope", "x.json", "--gradescope-expected", "soon",
                cwd=tmp_path, specs=True)
    assert r.returncode == 2 and "soon" in r.stderr
    r = run_cli("check", "s1.yaml", "--gradescope-expected", "hidden", cwd=tmp_path,
                specs=True)
    assert r.returncode == 2
    assert r.stderr == "derive: --gradescope-expected goes with --gradescope FILE\n"


def test_a_folder_search_leaves_out_the_feedback_documents_derive_wrote(tmp_path):
    write(tmp_path / "s1.yaml", ONE)
    r = run_cli("check", ".", "--feedback", "fb", "--no-pdf", cwd=tmp_path, specs=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "fb" / "s1-feedback.tex").is_file()
    write(tmp_path / "fb" / "s2-feedback.tex", "\\answer{check-unit/a.z}{0.7}\n")  # a student's
    r = run_cli("check", ".", "--format", "json", cwd=tmp_path, specs=True)
    assert r.returncode == 0, r.stderr
    assert list(submissions(r.stdout)) == ["fb/s2-feedback.tex", "s1.yaml"]
    r = run_cli("check", "fb/s1-feedback.tex", cwd=tmp_path, specs=True)  # named: said why
    assert r.returncode == 1 and "not an answer file" in r.stderr
    (tmp_path / "fb" / "s2-feedback.tex").unlink()  # a folder of derive's documents only
    r = run_cli("check", "fb", cwd=tmp_path, specs=True)
    assert r.returncode == 2 and r.stderr == ("derive: fb: no answer files, only 1 document(s)"
                                              " derive wrote to be read (questions, "
                                              "solutions, feedback)\n"), r.stderr


# -- a bounded folder search, each file once, unmarked paths in the JSON ---------------------

def test_a_folder_with_more_answer_files_than_a_class_is_refused_before_marking(tmp_path):
    (tmp_path / "home").mkdir()
    for i in range(10_001):                             # one more than the bound, 10,000
        (tmp_path / "home" / f"{i:05d}.yaml").write_bytes(b"")
    r = run_cli("check", "home", "--format", "json", cwd=tmp_path, specs=True)
    assert r.returncode == 2
    assert r.stdout == ""                               # nothing marked
    assert r.stderr == ("derive: home: more than 10,000 answer files in it and its "
                        "subfolders; nothing was marked (is this the class's folder? name "
                        "it, or its files)\n")


def test_a_folder_nested_too_deep_is_refused_and_one_at_the_bound_is_searched(tmp_path):
    deep = tmp_path / "top"
    for _ in range(16):                                 # top/d/…/d: 16 levels below top
        deep = deep / "d"
    deep.mkdir(parents=True)
    write(deep / "a.yaml", ONE)
    r = run_cli("check", "top", "--format", "json", cwd=tmp_path, specs=True)
    assert r.returncode == 0, r.stderr
    assert list(submissions(r.stdout)) == ["top" + "/d" * 16 + "/a.yaml"]
    (deep / "d").mkdir()                                # a 17th level
    r = run_cli("check", "top", cwd=tmp_path, specs=True)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("derive: top: folders nested more than 16 levels deep (at ")
    assert len(r.stderr.splitlines()) == 1


def test_the_search_bounds_count_over_every_folder_named(tmp_path):
    import pytest

    from derive.check.mark.discover import SearchLimits, SearchTooLarge, find_answer_files

    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        for i in range(3):
            write(tmp_path / folder / f"{i}.yaml", ONE)
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    assert len(find_answer_files([a, b], SearchLimits(files=6)).files) == 6
    with pytest.raises(SearchTooLarge, match="more than 5 answer files"):
        find_answer_files([a, b], SearchLimits(files=5))
    for i in range(20):
        (tmp_path / "b" / f"notes{i}.txt").write_text("")
    assert len(find_answer_files([a, b], SearchLimits(entries=26)).files) == 6
    with pytest.raises(SearchTooLarge, match=r"b: more than 25 entries"):
        find_answer_files([a, b], SearchLimits(entries=25))


def test_one_file_reached_twice_is_marked_once_at_its_first_place(tmp_path):
    import os

    (tmp_path / "class").mkdir()
    write(tmp_path / "class" / "s1.yaml", ONE)
    write(tmp_path / "class" / "s2.yaml", ONE)
    (tmp_path / "link.yaml").symlink_to(tmp_path / "class" / "s2.yaml")
    os.link(tmp_path / "class" / "s1.yaml", tmp_path / "hard.yaml")
    r = run_cli("check", "class/s2.yaml", "./class/s2.yaml", "class", "link.yaml",
                "hard.yaml", "class/../class/s1.yaml", "--format", "json", cwd=tmp_path,
                specs=True)
    assert r.returncode == 0, r.stderr
    files = [s["file"] for s in json.loads(r.stdout)["submissions"]]
    assert files == ["class/s2.yaml", "class/s1.yaml"]


def test_the_json_report_lists_the_paths_that_could_not_be_marked(tmp_path):
    import os

    write(tmp_path / "g1.yaml", ONE)
    os.mkfifo(tmp_path / "fifo.yaml")
    r = run_cli("check", "g1.yaml", "nosuch.yaml", "fifo.yaml", "--format", "json",
                cwd=tmp_path, specs=True)
    assert r.returncode == 2
    report = json.loads(r.stdout)
    assert [s["file"] for s in report["submissions"]] == ["g1.yaml"]
    assert report["not_marked"] == [
        {"path": "nosuch.yaml", "reason": "no such file"},
        {"path": "fifo.yaml",
         "reason": "not a regular file (a FIFO); answer files are regular files"}]
    r = run_cli("check", "g1.yaml", "nosuch.yaml", "--format", "json", "-o", "r.json",
                cwd=tmp_path, specs=True)
    assert r.returncode == 2
    assert json.loads((tmp_path / "r.json").read_text())["not_marked"] == [
        {"path": "nosuch.yaml", "reason": "no such file"}]
    r = run_cli("check", "g1.yaml", "--format", "json", cwd=tmp_path, specs=True)
    assert r.returncode == 0, r.stderr
    assert "not_marked" not in json.loads(r.stdout)     # the interface's shape when none
