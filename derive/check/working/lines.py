"""Reading a working: its text -> lines -> statements -> sides.

A working is LaTeX as a student writes it under an answer:

- lines are separated by ``\\\\`` (outside braces and matrix environments); a line break
  also ends a line that holds a relation when what follows starts with ``&``, ``=`` or an
  arrow, starts a relation of its own (one equation a line) or is blank, unless the line
  ends with an operator; each display (``$$ … $$``, ``\\[ … \\]``) is a line;
  ``\\begin{aligned}``, ``align`` and the like around the chain are dropped;
- ``&`` is alignment; a line that starts with a relation (``&= B``) continues the chain;
- a line without a relation that starts with an operator (``- 1.702x\\,0.48]``) is the
  rest of the line above (a long right side broken in two);
- a line splits into statements at implication signs (``\\Rightarrow``, ``\\implies``,
  ``\\therefore``; ``\\to`` when the parts on both sides are relations themselves), and a
  statement into sides at ``=``, ``\\approx``, ``:=``, ``\\leftarrow``, ``\\to``, ``\\equiv``;
- a line with words and no relation is prose (``unreadable``); ``\\text{…}`` labels are
  kept as sides of their own (a left side that is a label is not read).

Nothing is evaluated here; the sides are texts for the answer reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: a working longer than this many characters is not read (the answers' limits scale
#: with it: every line is read with the answer reader's own limits)
MAX_WORKING_CHARS = 20_000
#: lines of a working that are read; the rest are reported as not read
MAX_LINES = 60

_ENVS = re.compile(r"\\(begin|end)\s*\{\s*(aligned|align\*?|alignat\*?|eqnarray\*?|"
                   r"equation\*?|gather\*?|gathered|split|multline\*?|flalign\*?|"
                   r"displaymath|math)\s*\}(\{\d+\})?")
_MATRIX_ENV = re.compile(r"\\(begin|end)\s*\{\s*([a-zA-Z]*matrix\*?|array|cases)\s*\}")
#: relation signs, longest first; IMPLY separates statements, EQUAL separates sides
IMPLY = (r"\Longrightarrow", r"\Rightarrow", r"\implies", r"\therefore", r"\Downarrow",
         r"\iff", r"\Leftrightarrow")
ARROW = (r"\longrightarrow", r"\rightarrow", r"\to")
EQUAL = (r"\coloneqq", r"\approx", r"\equiv", r"\simeq", r"\leftarrow", r"\gets",
         r"\longleftarrow", ":=", "=")
INEQUALITY = (r"\leq", r"\geq", r"\neq", r"\le", r"\ge", r"\ne", r"\lt", r"\gt", "<", ">")
_MATRIX_BLOCK = re.compile(r"\\begin\s*\{\s*([a-zA-Z]*matrix\*?|array|cases)\s*\}.*?"
                           r"\\end\s*\{\s*\1\s*\}", re.DOTALL)
_WORD = re.compile(r"[A-Za-z]{3,}")
_TEXT = re.compile(r"\\(?:text|textrm|textit|textbf|mbox|intertext)\s*\{([^{}]*)\}")


#: the delimiters of a display: $$, \[ and \] (not the \\[2pt] of a line break)
_DISPLAY = re.compile(r"\$\$|(?<!\\)\\[\[\]]")


@dataclass(frozen=True)
class Statement:
    """One relation of a line: its sides (texts) and the signs between them."""

    sides: tuple[str, ...]
    """the first side is '' when the statement continues the chain (``&= B``)"""
    signs: tuple[str, ...]
    implied: bool = False
    """introduced by an implication sign (``\\Rightarrow s = 4/3``)"""


@dataclass(frozen=True)
class Line:
    """A line of the working as written, and what it says."""

    number: int
    """1-based, as the student counts the lines of the working"""
    text: str
    statements: tuple[Statement, ...] = ()
    problem: str = ""
    """why the line cannot be read (prose, an inequality, …); '' when it can"""


def split_lines(text: str) -> list[str]:
    """The lines of a working (see the module docstring)."""
    s = text.replace("\r\n", "\n")
    s = re.sub(r"(?<!\\)%[^\n]*", "", s)  # comments
    # a display ($$ … $$, \[ … \]) is a line of its own, as in the typeset sheet: two
    # displays one below the other are two lines, never one run together
    s = _DISPLAY.sub(r"\\\\", s).replace("$", " ")
    s = _ENVS.sub(r"\\\\", s)
    out: list[str] = []
    buf: list[str] = []
    depth = env = 0
    i, n = 0, len(s)
    while i < n:
        m = _MATRIX_ENV.match(s, i)
        if m:
            env += 1 if m.group(1) == "begin" else -1
            buf.append(m.group(0))
            i = m.end()
            continue
        c = s[i]
        if c == "\\" and i + 1 < n:
            if s[i + 1] == "\\" and depth == 0 and env <= 0:
                out.append("".join(buf))
                buf = []
                i += 2
                # \\[2pt]: a spacing argument, not content
                sp_m = re.match(r"\s*\[[^\]]*\]", s[i:])
                if sp_m and re.fullmatch(r"\s*\[\s*[\d.]+\s*[a-z]{2}\s*\]", sp_m.group(0)):
                    i += sp_m.end()
                continue
            buf.append(s[i:i + 2])
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif c == "\n" and depth == 0 and env <= 0:
            rest = s[i + 1:].lstrip(" \t")
            starts = rest.startswith(("&", "=")) or any(rest.startswith(a) for a in IMPLY)
            # a line already holding a relation ends here; a bare left side goes on
            if (starts or _own_relation(rest)) and _has_relation("".join(buf)) \
                    and not _open_end("".join(buf)):
                out.append("".join(buf))
                buf = []
                i += 1
                continue
            c = " "
        buf.append(c)
        i += 1
    out.append("".join(buf))
    return [" ".join(line.split()) for line in out if line.strip(" \t\n&")]


def _own_relation(rest: str) -> bool:
    """The next line of the text starts a relation of its own (``x_1 = 0 - 0.05`` under
    ``x_1 = x_0 - \\eta g_0``, one equation a line without ``\\\\``), or is blank (a
    paragraph ends the line); a line that starts with an operator or a bracket goes on
    the line above."""
    line = rest.split("\n", 1)[0].strip()
    if not line:
        return True
    if line[0] in "+-*/()[]{}&=^_,." or line.startswith((r"\cdot", r"\times", r"\right",
                                                          r"\left", r"\end")):
        return False
    signs = _top_level(line, EQUAL + INEQUALITY)
    return bool(signs) and bool(line[:signs[0][0]].strip())


def _open_end(text: str) -> bool:
    """The text ends with an operator or an opening bracket: its line goes on below."""
    t = text.rstrip()
    return not t or t[-1] in "+-*/([{=,^_" or t.endswith((r"\cdot", r"\times", r"\left("))


def _top_level(s: str, signs: tuple[str, ...]) -> list[tuple[int, str]]:
    """Positions of relation signs outside braces and environments, in order."""
    found: list[tuple[int, str]] = []
    depth = env = paren = 0
    i, n = 0, len(s)
    while i < n:
        m = _MATRIX_ENV.match(s, i)
        if m:
            env += 1 if m.group(1) == "begin" else -1
            i = m.end()
            continue
        c = s[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif c in "([":
            paren += 1
        elif c in ")]":
            paren = max(0, paren - 1)
        if depth == 0 and env <= 0:
            for sign in signs:
                # a comparison in brackets is an indicator's condition (1[z > 0])
                if paren and sign in INEQUALITY:
                    continue
                if s.startswith(sign, i):
                    end = i + len(sign)
                    # a command sign must end there (\to, not \top)
                    if sign[0] == "\\" and end < n and s[end].isalpha():
                        continue
                    if sign == "=" and i > 0 and s[i - 1] in ":<>!\\":
                        continue
                    found.append((i, sign))
                    i = end - 1
                    break
        if c == "\\" and i + 1 < n and not s[i + 1].isalpha():
            i += 1  # an escaped character (\{, \\) is not a sign
        i += 1
    return found


def _split(s: str, signs: tuple[str, ...]) -> tuple[list[str], list[str]]:
    parts, used, last = [], [], 0
    for pos, sign in _top_level(s, signs):
        parts.append(s[last:pos])
        used.append(sign)
        last = pos + len(sign)
    parts.append(s[last:])
    return parts, used


def _clean(side: str) -> str:
    """A side without alignment marks, spacing and end punctuation (matrices kept)."""
    kept: list[str] = []

    def keep(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return f"\x00{len(kept) - 1}\x00"

    s = _MATRIX_BLOCK.sub(keep, side).replace("&", " ")
    s = re.sub(r"\\(q?quad|,|;|:|!|\s)", " ", s)
    s = re.sub(r"\\(hfill|displaystyle|textstyle|notag|nonumber)\b", " ", s)
    s = re.sub(r"\\tag\*?\s*\{[^{}]*\}", " ", s)
    s = " ".join(s.split()).rstrip(",.;: ").strip()
    return re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], s)


def is_prose(text: str) -> bool:
    """Words outside mathematics: a sentence, not a relation to check."""
    bare = _TEXT.sub(lambda m: " " + m.group(1) + " ", text)
    bare = re.sub(r"\\[A-Za-z]+", " ", bare)
    words = [w for w in _WORD.findall(bare)
             if w.lower() not in _MATH_WORDS]
    return len(words) >= 2 or (len(words) == 1 and not _has_relation(text))


_MATH_WORDS = {"exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sech", "sigma",
               "gelu", "relu", "softmax", "sigmoid", "max", "min", "diag", "error", "loss",
               "mse", "grad", "output", "input", "cost", "frac", "partial", "left", "right"}


def _has_relation(text: str) -> bool:
    return bool(_top_level(text, EQUAL + IMPLY + ARROW + INEQUALITY))


def statements_of(text: str) -> tuple[tuple[Statement, ...], str]:
    """The statements of one line, or the reason it cannot be read."""
    body = _without_remark(text.strip())
    if _top_level(body, INEQUALITY):
        return (), "an inequality, not a relation that can be checked"
    pieces, signs = _split(body, IMPLY)
    # "L = ½(y - t)^2, \quad y = z": two relations side by side, each a statement
    # (piece, introduced by an implication sign)
    marked = [(q, k > 0 and j == 0) for k, p in enumerate(pieces)
              for j, q in enumerate(_side_by_side(p))]
    out: list[Statement] = []
    for k, (piece, after_sign) in enumerate(marked):
        arrow_parts, arrows = _split(piece, ARROW)
        # \to between two relations is an implication (3s = 4 \to s = 4/3)
        if arrows and all(_top_level(p, EQUAL) for p in arrow_parts if p.strip()):
            groups = arrow_parts
        else:
            groups = [piece]
        for g, group in enumerate(groups):
            sides, eq = _split(group, EQUAL + ARROW)
            sides = [_clean(x) for x in sides]
            if not any(sides):
                continue
            implied = (after_sign and g == 0) or g > 0
            if len(sides) == 1:
                if k == 0 and g == 0:
                    return (), ("prose, not a relation" if is_prose(group) else
                                "no relation (=) on this line")
                # "\Rightarrow 0.5": the implied side continues the chain
                sides, eq = ["", sides[0]], ["="]
            out.append(Statement(tuple(sides), tuple(eq), implied))
    if not out:
        return (), "nothing to read"
    first = out[0].sides[0]
    if first and is_prose(first) and len(out[0].sides) == 2 and not out[0].sides[1]:
        return (), "prose, not a relation"
    return tuple(out), ""


#: what separates two relations written side by side: a comma or semicolon with spacing
#: after it, ``\quad``, ``\text{and}`` (``where``, ``with``)
_SEPARATOR = re.compile(r"[,;]?(?:\s|\\[,;:!\s]|\\q?quad(?![A-Za-z])|"
                        r"\\text\s*\{\s*(?:and|where|with)\s*\})*")
_SPACED = re.compile(r"\\q?quad(?![A-Za-z])|\\text\s*\{")


def _outside_brackets(text: str) -> Iterator[int]:
    """The positions of ``text`` outside brackets (``{ ( [``) and matrix environments."""
    depth = env = 0
    i, n = 0, len(text)
    while i < n:
        m = _MATRIX_ENV.match(text, i)
        if m:
            env += 1 if m.group(1) == "begin" else -1
            i = m.end()
            continue
        c = text[i]
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth = max(0, depth - 1)
        elif depth == 0 and env <= 0:
            yield i
        i += 1


def _side_by_side(piece: str) -> list[str]:
    r"""A piece split where two relations stand side by side (``L = ½(y - t)^2, \quad y =
    z``): at a comma or semicolon followed by spacing, or at ``\quad`` or ``\text{and}``,
    outside brackets and environments, when both neighbours hold a relation and the
    second has a name on its left (``f(x, y) = …``, ``0,5`` and ``x = 1, 2`` stay)."""
    cuts: list[tuple[int, int]] = []
    for i in _outside_brackets(piece):
        if cuts and i < cuts[-1][1]:  # inside the separator just cut
            continue
        c = piece[i]
        if c in ",;" or _SPACED.match(piece, i):
            m = _SEPARATOR.match(piece, i)
            if m and (m.end() > i + 1 if c in ",;" else _SPACED.search(m.group(0))):
                cuts.append((i, m.end()))
    if not cuts:
        return [piece]
    parts, last = [], 0
    for start, end in cuts:
        parts.append(piece[last:start])
        last = end
    parts.append(piece[last:])
    out = [parts[0]]
    for (start, end), part in zip(cuts, parts[1:], strict=True):
        signs = _top_level(part, EQUAL)
        named = bool(signs) and re.search(r"[A-Za-z]", part[:signs[0][0]]) is not None
        if named and _top_level(out[-1], EQUAL):
            out.append(part)
        else:
            out[-1] = out[-1] + piece[start:end] + part
    return out


#: a remark after a relation: ``\quad \text{since } |z_0| < 1``, ``\text{(rounded)}``
_REMARK = re.compile(r"\\(?:text|textrm|textit|mbox)\s*\{\s*(?:\(|(?:since|because|as|for|"
                     r"if|when|where|using|by|with|rounded|approx\w*|i\.e\.|e\.g\.)"
                     r"(?![A-Za-z]))", re.IGNORECASE)


def _without_remark(body: str) -> str:
    """The line without a remark that follows its relation (outside brackets and
    environments): the words and any condition after them are the student's reason,
    not a relation to check (a condition's ``<`` made the whole line an inequality)."""
    for i in _outside_brackets(body):
        if body[i] == "\\" and _REMARK.match(body, i):
            before = body[:i]
            if _top_level(before, EQUAL) and not _clean(before).endswith(
                    tuple("=+-*/") + (r"\cdot", r"\times")):
                return _clean(before)
    return body


def _continues(text: str) -> bool:
    """A line without a relation that starts with an operator: the rest of the line above."""
    s = _clean(text)
    return bool(s) and (s[0] in "+-*" or s.startswith((r"\cdot", r"\times", r"\right",
                                                        r"\left.", "]", ")"))) \
        and not _has_relation(s)


def read_lines(text: str) -> list[Line]:
    """The lines of a working with their statements (prose lines carry their reason)."""
    if len(text) > MAX_WORKING_CHARS:
        return [Line(1, text[:60] + "…", (), f"the working is {len(text):,} characters long "
                                              f"(at most {MAX_WORKING_CHARS:,} are read)")]
    raw = split_lines(text)
    joined: list[str] = []
    for line in raw:
        if joined and _continues(line) and _has_relation(joined[-1]):
            joined[-1] = joined[-1] + " " + _clean(line)
        else:
            joined.append(line)
    out: list[Line] = []
    for i, line in enumerate(joined[:MAX_LINES], start=1):
        statements, problem = statements_of(line)
        out.append(Line(i, line.replace("&", " ") if "\\begin" not in line else line,
                        statements, problem))
    if len(joined) > MAX_LINES:
        out.append(Line(MAX_LINES + 1, f"… ({len(joined) - MAX_LINES} more lines)", (),
                        f"lines {MAX_LINES + 1}–{len(joined)} are not read (a working is "
                        f"read up to {MAX_LINES} lines)"))
    return out
