"""Compiling the LaTeX documents derive writes (sheets, students' handouts, feedback) into
PDFs, the same way for all of them.

pdflatex runs in a private temporary folder, without shell escape and with paranoid file
access (``openin_any=p``: a document may hold a student's text, escaped, and must read
nothing outside that folder), as many times as the document needs: once for most, twice
or three times when its table of contents moves. A pass is repeated when LaTeX says so
("Rerun to get …"; new labels only when the document refers to one) or when a list it
reads back (.toc, .lof, .lot) changed during the pass; not, as latexmk does, whenever
the .aux is new, which doubled the cost of every handout and feedback document.

An error is one line naming the line of the document and, for a sheet, the problem and
part it shows (``line 212 (softmax-backprop, part (e))``) instead of a page of log.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from derive.core.errors import DeriveError
from derive.core.outputs import atomic_write

if TYPE_CHECKING:
    from derive.render.sheet import Sheet

TEX_INSTALL = ("apt-get install texlive-latex-base texlive-latex-recommended "
               "texlive-pictures")
COMPILE_TIMEOUT = 600  # seconds, all passes; the whole problem set takes well under a minute
#: LaTeX documents settle in three passes at most (the table of contents, then the page
#: numbers it moved); one more for a package that asks again
MAX_PASSES = 4


class LatexError(DeriveError):
    """LaTeX stopped on an error; the message names the line and the problem."""


class TexMissing(DeriveError):
    """No pdflatex on PATH."""


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
    passes: int = 1


#: TeX wraps its log at 79 columns unless told otherwise (texmf.cnf variables); reading
#: and writing only inside the build folder
_TEX_ENV = {"max_print_line": "10000", "error_line": "254", "half_error_line": "238",
            "openin_any": "p", "openout_any": "p"}
_FLAGS = ["-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
          "-no-shell-escape"]
#: what LaTeX and its packages print when the next pass would come out different: the
#: kernel's labels, hyperref's and rerunfilecheck's outlines and page labels, longtable
_RERUN = re.compile(r"Rerun to get|Rerun LaTeX|Please rerun LaTeX")
#: the kernel's warning after any pass that wrote labels it had not read (so after the
#: first, always); it matters only to a document that refers to a label
_LABELS_CHANGED = "Label(s) may have changed. Rerun to get cross-references right."
_REFERS = re.compile(r"\\(?:page|eq|auto|name|c|C)?ref\*?\{")
#: lists a pass writes and the next one reads (LaTeX says nothing when they change)
_READ_BACK = (".toc", ".lof", ".lot")
_RUNAWAY = re.compile(r"^Runaway argument\?\n(?P<text>.*)$", re.M)
_ERROR = re.compile(r"^(?:\./)?(?P<file>[^\n:]+\.tex):(?P<line>\d+): (?P<msg>.*)$", re.M)
_BANG = re.compile(r"^! (?P<msg>.*)$", re.M)
_CONTEXT = re.compile(r"^l\.(?P<line>\d+) ?(?P<text>.*)$", re.M)
_OVERFULL = re.compile(r"^Overfull \\hbox \((?P<pt>[\d.]+)pt too wide\) "
                       r"(?:in paragraph at lines|in alignment at lines|detected at line) "
                       r"(?P<line>\d+)", re.M)
_PAGES = re.compile(r"Output written on .*?\((?P<n>\d+) pages?")


def have_tex() -> bool:
    return shutil.which("pdflatex") is not None


def compile_pdf(tex_path: Path, sheet: Sheet | None = None,
                timeout: float = COMPILE_TIMEOUT) -> Compiled:
    """Compile ``tex_path`` in a temporary directory; the PDF is written (atomically) next
    to it.

    Raises LatexError naming the line and the problem of the first LaTeX error (``sheet``
    maps lines to problems), and TexMissing (with the install command) when there is no
    TeX.
    """
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise TexMissing(f"PDFs need TeX Live (pdflatex); install it with: {TEX_INSTALL}")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as build:
        src = Path(build) / tex_path.name
        shutil.copyfile(tex_path, src)
        refers = _REFERS.search(src.read_text(encoding="utf-8", errors="replace"))
        log, passes = _passes([pdflatex, *_FLAGS, src.name], src, tex_path, sheet, timeout,
                              refers=refers is not None)
        built = src.with_suffix(".pdf")
        if not built.exists():
            raise LatexError(f"{tex_path}: LaTeX produced no PDF (pdflatex exited 0)")
        pdf = tex_path.with_suffix(".pdf")
        atomic_write(pdf, built.read_bytes())
    pages = _PAGES.search(log)
    return Compiled(pdf, time.monotonic() - start, int(pages["n"]) if pages else 0,
                    overfull_boxes(log, sheet), log, passes)


def _passes(cmd: list[str], src: Path, tex_path: Path, sheet: Sheet | None,
            timeout: float, *, refers: bool) -> tuple[str, int]:
    """Run ``cmd`` until the document settles (within ``timeout`` seconds in all); the last
    pass's log and the count. ``refers``: whether the document refers to labels."""
    deadline, log = time.monotonic() + timeout, ""
    before = [_read(src.with_suffix(ext)) for ext in _READ_BACK]
    for n in range(1, MAX_PASSES + 1):
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise subprocess.TimeoutExpired(cmd, 0)
            r = subprocess.run(cmd, cwd=src.parent, capture_output=True, text=True,
                               errors="replace", timeout=left, stdin=subprocess.DEVNULL,
                               env={**os.environ, **_TEX_ENV})
        except subprocess.TimeoutExpired:
            raise LatexError(f"{tex_path}: LaTeX did not finish within {timeout:g} s"
                             ) from None
        log = _read(src.with_suffix(".log")).decode("utf-8", "replace") or r.stdout + r.stderr
        if r.returncode != 0:
            raise LatexError(latex_error_message(tex_path, log, sheet))
        after = [_read(src.with_suffix(ext)) for ext in _READ_BACK]
        asks = log if refers else log.replace(_LABELS_CHANGED, "")
        if not _RERUN.search(asks) and after == before:
            return log, n
        before = after  # what the next pass reads
    return log, MAX_PASSES


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


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


def compile_reason(tex: Path, timeout: float = 180) -> str | None:
    """Compile ``tex`` into the PDF beside it, for a batch of documents (handouts, feedback):
    None on success, else why not, in one line."""
    try:
        compile_pdf(tex, timeout=timeout)
    except DeriveError as e:  # LatexError, TexMissing
        return str(e)
    return None
