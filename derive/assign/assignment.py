"""Assignment files (interface.md, "Assignment files"): YAML -> a validated
:class:`Assignment`.

Every error is one line naming the file, the field and what was expected, e.g.
``hw3.yaml: problems[1].vary.eta.step: expected a positive number, found 0``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import sympy as sp
import yaml

from derive.core.errors import SpecError, UsageError
from derive.core.model import Problem
from derive.core.safe_yaml import load_bounded_yaml, yaml_error_place
from derive.core.spec import find_problem, load_problem
from derive.core.spec_fields import unknown_keys
from derive.core.values import ValueError_, short_number, to_exact

_TOP_KEYS = ("title", "seed", "problems")
_PROBLEM_KEYS = ("id", "points", "answers", "vary")
_RANGE_KEYS = ("from", "to", "step")
#: values one `vary` range may hold (a range is listed in full when drawn from)
MAX_VALUES = 10_000
MAX_PROBLEMS = 100
MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class AssignedProblem:
    """One problem of an assignment: what is asked, for how many points, what varies."""

    ref: str
    """the id or spec path as the assignment names it"""
    problem: Problem
    """the problem with the spec's own givens (a variant overrides ``vary``'s)"""
    points: dict[str, Fraction]
    """answer id -> points, in the problem's order: the answers asked"""
    vary: dict[str, tuple[Any, ...]]
    """given name -> the exact values a student's value is drawn from"""
    where: str
    """``problems[i]``, for messages"""

    @property
    def id(self) -> str:
        return self.problem.id

    @property
    def out_of(self) -> Fraction:
        return sum(self.points.values(), Fraction(0))


@dataclass(frozen=True)
class Assignment:
    title: str
    seed: int
    problems: tuple[AssignedProblem, ...]
    path: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def out_of(self) -> Fraction:
        return sum((p.out_of for p in self.problems), Fraction(0))

    def problem(self, pid: str) -> AssignedProblem | None:
        return next((p for p in self.problems if p.id == pid), None)


def load_assignment(path: str | Path) -> Assignment:
    """Read and validate an assignment file (problems are loaded, not solved)."""
    p = Path(path)
    shown = str(path)
    if not p.is_file():
        raise UsageError(f"{shown}: no such assignment file")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise SpecError(shown, "", f"larger than {MAX_FILE_BYTES // 1000} kB; an assignment "
                        "file lists problems, it is short")
    try:
        raw = load_bounded_yaml(p.read_text(encoding="utf-8"))  # aliases bounded
    except UnicodeDecodeError as e:
        raise SpecError(shown, "", f"not UTF-8 text ({e.reason})") from None
    except yaml.YAMLError as e:
        raise SpecError(shown, *yaml_error_place(e)) from None
    return build_assignment(raw, shown)


def build_assignment(raw: Any, path: str) -> Assignment:
    if not isinstance(raw, dict):
        raise SpecError(path, "", "expected a mapping with title, seed and problems")
    unknown_keys(path, "", raw, _TOP_KEYS)
    title = raw.get("title", Path(path).stem)
    if not isinstance(title, (str, int, float)) or not str(title).strip():
        raise SpecError(path, "title", "expected a line of text, e.g. Homework 3")
    seed = raw.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise SpecError(path, "seed", f"expected a whole number, e.g. 2027, found {seed!r} "
                        "(the same seed and student always get the same numbers)")
    items = raw.get("problems")
    if not isinstance(items, list) or not items:
        raise SpecError(path, "problems", "expected a list of problems (- id: gelu-descent)")
    if len(items) > MAX_PROBLEMS:
        raise SpecError(path, "problems", f"more than {MAX_PROBLEMS} problems")
    problems: list[AssignedProblem] = []
    for i, item in enumerate(items):
        ap = _problem(path, f"problems[{i}]", item)
        if any(q.id == ap.id for q in problems):
            raise SpecError(path, f"problems[{i}].id", f"'{ap.id}' is already in the "
                            "assignment (answer files name each problem once)")
        problems.append(ap)
    return Assignment(str(title).strip(), seed, tuple(problems), path)


def _problem(path: str, where: str, item: Any) -> AssignedProblem:
    if isinstance(item, str):
        item = {"id": item}
    if not isinstance(item, dict):
        raise SpecError(path, where, "expected a mapping such as {id: gelu-descent, points: 10}")
    unknown_keys(path, where, item, _PROBLEM_KEYS)
    ref = item.get("id")
    if not isinstance(ref, str) or not ref.strip():
        raise SpecError(path, f"{where}.id", "missing (expected a problem id from `derive "
                        "list` or a spec path)")
    ref = _relative_to(path, ref.strip())
    try:
        problem = load_problem(ref)
    except UsageError as e:
        raise SpecError(path, f"{where}.id", str(e)) from None
    points = _points(path, where, item, problem)
    vary = {str(name): _values(path, f"{where}.vary.{name}", name, spec, problem)
            for name, spec in _mapping(path, f"{where}.vary", item.get("vary")).items()}
    return AssignedProblem(ref, problem, points, vary, where)


def _relative_to(assignment: str, ref: str) -> str:
    """A spec path is read relative to the assignment file (an id is kept)."""
    if not (ref.endswith((".yaml", ".yml")) or "/" in ref):
        return ref
    p = Path(ref)
    if not p.is_absolute():
        beside = Path(assignment).parent / p
        if beside.is_file():
            return str(beside)
    find_problem(ref)  # the UsageError that names it
    return ref


def _mapping(path: str, where: str, v: Any) -> dict[Any, Any]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise SpecError(path, where, f"expected a mapping, found {type(v).__name__}")
    return v


