"""One answer judged by its kind: gold (the derivation's) vs the student's text.

Gold comes first in every signature, as in Math-Verify.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sympy as sp

from ..derivation import Answer
from ..model import AnswerSpec
from ..values import format_number
from .parse import ParseConfig, ParseError, parse_answer, read_number

JudgementKind = Literal["correct", "incorrect", "unparsable"]


@dataclass(frozen=True)
class Judgement:
    """The verdict on one answer text, before follow-through and diagnoses."""

    verdict: JudgementKind
    value: Any = None
    """the parsed value (None when unparsable)"""
    feedback: str = ""


def number_ok(gold: Any, written: str, spec: AnswerSpec,
              config: ParseConfig | None = None) -> bool:
    """The problem set's rule: within one unit of the last written decimal place of the
    exact value and within 5% of it; exact forms (fractions) and exact-marked answers
    (sizes, counts, strides) must be exact.
    """
    wn = read_number(written, config)
    exact = sp.nsimplify(gold) if isinstance(gold, sp.Float) else gold
    diff = abs(sp.N(wn.value - exact, 30))
    if spec.marking.exact:
        return bool(diff == 0 or diff < sp.Float("1e-25"))
    if wn.unit is None:
        return bool(diff <= sp.Float("1e-9") * max(abs(sp.N(exact, 30)), 1))
    within_digit = (not spec.marking.last_digit) or diff <= wn.unit
    within_rel = diff <= spec.marking.relative * abs(sp.N(exact, 30))
    return bool(within_digit and within_rel)


def judge(gold: Answer, spec: AnswerSpec, text: str, config: ParseConfig) -> Judgement:
    """Judge one answer text against the gold answer of the same id."""
    try:
        value = parse_answer(text, spec.kind, config)
    except ParseError as e:
        return Judgement("unparsable", None, str(e))
    if spec.kind == "number":
        ok = number_ok(gold.value, text, spec, config)
        return Judgement("correct" if ok else "incorrect", value,
                         "" if ok else f"expected {format_number(gold.value)}")
    if spec.kind == "choice":
        ok = str(value) == str(gold.value).lower()
        return Judgement("correct" if ok else "incorrect", value,
                         "" if ok else f"expected {gold.value}")
    return Judgement("unparsable", None, f"answers of kind {spec.kind!r} are not judged yet")
