"""Derivative labels and evaluation bars in a working, found in the text.

Students write what they differentiate: ``\\frac{\\partial E}{\\partial w_9}``,
``\\frac{d}{dx}(\\tanh x)``, ``\\left. \\frac{\\partial \\text{GELU}(x)}{\\partial x}
\\right|_{x_0}``, ``f'(x)\\Big|_{x=0}``. The answer reader does not read ``\\partial``
(an answer is a result, not a notation for one), so each label is cut out here and
replaced by a placeholder name (``\\Upsilon_{1}``) that the reader reads as a name; the
working's scope (``scope.py``) then gives the placeholder its value: the derivative of
the target under the problem's definitions, at the point of the bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER = "Upsilon"
_FRAC = re.compile(r"\\[dt]?frac(?![A-Za-z])")
_D_PREFIX = re.compile(r"^\s*(\\partial(?![A-Za-z])|\\mathrm\s*\{\s*d\s*\}|"
                       r"\\operatorname\s*\{\s*d\s*\}|d)\s*")
_BAR = re.compile(r"\s*(?:\\right|\\Big|\\big|\\bigg|\\Bigg|\\Bigr|\\bigr)?\s*"
                  r"(?:\||\\vert|\\rvert)\s*_")
#: labels one side may hold (beyond: the side is not read)
MAX_LABELS = 12


@dataclass(frozen=True)
class Label:
    """A derivative ``d target / d wrt`` (target None: an operator applied to
    ``operand``), or a bar ``inner |_{at}`` (wrt None)."""

    target: str | None
    wrt: str | None
    at: str | None = None
    """the evaluation point as written (``x_0``, ``x=0``), when a bar follows"""
    inner: str | None = None
    """a bar's expression (placeholders of labels inside it included)"""


def _group(s: str, i: int) -> tuple[str, int] | None:
    """The TeX argument at ``i`` (a braced group or one token): (content, end)."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return None
    if s[i] == "{":
        depth = 0
        for j in range(i, len(s)):
            if s[j] == "{" and (j == 0 or s[j - 1] != "\\"):
                depth += 1
            elif s[j] == "}" and (j == 0 or s[j - 1] != "\\"):
                depth -= 1
                if depth == 0:
                    return s[i + 1:j], j + 1
        return None
    if s[i] == "\\":
        m = re.match(r"\\[A-Za-z]+|\\.", s[i:])
        assert m is not None
        return m.group(0), i + m.end()
    return s[i], i + 1


def _bracket(s: str, i: int) -> tuple[str, int] | None:
    """A bracketed operand at ``i``: ``( … )``, ``\\left( … \\right)``, ``[ … ]``."""
    m = re.match(r"\s*(\\left\s*)?([(\[])", s[i:])
    if not m:
        return None
    close = ")" if m.group(2) == "(" else "]"
    depth = 0
    j = i + m.end() - 1
    while j < len(s):
        c = s[j]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
            if depth == 0 and c == close:
                inner = s[i + m.end():j]
                inner = re.sub(r"\\right\s*$", "", inner.rstrip())
                return inner, j + 1
        j += 1
    return None


def _derivative(num: str, den: str) -> tuple[str, str] | None:
    """(target, wrt) of ``\\frac{num}{den}`` when it is a derivative ('' target: operator)."""
    dm, nm = _D_PREFIX.match(den), _D_PREFIX.match(num)
    if not dm or not nm:
        return None
    # d and \partial pair up: \frac{dE}{dy}, \frac{\partial E}{\partial w}
    if ("partial" in dm.group(1)) != ("partial" in nm.group(1)):
        return None
    wrt = den[dm.end():].strip()
    target = num[nm.end():].strip()
    if not wrt or not (wrt[0].isalpha() or wrt[0] in "\\{"):
        return None
    return target, wrt


def rewrite(side: str) -> tuple[str, dict[str, Label]]:
    """The side with each label and bar replaced by a placeholder, and what each means."""
    labels: dict[str, Label] = {}

    def name() -> str:
        return f"{PLACEHOLDER}_{{{len(labels) + 1}}}"

    def key(n: str) -> str:
        return n.replace("\\", "").replace("{", "").replace("}", "")

    s = side
    pos = 0
    while len(labels) < MAX_LABELS:
        m = _FRAC.search(s, pos)
        if not m:
            break
        num = _group(s, m.end())
        den = _group(s, num[1]) if num else None
        if not num or not den:
            break
        d = _derivative(num[0], den[0])
        if d is None:
            pos = m.end()
            continue
        target, wrt = d
        end = den[1]
        if not target:  # \frac{d}{dx}(…): the operator applies to what follows
            operand = _bracket(s, end)
            if operand is None:  # \frac{d}{dx} \frac{1}{2}(y - t)^2: the rest of the side
                rest = s[end:].strip()
                operand = (rest, len(s)) if rest else None
            if operand is None:
                pos = m.end()
                continue
            target, end = operand
        n = name()
        labels[key(n)] = Label(target, wrt)
        s = s[:m.start()] + " \\" + n + " " + s[end:]
        pos = m.start() + len(n) + 2
    # bars: \left. … \right|_{at}, or anything before |_{at}
    while len(labels) < MAX_LABELS:
        m = _BAR.search(s)
        if not m:
            break
        sub = _group(s, m.end())
        if sub is None:
            break
        at, end = sub
        head = s[:m.start()]
        left = head.rfind(r"\left.")
        last = re.search(r"\\" + PLACEHOLDER + r"_\{\d+\}\s*$", head)
        if last and left < 0:  # f'(x) … \frac{∂f}{∂x}|_{x_1}: the bar is the label's
            inner, start = head[last.start():], last.start()
        elif left >= 0:
            inner, start = head[left + len(r"\left."):], left
        else:
            inner, start = head, 0
        inner_s = inner.strip()
        n = name()
        single = re.fullmatch(r"\\" + PLACEHOLDER + r"_\{(\d+)\}", inner_s)
        if single:  # a bar on one label: the label evaluated there
            k = key(f"{PLACEHOLDER}_{{{single.group(1)}}}")
            lab = labels[k]
            labels[k] = Label(lab.target, lab.wrt, at=at)
            s = s[:start] + " " + inner_s + " " + s[end:]
            continue
        labels[key(n)] = Label(None, None, at=at, inner=inner_s)
        s = s[:start] + " \\" + n + " " + s[end:]
    return " ".join(s.split()), labels
