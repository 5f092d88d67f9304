"""Multi-letter words in math set upright (``s_{pool}`` -> ``s_{\\mathrm{pool}}``)."""

from __future__ import annotations

import re

#: LaTeX commands whose argument is text or a name, left as it is by ``upright_words``
_VERBATIM_ARG = {"text", "textrm", "textit", "texttt", "textbf", "mathrm", "operatorname",
                 "mathbf", "mathit", "mathsf", "mathtt", "mathcal", "mathbb", "begin", "end",
                 "label", "tag", "color", "textcolor", "hspace", "vspace", "mbox"}
_MATH_WORD = re.compile(r"\\([A-Za-z]+)|([A-Za-z]{3,}\d*)")


def upright_words(math: str) -> str:
    """Math with its multi-letter words upright: ``s_{pool}`` -> ``s_{\\mathrm{pool}}``,
    ``filters_1`` -> ``\\mathrm{filters}_1`` (italic letters read as a product)."""
    out, pos = [], 0
    for m in _MATH_WORD.finditer(math):
        if m.start() < pos:
            continue
        out.append(math[pos:m.start()])
        pos = m.end()
        if m.group(1) is None:
            out.append(r"\mathrm{%s}" % m.group(2))
            continue
        out.append(m.group(0))
        if m.group(1) in _VERBATIM_ARG:  # copy the argument(s) through unchanged
            while pos < len(math) and math[pos] in "{*":
                end = pos if math[pos] == "*" else closing_brace(math, pos)
                end = len(math) - 1 if end < 0 else end  # unclosed: the rest is its argument
                out.append(math[pos:end + 1])
                pos = end + 1
    out.append(math[pos:])
    return "".join(out)


def closing_brace(s: str, i: int) -> int:
    """The index of the brace that closes the one at ``s[i]``; -1 when it is unclosed."""
    depth = 0
    for j in range(i, len(s)):
        depth += (s[j] == "{") - (s[j] == "}")
        if depth == 0:
            return j
    return -1
