"""How wide a piece of LaTeX math will be, and where to break long sides of an equation.

TeX cannot break display math by itself (breqn is not in the base distributions), so the
renderer breaks long sums at their terms and long products at their factors before TeX
sees them. Widths are estimates in em (the width of an M at the body size), good to
about 10%; a line that is still too wide is scaled down by ``\\derivefit`` in TeX.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import sympy as sp

# A token (one character, a command such as \alpha or \tag*, or an escaped character
# such as \,) as written, the white space before it, and the token; the end of the text
# is an empty token.
_TOKEN = re.compile(r"((\s*)([^\s\\]|\\[A-Za-z]+\*?|\\.?|\Z))", re.S)

_SPACE = {r"\,": 0.17, r"\:": 0.22, r"\;": 0.28, r"\!": -0.17, r"\ ": 0.33, r"\quad": 1.0,
          r"\qquad": 2.0, "~": 0.33}
_BIN = {r"\cdot", r"\times", r"\pm", r"\mp", r"\odot", r"\otimes", r"\circ", r"\ast",
        r"\star", r"\oplus", r"\cap", r"\cup", r"\setminus"}
_REL = {r"\leq", r"\le", r"\geq", r"\ge", r"\neq", r"\ne", r"\approx", r"\to", r"\rightarrow",
        r"\leftarrow", r"\in", r"\notin", r"\mapsto", r"\implies", r"\iff", r"\equiv",
        r"\sim", r"\propto", r"\Rightarrow", r"\coloneqq", r"\subset", r"\subseteq"}
_WIDE = {r"\sum": 1.2, r"\prod": 1.2, r"\int": 0.8, r"\infty": 1.0, r"\ldots": 1.2,
         r"\cdots": 1.2, r"\dots": 1.2, r"\nabla": 0.85, r"\partial": 0.6, r"\top": 0.8,
         r"\intercal": 0.6, r"\prime": 0.3, r"\mid": 0.6}
_SKIP_ARG = {r"\label", r"\tag", r"\tag*", r"\color", r"\textcolor", r"\hspace", r"\vspace"}
_ONE_ARG = {r"\text", r"\textrm", r"\textit", r"\texttt", r"\textbf", r"\textsf", r"\mathrm",
            r"\mathit", r"\mathbf", r"\mathsf", r"\mathtt", r"\mathcal", r"\mathbb",
            r"\boldsymbol", r"\hat", r"\bar", r"\tilde", r"\vec", r"\dot", r"\ddot",
            r"\overline", r"\underline", r"\widehat", r"\widetilde", r"\phantom",
            r"\hphantom", r"\mathord", r"\mathbin", r"\mathrel", r"\mathop", r"\emph",
            r"\operatorname", r"\mbox"}
_TEXTUAL = {r"\text", r"\textrm", r"\textit", r"\texttt", r"\textbf", r"\textsf", r"\mbox",
            r"\emph"}
_NOTHING = {r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr",
            r"\Bigl", r"\Bigr", r"\middle", r"\displaystyle", r"\textstyle",
            r"\scriptstyle", r"\limits", r"\nolimits", r"\small", r"\footnotesize",
            r"\scriptsize", r"\normalsize", r"\MoveEqLeft", r"\allowbreak", r"\nonumber",
            r"\notag", r"\hfill"}
_FUNCS = {"sin", "cos", "tan", "log", "ln", "exp", "max", "min", "sinh", "cosh", "tanh",
          "sech", "csch", "coth", "det", "arg", "lim", "sup", "inf", "diag"}
_MATRIX_ENVS = {"matrix", "bmatrix", "pmatrix", "vmatrix", "Bmatrix", "smallmatrix",
                "array", "aligned", "cases", "gathered"}


class _Reader:
    """The tokens of a text, white space skipped; the space before each token is kept for
    the raw text of an argument (``\\text{a b}`` is three characters wide)."""

    def __init__(self, s: str) -> None:
        self.written, self.space, toks = zip(*_TOKEN.findall(s), strict=True)
        self.toks: list[str | None] = list(toks)
        self.end = self.toks.index("")  # \Z can match twice after trailing space
        self.toks[self.end] = None  # peek at the end reads None, without a bounds check
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i]

    def take(self) -> str | None:
        t = self.toks[self.i]
        if t is not None:
            self.i += 1
        return t

    def group_text(self) -> str:
        """The raw text of the next argument (a {group} or one token)."""
        t = self.take()
        if t != "{":
            return t or ""
        start, depth = self.i, 1
        while depth:  # to the next "}", counting the "{" on the way
            try:
                close = self.toks.index("}", self.i, self.end)
            except ValueError:  # never closed: the rest of the text
                self.i = self.end
                return "".join(self.written[start:self.end]) + self.space[self.end]
            depth += self.toks[self.i:close].count("{") - 1
            self.i = close + 1
        return "".join(self.written[start:close]) + self.space[close]

    def optional(self) -> str:
        if self.peek() != "[":
            return ""
        self.take()
        out = []
        while self.peek() not in (None, "]"):
            out.append(self.take() or "")
        self.take()
        return "".join(out)


_PUNCT = {"=": 1.34, "+": 1.22, "-": 1.22, "<": 1.34, ">": 1.34, "(": 0.39, ")": 0.39,
          "[": 0.28, "]": 0.28, ",": 0.45, ".": 0.28, ";": 0.45, ":": 0.6, "'": 0.3,
          "|": 0.28, "/": 0.5, "!": 0.3, "*": 0.5, "&": 0.0}


def _char_width(c: str) -> float:
    if c.isdigit():
        return 0.5
    if c.isupper():
        return 0.72
    if c.isalpha():
        return 0.55
    return _PUNCT.get(c, 0.6)


def _env_width(body: str) -> float:
    rows = [r for r in re.split(r"\\\\", body) if r.strip()]
    cols: list[float] = []
    for r in rows:
        for j, cell in enumerate(_split_top(r, "&")):
            w = tex_width(cell)
            if j < len(cols):
                cols[j] = max(cols[j], w)
            else:
                cols.append(w)
    return sum(cols) + 0.9 * max(len(cols) - 1, 0) + 0.9


def _split_top(s: str, sep: str) -> list[str]:
    if "{" not in s and "}" not in s:
        return s.split(sep)  # nothing nested (most cells of a matrix)
    depth, cur, out = 0, [], []
    for c in s:
        depth += (c == "{") - (c == "}")
        if c == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    out.append("".join(cur))
    return out


def _width(r: _Reader, stop: str | None = None) -> float:
    total = 0.0
    script = 0.0  # width of the scripts attached to the last atom (sub and sup overlap)
    while True:
        t = r.take()
        if t is None or t == stop:
            return total + script
        if t in ("^", "_"):
            w = 0.7 * _atom(r)
            total -= script
            script = max(script, w)
            total += script
            continue
        script = 0.0
        total += _atom_from(r, t)


def _atom(r: _Reader) -> float:
    t = r.take()
    return 0.0 if t is None else _atom_from(r, t)


def _atom_from(r: _Reader, t: str) -> float:
    w = _plain_width(t)
    return w if w is not None else _width_with_arguments(r, t)


#: the sizing commands of _NOTHING (\left, \big, ...): each reads the delimiter after it
_DELIMITED = {t for t in _NOTHING
              if t in (r"\left", r"\right", r"\middle") or t.startswith((r"\big", r"\Big"))}
_READS_ARGUMENTS = {"{", r"\frac", r"\dfrac", r"\tfrac", r"\binom", r"\cfrac", r"\overset",
                    r"\underset", r"\stackrel", r"\sqrt", r"\boxed", r"\fbox", r"\begin",
                    *_DELIMITED, *_SKIP_ARG, *_ONE_ARG}


@lru_cache(maxsize=4096)
def _plain_width(t: str) -> float | None:
    """The width of a token that reads nothing after it (a character, a symbol, a
    spacing command); None for one that does (a group, \\frac, \\left, ...). Kept: a
    sheet measures a few hundred distinct tokens ~20,000 times."""
    if t in _READS_ARGUMENTS:
        return None
    if t == "}":
        return 0.0
    if not t.startswith("\\") or len(t) == 2 and not t[1].isalpha():
        if t in _SPACE:
            return _SPACE[t]
        if t.startswith("\\"):
            return 0.5 if t[1] in "{}|" else 0.0
        return _char_width(t)
    if t in _NOTHING:
        return 0.0
    if t in _SPACE:
        return _SPACE[t]
    if t in _BIN:
        return 1.0
    if t in _REL:
        return 1.45
    if t in _WIDE:
        return _WIDE[t]
    if t[1:] in _FUNCS:
        return 0.5 * len(t[1:]) + 0.17
    return 0.6  # Greek letters and other symbols


def _width_with_arguments(r: _Reader, t: str) -> float:
    if t == "{":
        return _width(r, "}")
    if t in ("\\frac", "\\dfrac", "\\tfrac", "\\binom", "\\cfrac"):
        a, b = tex_width(r.group_text()), tex_width(r.group_text())
        return max(a, b) * (0.75 if t == "\\tfrac" else 1.0) + 0.35
    if t in ("\\overset", "\\underset", "\\stackrel"):
        a, b = tex_width(r.group_text()), tex_width(r.group_text())
        return max(0.7 * a, b)
    if t == "\\sqrt":
        r.optional()
        return tex_width(r.group_text()) + 0.85
    if t in ("\\boxed", "\\fbox"):
        return tex_width(r.group_text()) + 0.8
    if t == "\\begin":
        env = r.group_text()
        if env == "array":
            r.group_text()
        body = []
        depth = 1
        while r.peek() is not None:
            tok = r.take() or ""
            if tok == "\\begin":
                depth += 1
            elif tok == "\\end":
                depth -= 1
                if depth == 0:
                    r.group_text()
                    break
            body.append(tok)
        w = _env_width("".join(body))
        return w if env in _MATRIX_ENVS else w - 0.9
    if t in _DELIMITED:
        d = r.take() or ""
        return 0.0 if d == "." else 0.42
    if t == r"\textcolor":
        r.group_text()
        return tex_width(r.group_text())
    if t in _SKIP_ARG:
        r.group_text()
        return 0.0
    arg = r.group_text()  # one of _ONE_ARG
    if t in _TEXTUAL:
        return 0.5 * len(arg)
    if t == r"\operatorname":
        return 0.5 * len(arg) + 0.17
    return tex_width(arg)


@lru_cache(maxsize=16384)
def tex_width(s: str) -> float:
    """Estimated width of LaTeX math ``s`` in em (display style); a pure function of
    the text, kept (a line is measured again each time it is packed or scaled)."""
    return _width(_Reader(s))


def pack(pieces: list[str], budget: float, indent: float = 1.0) -> list[str]:
    """Greedy lines of pieces (terms with their signs), each within ``budget`` em.

    Continuation lines are shorter by ``indent`` (they start with ``\\quad``).
    """
    lines: list[str] = []
    cur, width = "", 0.0
    for p in pieces:
        w = tex_width(p)
        room = budget - (indent if lines else 0.0)
        if cur and width + w > room:
            lines.append(cur)
            cur, width = p, w
        else:
            cur, width = (f"{cur} {p}" if cur else p), width + w
    if cur:
        lines.append(cur)
    return lines


def _pack_sum(expr: Any, printer: Any, budget: float) -> list[str]:
    """A sum's terms packed into lines; a term too long by itself is broken too."""
    lines: list[str] = []
    run: list[str] = []
    for sign, term in printer.add_terms(expr):
        text = sign + printer.term(term)
        sub = _break_product(term, printer, budget - 1.0) \
            if tex_width(text) > budget and isinstance(term, sp.Mul) else None
        if sub:
            lines += pack(run, budget, indent=0.0 if not lines else 1.0) if run else []
            run = []
            lines += [sign + sub[0], *sub[1:]]
        else:
            run.append(text)
    if run:
        lines += pack(run, budget)
    return lines


