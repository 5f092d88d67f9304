"""The worked solution as Markdown with $-math, for notebooks (``Solution._repr_markdown_``).

Jupyter renders Markdown before LaTeX, so ``derive.load(…).solve()`` as the last line of
a cell shows the statement, the steps (MathJax ``aligned``), the iteration tables and the
boxed answers. Figures are left to the sheet.
"""

from __future__ import annotations

from typing import Any

from derive.core.derivation import Solution, Step, Table
from derive.render.latex import _given_name, _head_and_sides
from derive.render.own_latex import own_latex, symbol_latex
from derive.render.printing import escape_text, tex, value_tex
from derive.render.prose import prose_markdown
from derive.render.shown import Shown
from derive.render.text import facts_in_words, rule_name


def _side(value: Any) -> str:
    if isinstance(value, Shown):
        return value.printer().doprint(value.expr)
    return tex(value)


def step_row(step: Step) -> str:
    """``lhs &= side = side \\quad \\text{rule}`` (one row of an aligned block)."""
    head, sides = _head_and_sides(step)
    parts: list[str] = []
    last = head
    for rel, value in sides:
        t = _side(value)
        if t != last:
            parts.append(t if head is None else f"{rel} {t}")
            last = t
    note = r"\text{%s}" % escape_text(rule_name(step.rule))
    if facts_in_words(step.facts):
        note += r"\text{: %s}" % escape_text("; ".join(step.facts))
    elif step.facts:
        note += r"\text{, using }" + ", ".join(tex(f, prime=True) for f in step.facts)
    return f"{head or ''} &" + " ".join(parts) + r" && " + note


def _table(t: Table) -> list[str]:
    def cell(v: Any) -> str:
        return str(v) if isinstance(v, str) else f"${tex(v)}$"

    return ([f"*{rule_name(t.rule)}*", "",
             "| " + " | ".join(cell(c) for c in t.columns) + " |",
             "|" + "---:|" * len(t.columns)]
            + ["| " + " | ".join(cell(c) for c in r) + " |" for r in t.rows] + [""])


def render_markdown(s: Solution) -> str:
    """Markdown of the whole worked solution (statement, steps, tables, answers), the
    problem's own names written as its spec says (``own_latex``)."""
    with symbol_latex(own_latex(s.problem)):
        return _markdown(s)


def _markdown(s: Solution) -> str:
    p = s.problem
    out = [f"### {p.title} (`{p.id}`)", ""]
    if p.statement.strip():
        out += [prose_markdown(p.statement), ""]
    if s.givens:
        out.append("**Given:** " + ", ".join(
            f"${_given_name(k, p.givens[k].latex)} = {tex(v)}$" for k, v in s.givens.items()))
        out.append("")
    for sec in s.sections:
        out += [f"#### ({sec.part})", ""]
        if sec.text.strip():
            out += [f"*{' '.join(prose_markdown(sec.text).split())}*", ""]
        rows: list[str] = []
        for i in sec.items:
            item = s.items[i]
            if isinstance(item, Step):
                rows.append(step_row(item))
                continue
            if rows:
                out += ["$$\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}$$", ""]
                rows = []
            if isinstance(item, Table):
                out += _table(item)
        if rows:
            out += ["$$\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}$$", ""]
        if sec.answers:
            out.append("**Answers:** " + ", ".join(
                f"`{aid}` $\\boxed{{{value_tex(s.answers[aid].kind, s.answers[aid].value)}}}$"
                for aid in sec.answers))
            out.append("")
    return "\n".join(out)

