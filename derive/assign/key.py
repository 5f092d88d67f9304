"""The instructor's side of ``derive assign``: every student's givens and expected answers
(``key.json``, ``key.csv``), the interface's JSON, and a summary of the variants drawn."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

from derive.assign.assignment import Assignment
from derive.assign.documents import points_text
from derive.assign.variants import Drawn
from derive.render.json import plain

Class = dict[str, dict[str, Drawn]]
"""student id -> problem id -> what was drawn"""


def givens_json(v: Drawn) -> dict[str, Any]:
    return {k: plain(x) for k, x in v.givens.items()}


def interface_json(assignment: Assignment, drawn: Class) -> str:
    """``derive assign --format json`` (interface.md): each student's varied givens."""
    out = {"assignment": assignment.title, "seed": assignment.seed,
           "students": {sid: {pid: {"givens": givens_json(v)} for pid, v in vs.items()}
                        for sid, vs in drawn.items()}}
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def key_json(assignment: Assignment, drawn: Class) -> str:
    """Every student's givens and expected answers, with the points of each."""
    students: dict[str, Any] = {}
    for sid, vs in drawn.items():
        students[sid] = {}
        for ap in assignment.problems:
            v = vs[ap.id]
            students[sid][ap.id] = {
                "givens": givens_json(v),
                "answers": {aid: {**v.answers[aid], "points": float(pts)}
                            for aid, pts in ap.points.items()}}
    out = {"assignment": assignment.title, "seed": assignment.seed,
           "out_of": float(assignment.out_of), "students": students}
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def key_csv(assignment: Assignment, drawn: Class) -> str:
    """A row per student: the varied givens, then every asked answer as LaTeX."""
    given_cols = [(ap.id, g) for ap in assignment.problems for g in ap.vary]
    answer_cols = [(ap.id, a) for ap in assignment.problems for a in ap.points]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", *(f"{p}:{g}" for p, g in given_cols),
                *(f"{p}/{a}" for p, a in answer_cols)])
    for sid, vs in drawn.items():
        w.writerow([sid, *(json.dumps(givens_json(vs[p])[g]) for p, g in given_cols),
                    *(vs[p].answers[a]["latex"] for p, a in answer_cols)])
    return buf.getvalue()


def summary_text(assignment: Assignment, drawn: Class) -> str:
    """What was drawn: per problem the values of each varied given and how many students
    got each, the number of different variants, and the ill-posed draws redrawn."""
    lines = [f"{assignment.title}: {len(drawn)} students, seed {assignment.seed}, "
             f"{points_text(assignment.out_of)} points each"]
    for ap in assignment.problems:
        vs = [d[ap.id] for d in drawn.values()]
        lines.append(f"  {ap.id}: {len(ap.points)} answers, {points_text(ap.out_of)} points")
        if not ap.vary:
            lines.append("    the same numbers for everyone (no vary)")
            continue
        distinct = {tuple(str(x) for x in v.givens.values()) for v in vs}
        redrawn = sum(v.draws - 1 for v in vs)
        lines.append(f"    {len(distinct)} different variants; {redrawn} ill-posed draws "
                     "redrawn")
        for name in ap.vary:
            counts = Counter(json.dumps(plain(v.givens[name])) for v in vs)
            shown = ", ".join(f"{val} ×{n}" for val, n in sorted(counts.items(),
                                                                key=lambda kv: -kv[1])[:12])
            more = f", … ({len(counts)} values)" if len(counts) > 12 else ""
            lines.append(f"    {name}: {shown}{more}")
    return "\n".join(lines) + "\n"
