"""Annotated feedback documents: one LaTeX file (and PDF) per student.

Each answer with its verdict, the student's text, the expected answer and the feedback,
then the worked solution of each problem (``derive.render.latex.render_latex``).

The student's text is untrusted: it is typeset as escaped typewriter text, never as
LaTeX, and pdflatex runs without shell escape and with ``openin_any=p`` (no reading of
files outside the working directory), in a private temporary directory
(``render.tex_compile``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from derive.check.mark.files import atomic_write, same_file
from derive.check.report.formats import points
from derive.check.results import VERDICTS, Marked
from derive.render.tex_compile import compile_reason
from derive.render.tex_document import preamble

VERDICT_COLOUR = {"correct": "green!45!black", "follow-through": "cyan!50!black",
                  "incorrect": "red!75!black", "unparsable": "magenta!70!black",
                  "missing": "gray"}

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "#": r"\#", "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%",
            "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}"}
#: (Greek letters, and the other math derive's text uses, are ``_math_char``'s)
_UNICODE = {"−": "-", "½": r"$\frac12$", "⌊": r"$\lfloor$", "⌋": r"$\rfloor$",
            "×": r"$\times$", "ŷ": r"$\hat y$", "²": r"$^2$", "′": "'", "₂": r"$_2$",
            "…": r"\ldots{}", "·": r"$\cdot$", "≈": r"$\approx$", "→": r"$\to$",
            "’": "'", "‘": "`", "“": "``", "”": "''", "–": "--", "—": "---",
            "∂": r"$\partial$"}


def tex_escape(text: str) -> str:
    """Plain text -> LaTeX text: specials escaped, known symbols translated, the rest
    of non-ASCII replaced (pdflatex would stop on it)."""
    out: list[str] = []
    for ch in "".join(map(_accents_apart, text)):
        if ch in _ACCENTS:  # over the character before it: x̂ is $\hat{x}$
            base = out.pop() if out else ""
            inner = base[1:-1] if base.startswith("$") and base.endswith("$") else base
            out.append(f"${_ACCENTS[ch]}{{{inner}}}$")
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in _UNICODE:
            out.append(_UNICODE[ch])
        elif ord(ch) < 128:
            out.append(ch if ch.isprintable() or ch == "\n" else " ")
        else:
            math = _math_char(ch)
            out.append(f"${math}$" if math else "?")
    return "".join(out)


#: the combining accents derive's text writes (``render.plain_tex``: m̂, ḡ, g̅x̅)
_ACCENTS = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0303": r"\tilde", "\u0307": r"\dot",
            "\u0305": r"\overline", "\u20d7": r"\vec"}


def _accents_apart(ch: str) -> str:
    """A precomposed letter with one of those accents as the letter and the accent (ḡ:
    g + U+0304); any other character as it is."""
    if ch in _UNICODE or ord(ch) < 128:
        return ch
    parts = unicodedata.normalize("NFD", ch)
    return parts if len(parts) > 1 and all(c in _ACCENTS for c in parts[1:]) else ch


#: what derive's own text (the terminal printer, diagnoses) writes besides _UNICODE
_MATH = {"±": r"\pm", "⊙": r"\odot", "⊘": r"\oslash", "⊗": r"\otimes", "‖": r"\|",
         "ℝ": r"\mathbb{R}", "∇": r"\nabla", "∈": r"\in", "≠": r"\neq", "≤": r"\leq",
         "≥": r"\geq", "√": r"\surd", "∞": r"\infty", "∑": r"\sum", "∏": r"\prod",
         "ᵀ": r"^{T}", "⌈": r"\lceil", "⌉": r"\rceil", "ε": r"\varepsilon", "ℓ": r"\ell"}
_DIGITS = {"ZERO": "0", "ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5",
           "SIX": "6", "SEVEN": "7", "EIGHT": "8", "NINE": "9", "MINUS": "-", "PLUS": "+"}


def _math_char(ch: str) -> str | None:
    """A character derive's text uses, as LaTeX math (a Greek letter by its name, a
    super- or subscript digit), or None."""
    if ch in _MATH:
        return _MATH[ch]
    name = unicodedata.name(ch, "")
    for prefix, case in (("GREEK SMALL LETTER ", str.lower), ("GREEK CAPITAL LETTER ", str.title)):
        if name.startswith(prefix) and " " not in name[len(prefix):]:
            letter = case(name[len(prefix):].replace("LAMDA", "LAMBDA"))
            return f"\\{letter}" if letter in _GREEK else None
    for prefix, mark in (("SUPERSCRIPT ", "^"), ("SUBSCRIPT ", "_")):
        if name.startswith(prefix) and name[len(prefix):] in _DIGITS:
            return f"{mark}{{{_DIGITS[name[len(prefix):]]}}}"
    return None


#: Greek letters LaTeX has a command for (capitals only where they differ from Latin)
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
          "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon",
          "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi",
          "Sigma", "Upsilon", "Phi", "Psi", "Omega"}


def verbatim(text: str, limit: int = 300) -> str:
    """A student's text as breakable typewriter text."""
    s = " ".join(text.split())
    if len(s) > limit:
        s = s[:limit] + "…"
    pieces = [tex_escape(s[i:i + 12]) for i in range(0, len(s), 12)]
    return r"\texttt{" + r"\allowbreak{}".join(pieces) + "}"


#: how a line of a working is marked, worst verdict of its steps first
_LINE_MARKS = (("invalid", "red!75!black", "wrong"), ("unreadable", "magenta!70!black",
                                                       "not read"),
               ("unchecked", "gray", "not checked"), ("valid", "green!45!black", "ok"))


