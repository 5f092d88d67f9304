"""The first half of the preprocessing layer: LaTeX answer text -> a clean token list.

Everything a student may write is mapped here to a small set of tokens; a command
that is not on the list ends as a ``ParseError`` that names it (``\\input``, ``\\def``,
``\\csname`` included), so nothing unknown ever reaches latex2sympy2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from derive.check.read.config import ParseError

#: kinds of tokens; BAD holds the message for something that cannot be marked, raised
#: only when it is on the side of a relation that is the answer (``\\frac{\\partial
#: E}{\\partial w} = …`` is fine)
NUM, NAME, CMD, OP, BAD = "num", "name", "cmd", "op", "bad"
#: ``OP`` values with a meaning of their own
REL, INEQ, NEQ, SEP, MUL, TIMES, HADAMARD, TRANSPOSE_MARK = (
    "rel", "ineq", "neq", "sep", "mul", "times", "hadamard", "transpose")
#: ``\otimes``: of two numbers it is their product (a student's ``x_i \otimes w_i``); of
#: matrices (a Kronecker product) it cannot be marked
TENSOR = "tensor"


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    sign: str = field(default="", compare=False)
    """an inequality's own sign ('<', '>', '<=', '>='): INEQ tokens compare equal whatever
    their direction; an indicator 1[z > 0] reads it"""
    """the number, the letter, the command name with its backslash, or the operator"""


#: commands that carry no meaning for marking: dropped (``\left``/``\right`` keep their
#: delimiter, which follows as its own token)
_DROPPED = {
    r"\displaystyle", r"\textstyle", r"\scriptstyle", r"\left", r"\right", r"\big", r"\Big",
    r"\bigg", r"\Bigg", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\biggl", r"\biggr",
    r"\Biggl", r"\Biggr", r"\middle", r"\mleft", r"\mright", r"\boxed", r"\,", r"\;", r"\:",
    r"\!", "\\ ", r"\limits", r"\nolimits", r"\hline", r"\therefore", r"\because",
    r"\thinspace", r"\medspace", r"\thickspace", r"\negthinspace", r"\enspace",
}
#: commands mapped to an operator token
_OPS = {
    r"\otimes": TENSOR,
    r"\cdot": MUL, r"\ast": MUL, r"\times": TIMES, r"\odot": HADAMARD, r"\circ": HADAMARD,
    r"\div": "/", r"\quad": SEP, r"\qquad": SEP, r"\lbrack": "[", r"\rbrack": "]",
    r"\{": "(", r"\}": ")", r"\lbrace": "(", r"\rbrace": ")", r"\lgroup": "(",
    r"\rgroup": ")", r"\lvert": "|", r"\rvert": "|", r"\vert": "|", r"\mid": "|",
    r"\to": REL, r"\rightarrow": REL, r"\Rightarrow": REL, r"\implies": REL,
    r"\longrightarrow": REL, r"\Longrightarrow": REL, r"\approx": REL, r"\simeq": REL,
    r"\equiv": REL, r"\leftarrow": REL, r"\gets": REL, r"\longleftarrow": REL,
    r"\coloneqq": REL, r"\iff": REL, r"\le": INEQ, r"\leq": INEQ, r"\ge": INEQ,
    r"\geq": INEQ, r"\ne": NEQ, r"\neq": NEQ, r"\lt": INEQ, r"\gt": INEQ,
    r"\top": TRANSPOSE_MARK, r"\intercal": TRANSPOSE_MARK, r"\prime": "'",
    r"\\": r"\\",
}
_SIGNS = {r"\le": "<=", r"\leq": "<=", r"\ge": ">=", r"\geq": ">=", r"\lt": "<",
          r"\gt": ">", r"\leqslant": "<=", r"\geqslant": ">="}
#: what a command that cannot be marked means, for the message
_EXPLAINED = {
    r"\dots": "an ellipsis", r"\ldots": "an ellipsis", r"\cdots": "an ellipsis",
    r"\vdots": "an ellipsis", r"\ddots": "an ellipsis", r"\dotsc": "an ellipsis",
    r"\dotsb": "an ellipsis", r"\partial": "a derivative sign", r"\nabla": "a gradient sign",
    r"\int": "an integral", r"\lim": "a limit", r"\prod": "a product sign",
    r"\infty": "infinity", r"\pm": "a plus-minus sign", r"\mp": "a minus-plus sign",
    r"\otimes": "a tensor product", r"\oplus": "a direct sum", r"\in": "set membership",
    r"\forall": "a quantifier", r"\exists": "a quantifier",
}
_ELLIPSIS_MESSAGE = "({}) cannot be marked: write the full expression"
#: ellipsis commands: kept as OP tokens (a row or column may be a pattern, read by
#: ``tex_pattern``); anywhere else they end as a ParseError with the message above
ELLIPSES = frozenset({r"\dots", r"\ldots", r"\cdots", r"\vdots", r"\ddots", r"\dotsc",
                      r"\dotsb", "..."})
#: names usable as letters (Greek); ``\sigma`` and friends may also be functions
GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "varrho", "sigma",
    "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta",
    "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega", "ell",
}
#: commands understood by the structure pass (``tex_reader``)
STRUCTURAL = {
    r"\frac", r"\dfrac", r"\tfrac", r"\cfrac", r"\sqrt", r"\sum", r"\begin", r"\end",
    r"\operatorname", r"\mathrm", r"\text", r"\textrm", r"\textit", r"\textbf", r"\mathit",
    r"\mathbf", r"\mathbb", r"\mathsf", r"\mathtt", r"\mathcal", r"\bm", r"\boldsymbol", r"\vec",
    r"\hat", r"\widehat", r"\bar", r"\overline", r"\tilde", r"\widetilde", r"\dot",
    r"\ddot", r"\exp", r"\log", r"\ln", r"\lg", r"\tanh", r"\sinh", r"\cosh", r"\sin",
    r"\cos", r"\tan", r"\sech", r"\csch", r"\coth", r"\max", r"\min", r"\operatornamewithlimits",
}
_UNICODE = {
    "−": "-", "–": "-", "×": r"\times ", "·": r"\cdot ", "⋅": r"\cdot ", "∗": "*",
    "⊙": r"\odot ", "∘": r"\circ ", "ᵀ": "^T", "⊤": r"\top ", "²": "^2", "³": "^3",
    "≈": r"\approx ", "→": r"\to ", "⇒": r"\Rightarrow ", "←": r"\leftarrow ",
    "…": r"\dots ", "⋯": r"\dots ", "⋮": r"\vdots ", "≤": r"\le ", "≥": r"\ge ",
    "≠": r"\ne ", "∂": r"\partial ", "∑": r"\sum ", "√": r"\sqrt ", "π": r"\pi ",
    "σ": r"\sigma ", "φ": r"\varphi ", "ϕ": r"\phi ", "η": r"\eta ", "α": r"\alpha ",
    "β": r"\beta ", "γ": r"\gamma ", "δ": r"\delta ", "ε": r"\epsilon ", "θ": r"\theta ",
    "λ": r"\lambda ", "μ": r"\mu ", "τ": r"\tau ", "ω": r"\omega ", "Σ": r"\sum ",
    "\u00a0": " ", "\u2009": " ", "\u200b": "", "’": "'", "′": "'",
}
_TOKEN = re.compile(
    r"\s+|(?P<num>(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+(?![\d.]))?)|(?P<name>[A-Za-z])"
    r"|(?P<cmd>\\[A-Za-z]+|\\.)"
    r"|(?P<dots>\.\.\.)|(?P<op>[-+*/^_()\[\]{},=&|'<>!:;.~])|(?P<bad>.)",
    re.DOTALL,
)
#: a function's name typed without its backslash (``1 - tanh^2(x)``, ``exp(-x)``): read as
#: the command, as a marker reads it (a product t·a·n·h is no answer anyone writes); not
#: right after ``{``, where it is a name already (``\\operatorname{sech}``, ``\\text{exp}``)
_BARE_FUNCTION = re.compile(r"(?<![\\A-Za-z{])(tanh|sinh|cosh|sech|exp|log|ln|sin|cos|tan|"
                            r"sqrt|sigma)(?![A-Za-z])")
#: longest number literal read (digits): larger ones are not answers
MAX_DIGITS = 60


def explain_command(cmd: str) -> str:
    """The message for a command that cannot be marked."""
    what = "an ellipsis" if cmd in ELLIPSES else _EXPLAINED.get(cmd)
    if what == "an ellipsis":
        return f"'{cmd}' " + _ELLIPSIS_MESSAGE.format(what)
    if what:
        return f"'{cmd}' ({what}) cannot be marked: write the result it stands for"
    return f"'{cmd}' is not a command an answer may use"


def tokenize(text: str) -> list[Token]:
    """Tokens of an answer, with spacing, sizing and \\boxed gone and synonyms mapped."""
    for k, v in _UNICODE.items():
        if k in text:
            text = text.replace(k, v)
    text = _BARE_FUNCTION.sub(r"\\\1", text.replace("$", " "))
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind is None:
            continue
        s = m.group(kind)
        if kind == "num":
            digits = sum(ch.isdigit() for ch in s)
            if digits > MAX_DIGITS:
                raise ParseError(f"a number with {digits} digits is too long to be an answer")
            if "e" in s.lower() and abs(int(re.split("[eE]", s)[1])) > 300:
                out.append(Token(BAD, f"the exponent of {s} is out of range"))
                continue
            out.append(Token(NUM, "0" + s if s.startswith(".") else s))
        elif kind == "name":
            out.append(Token(NAME, s))
        elif kind == "dots":
            out.append(Token(OP, "..."))
        elif kind == "bad":
            out.append(Token(BAD, f"the character {s!r} is not understood"))
        elif kind == "op":
            if s == "~":
                continue
            if s == "*":
                out.append(Token(OP, MUL))
            elif s == "!":
                out.append(Token(BAD, "'!' (a factorial) cannot be marked: write the number"))
            elif s in "<>":
                out.append(Token(OP, INEQ, s))
            elif s == "=":
                # ':=' and '=' both separate sides of a relation
                if out and out[-1] == Token(OP, ":"):
                    out.pop()
                out.append(Token(OP, REL))
            else:
                out.append(Token(OP, s))
        else:  # a command
            if s in _DROPPED:
                continue
            if s in _OPS:
                out.append(Token(OP, _OPS[s], _SIGNS.get(s, "")))
            elif s in ELLIPSES:
                out.append(Token(OP, s))
            elif s in STRUCTURAL or s[1:] in GREEK:
                out.append(Token(CMD, s))
            else:  # judged only if it is on the side that is the answer
                out.append(Token(BAD, explain_command(s)))
    return _scripts_in_order(_zero_as_o(_braced_bases(_trimmed(_drop_null_delimiters(out)))))


def _braced_bases(tokens: list[Token]) -> list[Token]:
    """``{p}_{i}`` -> ``p_{i}``: a brace group around one name before a subscript is that
    name (SymPy, and so derive, writes an indexed ``p_i`` so; ``{\\hat{y}}_{k}`` too)."""
    out = list(tokens)
    i = 0
    while i < len(out):
        if out[i] == Token(OP, "{") and (i == 0 or out[i - 1] not in _TAKES_BRACES):
            end = _script_end(out, i)
            if 0 < end < len(out) and out[end] == Token(OP, "_") \
                    and _one_name(out[i + 1:end - 1]):
                del out[end - 1]
                del out[i]
                continue
        i += 1
    return out


#: tokens whose braces are a script of their own (``x^{p}_{i}``), not a base (after a
#: group, ``\sum_{k}{p}_{k}``, a single name's braces mean nothing either)
_TAKES_BRACES = {Token(OP, "^"), Token(OP, "_")}


def _one_name(inner: list[Token]) -> bool:
    """One letter, one Greek letter, or one command with a single braced word
    (``\\hat{y}``, ``\\mathbf{x}``)."""
    if len(inner) == 1:
        return inner[0].kind == NAME or (inner[0].kind == CMD and inner[0].text[1:] in GREEK)
    return (inner[0].kind == CMD and inner[0].text not in (r"\frac", r"\dfrac", r"\tfrac",
                                                          r"\cfrac", r"\sqrt")
            and inner[1] == Token(OP, "{") and _script_end(inner, 1) == len(inner)
            and all(t.kind in (NAME, NUM) or (t.kind == CMD and t.text[1:] in GREEK)
                    for t in inner[2:-1]))


def _zero_as_o(tokens: list[Token]) -> list[Token]:
    """``0_1``: a number takes no subscript, so a 0 with one is the letter o (as handwriting
    and its transcriptions mix them up: ``0_k - y_k`` for ``o_k - y_k``)."""
    return [Token(NAME, "o") if t == Token(NUM, "0") and i + 1 < len(tokens)
            and tokens[i + 1] == Token(OP, "_") else t for i, t in enumerate(tokens)]


def _script_end(tokens: list[Token], i: int) -> int:
    """End (exclusive) of the TeX argument starting at ``i``, or -1."""
    if i >= len(tokens):
        return -1
    if tokens[i] != Token(OP, "{"):
        return i + 1
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j] == Token(OP, "{"):
            depth += 1
        elif tokens[j] == Token(OP, "}"):
            depth -= 1
            if depth == 0:
                return j + 1
    return -1


def _scripts_in_order(tokens: list[Token]) -> list[Token]:
    """``x^{2}_{1}`` -> ``x_{1}^{2}``: the subscript first, as it names."""
    out = list(tokens)
    i = 0
    while i < len(out) - 3:
        if out[i].kind in (NAME, CMD) and out[i + 1] == Token(OP, "^"):
            sup_end = _script_end(out, i + 2)
            if sup_end > 0 and sup_end < len(out) and out[sup_end] == Token(OP, "_"):
                sub_end = _script_end(out, sup_end + 1)
                if sub_end > 0:
                    sup, sub = out[i + 1:sup_end], out[sup_end:sub_end]
                    out[i + 1:sub_end] = sub + sup
        i += 1
    return out


def _drop_null_delimiters(tokens: list[Token]) -> list[Token]:
    """``\\left.`` and ``\\right.`` leave a bare '.' behind: drop it (a '.' is never an
    answer's content; a trailing full stop of a sentence goes too)."""
    return [t for t in tokens if t != Token(OP, ".")]


#: what may end an answer as its sentence ends (``… = -0.0958,``) or as it is spaced
#: (``-0.0958\\quad``): nothing of the answer; a '.' is dropped everywhere above
_TRAILING = {Token(OP, SEP), Token(OP, ","), Token(OP, ";")}


def _trimmed(tokens: list[Token]) -> list[Token]:
    """The tokens without spacing (``\\quad``, ``\\qquad``) at either end and without a
    sentence's trailing ',' or ';': otherwise they would end the answer as an empty item
    of a list."""
    start, end = 0, len(tokens)
    while start < end and tokens[start] == Token(OP, SEP):
        start += 1
    while end > start and tokens[end - 1] in _TRAILING:
        end -= 1
    return tokens[start:end]


def check_answer_side(tokens: list[Token]) -> None:
    """What cannot be marked on the side that is the answer: commands off the list,
    ellipses, and evaluation bars (``\\Big|_{x_0}``)."""
    for t in tokens:
        if t.kind == BAD:
            raise ParseError(t.text)
    for i, t in enumerate(tokens[:-1]):
        if t == Token(OP, "|") and tokens[i + 1] in (Token(OP, "_"), Token(OP, "^")):
            raise ParseError("an evaluation bar '|_{…}' cannot be marked: "
                             "substitute the value and write the result")
