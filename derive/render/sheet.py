"""The worked-solution sheet (``derive sheet``): every problem's LaTeX section in one
document, written atomically, and compiled to PDF with latexmk on request.

The document keeps an index from its lines to the problem and part they show, so that a
LaTeX error or an overfull line is reported as ``line 212 (softmax-backprop, part (e))``
instead of a page of log.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from derive.core.errors import BatchIncomplete, BatchSkips, DeriveError, VerificationError
from derive.core.lifetime import import_maths
from derive.core.outputs import atomic_write
from derive.render.tex_document import PREAMBLE, Block

if TYPE_CHECKING:  # SymPy comes with them: a sheet of cached blocks needs neither
    from derive.core.derivation import Solution

DEFAULT_OUTPUT = Path("output/solutions.tex")
TEX_INSTALL = ("apt-get install texlive-latex-base texlive-latex-recommended "
               "texlive-pictures latexmk")
COMPILE_TIMEOUT = 600  # seconds; the whole problem set compiles in well under a minute

DOCUMENT_HEAD = r"""\documentclass[11pt,a4paper]{article}
\usepackage[a4paper,margin=2.2cm,headheight=14pt]{geometry}
%s\usepackage[hidelinks]{hyperref}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6ex plus 0.2ex}
\setcounter{tocdepth}{1}
\pdfinfo{/Title (Worked solutions) /Creator (derive)}
"""


class LatexError(DeriveError):
    """LaTeX stopped on an error; the message names the line and the problem."""


class TexMissing(DeriveError):
    """No latexmk or pdflatex on PATH."""


@dataclass(frozen=True)
class Sheet:
    """A complete LaTeX document and where each problem and part sits in it."""

    text: str
    regions: tuple[tuple[int, int, str], ...]
    """(first line, last line, 'problem, part (x)'), 1-based and inclusive"""
    problems: tuple[str, ...] = ()

    def where(self, line: int) -> str:
        """What line ``line`` of the document shows ('preamble' before the first problem)."""
        for first, last, what in self.regions:
            if first <= line <= last:
                return what
        return "preamble" if not self.regions or line < self.regions[0][0] else "document end"


def assemble(blocks: Iterable[Block], *, title: str = "Worked solutions",
             problems: tuple[str, ...] = ()) -> Sheet:
    """A document from labelled blocks (the problems' sections), indexing their lines."""
    head = DOCUMENT_HEAD % PREAMBLE + "\\begin{document}\n" + _title_tex(title, problems)
    parts = [head]
    regions: list[tuple[int, int, str]] = []
    line = head.count("\n") + 1
    for b in blocks:
        text = b.tex.rstrip("\n") + "\n\n"
        n = text.count("\n")
        regions.append((line, line + n - 1, b.where))
        parts.append(text)
        line += n
    parts.append("\\end{document}\n")
    return Sheet("".join(parts), tuple(regions), problems)


def _title_tex(title: str, problems: tuple[str, ...]) -> str:
    n = len(problems)
    what = f"{n} problem{'s' if n != 1 else ''}" if n else "worked solutions"
    out = ("\\begin{center}\n{\\LARGE\\bfseries %s}\\\\[6pt]\n" % title
           + "{\\small %s, derived step by step; every answer checked by an independent "
             "numerical route.}\n\\end{center}\n" % what)
    if n > 1:
        out += "{\\small\\tableofcontents}\n\\bigskip\n"
    return out + "\n"


def sheet_of(solutions: Iterable[Solution]) -> Sheet:
    """The sheet of already solved problems, in the order given."""
    from derive.render.latex import problem_blocks

    sols = list(solutions)
    blocks = [b for s in sols for b in problem_blocks(s)]
    return assemble(blocks, problems=tuple(s.problem.id for s in sols))


def build_sheet(problems: Iterable[str] = (), *, cache: bool = True,
                left_out: Callable[[str, DeriveError], None] | None = None) -> Sheet:
    """Solve (and verify) the named problems, all when none is named, into one sheet.

    With ``cache``, a problem's blocks are kept in the result cache (``core.result_cache``)
    once it verified, so an unchanged spec with unchanged code is not derived again.
    ``left_out``: called with each problem that cannot be shown (a bad spec, a failed
    verification) and why, and the sheet is made of the others; without it the first
    such error is raised."""
    from derive.core.catalogue import problem_paths

    known = problem_paths()
    ids = list(problems) or list(known)
    blocks: list[Block] = []
    shown: list[str] = []
    for pid in ids:
        try:
            got = _problem_blocks(pid, known, cache)
        except DeriveError as e:
            if left_out is None:
                raise
            left_out(pid, e)
            continue
        shown.append(got[0])
        blocks += got[1]
    return assemble(blocks, problems=tuple(shown))


def _problem_blocks(pid: str, known: dict[str, Path], cache: bool
                    ) -> tuple[str, list[Block]]:
    """One problem's id and its blocks of the sheet, from the cache or solved (verified)."""
    from derive.core import result_cache
    from derive.core.catalogue import find_problem

    path = find_problem(pid, known)
    key = result_cache.key("sheet", path) if cache else None
    hit = result_cache.load(key)
    if _cached_blocks(hit):
        return hit["id"], [Block(where, tex) for where, tex in hit["blocks"]]
    import_maths()
    from derive.core.spec import load_problem
    from derive.render.latex import problem_blocks

    s = load_problem(path).solve()
    mine = problem_blocks(s)
    result_cache.store(key, {"id": s.problem.id,
                             "blocks": [[b.where, b.tex] for b in mine]})
    if key is not None:
        _keep_verify_lines(path, s)
    return s.problem.id, mine


def _keep_verify_lines(path: Path, s: Solution) -> None:
    """What ``derive verify [-v]`` prints for the spec at ``path``, kept from the checks
    this solve just ran:
    after a change to the code or a spec, the sheet's cold run leaves ``derive verify``
    warm instead of deriving and checking everything again. The lines are made by
    verify's own ``report_lines`` from the same results, under verify's own keys."""
    from derive.core import result_cache
    from derive.core.verify import report_lines

    for verbose in (False, True):
        key = result_cache.key("verify", path, [verbose])
        if result_cache.load(key) is None:
            lines, bad = report_lines(s, s.results, verbose)
            if not bad:  # a solved problem passed every check; kept only then all the same
                result_cache.store(key, lines)


def _cached_blocks(hit: object) -> TypeGuard[dict[str, Any]]:
    """Whether a cache entry has the shape build_sheet stores."""
    return (isinstance(hit, dict) and isinstance(hit.get("id"), str)
            and isinstance(hit.get("blocks"), list)
            and all(isinstance(b, list) and len(b) == 2 and all(isinstance(x, str) for x in b)
                    for b in hit["blocks"]))


def write_atomic(path: Path, data: str | bytes, *, force: bool = False) -> None:
    """Write ``path`` through the shared writer (``core.outputs``): a temporary file and a
    rename, the umask's mode, never over a student's answers unless ``force``."""
    atomic_write(path, data, force=force)


# -- compiling ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Overfull:
    """A line LaTeX could not fit: how much too wide, where."""

    points: float
    line: int
    where: str


@dataclass(frozen=True)
class Compiled:
    pdf: Path
    seconds: float
    pages: int
    overfull: tuple[Overfull, ...] = field(default=())
    log: str = field(default="", repr=False)


#: TeX wraps its log at 79 columns unless told otherwise (texmf.cnf variables)
_UNWRAPPED_LOG = {"max_print_line": "10000", "error_line": "254", "half_error_line": "238"}
_RUNAWAY = re.compile(r"^Runaway argument\?\n(?P<text>.*)$", re.M)
_ERROR = re.compile(r"^(?:\./)?(?P<file>[^\n:]+\.tex):(?P<line>\d+): (?P<msg>.*)$", re.M)
_BANG = re.compile(r"^! (?P<msg>.*)$", re.M)
_CONTEXT = re.compile(r"^l\.(?P<line>\d+) ?(?P<text>.*)$", re.M)
_OVERFULL = re.compile(r"^Overfull \\hbox \((?P<pt>[\d.]+)pt too wide\) "
                       r"(?:in paragraph at lines|in alignment at lines|detected at line) "
                       r"(?P<line>\d+)", re.M)
_PAGES = re.compile(r"Output written on .*?\((?P<n>\d+) pages?")


def tex_commands(tex_name: str) -> list[list[str]]:
    """The commands that compile ``tex_name``: latexmk, else pdflatex twice."""
    flags = ["-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
    if shutil.which("latexmk"):
        return [["latexmk", "-pdf", "-silent", *flags, tex_name]]
    if shutil.which("pdflatex"):
        return [["pdflatex", *flags, tex_name]] * 2
    raise TexMissing(f"--pdf needs TeX Live (latexmk or pdflatex); install it with: "
                     f"{TEX_INSTALL}")


def compile_pdf(tex_path: Path, sheet: Sheet | None = None) -> Compiled:
    """Compile ``tex_path`` in a temporary directory; the PDF is put next to it.

    Raises LatexError naming the line and the problem of the first LaTeX error, and
    TexMissing (with the install command) when there is no TeX.
    """
    cmds = tex_commands(tex_path.name)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="derive-sheet-") as build:
        src = Path(build) / tex_path.name
        shutil.copyfile(tex_path, src)
        failed = False
        for cmd in cmds:
            try:
                r = subprocess.run(cmd, cwd=build, capture_output=True, text=True, errors="replace",
                                   timeout=COMPILE_TIMEOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **_UNWRAPPED_LOG})
            except subprocess.TimeoutExpired:
                raise LatexError(f"{tex_path}: LaTeX did not finish within "
                                 f"{COMPILE_TIMEOUT} s") from None
            if r.returncode != 0:
                failed = True
                break
        log_path = src.with_suffix(".log")
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() \
            else r.stdout + r.stderr
        if failed:
            raise LatexError(latex_error_message(tex_path, log, sheet))
        built = src.with_suffix(".pdf")
        if not built.exists():
            raise LatexError(f"{tex_path}: LaTeX produced no PDF ({cmds[0][0]} exited 0)")
        pdf = tex_path.with_suffix(".pdf")
        write_atomic(pdf, built.read_bytes())
    pages = _PAGES.search(log)
    return Compiled(pdf, time.monotonic() - start, int(pages["n"]) if pages else 0,
                    overfull_boxes(log, sheet), log)


