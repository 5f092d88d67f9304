"""LaTeX worked solutions: one renderer for ``derive solve --format latex`` (a fragment per
problem) and ``derive sheet`` (the fragments in one document with :data:`PREAMBLE`).

A problem renders as a section: its statement and givens, then per part the question, the
derivation steps as aligned equations (each tagged with its rule), iteration tables,
figures, and the boxed answers. Long equation sides are broken at terms or factors
(``texlayout``); what still does not fit is scaled by ``\\derivefit``.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import groupby
from typing import Any

import sympy as sp

from derive.core.derivation import Figure, Section, Solution, Step, Table
from derive.render.decimals import number_tex
from derive.render.figures import figure_tex
from derive.render.own_latex import own_latex, symbol_latex
from derive.render.printing import (
    SheetLatex,
    _is_word,
    escape_text,
    sheet_printer,
    tex,
    upright_words,
    value_tex,
)
from derive.render.prose import math_safe, prose_tex
from derive.render.shown import Shown, shown_expr
from derive.render.tex_document import PREAMBLE as PREAMBLE  # a fragment names it here
from derive.render.tex_document import Block
from derive.render.texlayout import break_expr, tex_width
from derive.render.text import facts_in_words, rule_name

#: usable line width in em (A4, 2.2 cm margins, 11 pt), less a margin for estimate errors
LINE_EM = 40.0
#: a left-hand side wider than this gets its own line (it would push the '=' too far right)
LHS_EM = 11.0


# -- steps -------------------------------------------------------------------------------
def _rel_side(step: Step) -> list[tuple[str, Any]]:
    """The sides of a step after its head: (relation, value) pairs, in order."""
    sides: list[tuple[str, Any]] = []
    if step.before is not None:
        sides.append(("=", step.before))
        if step.subs and isinstance(step.before, sp.Basic) and _is_value(step.after):
            shown = shown_expr(step.before, step.subs)
            # a matrix of sums written out in full is unreadable once scaled below ~half
            if not isinstance(shown.expr, sp.MatrixBase) or \
                    tex_width(shown.printer().doprint(shown.expr)) < 2 * LINE_EM:
                sides.append(("=", shown))
    after = step.after
    if isinstance(step.before, tuple):  # a list of facts, and what follows from them
        sides.append((r"\Rightarrow", after))
        return sides
    rounded = isinstance(after, sp.Expr) and after.is_number and not after.is_Rational \
        and not isinstance(after, sp.Float)
    sides.append((r"\approx" if rounded else "=", after))
    if isinstance(after, sp.Rational) and not after.is_Integer \
            and number_tex(after).startswith(("\\frac", "-\\frac")):
        sides.append((r"\approx", sp.Float(after, 15)))
    return sides


def _is_value(v: Any) -> bool:
    """A number or a matrix of numbers (what a substitution shown in full leads to)."""
    if isinstance(v, sp.MatrixBase):
        return all(isinstance(c, sp.Expr) and c.is_number for c in v)
    return isinstance(v, sp.Expr) and v.is_number


def _printer(value: Any) -> tuple[SheetLatex, Any]:
    if isinstance(value, Shown):
        return value.printer(), value.expr
    return sheet_printer(), value


def _lines(value: Any, budget: float) -> list[str]:
    """A side's printed lines within ``budget`` em (scaled in TeX if one is still too wide)."""
    if isinstance(value, (str, tuple, list)):
        return [tex(value)]
    printer, expr = _printer(value)
    lines = break_expr(sp.sympify(expr), printer, budget)
    return [line if tex_width(line) <= budget * 0.92 else
            r"\derivefit{%.1fem}{%s}" % (budget, line) for line in lines]


def _head_and_sides(step: Step) -> tuple[str | None, list[tuple[str, Any]]]:
    sides = _rel_side(step)
    if step.lhs is not None:
        return tex(step.lhs), sides
    if isinstance(step.after, sp.Equality) and step.before is None:
        return tex(step.after.lhs), [("=", step.after.rhs)]
    if len(sides) > 1:
        return tex(sides[0][1]), sides[1:]
    return None, sides


def step_note(step: Step) -> str:
    note = escape_text(rule_name(step.rule))
    if facts_in_words(step.facts):
        note += ": " + "; ".join(escape_text(f) for f in step.facts)
    elif step.facts:
        note += ", using " + ", ".join(f"${tex(f, prime=True)}$" for f in step.facts)
    return note


