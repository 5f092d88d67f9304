"""LaTeX worked solutions: a fragment per problem (``derive solve --format latex``)."""

from __future__ import annotations

from ..derivation import Figure, Solution, Step, Table
from .json import answer_latex
from .printing import latex, substituted
from .text import rule_name


def escape(s: str) -> str:
    """Escape text for LaTeX, leaving $…$ math in statements alone."""
    out = []
    for i, chunk in enumerate(s.split("$")):
        if i % 2:
            out.append("$" + chunk + "$")
        else:
            for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"),
                         ("#", r"\#"), ("_", r"\_")):
                chunk = chunk.replace(a, b)
            out.append(chunk)
    return "".join(out)


def step_latex(s: Step) -> str:
    """One align* row: ``lhs &= before = … = after`` and the rule as a tag-like note."""
    sides: list[str] = []
    if s.lhs is not None:
        sides.append(latex(s.lhs))
    if s.before is not None:
        sides.append(latex(s.before))
        if s.subs:
            sides.append(substituted(s.before, s.subs, as_latex=True))
    sides.append(latex(s.after))
    sides = list(dict.fromkeys(sides))
    head, rest = (sides[0], sides[1:]) if len(sides) > 1 else ("", sides)
    body = f"{head} &= " + " \\\\\n  &= ".join(rest)
    note = rule_name(s.rule)
    if s.facts:
        note += ", using " + ", ".join(f"${latex(f)}$" for f in s.facts)
    return body + r" && \text{" + note + "}"


def table_latex(t: Table) -> str:
    cols = "r" * len(t.columns)
    head = " & ".join(f"${latex(c)}$" for c in t.columns)
    rows = [" & ".join(f"${latex(c)}$" for c in r) for r in t.rows]
    return ("\\begin{center}\\begin{tabular}{" + cols + "}\n\\hline\n" + head + r" \\ \hline"
            + "\n" + " \\\\\n".join(rows) + " \\\\\n\\hline\n\\end{tabular}\\end{center}")


def render_latex(s: Solution) -> str:
    """The worked solution of one problem as a LaTeX fragment (needs amsmath)."""
    p = s.problem
    out = [f"\\section*{{{escape(p.title)} \\texttt{{({p.id})}}}}"]
    if p.statement.strip():
        out.append(escape(p.statement.strip()))
    if s.givens:
        giv = ", ".join(f"${p.givens[k].latex} = {latex(v)}$" for k, v in s.givens.items())
        out.append(r"\paragraph{Givens} " + giv + ".")
    for sec in s.sections:
        out.append(f"\\subsection*{{({sec.part})}}")
        if sec.text.strip():
            out.append(escape(sec.text.strip()))
        rows: list[str] = []
        for i in sec.items:
            item = s.items[i]
            if isinstance(item, Figure):
                continue  # drawn by the sheet (derive.sheet)
            if isinstance(item, Table):
                if rows:
                    out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
                    rows = []
                out.append(table_latex(item))
            else:
                rows.append(step_latex(item))
        if rows:
            out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
        if sec.answers:
            out.append("\\begin{align*}\n" + " \\\\\n".join(
                f"\\text{{{aid}}} &: \\boxed{{{answer_latex(s.answers[aid])}}}"
                for aid in sec.answers) + "\n\\end{align*}")
    return "\n\n".join(out) + "\n"


def render_latex_fragment(s: Solution) -> str:
    """What Jupyter shows: the boxed answers as display math."""
    lines = [f"\\text{{{aid}}} &= {answer_latex(a)}" for aid, a in s.answers.items()]
    return "$$\\begin{aligned}" + r" \\ ".join(lines) + "\\end{aligned}$$"
