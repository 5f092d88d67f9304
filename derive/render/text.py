"""Plain-text worked solutions for terminals (``derive solve``)."""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from typing import Any

from derive.core.derivation import Figure, Solution, Step, Table
from derive.render.plain_tex import plain_statement as plain_statement
from derive.render.printing import substituted, text

RULE_NAMES = {
    "definition": "definition",
    "rewrite": "rewrite",
    "derivative": "derivative",
    "product-rule": "product rule",
    "quotient-rule": "quotient rule",
    "chain-rule": "chain rule",
    "sum-rule": "sum rule",
    "power-rule": "power rule",
    "exponential-rule": "exponential rule",
    "simplify": "simplify",
    "substitute": "substitute",
    "gd-update": "gradient-descent update",
    "gd": "gradient descent",
    "momentum-velocity": "momentum: velocity",
    "momentum-update": "momentum: update",
    "compare": "compare",
}


#: words of rule ids written as the course writes them: names of people and methods
#: capitalised, compound nouns hyphenated ('dense-jacobian' -> 'dense Jacobian')
_RULE_WORDS = {"jacobian": "Jacobian", "kronecker": "Kronecker", "hadamard": "Hadamard",
               "farkas": "Farkas", "adam": "Adam", "adagrad": "AdaGrad", "rmsprop": "RMSProp",
               "nesterov": "Nesterov", "relu": "ReLU"}
_RULE_PHRASES = (("cross entropy", "cross-entropy"), ("cross correlation", "cross-correlation"))


def rule_name(rule: str) -> str:
    """A rule id in words ('sigmoid-derivative' -> 'sigmoid derivative')."""
    if rule in RULE_NAMES:
        return RULE_NAMES[rule]
    words = " ".join(_RULE_WORDS.get(w, w) for w in rule.split("-"))
    for plain, written in _RULE_PHRASES:
        words = words.replace(plain, written)
    return words


def step_text(s: Step) -> str:
    """``lhs = before = substituted = after`` in plain text."""
    sides: list[str] = []
    if s.lhs is not None:
        sides.append(text(s.lhs))
    if s.before is not None:
        sides.append(text(s.before))
        if s.subs:
            sides.append(substituted(s.before, s.subs, as_latex=False))
    sides.append(text(s.after))
    line = " = ".join(dict.fromkeys(sides))  # drop repeated sides
    if s.facts:
        joined = "; ".join(text(f) for f in s.facts)
        line += f"   ({joined})" if facts_in_words(s.facts) else "   using " + joined
    return line


def facts_in_words(facts: tuple[Any, ...]) -> bool:
    """Whether a step's facts are reasons in words, which follow a colon ("threshold unit:
    fires only for A=0, B=1"), not "using" as an equation does."""
    return bool(facts) and all(isinstance(f, str) for f in facts)


def table_text(t: Table, indent: str) -> list[str]:
    cells = [[text(c) for c in t.columns]] + [[text(c) for c in r] for r in t.rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = []
    for n, r in enumerate(cells):
        lines.append(indent + "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
        if n == 0:
            lines.append(indent + "  ".join("-" * w for w in widths))
    return lines


def render_text(s: Solution, *, steps: bool = True) -> str:
    p = s.problem
    out = [f"{p.id}: {p.title}", ""]
    if p.statement.strip():
        out += textwrap.wrap(plain_statement(" ".join(p.statement.split())), 88) + [""]
    if s.givens:
        out.append("Givens")
        w = max(len(k) for k in s.givens)
        for k, v in s.givens.items():
            note = plain_statement(p.givens[k].text)
            out.append(f"  {k.ljust(w)} = {text(v)}" + (f"   ({note})" if note else ""))
        out.append("")
    for sec in s.sections:
        head = f"({sec.part})"
        if sec.text.strip():
            wrapped = textwrap.wrap(plain_statement(" ".join(sec.text.split())), 84)
            out.append(f"{head} {wrapped[0]}")
            out += ["    " + ln for ln in wrapped[1:]]
        else:
            out.append(head)
        if steps:
            for i in sec.items:
                item = s.items[i]
                if isinstance(item, Figure):
                    continue  # pictures are for the sheet
                if isinstance(item, Table):
                    out.append(f"    {rule_name(item.rule)}:")
                    out += table_text(item, "      ")
                else:
                    out.append(f"    {step_text(item)}   [{rule_name(item.rule)}]")
        if sec.answers:
            out.append("  Answers")
            w = max(len(a) for a in sec.answers)
            for aid in sec.answers:
                out.append(f"    {aid.ljust(w)}  {answer_text(s.answers[aid].value)}")
        out.append("")
    out.append(verification_line(s))
    return "\n".join(out) + "\n"


def answer_text(v: Any) -> str:
    if isinstance(v, tuple):
        return " × ".join(text(d) for d in v)
    return text(v)


def verification_line(s: Solution) -> str:
    if not s.results:
        return "not verified (solved with verify=False)"
    methods = Counter(r.method for r in s.results)
    worst = max((r.error for r in s.results), default=0.0)
    kinds = ", ".join(f"{m} ×{n}" for m, n in sorted(methods.items()))
    bound = 10.0 ** math.ceil(math.log10(worst)) if worst > 0 else 0.0
    return (f"Verified: {len(s.results)} independent checks passed ({kinds}); "
            f"relative errors below {bound:.0e}" if bound else
            f"Verified: {len(s.results)} independent checks passed ({kinds}); exact")