def latex_error_message(tex_path: Path, log: str, sheet: Sheet | None) -> str:
    """The first error of a LaTeX log as one line (plus the offending source line)."""
    m = _ERROR.search(log)
    if m and Path(m["file"]).name == tex_path.name:
        line, msg, at = int(m["line"]), m["msg"], m.end()
    else:
        bang = _BANG.search(log)
        if not bang:
            tail = " ".join(log.strip().splitlines()[-3:])[:200]
            return f"{tex_path}: LaTeX failed without an error message ({tail})"
        msg, at = bang["msg"], bang.end()
        ctx = _CONTEXT.search(log, at)
        line = int(ctx["line"]) if ctx else _runaway_line(log, sheet)
    ctx = _CONTEXT.search(log, at)
    near = f" near '{ctx['text'].strip()[-60:]}'" if ctx and ctx["text"].strip() else ""
    where = f" ({sheet.where(line)})" if sheet and line else ""
    place = f" line {line}" if line else ""
    return f"LaTeX error in {tex_path}{place}{where}: {msg.strip()}{near}"


def _runaway_line(log: str, sheet: Sheet | None) -> int:
    """The source line of a runaway argument (TeX names none when the file ends in it)."""
    m = _RUNAWAY.search(log)
    if not m or sheet is None:
        return 0
    start = m["text"].split("\\par", 1)[0].strip()[:40]
    pos = sheet.text.find(start) if start else -1
    return sheet.text[:pos].count("\n") + 1 if pos >= 0 else 0