def _fraction(path: str, where: str, v: Any) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise SpecError(path, where, f"expected a number of points, found {v!r}")
    try:
        f = Fraction(str(v))
    except (ValueError, ZeroDivisionError):
        raise SpecError(path, where, f"expected a number of points, found {v!r}") from None
    if f < 0 or f > 10**6:
        raise SpecError(path, where, f"expected points between 0 and 1000000, found {v}")
    return f


def _points(path: str, where: str, item: dict[str, Any], problem: Problem
            ) -> dict[str, Fraction]:
    """Answer id -> points: `answers:` names what is asked (a list, or a mapping with
    points); `points:` is spread evenly over the asked answers; 1 each by default."""
    asked = item.get("answers")
    per: dict[str, Fraction | None]
    if asked is None:
        per = dict.fromkeys(problem.answers, None)
    elif isinstance(asked, list):
        per = {str(a): None for a in asked}
    elif isinstance(asked, dict):
        per = {str(a): _fraction(path, f"{where}.answers.{a}", v) for a, v in asked.items()}
    else:
        raise SpecError(path, f"{where}.answers", "expected a list of answer ids or a "
                        "mapping answer id -> points")
    if not per:
        raise SpecError(path, f"{where}.answers", "asks nothing (expected answer ids)")
    for aid in per:
        if aid not in problem.answers:
            near = difflib.get_close_matches(aid, list(problem.answers), n=1)
            hint = f"did you mean '{near[0]}'?" if near else \
                "expected one of: " + ", ".join(list(problem.answers)[:12])
            raise SpecError(path, f"{where}.answers.{aid}", f"not an answer of {problem.id}; "
                            + hint)
    total = item.get("points")
    declared = [v for v in per.values() if v is not None]
    if total is not None:
        total_f = _fraction(path, f"{where}.points", total)
        if declared and len(declared) == len(per):
            if sum(declared, Fraction(0)) != total_f:
                raise SpecError(path, f"{where}.points", f"{total} differs from the sum of "
                                f"the answers' points ({_show(sum(declared, Fraction(0)))})")
        else:
            rest = total_f - sum(declared, Fraction(0))
            open_ = [a for a, v in per.items() if v is None]
            if rest < 0:
                raise SpecError(path, f"{where}.points", f"{total} is less than the answers' "
                                "points")
            for a in open_:
                per[a] = rest / len(open_)
    out = {a: (v if v is not None else Fraction(1)) for a, v in per.items()}
    # the problem's order, whatever order the assignment lists them in
    return {a: out[a] for a in problem.answers if a in out}


def _show(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else f"{float(f):g}"


def _values(path: str, where: str, name: Any, spec: Any, problem: Problem
            ) -> tuple[Any, ...]:
    """The exact values a varied given is drawn from (each checked against the given)."""
    if name not in problem.givens:
        known = ", ".join(problem.givens) or "none"
        raise SpecError(path, where, f"{problem.id} has no given '{name}' (its givens: "
                        f"{known})")
    given = problem.givens[name]
    if isinstance(spec, dict):
        values = _range(path, where, spec)
    elif isinstance(spec, list) and spec:
        if len(spec) > MAX_VALUES:
            raise SpecError(path, where, f"more than {MAX_VALUES} values")
        values = []
        for i, v in enumerate(spec):
            try:
                values.append(to_exact(v))
            except ValueError_ as e:
                raise SpecError(path, f"{where}[{i}]", str(e)) from None
    else:
        raise SpecError(path, where, "expected a list of values ([0.05, 0.1]) or a range "
                        "({from: -1, to: 1, step: 0.5})")
    out = []
    for i, v in enumerate(values):
        at = f"{where}[{i}]" if isinstance(spec, list) else where
        if given.column and isinstance(v, sp.MatrixBase) and v.rows == 1:
            v = v.T
        if isinstance(given.value, sp.MatrixBase) != isinstance(v, sp.MatrixBase):
            want = "a list (matrix or vector)" if isinstance(given.value, sp.MatrixBase) \
                else "a number"
            raise SpecError(path, at, f"expected {want} like the given {name}, found {v}")
        if given.integer and not isinstance(v, sp.Integer):
            raise SpecError(path, at, f"{name} is a whole number; found {v}")
        if v not in out:
            out.append(v)
    return tuple(out)


def _range(path: str, where: str, spec: dict[Any, Any]) -> list[Any]:
    unknown_keys(path, where, spec, _RANGE_KEYS)
    bounds = {}
    for key in ("from", "to", "step"):
        v = spec.get(key, 1 if key == "step" else None)
        if v is None:
            raise SpecError(path, f"{where}.{key}", "missing (a range is {from: A, to: B, "
                            "step: S})")
        try:
            bounds[key] = to_exact(v)
        except ValueError_ as e:
            raise SpecError(path, f"{where}.{key}", str(e)) from None
        if isinstance(bounds[key], sp.MatrixBase):
            raise SpecError(path, f"{where}.{key}", "expected a number")
    lo, hi, step = bounds["from"], bounds["to"], bounds["step"]
    if step <= 0:
        raise SpecError(path, f"{where}.step", "expected a positive number, found "
                        f"{short_number(step)}")
    if hi < lo:
        raise SpecError(path, f"{where}.to", f"{short_number(hi)} is below from "
                        f"({short_number(lo)})")
    count = int(sp.floor((hi - lo) / step)) + 1
    if count > MAX_VALUES:  # shown by its size: a range to 1e300 has 300 digits of them
        shown = str(count) if count < 10**12 else f"about {short_number(count)}"
        raise SpecError(path, where, f"{shown} values (at most {MAX_VALUES}: use a larger "
                        "step)")
    return [lo + i * step for i in range(count)]
