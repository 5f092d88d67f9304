"""A bold one in an answer: a vector of ones (``\\mathbf{1}^T δ``) or an indicator
(``\\mathbb{1}[z > 0]``).

- ``\\mathbf{1}``, ``\\mathbf 1``, ``\\bm{1}``, ``\\boldsymbol{1}``, ``\\vec{1}``, ``\\mathbb{1}``
  and ``1^T`` in a matrix-expression answer are the column of ones and its transpose,
  the row (``1ᵀδ`` sums δ over the examples of a batch). Written without a length they
  get a placeholder that the product or sum they stand in settles (``values.ones``);
  ``\\mathbf{1}_B`` states it. Elsewhere (numbers, expressions) a bold 1 stays the number 1.
- ``\\mathbb{1}[z > 0]``, ``\\mathbf{1}(z \\ge 0)``, ``\\mathbb{1}\\{z>0\\}`` and
  ``\\mathbb{1}_{z > 0}`` are the indicator of one comparison, entrywise on a matrix
  (ReLU's derivative): SymPy's ``Heaviside(d, v0)`` of the difference of the sides, with
  its value at 0 as the sign says (``>``: 0, ``\\ge``: 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy as sp

from derive.check.read import values as tv
from derive.check.read.config import ParseError
from derive.check.read.token_groups import match
from derive.check.read.tokens import INEQ, OP, Token

if TYPE_CHECKING:
    from derive.check.read.emitter import Emitter
    from derive.check.read.reader import Reader

#: commands that make a 1 bold: a vector of ones or an indicator
BOLD = (r"\mathbf", r"\bm", r"\boldsymbol", r"\vec", r"\mathbb")


def bold_one(em: Emitter) -> bool:
    """At ``em.pos`` just after a bold 1: emit an indicator or a vector of ones and say
    True; False leaves the 1 to be the number 1."""
    nxt = em.peek()
    if em.is_op(nxt, "(", "["):
        end = match(em.toks, em.pos)
        inner = em.toks[em.pos + 1:end]
        if _comparisons(inner):
            em.pos = end + 1
            em.emit_value(indicator(em.r, inner))
            return True
    if em.is_op(nxt, "_"):
        save = em.pos
        em.pos += 1
        sub = em.take_arg()
        if _comparisons(sub):
            em.emit_value(indicator(em.r, sub))
            return True
        if em.r.cfg.ones_vectors:
            em.emit_value(tv.ones(True, length(em, sub)))
            return True
        em.pos = save
        return False
    if em.r.cfg.ones_vectors:
        em.emit_value(tv.ones(True))
        return True
    return False


def length(em: Emitter, sub: list[Token]) -> Any:
    """The length a subscript gives a vector of ones (``1_B``, ``1_{3}``)."""
    text = em.sub_text(sub)
    if text.isdigit() and 0 < int(text) <= 1000:
        return sp.Integer(text)
    size = em.r.cfg.sizes.get(text)
    if size is None:
        raise ParseError(f"1_{{{text}}}: {text} is not a size of this problem (the length "
                         "of a vector of ones, as in 1_B)")
    return size


def _comparisons(tokens: list[Token]) -> list[int]:
    """Where the comparisons outside brackets are."""
    out, depth = [], 0
    for i, t in enumerate(tokens):
        if t.kind == OP and t.text in "([{":
            depth += 1
        elif t.kind == OP and t.text in ")]}":
            depth -= 1
        elif depth == 0 and t.kind == OP and t.text == INEQ:
            out.append(i)
    return out


def indicator(r: Reader, tokens: list[Token]) -> Any:
    """``1[lhs > rhs]``: 1 where the comparison holds, else 0 (entrywise on a matrix)."""
    where = _comparisons(tokens)
    if len(where) != 1 or not tokens[where[0]].sign:
        raise ParseError("an indicator holds one comparison, as in \\mathbb{1}[z > 0]")
    i = where[0]
    sign = tokens[i].sign
    lhs, rhs = r.expr(tokens[:i]), r.expr(tokens[i + 1:])
    if tv.is_matrix(rhs) and not tv.is_matrix(lhs):
        lhs, rhs, sign = rhs, lhs, {"<": ">", ">": "<", "<=": ">=", ">=": "<="}[sign]
    if tv.is_matrix(rhs):
        raise ParseError("an indicator compares a value with a number, as in "
                         "\\mathbb{1}[F_1 > 0]")
    big, small = (lhs, rhs) if sign in (">", ">=") else (rhs, lhs)
    diff = tv.add([big, tv.multiply([sp.Integer(-1), small])])
    at_zero = sp.Integer(0) if sign in ("<", ">") else sp.Integer(1)
    return tv.elementwise(lambda u: sp.Heaviside(u, at_zero), diff)