def overfull_boxes(log: str, sheet: Sheet | None = None) -> tuple[Overfull, ...]:
    """Every 'Overfull \\hbox' warning of a log, with the problem it comes from."""
    return tuple(Overfull(float(m["pt"]), int(m["line"]),
                          sheet.where(int(m["line"])) if sheet else "")
                 for m in _OVERFULL.finditer(log))


# -- the command -------------------------------------------------------------------------
def make_sheet(problems: Iterable[str], out: Path = DEFAULT_OUTPUT, *, pdf: bool = False,
               echo: Callable[[str], None] = print,
               warn: Callable[[str], None] = print, force: bool = False,
               cache: bool = True) -> Compiled | None:
    """``derive sheet``: write the .tex (and with ``pdf``, compile it next to it); ``cache``:
    reuse verified problems' blocks (``core.result_cache``)."""
    named = list(problems)
    # a sheet of one problem: its own error, as before; of several, each left out is the
    # line a lone `derive solve` of it would print
    skips = BatchSkips(len(named), warn)
    missing = skips.skipped
    _refuse_spec_outputs(named, out, pdf)
    sheet = build_sheet(named, cache=cache, left_out=skips.skip)
    if not sheet.problems:  # every one was bad: no empty document over the old one
        raise _incomplete(missing, None)
    write_atomic(out, sheet.text, force=force)
    n = len(sheet.problems)
    echo(f"wrote {out} ({n} problem{'s' if n != 1 else ''})")
    result = compile_pdf(out, sheet) if pdf else None
    if missing:
        if result is not None:
            _echo_compiled(result, echo, warn)
        raise _incomplete(missing, out)
    if result is None:
        return None
    _echo_compiled(result, echo, warn)
    return result


