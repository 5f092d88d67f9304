"""Benchmark of an assignment's whole run for a class: hand out, collect, mark.

Writes a 5-problem assignment (the README's example problems: gelu-descent,
perceptron-bce, conv-valid, conv-layer-shapes, rnn-vanishing, each with varied givens)
and a roster of --students students, then times, as fresh processes:

1. ``derive assign hw.yaml --roster roster.csv -o handout --no-pdf`` (every variant
   drawn, solved, verified; every student's questions, answer sheet, worked solutions;
   the key);
2. the class's answer files, made from the key (each student's own right answers; every
   tenth student swaps a problem's answers with a neighbour, every seventh leaves one
   problem out) - not timed;
3. ``derive check answers --assignment hw.yaml --roster roster.csv --csv grades.csv
   --lms lms.csv --format json`` (every file against its student's variant).

Then it checks what a grader would: every file out of the same total, a gradebook row
per roster student, the swapped answers flagged ``other-variant``. With --pdf it also
compiles two students' question and solution PDFs and reports the time per PDF.

    python benchmarks/bench_assign.py [--students 200] [--jobs 2] [--pdf]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEFT_OUT: set[str] = set()

ASSIGNMENT = """\
title: Homework 3
seed: 2027
problems:
  - id: gelu-descent
    points: 10
    answers: [a.derivative, a.x1, a.x2, a.x3, a.f1]
    vary:
      eta: [0.05, 0.1, 0.2]
      x0: {from: -1, to: 1, step: 0.5}
  - id: perceptron-bce
    answers: {a.z: 1, b.loss: 2, b.dE_dw: 3}
    vary:
      b: {from: -0.5, to: 0.5, step: 0.1}
  - id: conv-valid
    vary:
      stride: [1, 2]
  - id: conv-layer-shapes
    answers: {a.shape: 1, b.params: 2, c.shape: 1}
    vary:
      filters: {from: 4, to: 32, step: 4}
      k: [3, 5, 7]
  - id: rnn-vanishing
    points: 4
    answers: [a.h1, a.h4, b.dh4_dh1]
    vary:
      w: {from: 0.2, to: 0.9, step: 0.1}
"""


def run(*args: str, cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "derive", *args], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=7200)
    took = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"derive {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
    return took, r


def answer_files(d: Path, key: dict) -> tuple[int, list[tuple[str, str]]]:
    """One YAML file per student from the key; returns (files, swapped pairs)."""
    out = d / "answers"
    out.mkdir()
    students = list(key["students"])
    answers = {s: {p: {a: v["latex"] for a, v in probs["answers"].items()}
                   for p, probs in key["students"][s].items()} for s in students}
    swapped = []
    for i in range(0, len(students) - 1, 10):
        a, b = students[i], students[i + 1]
        if answers[a]["perceptron-bce"] == answers[b]["perceptron-bce"]:
            continue  # the same numbers: a swap would change nothing
        answers[a]["perceptron-bce"], answers[b]["perceptron-bce"] = (
            answers[b]["perceptron-bce"], answers[a]["perceptron-bce"])
        swapped.append((a, b))
    for i, s in enumerate(students):
        if i % 7 == 3:
            answers[s].pop("conv-valid")
            LEFT_OUT.add(s)
        (out / f"{s}.yaml").write_text(json.dumps({"student": s, "answers": answers[s]},
                                                  indent=1), encoding="utf-8")
    return len(students), swapped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--pdf", action="store_true", help="also time two students' PDFs")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="derive-bench-assign-") as tmp:
        d = Path(tmp)
        (d / "hw.yaml").write_text(ASSIGNMENT, encoding="utf-8")
        (d / "roster.csv").write_text("student,name\n" + "".join(
            f"u{i:04d},Student {i}\n" for i in range(1, args.students + 1)), encoding="utf-8")
        t_assign, _ = run("assign", "hw.yaml", "--roster", "roster.csv", "-o", "handout",
                          "--no-pdf", "-j", str(args.jobs), cwd=d)
        key = json.loads((d / "handout" / "key.json").read_text(encoding="utf-8"))
        n, swapped = answer_files(d, key)
        t_check, r = run("check", "answers", "--assignment", "hw.yaml", "--roster",
                         "roster.csv", "--csv", "grades.csv", "--lms", "lms.csv",
                         "--format", "json", "-j", str(args.jobs), cwd=d)
        report = {m["student"]: m for m in json.loads(r.stdout)["submissions"]}
        answers = sum(len(m["results"]) for m in report.values())
        out_of = {m["score"]["out_of"] for m in report.values()}
        flagged = sum(1 for m in report.values() for x in m["results"]
                      if x.get("diagnosis") == "other-variant")
        with open(d / "grades.csv", encoding="utf-8") as f:
            rows = len(list(csv.DictReader(f)))
        copied = {s for pair in swapped for s in pair}
        clean = [m for s, m in report.items() if s not in copied and s not in LEFT_OUT]
        full = sum(1 for m in clean if m["score"]["points"] == m["score"]["out_of"])
        print(f"derive assign: {args.students} students x 5 problems in {t_assign:.1f} s "
              f"({t_assign / args.students * 1000:.0f} ms per student)")
        print(f"derive check --assignment: {n} files, {answers} answers in {t_check:.1f} s "
              f"({answers / t_check:.0f} answers/s)")
        print(f"whole run (assign + check): {t_assign + t_check:.1f} s")
        print(f"out_of: {sorted(out_of)}; gradebook rows: {rows}; answers flagged "
              f"other-variant: {flagged} (expected {len(swapped)} swapped pairs x 3 answers x "
              f"2 = {len(swapped) * 6}); full marks: {full} of the {len(clean)} files with "
              "every answer their own")
        if args.pdf and shutil.which("latexmk"):
            sys.path.insert(0, str(ROOT))
            from derive.check.report.feedback import compile_pdf

            texs = [d / "handout" / s / name for s in list(key["students"])[:2]
                    for name in ("questions.tex", "solutions.tex")]
            start = time.perf_counter()
            failed = [t for t in texs if compile_pdf(t) is not None]
            took = time.perf_counter() - start
            print(f"PDFs: {len(texs)} compiled in {took:.1f} s ({took / len(texs):.1f} s "
                  f"each; {len(failed)} failed)")


if __name__ == "__main__":
    main()
