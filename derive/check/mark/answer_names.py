"""Answers with names that later answers may use (spec: ``name: J_x`` on an answer).

A student who writes ``J_x^T g`` for ∂L/∂x, with ``J_x`` their answer to ∂y/∂x, or
``-\\ln \\hat y`` for the loss, with ŷ their output, uses an earlier result by its name.
Every other answer of the problem may then use the name: it is read as the right value
of that answer (``with_answer_names``), and when the student's own value of it is wrong
but readable, an answer that is right with their value is ``follow-through``
(``own_value_configs``).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.check.read import values as tv
from derive.check.read.config import ParseConfig
from derive.check.read.parse import name_key
from derive.core.model import Problem

#: kinds whose value a name can stand for
NAMEABLE = ("number", "expression", "matrix-expression", "matrix")


def answer_names(problem: Problem) -> dict[str, tuple[str, str]]:
    """answer id -> (the name as the reader spells it, as the spec writes it)."""
    out: dict[str, tuple[str, str]] = {}
    for aid, spec in problem.answers.items():
        written = spec.extra.get("name")
        if isinstance(written, str) and spec.kind in NAMEABLE:
            key = name_key(written)
            if key:
                out[aid] = (key, written)
    return out


def with_answer_names(config: ParseConfig, values: dict[str, Any]) -> ParseConfig:
    """The config where each name (reader key -> value) stands for that value: a number
    as a constant, a matrix expression as a defined matrix name, an expression as a
    defined name."""
    if not values:
        return config
    symbols, names = dict(config.symbols), dict(config.names)
    constants = dict(config.constants)
    for key, v in values.items():
        if isinstance(v, sp.MatrixBase) or (isinstance(v, sp.Basic) and v.is_number
                                            and not tv.is_matrix(v)):
            constants[key] = v
        elif tv.is_matrix(v):
            names[key] = v
            symbols[key] = sp.MatrixSymbol(key, *v.shape)
        elif isinstance(v, sp.Basic):
            names[key] = v
    return ParseConfig(**{**config.__dict__, "symbols": symbols, "names": names,
                          "constants": constants})


def uses_name(text: str, written: str) -> bool:
    """A cheap test that ``text`` may use the name (its letters appear in it)."""
    core = written.replace("\\hat", "").replace("{", "").replace("}", "").strip()
    return bool(core) and core.split("_")[0].strip("\\ ") in text


def follow_named(prep: Any, texts: dict[str, str], judged: dict[str, Any],
                 out: dict[str, Any], judge: Any) -> None:
    """Answers that use a named answer the student got wrong: read with the student's own
    value, the way a marker follows their work through. Right by its formula (with the
    right value) but not with theirs, or right only with theirs: ``follow-through``
    (``out`` gains the result). ``judge(gold, spec, text, config)`` is the marker's."""
    from derive.check.judge.diagnoses import quoted
    from derive.check.results import Result

    problem = prep.problem
    mine = {a: j.value for a, j in judged.items() if a in prep.named
            and j.verdict == "incorrect" and j.value is not None}
    if not mine:
        return
    for aid, j in judged.items():
        if aid in out or aid in prep.named and aid in mine:
            continue
        used = {a: v for a, v in mine.items()
                if a != aid and uses_name(texts[aid], prep.named[a][1])}
        if not used:
            continue
        config = with_answer_names(prep.configs[aid], {prep.named[a][0]: v
                                                       for a, v in used.items()})
        theirs = judge(prep.right[aid], problem.answers[aid], texts[aid], config).verdict
        if (j.verdict == "correct") == (theirs == "correct"):
            continue  # the name makes no difference here
        yours = " and ".join(f"{a} = {quoted(texts[a], problem.answers[a].kind)}"
                             for a in used)
        out[aid] = Result(problem.id, aid, "follow-through", texts[aid][:500],
                          prep.expected[aid], f"correct from your {yours} (the answer "
                          f"is {prep.expected[aid]})")
