"""Marking one answer file: verdicts, follow-through and diagnoses, on top of ``judge``.

For every problem a file names, every answer the problem asks appears once in the
results (``missing`` where the file gives none), followed by the answer ids the problem
does not have (``unparsable``, the feedback names them).

A :class:`Marker` lives as long as its process (a batch worker): it solves each problem
once, and caches pinned solves, variant solves and judgements of repeated answers.
Untrusted work is announced through ``phase(key, seconds)`` so that the process that
runs the marker can enforce a wall-clock limit per answer (see ``batch.py``); a key the
caller lists in ``disabled`` (because it overran or crashed before) is skipped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from derive.check.judge import conventions as cv
from derive.check.judge import diagnoses as dg
from derive.check.judge import equivalence, factors
from derive.check.judge.equivalence import Judgement
from derive.check.judge.rounding import rounding_slips
from derive.check.mark import followthrough as ft
from derive.check.mark.answer_names import answer_names, follow_named, with_answer_names
from derive.check.mark.answers import (
    MAX_FILE_BYTES,
    AnswerFileError,
    Submission,
    answer_text,
    read_answer_file,
    with_notation,
)
from derive.check.read import parse
from derive.check.read.parse import ParseConfig
from derive.check.results import Marked, Result
from derive.core.catalogue import unknown_problem
from derive.core.derivation import Answer, Solution
from derive.core.errors import DeriveError
from derive.core.model import AnswerSpec, Problem
from derive.core.solve import solve_once

#: seconds one answer may take to be read and compared (the worker's parent enforces it)
ANSWER_SECONDS = 5.0
#: seconds a problem may take to load and solve (trusted specs; generous)
SOLVE_SECONDS = 600.0
#: seconds a solve pinned at a student's values may take
PINNED_SECONDS = 60.0
READ_SECONDS = 20.0

Phase = Callable[[tuple[Any, ...], float], None]
_PROBLEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CACHE_LIMIT = 200_000


def judge(gold: Answer, spec: AnswerSpec, text: str, config: ParseConfig) -> Judgement:
    """``equivalence.judge``, by attribute so that it can be swapped (tests)."""
    return equivalence.judge(gold, spec, text, config)


def parse_config(problem: Problem, spec: AnswerSpec) -> ParseConfig:
    """The parse settings of one answer (the parser's ``config_for`` once it exists)."""
    for module in (parse, equivalence):
        config_for = getattr(module, "config_for", None)
        if config_for is not None:
            return config_for(problem, spec)
    return ParseConfig()


def normalise(text: str) -> str:
    """The text as the judgement cache keys it: spaces collapsed, outer $ removed."""
    return " ".join(text.split()).strip("$ ")


@dataclass
class Prepared:
    """A problem ready for marking: solved once, with everything marking reads."""

    problem: Problem
    raw: dict[str, Any]
    gold: Solution
    right: dict[str, Answer]
    """the gold answers with settled values (followthrough.settle): what marking compares"""
    configs: dict[str, ParseConfig]
    mistakes: dict[str, tuple[dg.Mistake, ...]]
    descendants: dict[str, set[str]]
    expected: dict[str, str]
    key: Any = ""
    """what caches key this problem by: its id, and a variant's givens (assignments)"""
    named: dict[str, tuple[str, str]] = field(default_factory=dict)
    """answers with a name later answers may use (``answer_names``)"""


class Marker:
    """Marks submissions; keeps solved problems and judgements for the process's life."""

    def __init__(self, *, answer_seconds: float = ANSWER_SECONDS, cache: bool = True,
                 phase: Phase | None = None, max_file_bytes: int = MAX_FILE_BYTES,
                 plan: Any = None) -> None:
        from derive.core.spec import problem_paths

        self.answer_seconds = answer_seconds
        self.cache = cache
        self.phase: Phase = phase or (lambda key, seconds: None)
        self.max_file_bytes = max_file_bytes
        self.paths = problem_paths()
        self._problems: dict[str, Prepared | DeriveError] = {}
        self._judged: dict[Any, Judgement] = {}
        self._pinned: dict[Any, Solution | None] = {}
        self._variants: dict[Any, dict[str, Any] | None] = {}
        self._switches = cv.Switches()
        self._generic: dict[Any, dg.Diagnosis | None] = {}
        self.plan = plan
        """an assignment's plan (``planned.Plan``): each student marked against their own
        variant of its problems; None marks the problems a file names"""
        if plan is not None:
            self.paths = {**self.paths, **plan.paths}

    # -- problems ---------------------------------------------------------------------------
    def prepared(self, pid: str, givens: dict[str, Any] | None = None) -> Prepared:
        """Load, solve (verified) and read the marking data of a problem, once (once per
        variant: ``givens`` overrides the spec's)."""
        key: Any = (pid, tuple((k, repr(v)) for k, v in givens.items())) if givens else pid
        if key not in self._problems:
            self.phase(("solve", pid), SOLVE_SECONDS)
            try:
                self._problems[key] = self._prepare(pid, givens or {}, key)
            except DeriveError as e:
                self._problems[key] = e
        got = self._problems[key]
        if isinstance(got, DeriveError):
            raise got
        return got

    def _prepare(self, pid: str, givens: dict[str, Any], key: Any) -> Prepared:
        from derive.core.spec import load_problem_and_data

        problem, raw = load_problem_and_data(self.paths[pid], givens)
        gold = solve_once(problem)  # solved already when the batch's parent presolved it
        right = {aid: replace(a, value=ft.settle(a.value)) for aid, a in gold.answers.items()}
        configs = {aid: parse_config(problem, s) for aid, s in problem.answers.items()}
        for aid, s in problem.answers.items():
            if s.kind == "matrix-expression" and aid in right:
                configs[aid] = parse.with_gold_symbols(configs[aid], right[aid].value)
                configs[aid] = parse.with_meanings(configs[aid], gold.meanings)
            elif s.kind == "expression" and aid in right:  # p of p_i, made by a block
                configs[aid] = parse.with_gold_symbols(configs[aid], right[aid].value)
            elif s.kind == "shape":  # len(y) is a size: the network's vectors by name
                configs[aid] = parse.with_meanings(configs[aid], gold.meanings)
        named = answer_names(problem)  # answers later answers may use by name (J_x)
        for aid in configs:
            configs[aid] = with_answer_names(configs[aid], {
                k: right[a].value for a, (k, _) in named.items() if a != aid and a in right})
        return Prepared(problem, raw, gold, right, configs, dg.read_mistakes(problem, raw),
                        ft.descendants_map(problem),
                        {aid: dg.show(a.value) for aid, a in right.items()}, key, named)

    def unknown_problem(self, pid: str) -> str | None:
        """Why ``pid`` is not a problem that can be marked (None when it is)."""
        if _PROBLEM_ID.match(pid) and pid in self.paths:
            return None
        return unknown_problem(pid, self.paths)

    # -- files ------------------------------------------------------------------------------
    def mark_file(self, path: str, disabled: dict[Any, str] | None = None) -> Marked:
        """Read and mark one answer file; a broken file comes back with ``error`` set."""
        self.phase(("read",), READ_SECONDS)
        try:
            sub = read_answer_file(path, self.max_file_bytes)
        except AnswerFileError as e:
            return Marked(path, Path(path).stem, error=str(e))
        return self.mark(sub, disabled or {})

    def mark(self, sub: Submission, disabled: dict[Any, str] | None = None) -> Marked:
        disabled = disabled or {}
        if self.plan is not None:
            from derive.check.mark.planned import mark_planned

            return mark_planned(self, self.plan, sub, disabled)
        unknown = {pid: why for pid in sub.answers if (why := self.unknown_problem(pid))}
        if len(unknown) == len(sub.answers):  # nothing to mark: the file is wrong
            pid, why = next(iter(unknown.items()))
            return Marked(sub.file, sub.student, error=f"{sub.file}: {_where(sub, pid)}"
                          f"{why}", warnings=sub.warnings)
        prepared = {}
        for pid in sub.answers:
            if pid in unknown:
                continue
            try:
                prepared[pid] = self.prepared(pid)
            except DeriveError as e:
                return Marked(sub.file, sub.student, warnings=sub.warnings,
                              error=f"{sub.file}: problem '{pid}' cannot be marked: {e}")
        results: list[Result] = []
        warnings = list(sub.warnings)
        for pid, given in sub.answers.items():
            if pid in unknown:  # one wrong id does not leave the other answers unmarked
                warnings.append(f"{_where(sub, pid)}{unknown[pid]}; its answers are not marked")
                results += [Result(pid, aid, "unparsable", _shown_raw(raw), "", unknown[pid])
                            for aid, raw in given.items()]
                continue
            workings = {a: w for (p, a), w in sub.working.items() if p == pid}
            results += self.mark_problem(prepared[pid], given, disabled, sub.notation,
                                         workings)
        results = [replace(r, verdict="unparsable", diagnosis=None, given=None,
                           feedback=f"could not be read from the file: {sub.broken[key]}")
                   if (key := (r.problem, r.answer)) in sub.broken else r for r in results]
        return Marked(sub.file, sub.student, results, warnings=warnings)

    # -- one problem ------------------------------------------------------------------------
    def mark_problem(self, prep: Prepared, given: dict[str, Any],
                     disabled: dict[Any, str],
                     notation: dict[str, str] | None = None,
                     workings: dict[str, str] | None = None) -> list[Result]:
        problem = prep.problem
        pid = problem.id
        texts: dict[str, str] = {}
        renamed: dict[str, str] = {}  # answers read with the sheet's notation: as written
        judged: dict[str, Judgement] = {}
        out: dict[str, Result] = {}
        designs = _design_groups(problem)
        for aid, spec in problem.answers.items():
            raw = given.get(aid)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                out[aid] = Result(pid, aid, "missing", None, prep.expected[aid],
                                  "no answer given")
                continue
            try:
                text = answer_text(raw, spec.kind)
            except (ValueError, RecursionError) as e:
                out[aid] = Result(pid, aid, "unparsable", _shown_raw(raw), prep.expected[aid],
                                  str(e) if isinstance(e, ValueError) else "nested too deeply")
                continue
            if notation:
                read = with_notation(text, notation)
                if read != text:
                    renamed[aid] = text
                    text = read
            texts[aid] = text
            key = ("judge", pid, aid)
            if aid in designs:
                continue  # judged with its group below
            if key in disabled:
                judged[aid] = Judgement("unparsable", None, f"could not be read: {disabled[key]}")
            else:
                self.phase(key, self.answer_seconds)
                judged[aid] = self._judge(prep, aid, text, prep.right[aid], "gold")
        for group in dict.fromkeys(designs.values()):
            if any(a in texts for a in group):
                judged.update(self._judge_design(prep, group, texts))
        try:
            self._follow_through(prep, texts, judged, out, disabled)
            follow_named(prep, texts, judged, out, judge)
        except (DeriveError, ArithmeticError, TypeError, ValueError, AttributeError,
                RecursionError, MemoryError):
            pass  # no follow-through for this file rather than no marking
        for aid, j in judged.items():
            if aid in out:
                continue
            res = Result(pid, aid, j.verdict, _clip(texts[aid]), prep.expected[aid],
                         "" if j.verdict == "correct" else
                         (j.feedback or f"expected {prep.expected[aid]}"))
            if j.verdict == "incorrect" and ("diagnose", pid, aid) not in disabled:
                found = self._diagnose(prep, aid, texts, judged)
                if found:
                    res = replace(res, diagnosis=found.code, feedback=found.feedback)
            out[aid] = res
        results = [_with_notation_note(out[aid], renamed.get(aid), notation)
                   for aid in problem.answers]
        if workings:
            from derive.check.mark.working import with_workings

            results = with_workings(self, prep, workings, results,
                                    _student_values(problem, judged), disabled, notation)
        for aid, raw in given.items():
            if aid not in problem.answers:
                results.append(Result(pid, aid, "unparsable", _shown_raw(raw), "",
                                      _unknown_answer(problem, aid)))
        return results

    def _judge(self, prep: Prepared, aid: str, text: str, gold: Answer, tag: Any) -> Judgement:
        """``judge`` with a cache of repeated answers and every failure made a verdict."""
        key = None
        if self.cache:
            try:
                key = (prep.key, aid, normalise(text), tag)
                hash(key)
            except TypeError:
                key = None
            if key is not None and key in self._judged:
                return self._judged[key]
        spec = prep.problem.answers[aid]
        try:
            j = judge(gold, spec, text, prep.configs[aid])
        except MemoryError:
            j = Judgement("unparsable", None, "too large to read (memory limit reached)")
        except RecursionError:
            j = Judgement("unparsable", None, "nested too deeply to read")
        except Exception as e:  # noqa: BLE001 - a parser bug must not stop the marking
            j = Judgement("unparsable", None, f"could not be read ({type(e).__name__}: "
                          f"{str(e)[:100]})")
        if key is not None:
            if len(self._judged) > _CACHE_LIMIT:
                self._judged.clear()
            self._judged[key] = j
        return j

    def _judge_design(self, prep: Prepared, group: tuple[str, ...],
                      texts: dict[str, str]) -> dict[str, Judgement]:
        """One verdict for the answers marked together (a design has a property, not a
        key: ``derive.topics.design.check_design``); values are never pinned (value None)."""
        from derive.topics.design import check_design

        problem = prep.problem
        given = [a for a in group if a in texts]
        values: dict[str, Any] = {}
        for aid in given:
            kind = problem.answers[aid].kind
            try:
                values[aid] = parse.parse_answer(texts[aid], kind, prep.configs[aid])
            except parse.ParseError as e:
                out = {a: Judgement("incorrect", None, f"marked together with {aid}, which "
                                                       "could not be read") for a in given}
                out[aid] = Judgement("unparsable", None, str(e))
                return out
        self.phase(("judge", problem.id, group[0]), self.answer_seconds)
        try:
            result = check_design(prep.gold, values)
        except (DeriveError, ArithmeticError, TypeError, ValueError) as e:
            return {a: Judgement("unparsable", None, f"could not be checked ({e})")
                    for a in given}
        if result.ok:
            return {a: Judgement("correct", None, "") for a in given}
        return {a: Judgement("incorrect", None, result.feedback) for a in given}

    def _matches(self, prep: Prepared, aid: str, text: str, value: Any) -> bool:
        value = ft.settle(value)
        j = self._judge(prep, aid, text, replace(prep.right[aid], value=value), ("as", value))
        return j.verdict == "correct"

    # -- follow-through ---------------------------------------------------------------------
    def _follow_through(self, prep: Prepared, texts: dict[str, str],
                        judged: dict[str, Judgement], out: dict[str, Result],
                        disabled: dict[Any, str]) -> None:
        problem, right = prep.problem, prep.right
        values = {**_student_values(problem, judged), **ft.wrong_formulas(problem, judged)}
        candidates = [a for a, j in judged.items()
                      if j.verdict == "incorrect" and problem.answers[a].depends]
        cuts = {a: ft.cut(problem, a, values) for a in candidates}
        pin_ids = sorted({d for c in cuts.values() for d in c
                          if ft.differs(values[d], right[d].value)})
        if not pin_ids or ("follow", problem.id) in disabled:
            return
        pinned = self._pinned_solve(prep, {d: values[d] for d in pin_ids})
        for aid in candidates:
            used = [d for d in cuts[aid] if d in pin_ids]
            # all the student's values may be more than the method can take (a 2 × 2 map
            # under a 3 × 3 pooling window): then each from its own earlier answers alone
            own = pinned if pinned or not used else self._pinned_solve(
                prep, {d: values[d] for d in used})
            computed = own.answers[aid].computed if own and aid in own.answers else None
            if not used or computed is None or ("judge", problem.id, aid) in disabled:
                continue
            self.phase(("judge", problem.id, aid), self.answer_seconds)
            if not self._matches(prep, aid, texts[aid], computed):
                continue
            wrong = [d for d in used if judged[d].verdict != "correct"] or used
            mine = " and ".join(f"{d} = {dg.quoted(texts[d], problem.answers[d].kind)}"
                                for d in wrong)
            # only right-but-coarse earlier answers (or their follow-through) cause it
            coarse = all(judged[d].verdict == "correct" or (
                d in out and out[d].diagnosis == "rounding") for d in used)
            feedback = (f"correct from your {mine} (the answer is {prep.expected[aid]})"
                        + (f"; {dg.COARSE_EARLIER}" if coarse else ""))
            out[aid] = Result(problem.id, aid, "follow-through", _clip(texts[aid]),
                              prep.expected[aid], feedback,
                              diagnosis="rounding" if coarse else None)

    def _pinned_solve(self, prep: Prepared, student: dict[str, Any]) -> Solution | None:
        key = (prep.key, frozenset(student.items()))
        if key not in self._pinned:
            self.phase(("follow", prep.problem.id), PINNED_SECONDS)
            pins = ft.pins_for(prep.right, student, prep.descendants)
            try:
                self._pinned[key] = prep.problem.solve(pins=pins, verify=False)
            except Exception:  # noqa: BLE001 - no follow-through rather than no marking
                self._pinned[key] = None
            if len(self._pinned) > _CACHE_LIMIT // 100:
                self._pinned.clear()
                return None
        return self._pinned[key]

    # -- diagnoses --------------------------------------------------------------------------
    def _diagnose(self, prep: Prepared, aid: str, texts: dict[str, str],
                  judged: dict[str, Judgement]) -> dg.Diagnosis | None:
        problem = prep.problem
        spec = problem.answers[aid]
        mistakes = prep.mistakes.get(aid, ())
        for m in mistakes:
            if m.is_variant:
                self._variant(prep, m)  # solved (and timed) before the comparisons
        self.phase(("diagnose", problem.id, aid), 2 * self.answer_seconds)
        right = {a: v.value for a, v in prep.right.items()}
        contexts: list[tuple[dict[str, Any], dict[str, str]]] = [(right, prep.expected)]
        mine = _student_values(problem, judged)
        if any(ft.differs(v, right[a]) for a, v in mine.items()):
            shown = {a: dg.quoted(texts[a], problem.answers[a].kind) for a in mine}
            contexts.append(({**right, **mine}, {**prep.expected, **shown}))
        sit = dg.Situation(spec, texts[aid], prep.right[aid].value,
                           lambda v: self._matches(prep, aid, texts[aid], v), contexts,
                           lambda t: parse.read_number(t, prep.configs[aid]),
                           lambda t: self._judge(prep, aid, t, prep.right[aid],
                                                 "gold").verdict == "correct",
                           factors.batch_sizes(problem))
        expected = prep.expected[aid]
        try:
            first, last = rounding_slips(sit, expected)
            return (first or dg.declared(sit, mistakes, problem,
                                         lambda m: self._variant_value(prep, m, aid), expected)
                    or cv.diagnose_switch(
                        sit, self._switches.mistakes(prep.key, problem, aid), expected,
                        lambda m: self._switches.values(prep, m, aid, mine, ft.pins_for,
                                                        self._variant_value(prep, m, aid)))
                    or self._generic_more(prep, aid, sit, expected, judged[aid].value)
                    or dg.generic(sit, expected) or last)
        except (DeriveError, ArithmeticError, TypeError, ValueError, AttributeError,
                RecursionError, MemoryError):
            return None  # no diagnosis rather than no marking

    def _generic_more(self, prep: Prepared, aid: str, sit: dg.Situation, expected: str,
                      value: Any) -> dg.Diagnosis | None:
        """``judge.factors``' generic mistakes (text and right answer only: cached)."""
        key = (prep.key, aid, normalise(sit.text))
        if not self.cache or key not in self._generic:
            if len(self._generic) > _CACHE_LIMIT // 10:
                self._generic.clear()
            self._generic[key] = factors.diagnose_answer(
                prep.problem, prep.configs[aid], sit, expected, value,
                lambda m: self._variant_value(prep, m, aid), prep.gold, aid)
        return self._generic[key]

    def _variant(self, prep: Prepared, m: dg.Mistake) -> dict[str, Any] | None:
        """The settled answers of the problem as the mistake solves it (once)."""
        key = (prep.key, m.sets, m.args)
        if key not in self._variants:
            self.phase(("variant", prep.problem.id, m.where), SOLVE_SECONDS)
            try:
                variant = dg.build_variant(prep.problem, prep.raw, m, floats=True).solve(
                    verify=False)
                self._variants[key] = {a: ft.settle(v.value)
                                       for a, v in variant.answers.items()}
            except Exception:  # noqa: BLE001 - a variant that fails is not a diagnosis
                self._variants[key] = None
        return self._variants[key]

    def _variant_value(self, prep: Prepared, m: dg.Mistake, aid: str) -> Any:
        values = self._variant(prep, m)
        return None if values is None else values.get(aid)


def _with_notation_note(result: Result, written: str | None,
                        notation: dict[str, str] | None) -> Result:
    """The result of an answer read with the sheet's own notation: the text as written,
    and the feedback says which names were read as what."""
    if written is None or not notation:
        return result
    used = ", ".join(f"{mine} as {course}" for mine, course in notation.items()
                     if with_notation(written, {mine: course}) != written)
    note = f"read with your notation ({used})"
    return replace(result, given=_clip(written),
                   feedback=f"{note}; {result.feedback}" if result.feedback else note)


def _student_values(problem: Problem, judged: dict[str, Judgement]) -> dict[str, Any]:
    """The parsed values a student gave for numbers and matrices (pinnable)."""
    return {a: j.value for a, j in judged.items()
            if j.value is not None and j.verdict in ("correct", "incorrect")
            and problem.answers[a].kind in ft.PINNABLE}


def _design_groups(problem: Problem) -> dict[str, tuple[str, ...]]:
    """answer id -> its design group, for the answers marked by a design's property."""
    if all(spec.kind != "design" for spec in problem.answers.values()):
        return {}  # without importing the design topic (and the two it imports)
    from derive.topics.design import design_group

    out: dict[str, tuple[str, ...]] = {}
    for aid, spec in problem.answers.items():
        if spec.kind == "design":
            for member in design_group(problem, aid):
                out[member] = design_group(problem, aid)
    return out


def _unknown_answer(problem: Problem, aid: str) -> str:
    near = difflib.get_close_matches(aid, list(problem.answers), n=1)
    if near:
        return f"'{aid}' is not an answer of {problem.id}; did you mean '{near[0]}'?"
    ids = list(problem.answers)
    shown = ", ".join(ids[:8]) + (f", … ({len(ids)} in all)" if len(ids) > 8 else "")
    return f"'{aid}' is not an answer of {problem.id} (its answers: {shown})"


def _where(sub: Submission, pid: str) -> str:
    lines = [n for (p, _), n in sub.lines.items() if p == pid]
    return f"line {min(lines)}: " if lines else f"answers.{pid}: "


def _shown_raw(raw: Any) -> str:
    return _clip(str(raw))


def _clip(text: str, limit: int = 500) -> str:
    """The student's text as reports carry it (hostile answers can be 100 000 long)."""
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"
