"""Givens in prose: ``{{name}}`` placeholders in statements and part texts.

A variant (``--set``, an assignment's ``vary``) changes a given's value; a statement that
spells the value out (``$\\alpha = 1.702$``, "stride 1", "two such filters") would then
contradict its own numbers. Specs therefore write such values as placeholders, filled
with the given's value when the spec is loaded:

- ``{{alpha}}`` the value as a person writes it (``1.702``, ``4/3``, ``[1, 2]``);
- ``{{filters:word}}`` a whole number from 0 to 20 as a word (``two``), else digits;
- ``{{start:tuple}}`` a vector as a point, ``(1, -1)``;
- ``{{padding=0?no padding|zero padding #}}`` the first text when the given equals the
  value after ``=``, else the second (``#`` in either stands for the value).

Placeholders are filled once, with the givens the problem was built with, so every
renderer (text, LaTeX, Markdown, answer templates) shows the variant's own numbers.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import sympy as sp

from derive.core.arrays import FloatMatrix
from derive.core.catalogue import WORDS
from derive.core.errors import SpecError
from derive.core.model import Problem
from derive.core.values import ValueError_, format_number, parse_number

_PLACEHOLDER = re.compile(r"\{\{(?P<body>[^{}]*)\}\}")
_BODY = re.compile(
    r"^\s*(?P<name>[A-Za-z][A-Za-z0-9_]*)\s*"
    r"(?:(?P<word>:\s*word)|(?P<tuple>:\s*tuple)"
    r"|=(?P<test>[^?|]+)\?(?P<then>[^|]*)\|(?P<else>[^|]*))?\s*$")
_WORDS = WORDS
#: a statement is short; a placeholder-heavy text this long is not one
MAX_PLACEHOLDERS = 200


def shown_value(value: Any) -> str:
    """A given's value as prose shows it (a matrix as a bracketed list of rows)."""
    if isinstance(value, FloatMatrix):  # a large given the prose spells out: its numbers
        value = value.exact()
    if isinstance(value, sp.MatrixBase):
        rows = ["[" + ", ".join(format_number(x) for x in value.row(i)) + "]"
                for i in range(value.rows)]
        return rows[0] if value.rows == 1 else "[" + ", ".join(rows) + "]"
    return format_number(value)


def fill(text: str, values: dict[str, Any], path: str, field: str) -> str:
    """``text`` with its placeholders filled from ``values`` (given name -> value).

    >>> import sympy as sp
    >>> fill("$\\\\alpha = {{alpha}}$, {{k:word}} filters", {"alpha": sp.Rational(851, 500),
    ...      "k": sp.Integer(2)}, "p.yaml", "statement")
    '$\\\\alpha = 1.702$, two filters'
    """
    if "{{" not in text:
        return text
    found = _PLACEHOLDER.findall(text)
    if len(found) > MAX_PLACEHOLDERS:
        raise SpecError(path, field, f"more than {MAX_PLACEHOLDERS} placeholders")

    def one(m: re.Match[str]) -> str:
        return _filled(m.group("body"), values, path, field)

    return _PLACEHOLDER.sub(one, text)


def _filled(body: str, values: dict[str, Any], path: str, field: str) -> str:
    m = _BODY.match(body)
    if not m:
        raise SpecError(path, field, f"cannot read placeholder '{{{{{body}}}}}' (expected "
                        "{{name}}, {{name:word}}, {{name:tuple}} or "
                        "{{name=VALUE?TEXT|OTHER TEXT}})")
    name = m.group("name")
    if name not in values:
        known = ", ".join(sorted(values)) or "none"
        raise SpecError(path, field, f"placeholder '{{{{{name}}}}}' names no given "
                        f"(expected one of: {known})")
    value = values[name]
    shown = shown_value(value)
    if m.group("word"):
        if isinstance(value, sp.Integer) and 0 <= int(value) < len(_WORDS):
            return _WORDS[int(value)]
        return shown
    if m.group("tuple"):
        if isinstance(value, sp.MatrixBase):
            return "(" + ", ".join(format_number(x) for x in value) + ")"
        return shown
    if m.group("test") is not None:
        try:
            test = parse_number(m.group("test").strip())
        except ValueError_ as e:
            raise SpecError(path, field, f"placeholder '{{{{{body}}}}}': {e}") from None
        chosen = m.group("then") if value == test else m.group("else")
        return chosen.replace("#", shown)
    return shown


def fill_prose(problem: Problem) -> Problem:
    """The problem with the placeholders of its statement, part texts, answer texts and
    given texts filled from its own givens (errors name the field)."""
    values = {name: g.value for name, g in problem.givens.items()}
    path = problem.path

    def filled(item: Any, field: str) -> Any:
        # a copy only when a placeholder changed the text: most of a spec's texts have
        # none (gelu-descent's 35 answers), and each variant a marker builds fills them all
        text = fill(item.text, values, path, field)
        return item if text == item.text else replace(item, text=text)

    parts = tuple(filled(p, f"parts.{p.name}.text") for p in problem.parts)
    answers = {aid: filled(a, f"answers.{aid}.text") for aid, a in problem.answers.items()}
    givens = {name: filled(g, f"givens.{name}.text") for name, g in problem.givens.items()}
    return replace(problem, statement=fill(problem.statement, values, path, "statement"),
                   title=fill(problem.title, values, path, "title"), parts=parts,
                   answers=answers, givens=givens)
