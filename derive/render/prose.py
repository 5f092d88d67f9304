"""Authors' text (statements, part texts, captions) made safe for LaTeX and Markdown.

Specs write prose with ``$…$`` math, as problem-set.md writes it with `…` code spans
for formulas; both become math. Unicode that pdflatex cannot typeset (σ, →, ∈, −) is
mapped to LaTeX, so a statement copied from the problem set compiles as it is.
"""

from __future__ import annotations

import re

from derive.render.printing import upright_words
from derive.render.upright import closing_brace

#: unicode -> LaTeX math (used inside math, and wrapped in $…$ inside text)
UNICODE_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "κ": r"\kappa", "λ": r"\lambda",
    "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma",
    "τ": r"\tau", "φ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma",
    "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Σ": r"\Sigma", "Φ": r"\Phi",
    "Ψ": r"\Psi", "Ω": r"\Omega", "∂": r"\partial", "∇": r"\nabla", "→": r"\to",
    "←": r"\leftarrow", "↦": r"\mapsto", "⇒": r"\Rightarrow", "×": r"\times", "·": r"\cdot",
    "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "≈": r"\approx", "∈": r"\in", "∉": r"\notin",
    "∑": r"\sum", "∏": r"\prod", "√": r"\surd", "∞": r"\infty", "−": "-", "⊙": r"\odot",
    "⊤": r"\top", "ℝ": r"\mathbb{R}", "²": "^{2}", "³": "^{3}", "±": r"\pm", "∘": r"\circ",
    "⋆": r"\star", "∗": r"\ast", "…": r"\ldots", "′": "'", "⊗": r"\otimes", "∀": r"\forall",
    "∃": r"\exists", "≡": r"\equiv", "∝": r"\propto", "⌈": r"\lceil", "⌉": r"\rceil",
    "⌊": r"\lfloor", "⌋": r"\rfloor", "‖": r"\|",
}
#: unicode -> LaTeX text
UNICODE_TEXT = {"–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''",
                "…": r"\ldots{}", "\u00a0": "~", "•": r"\textbullet{}"}
_SPECIALS = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
             "~": r"\textasciitilde{}", "^": r"\^{}", "<": r"\textless{}",
             ">": r"\textgreater{}", "|": r"\textbar{}"}
_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|`([^`]+)`", re.S)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LATEX_CMD = re.compile(r"\\([A-Za-z]+|[,;:!\\ ])")


def math_safe(s: str) -> str:
    """Math with unicode symbols replaced by their commands (σ -> \\sigma)."""
    out = []
    for i, c in enumerate(s):
        rep = UNICODE_MATH.get(c)
        if rep is None and ord(c) > 127:
            rep = "?"
        if rep is None:
            out.append(c)
            continue
        follows = s[i + 1:i + 2]
        out.append(rep + (" " if rep[-1].isalpha() and follows.isalpha() else ""))
    return "".join(out)


def _text_safe(s: str) -> str:
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        m = _LATEX_CMD.match(s, i) if c == "\\" else None
        if m:  # an author's LaTeX command in prose (\emph{…}, \,) is kept, with its argument
            out.append(m.group(0))
            i = m.end()
            while i < len(s) and s[i] == "{":
                end = closing_brace(s, i)
                if end < 0:
                    break
                out.append("{" + _text_safe(s[i + 1:end]) + "}")
                i = end + 1
            continue
        if c in _SPECIALS:
            out.append(_SPECIALS[c])
        elif c in UNICODE_TEXT:
            out.append(UNICODE_TEXT[c])
        elif c in UNICODE_MATH:
            out.append(f"${UNICODE_MATH[c]}$")
        elif ord(c) > 0x17F:  # beyond Latin Extended-A: not in pdflatex's default set
            out.append("?")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def prose_tex(s: str) -> str:
    """Author prose as LaTeX: $…$, $$…$$ and `…` become math; the rest is escaped."""
    out, pos = [], 0
    for m in _MATH_SPAN.finditer(s):
        out.append(_prose_text(s[pos:m.start()]))
        if m.group(1) is not None:
            out.append(r"\[" + upright_words(math_safe(m.group(1))) + r"\]")
        else:
            out.append("$" + upright_words(math_safe(m.group(2) or m.group(3))) + "$")
        pos = m.end()
    out.append(_prose_text(s[pos:]))
    return "".join(out).strip()


#: a subscripted letter written in plain prose (``x_1``, ``f_t``), not an id (``a.dE_df2``)
_SUBSCRIPTED = re.compile(r"(?<![\w.\\])([A-Za-z])_(\{[^{}]*\}|[A-Za-z0-9]+)(?![\w.]\w)")


def _prose_text(s: str) -> str:
    """Text between math spans: escaped, with ``x_1`` set as math."""
    out, pos = [], 0
    for m in _SUBSCRIPTED.finditer(s):
        out.append(_bold(_text_safe(s[pos:m.start()])))
        out.append("$%s_{%s}$" % (m.group(1), m.group(2).strip("{}")))
        pos = m.end()
    out.append(_bold(_text_safe(s[pos:])))
    return "".join(out)


def _bold(s: str) -> str:
    # and a pair of straight double quotes as TeX's opening and closing ones: "activation"
    # set as is prints two closing quotes
    return _QUOTED.sub(r"``\1''", _BOLD.sub(r"\\textbf{\1}", s))


_QUOTED = re.compile(r'"([^"\n]*)"')


def prose_markdown(s: str) -> str:
    """Author prose for a notebook (Markdown with $ math): `…` spans become math."""
    return re.sub(r"`([^`]+)`", r"$\1$", s).strip()