def _refuse_spec_outputs(named: list[str], out: Path, pdf: bool) -> None:
    """A UsageError, before anything is solved, when the sheet (or its PDF) would be
    written over one of the specs it is made from (``-o problems/x.yaml``)."""
    from derive.core.catalogue import find_problem, problem_paths
    from derive.core.outputs import refuse_inputs

    known = problem_paths()
    specs = []
    for pid in named or list(known):
        try:
            specs.append(find_problem(pid, known))
        except DeriveError:
            pass  # reported in its turn, as the sheet leaves it out
    refuse_inputs(out, specs, "-o")
    if pdf:
        refuse_inputs(out.with_suffix(".pdf"), specs, "the PDF")


def _incomplete(missing: list[tuple[str, DeriveError]], out: Path | None) -> BatchIncomplete:
    """The closing line of a sheet that left problems out: exit 2 when a spec was bad,
    1 when only verifications failed (as ``derive verify`` says it)."""
    ids = ", ".join(pid for pid, _ in missing)
    code = 1 if all(isinstance(e, VerificationError) for _, e in missing) else 2
    if out is None:
        return BatchIncomplete(f"none of the {len(missing)} problems could be shown, no "
                               f"sheet written: {ids}", code)
    return BatchIncomplete(f"{len(missing)} problem(s) left out of {out}: {ids}", code)


def _echo_compiled(result: Compiled, echo: Callable[[str], None],
                   warn: Callable[[str], None]) -> None:
    echo(f"wrote {result.pdf} ({result.pages} pages, compiled in {result.seconds:.1f} s)")
    if result.overfull:
        worst = max(result.overfull, key=lambda o: o.points)
        places = ", ".join(dict.fromkeys(o.where for o in result.overfull))
        warn(f"note: {len(result.overfull)} line(s) wider than the page (largest "
             f"{worst.points:.1f}pt) in {places}")