def _break_product(expr: sp.Mul, printer: Any, budget: float) -> list[str] | None:
    """A product with a long sum in it (a long numerator counts) as
    ``rest \\Bigl( term + … \\\\ + term \\Bigr)``, the sum broken over lines."""
    num, den = sp.fraction(expr, exact=True)
    factors = list(sp.Mul.make_args(num))
    sums = [f for f in factors if isinstance(f, sp.Add)]
    if not sums:
        return None
    big = max(sums, key=lambda f: tex_width(printer.doprint(f)))
    if tex_width(printer.doprint(big)) < max(0.4 * budget, 10.0):
        return None  # only a long sum is worth breaking; (1 - σ) stays whole
    rest = sp.Mul(*[f for f in factors if f is not big], evaluate=False) / den
    sign = ""
    if rest.could_extract_minus_sign():
        sign, rest = "-", -rest
    head = sign if rest == 1 else sign + printer.doprint(rest)
    lines = _pack_sum(big, printer, budget - tex_width(head) - 1.0)
    tall = any("\\frac" in line for line in lines)
    left, right = (r"\Bigl(", r"\Bigr)") if tall else (r"\bigl(", r"\bigr)")
    if len(lines) < 2:
        return None
    return [f"{head} {left}{lines[0]}", *lines[1:-1], f"{lines[-1]}{right}"]


_REL_OPS = {"==": "=", "!=": r"\neq", "<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq"}


def break_expr(expr: Any, printer: Any, budget: float) -> list[str]:
    """The printed ``expr`` as one or more lines within ``budget`` em where possible.

    Sums break before a term's sign, products before a factor (with ``\\cdot``); any
    other too-wide expression stays one line (the renderer scales it).
    """
    whole = printer.doprint(expr)
    if tex_width(whole) <= budget or not isinstance(expr, sp.Basic):
        return [whole]
    expr = getattr(printer, "prepare", lambda e: e)(expr)
    if isinstance(expr, (sp.Add, sp.MatAdd)):
        return _pack_sum(expr, printer, budget)
    if isinstance(expr, sp.Mul):
        lines = _break_product(expr, printer, budget)
        if lines:
            return lines
    if isinstance(expr, sp.core.relational.Relational):
        lhs = printer.doprint(expr.lhs)
        rhs = break_expr(expr.rhs, printer, budget - tex_width(lhs) - 1.4)
        rel = _REL_OPS.get(expr.rel_op, "=")
        return [f"{lhs} {rel} {rhs[0]}", *rhs[1:]]
    return [whole]
