"""``derive template``: a LaTeX answer sheet with an ``\\answer`` slot for every answer.

The sheet carries a copy of ``derive-answers.sty`` (in a ``filecontents*`` block, which
never overwrites an existing file), so it compiles with pdflatex on its own.
"""

from __future__ import annotations

from pathlib import Path

from derive.core.model import AnswerSpec, Problem
from derive.render.printing import escape_text as escape
from derive.render.prose import prose_tex

STY = Path(__file__).with_name("derive-answers.sty")


def hint(spec: AnswerSpec) -> str:
    """What kind of answer is expected, in a few words."""
    words = {"number": "a number", "expression": "an expression",
             "matrix": "a matrix (bmatrix)", "matrix-expression": "a matrix expression",
             "shape": r"a shape, e.g. 9 \times 9 \times 6", "choice": "one of",
             "design": "a design (bmatrix of weights)"}[spec.kind]
    if spec.kind == "choice":
        words += " " + " / ".join(spec.choices)
    if spec.vars:
        words += " in " + ", ".join(spec.vars)
    if spec.text:
        words = f"{spec.text}: {words}"
    return words


def problem_latex(problem: Problem) -> str:
    out = [r"\section*{" + escape(problem.title) + r" \texttt{(" + escape(problem.id) + ")}}"]
    if problem.statement.strip():
        out.append(prose_tex(problem.statement.strip()))
    placed: set[str] = set()
    for part in problem.parts:
        ids = [a for a, s in problem.answers.items() if s.part == part.name]
        out.append(r"\subsection*{(" + escape(part.name) + ")}")
        if part.text.strip():
            out.append(prose_tex(part.text.strip()))
        for aid in ids:
            out.append(_slot(problem, aid))
            placed.add(aid)
    rest = [a for a in problem.answers if a not in placed]
    if rest:
        out.append(r"\subsection*{Other answers}")
        out += [_slot(problem, a) for a in rest]
    return "\n\n".join(out)


def _slot(problem: Problem, aid: str) -> str:
    spec = problem.answers[aid]
    h = prose_tex(hint(spec).replace("\\times", "$\\times$"))
    return (f"% {aid} ({spec.kind})\n\\answerhint{{{h}}}\n"
            f"\\answer{{{problem.id}/{aid}}}{{}}")


def answer_sheet_preamble() -> list[str]:
    """The lines every answer sheet starts with, up to ``\\begin{document}``: the
    ``derive-answers`` package carried inside the file, so one .tex compiles anywhere."""
    sty = STY.read_text(encoding="utf-8")
    return [
        r"\begin{filecontents*}{derive-answers.sty}",
        sty.rstrip("\n"),
        r"\end{filecontents*}",
        r"\documentclass[11pt]{article}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage{derive-answers}",
        r"\setlength{\parindent}{0pt}",
        r"\begin{document}",
    ]


def template_latex(problems: list[Problem]) -> str:
    """The whole answer sheet."""
    example = next((f"{p.id}/{a}" for p in problems for a, s in p.answers.items()
                    if s.kind == "number"), "problem/a.x1")
    head = [
        "% Answer sheet for `derive check`. Write each answer, as LaTeX math, in the",
        f"% second braces of its \\answer, e.g. \\answer{{{example}}}{{-0.05}}; words",
        "% as \\text{momentum}. Empty boxes are marked as not answered. Then run",
        "%   derive check THIS-FILE.tex",
        "% (a problem of your own is found with its folder named: DERIVE_PROBLEMS=FOLDER)",
        *answer_sheet_preamble(),
        r"\student{}% your name or id",
    ]
    body = [problem_latex(p) for p in problems]
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n\n\\end{document}\n"