def steps_tex(steps: list[Step]) -> str:
    """An ``align*`` of steps: ``lhs &= side \\\\ &= side`` with the rule as a tag."""
    heads = [_head_and_sides(s) for s in steps]
    narrow = [tex_width(h) for h, _ in heads if h is not None and tex_width(h) <= LHS_EM]
    col = max(narrow, default=0.0)
    rows: list[str] = []
    budget = LINE_EM - col - 1.5
    # (lhs, last printed line, whether it ended in a value) of the previous step
    prev: tuple[Any, str, bool] | None = None
    for step, (head, sides) in zip(steps, heads, strict=True):
        out: list[str] = []
        lead = head or ""  # what stands left of the first '&'
        seen = {head}
        # the same quantity again continues its chain, unless the chain reached a number
        # and this step starts from a formula: "≈ 0.37 = −y log ŷ − …" reads as 0.37 being
        # the formula's next form, so the quantity is named again
        if prev is not None and step.lhs is not None and step.lhs == prev[0] \
                and not (prev[2] and not _is_value(step.after)):
            lead, seen = "", {head, prev[1]}  # the same quantity again: continue its chain
        elif head is not None and tex_width(head) > LHS_EM:
            # a head wider than the line (a long definition's derivative) is scaled too
            wide = tex_width(head) > (LINE_EM - 1.5) * 0.92
            out.append(r"\MoveEqLeft[1] " + (r"\derivefit{%.1fem}{%s}" % (LINE_EM - 1.5, head)
                                              if wide else head))
            lead = ""
        last = ""
        for rel, value in sides:
            lines = _lines(value, budget)
            if len(lines) == 1 and lines[0] in seen:
                continue  # a side equal to the previous one (nothing was substituted)
            seen.add(lines[0])
            relation = f"{rel} " if head is not None else ""
            out.append(f"{lead} &{relation}{lines[0]}".lstrip())
            out += [r"&\quad " + ln for ln in lines[1:]]
            lead, last = "", lines[-1]
        prev = (step.lhs, last, _is_value(step.after)) if step.lhs is not None else None
        if not out:
            continue
        out[-1] += r" \tag*{\rulenote{%s}}" % step_note(step)
        rows.append(" \\\\*\n".join(out))  # a step's lines stay on one page
    if not rows:
        return ""  # every step was a bare value already shown (an empty align* breaks TeX)
    return "\\begin{align*}\n" + " \\\\[2pt]\n".join(rows) + "\n\\end{align*}"


# -- tables ------------------------------------------------------------------------------
def table_tex(t: Table) -> str:
    """A booktabs table of values (one row per iteration), scaled down if too wide."""
    def cell(v: Any) -> str:
        if isinstance(v, str):
            return escape_text(v)
        return f"$({tex(v)})$" if isinstance(v, tuple) else f"${tex(v)}$"

    align = "".join("l" if all(isinstance(r[i], str) for r in t.rows) else "r"
                    for i in range(len(t.columns)))
    head = " & ".join(cell(c) for c in t.columns)
    body = " \\\\\n".join(" & ".join(cell(c) for c in r) for r in t.rows)
    return ("\\begin{center}\n\\rulenote{%s}\\\\[2pt]\n" % escape_text(rule_name(t.rule))
            + "\\derivefittext{\\linewidth}{\\begin{tabular}{%s}\n\\toprule\n" % align
            + head + " \\\\\n\\midrule\n" + body + " \\\\\n\\bottomrule\n\\end{tabular}}\n"
            + "\\end{center}")


