"""What every LaTeX document derive writes shares: the preamble its fragments need, and
labelled blocks of a problem's LaTeX.

Kept apart from ``render.latex`` (which prints SymPy expressions) so that assembling a
sheet from cached blocks imports neither SymPy nor the printers."""

from __future__ import annotations

from dataclasses import dataclass

#: the first line of the documents derive writes to be read (sheets, a student's questions
#: and worked solutions): ``derive check`` of a folder of handouts marks the answer sheets
#: in it and leaves these out
READING_MARK = "% derive: a document to read (questions or worked solutions), not an answer file"

#: what the figures (``render.figures``) need; loading them takes half the time of
#: compiling a short document, so a document that draws no picture goes without them
FIGURE_PACKAGES = r"""\usepackage{tikz,pgfplots}
\pgfplotsset{compat=1.18}
\usetikzlibrary{arrows.meta}
"""

#: packages and macros the fragments use (``derive sheet`` puts this in its preamble)
PREAMBLE = r"""\usepackage{amsmath,amssymb,mathtools}
\usepackage{graphicx,array,tabularx,booktabs,xcolor,float,caption}
""" + FIGURE_PACKAGES + r"""% page breaks between the steps of a derivation, never inside one
% (its lines end in \\*)
\allowdisplaybreaks
\captionsetup{font=small,labelfont=bf}
% \derivefit{width}{math}: the math as it is, or scaled down to width when wider
\newsavebox{\derivebox}
\newcommand{\derivefit}[2]{\sbox{\derivebox}{$\displaystyle #2$}%
  \ifdim\wd\derivebox>#1\relax\resizebox{#1}{!}{\usebox{\derivebox}}%
  \else\usebox{\derivebox}\fi}
% \derivefittext{width}{text}: the same for tables and pictures
\newcommand{\derivefittext}[2]{\sbox{\derivebox}{#2}%
  \ifdim\wd\derivebox>#1\relax\resizebox{#1}{!}{\usebox{\derivebox}}%
  \else\usebox{\derivebox}\fi}
\newcommand{\rulenote}[1]{{\footnotesize\itshape\color{black!60}#1}}
\newcommand{\answerid}[1]{{\small\ttfamily #1}}
% amssymb's \mathbb has no digit 1 (it sets \mathbb{1}, the indicator, as a crossed
% turnstile): the indicator is drawn as two overlapping 1s, every other letter as before
\let\derivemathbb\mathbb
\renewcommand{\mathbb}[1]{\ifx1#1\mathrm{1\mkern-4.5mu1}\else\derivemathbb{#1}\fi}
"""


def preamble(body: str) -> str:
    """:data:`PREAMBLE` for a document whose body is ``body``: without the figure packages
    when it draws no picture (a student's questions, most feedback)."""
    return PREAMBLE if "\\begin{tikzpicture}" in body else PREAMBLE.replace(FIGURE_PACKAGES, "")


@dataclass(frozen=True)
class Block:
    """A chunk of a problem's LaTeX and what it is (for mapping TeX lines back)."""

    where: str
    """'gelu-descent' or 'gelu-descent, part (b)'"""
    tex: str
