"""The worked-solution sheet (``derive sheet``): every problem's LaTeX section in one
document, written atomically, and compiled to PDF on request (``render.tex_compile``).

The document keeps an index from its lines to the problem and part they show, so that a
LaTeX error or an overfull line is reported as ``line 212 (softmax-backprop, part (e))``
instead of a page of log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from derive.core.errors import BatchIncomplete, BatchSkips, DeriveError, VerificationError
from derive.core.lifetime import import_maths
from derive.core.outputs import atomic_write
from derive.render.tex_compile import Compiled, compile_pdf
from derive.render.tex_document import READING_MARK, Block, preamble

if TYPE_CHECKING:  # SymPy comes with them: a sheet of cached blocks needs neither
    from derive.core.derivation import Solution

DEFAULT_OUTPUT = Path("output/solutions.tex")

DOCUMENT_HEAD = r"""\documentclass[11pt,a4paper]{article}
\usepackage[a4paper,margin=2.2cm,headheight=14pt]{geometry}
%s\usepackage[hidelinks]{hyperref}
%% the PDF's outline written in the same pass (hyperref alone needs a second one)
\usepackage{bookmark}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6ex plus 0.2ex}
\setcounter{tocdepth}{1}
\pdfinfo{/Title (Worked solutions) /Creator (derive)}
"""


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
             problems: tuple[str, ...] = (), contents: bool = True) -> Sheet:
    """A document from labelled blocks (the problems' sections), indexing their lines.
    ``contents``: a table of contents when there are several problems (it costs a second
    and often a third pdflatex pass: the pages it takes move the pages it lists)."""
    blocks = list(blocks)
    head = (document_head("".join(b.tex for b in blocks)) + "\\begin{document}\n"
            + _title_tex(title, problems, contents))
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


def document_head(body: str) -> str:
    """The preamble of a document whose body is ``body`` (the figure packages when it has
    pictures)."""
    return READING_MARK + "\n" + DOCUMENT_HEAD % preamble(body)


def _title_tex(title: str, problems: tuple[str, ...], contents: bool) -> str:
    n = len(problems)
    what = f"{n} problem{'s' if n != 1 else ''}" if n else "worked solutions"
    out = ("\\begin{center}\n{\\LARGE\\bfseries %s}\\\\[6pt]\n" % title
           + "{\\small %s, derived step by step; every answer checked by an independent "
             "numerical route.}\n\\end{center}\n" % what)
    if n > 1 and contents:
        # front matter numbered i, ii, …: the pages the contents take do not move the
        # pages they list, so two pdflatex passes settle it, not three
        out = ("\\pagenumbering{roman}\n" + out + "{\\small\\tableofcontents}\n"
               "\\clearpage\n\\pagenumbering{arabic}\n")
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
