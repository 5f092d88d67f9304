"""A student's documents: the questions with their own numbers, the answer sheet (their
id filled in, their numbers beside each part's boxes) and the worked solutions.

Everything is rendered from the student's *solved* variants, so the prose, the givens
table and the answers come from one set of numbers (statements fill their ``{{given}}``
placeholders when the variant is built).
"""

from __future__ import annotations

from fractions import Fraction

from derive.assign.assignment import AssignedProblem, Assignment
from derive.assign.variants import Variant
from derive.check.template import answer_sheet_preamble, hint
from derive.core.derivation import Solution
from derive.render.latex import givens_tex, problem_blocks
from derive.render.printing import escape_text
from derive.render.prose import prose_tex
from derive.render.sheet import assemble, document_head
from derive.render.tex_document import Block


def points_text(p: Fraction) -> str:
    """2, 2.5 or 1/3 (as few digits as tell it exactly)."""
    if p.denominator == 1:
        return str(p.numerator)
    f = float(p)
    return f"{f:g}" if Fraction(f"{f:g}") == p else f"{p.numerator}/{p.denominator}"


def _plural(p: Fraction) -> str:
    return f"{points_text(p)} point" + ("" if p == 1 else "s")


def _asked_by_part(ap: AssignedProblem, s: Solution) -> list[tuple[str, str, list[str]]]:
    """(part, its text, the asked answer ids in it), in the problem's order."""
    out = []
    placed: set[str] = set()
    for part in s.problem.parts:
        ids = [a for a in ap.points if s.problem.answers[a].part == part.name]
        placed.update(ids)
        if ids:
            out.append((part.name, part.text, ids))
    rest = [a for a in ap.points if a not in placed]
    if rest:
        out.append(("other", "", rest))
    return out


def _answer_line(ap: AssignedProblem, s: Solution, aid: str) -> str:
    spec = s.problem.answers[aid]
    what = prose_tex(hint(spec).replace("\\times", "$\\times$"))
    return (r"\item \texttt{%s} (%s): %s" % (escape_text(aid), _plural(ap.points[aid]), what))


def question_blocks(ap: AssignedProblem, v: Variant) -> list[Block]:
    """One problem as the student reads it: statement, their givens, the asked parts."""
    s = v.solution
    p = s.problem
    head = [r"\section[%s]{%s\hfill{\normalfont\small %s}}"
            % (prose_tex(p.title), prose_tex(p.title), _plural(ap.out_of))]
    if p.statement.strip():
        head.append(prose_tex(p.statement))
    if s.givens:
        head.append(givens_tex(s))
    blocks = [Block(p.id, "\n\n".join(head))]
    for part, text, ids in _asked_by_part(ap, s):
        out = [r"\subsection*{(%s)}" % escape_text(part)]
        if text.strip():
            out.append(prose_tex(text))
        out.append("\\begin{itemize}\\itemsep0pt\n" + "\n".join(
            _answer_line(ap, s, a) for a in ids) + "\n\\end{itemize}")
        blocks.append(Block(f"{p.id}, part ({part})", "\n\n".join(out)))
    return blocks


def questions_tex(assignment: Assignment, student: str, variants: dict[str, Variant]) -> str:
    """The question document of one student (a complete LaTeX document)."""
    blocks = [Block("header", r"\noindent\textbf{Student:} \texttt{%s}\hfill "
                    r"%s in all\par\medskip"
                    "\n\\noindent Write your answers in the answer sheet made for you "
                    "(\\texttt{answers.tex}); the numbers below are yours alone."
                    % (escape_text(student), _plural(assignment.out_of)))]
    for ap in assignment.problems:
        blocks += question_blocks(ap, variants[ap.id])
    body = "\n\n".join(b.tex for b in blocks)
    head = (document_head(body) + "\\begin{document}\n"
            + "\\begin{center}\n{\\LARGE\\bfseries %s}\n\\end{center}\n\n"
            % escape_text(assignment.title))
    return head + body + "\n\n\\end{document}\n"


_WORKED: dict[int, tuple[Solution, list[Block]]] = {}


def worked_blocks(s: Solution) -> list[Block]:
    """``problem_blocks``, once per solved variant (students who drew the same numbers
    share one rendering; a worked solution takes seconds to lay out)."""
    got = _WORKED.get(id(s))
    if got is None or got[0] is not s:
        if len(_WORKED) > 2000:
            _WORKED.clear()
        got = _WORKED[id(s)] = (s, problem_blocks(s))
    return got[1]


def solutions_tex(assignment: Assignment, student: str, variants: dict[str, Variant]) -> str:
    """The worked solutions of the student's own variants (a complete LaTeX document)."""
    blocks = [b for ap in assignment.problems for b in worked_blocks(variants[ap.id].solution)]
    title = f"{escape_text(assignment.title)}: worked solutions for {escape_text(student)}"
    # no table of contents: a few problems, and the PDF's outline lists them; it would
    # cost two more pdflatex passes for each student (``render.tex_compile``)
    return assemble(blocks, title=title, problems=tuple(ap.id for ap in assignment.problems),
                    contents=False).text


def _givens_line(s: Solution) -> str:
    """The student's numbers as one line of math, for beside the answer boxes."""
    from derive.render.latex import tex

    items = []
    for name, value in s.givens.items():
        g = s.problem.givens[name]
        items.append(f"${g.latex} = {tex(value)}$")
    return r"\answerhint{Your numbers: %s}" % ", ".join(items) if items else ""


def answer_sheet_tex(assignment: Assignment, student: str,
                     variants: dict[str, Variant]) -> str:
    """The student's answer sheet for ``derive check --assignment``: their id filled in,
    an empty ``\\answer`` box per asked answer, their numbers beside each part's boxes."""
    head = [
        f"% Answer sheet of {student} for {assignment.title}. Write each answer, as LaTeX",
        "% math, in the second braces of its \\answer (e.g. \\answer{p/a.x1}{-0.05}); words",
        "% as \\text{momentum}. Empty boxes are marked as not answered. Keep \\student{} as",
        "% it is: it picks the numbers your answers are marked against.",
        *answer_sheet_preamble(),
        r"\section*{%s}" % escape_text(assignment.title),
        r"\student{%s}" % escape_text(student),
    ]
    body = []
    for ap in assignment.problems:
        s = variants[ap.id].solution
        out = [r"\subsection*{%s \texttt{(%s)}}" % (escape_text(s.problem.title),
                                                    escape_text(ap.id))]
        givens = _givens_line(s)
        for part, _text, ids in _asked_by_part(ap, s):
            out.append(r"\paragraph{(%s)}" % escape_text(part))
            if givens:
                out.append(givens)
            for aid in ids:
                spec = s.problem.answers[aid]
                h = prose_tex(hint(spec).replace("\\times", "$\\times$"))
                out.append(f"% {aid} ({spec.kind}, {points_text(ap.points[aid])} points)\n"
                           f"\\answerhint{{{h} ({_plural(ap.points[aid])})}}\n"
                           f"\\answer{{{ap.id}/{aid}}}{{}}")
        body.append("\n\n".join(out))
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n\n\\end{document}\n"