def working_latex(w: Any) -> str:
    """The working behind an answer, line by line, each line marked; the first wrong
    line in red with what is wrong (the student's text is escaped, never compiled)."""
    first_line = w.first_error_line
    rows = []
    for n, text in enumerate(w.lines, start=1):
        verdicts = {s.verdict for s in w.steps if s.line == n}
        colour, word = next(((c, t) for v, c, t in _LINE_MARKS if v in verdicts),
                            ("gray", "no relation"))
        mark = r"\textcolor{" + colour + r"}{\textbf{" + word + "}} " + verbatim(text, 200)
        if n == first_line:
            step = w.steps[w.first_error - 1]
            mark = (r"\colorbox{red!8}{\parbox{\dimexpr\linewidth-2\fboxsep\relax}{" + mark
                    + r"\\ \textcolor{red!75!black}{\textbf{first wrong step:}} "
                    + tex_escape(step.feedback) + "}}")
        rows.append(r"\item[" + str(n) + ".] " + mark)
    if not rows:
        rows = [r"\item " + tex_escape("; ".join(s.feedback for s in w.steps))]
    summary = ("no wrong step" if w.first_error is None else
               f"first wrong step: {w.first_error} of {len(w.steps)}, line {first_line}")
    return (r"\\ Your working (" + tex_escape(summary) + "):"
            + r"\begin{itemize}\setlength\itemsep{0pt}" + "\n".join(rows)
            + r"\end{itemize}")


#: the first line of every feedback document: a folder search of ``derive check`` knows
#: it for derive's own output and does not mark it as a student's answers
FEEDBACK_MARK = "% derive check --feedback: a feedback document, not an answer file"


def feedback_latex(m: Marked, worked: dict[str, str]) -> str:
    """The feedback document of one marked file (``worked``: problem -> LaTeX)."""
    total, out_of = points(m)
    s = m.score()
    # one line, bounded: a blank line in a name would end the heading's paragraph
    name = " ".join(str(m.student).split())[:80] or "?"
    body = [r"\section*{Feedback for " + tex_escape(name) + "}",
            r"\noindent File: " + verbatim(m.file) + r"\\",
            rf"Score: \textbf{{{total:g}/{out_of:g}}} ("
            # the verdict counts only: the score's points and out_of are the bold total
            + ", ".join(f"{s[v]} {v}" for v in VERDICTS) + ")."]
    if m.error:
        body.append(r"\paragraph{This file could not be marked.} " + tex_escape(m.error))
    for pid in m.problems():
        body.append(r"\subsection*{" + tex_escape(pid) + "}")
        body.append(r"\begin{description}")
        for r in (r for r in m.results if r.problem == pid):
            colour = VERDICT_COLOUR[r.verdict]
            line = (r"\item[" + verbatim(r.answer) + r"] \textcolor{" + colour + r"}{\textbf{"
                    + r.verdict + "}}")
            if r.diagnosis:
                line += r" \emph{(" + tex_escape(r.diagnosis) + ")}"
            if r.given is not None:
                line += r"\\ Your answer: " + verbatim(r.given)
            if r.verdict != "correct" and r.expected:
                line += r"\\ Expected: " + verbatim(r.expected)
            if r.feedback and r.verdict != "missing" and \
                    r.feedback != f"expected {r.expected}":  # said on the line above
                line += r"\\ " + tex_escape(r.feedback)
            if r.working is not None:
                line += working_latex(r.working)
            body.append(line)
        body.append(r"\end{description}")
        if pid in worked:
            body.append(r"\subsubsection*{Worked solution}")
            body.append(_demote(worked[pid]))
    return "\n".join([
        FEEDBACK_MARK,
        r"\documentclass[11pt]{article}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage[dvipsnames]{xcolor}",
        preamble("\n".join(body)),  # what the worked solutions (derive.render.latex) need
        r"\setlength{\parindent}{0pt}",
        r"\begin{document}",
        *body,
        r"\end{document}",
        ""])


def _demote(latex: str) -> str:
    """The worked solution's headings one level down (it sits under the answers)."""
    latex = latex.replace(r"\subsection*", r"\paragraph*")
    return latex.replace(r"\section*", r"\subsubsection*")


def output_names(files: list[str], directory: Path, inputs: list[str]) -> list[Path]:
    """``<stem>-feedback.tex`` per answer file, unique, never the name of an input (known
    before marking, so that ``derive check`` can refuse an output that clashes)."""
    names: list[Path] = []
    used: set[str] = set()
    for file in files:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(file).stem) or "answers"
        base, n = f"{stem}-feedback", 1
        while True:
            candidate = directory / f"{base}{'' if n == 1 else f'-{n}'}.tex"
            clash = any(same_file(candidate, i) or same_file(candidate.with_suffix(".pdf"), i)
                        for i in inputs)
            if candidate.name not in used and not clash:
                break
            n += 1
        used.add(candidate.name)
        names.append(candidate)
    return names


def write_feedback(marked: list[Marked], directory: str | Path, inputs: list[str],
                   worked: dict[str, str] | Callable[[Marked], dict[str, str]], *,
                   pdf: bool = True, jobs: int = 2, names: list[Path] | None = None
                   ) -> list[tuple[Path, str | None]]:
    """Write every student's document (and PDF); (path, problem or None) per file.
    ``names``: the documents' ``output_names`` when the caller already has them."""
    if names is None:
        names = output_names([m.file for m in marked], Path(directory), inputs)
    for m, path in zip(marked, names, strict=True):
        atomic_write(path, feedback_latex(m, worked(m) if callable(worked) else worked))
    if not pdf:
        return [(p, None) for p in names]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        problems = list(pool.map(compile_reason, names))
    return [(p.with_suffix(".pdf") if err is None else p, err)
            for p, err in zip(names, problems, strict=True)]