# -- figures -----------------------------------------------------------------------------
def _merged_figures(s: Solution, sec: Section) -> dict[int, Figure | None]:
    """Trajectories of the same f in one part drawn as one plot, at the last one's place.

    Maps item index -> the figure to draw there (None: merged into a later one).
    """
    out: dict[int, Figure | None] = {}
    groups: dict[Any, list[int]] = {}
    for i in sec.items:
        item = s.items[i]
        if isinstance(item, Figure):
            out[i] = item
            if item.kind == "trajectory" and {"f", "var", "series"} <= set(item.data):
                groups.setdefault((sp.srepr(item.data["f"]), str(item.data["var"])),
                                  []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        series: dict[str, Any] = {}
        captions: list[str] = []
        for i in members:
            fig = s.items[i]
            assert isinstance(fig, Figure)
            for label, pts in fig.data["series"].items():
                name, n = str(label), 2
                while name in series:
                    name, n = f"{label} ({n})", n + 1
                series[name] = pts
            if fig.caption and fig.caption not in captions:
                captions.append(fig.caption)
            out[i] = None
        first = s.items[members[0]]
        assert isinstance(first, Figure)
        out[members[-1]] = Figure("trajectory", {**first.data, "series": series},
                                  "; ".join(captions))
    return out


def figure_block(fig: Figure, where: str) -> str:
    body = figure_tex(fig.kind, fig.data, f"{where}: ")
    caption = r"\caption{%s}" % prose_tex(fig.caption) if fig.caption else ""
    return ("\\begin{figure}[H]\n\\centering\n\\derivefittext{\\linewidth}{%\n" + body
            + "}\n" + caption + "\n\\end{figure}")


# -- answers -----------------------------------------------------------------------------
def answers_tex(s: Solution, ids: tuple[str, ...]) -> str:
    """Boxed answers, left-aligned under their heading: short ones in a grid (a row per
    family such as g0, g1, g2 when the families are alike), long ones each on a line."""
    cells = [(aid, value_tex(s.answers[aid].kind, s.answers[aid].value)) for aid in ids]
    out = ["\\par\\smallskip\\noindent\\textbf{Answers}\\par\\nopagebreak\\smallskip"]
    short: list[tuple[str, str]] = []

    def flush() -> None:
        if not short:
            return
        widest = max(0.5 * len(a) + tex_width(v) + 1.3 for a, v in short)
        per_row = max(1, min(4, len(short), int((LINE_EM + 2) // (widest + 2))))
        per_row = _family_row(tuple(a for a, _ in short), per_row)
        spec = "@{\\qquad}".join(["r@{\\enspace}l"] * per_row)
        rows = []
        for k in range(0, len(short), per_row):
            chunk = short[k:k + per_row]
            rows.append(" & ".join(f"\\answerid{{{escape_text(a)}}} & $\\boxed{{{v}}}$"
                                   for a, v in chunk))
        out.append("\\noindent\\begin{tabular}{@{}%s@{}}\n" % spec
                   + " \\\\[3pt]\n".join(rows) + "\n\\end{tabular}\\par")
        short.clear()

    for aid, v in cells:
        if tex_width(v) + 0.55 * len(aid) <= LINE_EM / 2.2 and "\\begin" not in v:
            short.append((aid, v))
            continue
        flush()
        note = (r"\quad\rulenote{one valid choice}" if s.answers[aid].kind == "design"
                else "")
        box = _long_answer(s.answers[aid].value, v, LINE_EM - 0.55 * len(aid) - 3)
        out.append("\\par\\smallskip\\noindent\\answerid{%s}\\enspace$\\displaystyle %s$%s"
                   "\\par\\smallskip" % (escape_text(aid), box, note))
    flush()
    return "\n".join(out)


def _family_row(ids: tuple[str, ...], per_row: int) -> int:
    """Answers per grid row: the size of their families (a.g0-a.g2, a.x1-a.x3) when all
    families are that size and it fits, so that a row holds one family; else ``per_row``."""
    stems = [re.sub(r"\d+$", "", a) for a in ids]
    runs = [len(list(g)) for _, g in groupby(stems)]
    n = runs[0]
    return n if len(runs) > 1 and 1 < n <= per_row and all(r == n for r in runs) \
        else per_row


def _long_answer(value: Any, shown: str, budget: float) -> str:
    """A boxed answer too long for one line: broken at terms, or scaled to fit."""
    if tex_width(shown) <= budget * 0.92:
        return r"\boxed{%s}" % shown
    if isinstance(value, sp.Expr) and not isinstance(value, sp.MatrixBase):
        lines = break_expr(value, sheet_printer(), budget - 2)
        if len(lines) > 1 and all(tex_width(ln) <= budget for ln in lines):
            body = " \\\\\n".join(("& " if i == 0 else r"&\quad ") + ln
                                     for i, ln in enumerate(lines))
            return "\\boxed{\\begin{aligned}\n%s\n\\end{aligned}}" % body
    return r"\boxed{\derivefit{%.1fem}{%s}}" % (budget, shown)


# -- the problem -------------------------------------------------------------------------
def _given_name(name: str, latex: str) -> str:
    return r"\mathrm{%s}" % latex if latex == name and _is_word(name) \
        else upright_words(math_safe(latex))


def givens_tex(s: Solution) -> str:
    p = s.problem
    rows = []
    for name, v in s.givens.items():
        g = p.givens[name]
        note = prose_tex(g.text) if g.text else ""
        rows.append(f"${_given_name(name, g.latex)} = {tex(v)}$ & {note}")
    return ("\\medskip\\noindent\\textbf{Given}\\par\\nopagebreak\\smallskip\n"
            "\\noindent\\begin{tabularx}{\\linewidth}{@{\\quad}l@{\\qquad}>{\\small}X@{}}\n"
            + " \\\\\n".join(rows) + "\n\\end{tabularx}")


def verification_tex(s: Solution) -> str:
    if not s.results:
        return "\\rulenote{Not verified (solved with verify=False).}"
    methods = Counter(r.method for r in s.results)
    kinds = ", ".join(f"{m.replace('-', ' ')} $\\times{n}$" for m, n in sorted(methods.items()))
    worst = max((r.error for r in s.results), default=0.0)
    bound = (f"; relative errors below ${number_tex(10.0 ** _ceil_log10(worst))}$"
             if worst > 0 else "; exact")
    return ("\\par\\nopagebreak[4]\\medskip\\noindent"
            f"\\rulenote{{Verified: {len(s.results)} independent checks passed ({kinds})"
            f"{bound}.}}")


def _ceil_log10(x: float) -> int:
    import math

    return math.ceil(math.log10(x))


def problem_blocks(s: Solution) -> list[Block]:
    """The problem's LaTeX in chunks labelled with the problem and part they show; a
    given or quantity with a LaTeX of its own (``lam`` as λ) is written so in its steps."""
    with symbol_latex(own_latex(s.problem)):
        return _problem_blocks(s)


def _problem_blocks(s: Solution) -> list[Block]:
    p = s.problem
    # the id goes flush right on the title's line; a title too long for both lets it
    # break to a line of its own (TeXbook's signature trick: a break only at \penalty50).
    # The estimate is in characters of the \Large bold title (~58 fit beside nothing),
    # a capital counting 1.35 (NAND, XOR: a title of capitals ran into the id).
    fits = sum(1.35 if c.isupper() else 1 for c in p.title) + 0.45 * len(p.id) <= 54
    gap = r"\hfill" if fits else r"\unskip\nobreak\hfil\penalty50\hskip1em\hbox{}\nobreak\hfill"
    head = [r"\section[%s]{%s%s{\normalfont\small\ttfamily %s}}"
            % (prose_tex(p.title), prose_tex(p.title), gap, escape_text(p.id)),
            r"\label{problem:%s}" % p.id]
    if p.statement.strip():
        head.append(prose_tex(p.statement))
    if s.givens:
        head.append(givens_tex(s))
    blocks = [Block(p.id, "\n\n".join(head))]
    for sec in s.sections:
        where = f"{p.id}, part ({sec.part})"
        out = [r"\subsection*{(%s)}" % escape_text(sec.part)]
        if sec.text.strip():
            out.append(r"{\itshape %s\par}" % prose_tex(sec.text))
        figures = _merged_figures(s, sec)
        run: list[Step] = []
        for i in sec.items:
            item = s.items[i]
            if isinstance(item, Step):
                run.append(item)
                continue
            if run:
                out.append(steps_tex(run))
                run = []
            if isinstance(item, Table):
                out.append(table_tex(item))
            elif figures.get(i) is not None:
                out.append(figure_block(figures[i], where))  # type: ignore[arg-type]
        if run:
            out.append(steps_tex(run))
        if sec.answers:
            out.append(answers_tex(s, sec.answers))
        blocks.append(Block(where, "\n\n".join(o for o in out if o)))
    blocks.append(Block(p.id, verification_tex(s)))
    return blocks


def render_latex(s: Solution) -> str:
    """The worked solution of one problem as a LaTeX section (needs :data:`PREAMBLE`;
    ``derive sheet PROBLEM`` writes a complete document)."""
    return ("% derive: a section of a worked-solution sheet; it needs the preamble in\n"
            "% derive.render.latex.PREAMBLE (`derive sheet PROBLEM` writes a whole document)\n"
            + "\n\n".join(b.tex for b in problem_blocks(s)) + "\n")


def render_latex_fragment(s: Solution) -> str:
    """What Jupyter shows as LaTeX: the boxed answers as display math."""
    lines = [f"\\texttt{{{aid}}} &= \\boxed{{{value_tex(a.kind, a.value)}}}"
             for aid, a in s.answers.items()]
    return "$$\\begin{aligned}" + r" \\ ".join(lines) + "\\end{aligned}$$"
