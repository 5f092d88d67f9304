"""``\\sum_b δ_b``: a sum over the rows of a matrix, read as ``1ᵀ δ``.

Inside a sum over b, a matrix name of a matrix-expression answer with the sum's index as
subscript (``P_b``, ``Y_{b}``, for P B×K) is its row b, a 1×K symbol of its own. When the
sum's body is linear in those rows, one row factor leading each term (``P_b - Y_b``,
``(p_b - y_b) W`` or ``2 r_b``, each term's other factors free of b), and the sum runs
over all the rows (``\\sum_b``, ``\\sum_{b=1}^{B}``), the sum is 1ᵀ times the body with
the whole matrices in place of their rows: Σ_b (P_b − Y_b) = 1ᵀ(P − Y). Anything else
(a product of two rows, ``x_b^T δ_b``) is a ParseError that says to write it with 1ᵀ.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.check.read import values as tv
from derive.check.read.config import ParseError

_HOW = "write a sum over the examples as 1^T times a matrix (\\mathbf{1}^T δ)"


def row_of(rows: dict[Any, tuple[Any, Any]], matrix: Any, name: str, index: Any) -> Any:
    """The symbol of row ``index`` of ``matrix`` (remembered in ``rows``)."""
    row = sp.MatrixSymbol(f"{name}[{index}]", 1, matrix.shape[1])
    rows[row] = (matrix, index)
    return row


def row_sum(rows: dict[Any, tuple[Any, Any]], body: Any, index: Any, lo: Any,
            hi: Any) -> Any:
    """Σ over ``index`` of a body in rows, as 1ᵀ times the body in whole matrices
    (``hi`` None: no upper bound written, every row)."""
    mine = {r: rows[r][0] for r in body.atoms(sp.MatrixSymbol) if r in rows
            and rows[r][1] == index}
    if not mine or any(r in rows for r in body.atoms(sp.MatrixSymbol) if r not in mine):
        raise ParseError("a sum of matrices cannot be marked: " + _HOW)
    counts = {m.shape[0] for m in mine.values()}
    if len(counts) != 1 or lo != 1:
        raise ParseError("the sum does not run over every row: " + _HOW)
    (count,) = counts
    if hi is not None and str(hi) != str(count):  # sizes by name, as the judge does
        raise ParseError(f"the sum runs to {hi}, the matrices have {count} rows: " + _HOW)
    for term in (body.args if isinstance(body, sp.MatAdd) else (body,)):
        if not _leading_row(term, mine, index):
            raise ParseError("this sum over rows is not a plain sum of rows: " + _HOW)
    return tv.multiply([tv.ones(False, count), body.xreplace(mine)])


def _leading_row(term: Any, mine: dict[Any, Any], index: Any) -> bool:
    if term in mine:
        return True
    if not isinstance(term, sp.MatMul):
        return False
    scalars = [a for a in term.args if not tv.is_matrix(a)]
    mats = [a for a in term.args if tv.is_matrix(a)]
    if any(s.has(index) for s in scalars) or not mats or mats[0] not in mine:
        return False
    return not any(m.has(r) for m in mats[1:] for r in mine) and not any(
        m.has(index) for m in mats[1:])
