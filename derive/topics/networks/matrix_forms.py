"""More matrix forms a course writes, for batches and penalties (``matrix_calculus`` has
the rest):

- ``Ones(B, 1)``: the column of ones ``1`` of ``XW + 1b`` (``Ones(1, B)`` is ``1ᵀ``, as in
  ``∂E/∂b = 1ᵀδ``); explicit once its size is a number, so the gold contract holds;
- ``Terms(a, b)``: a sum of shown pieces (``Xᵀ ∂E/∂Z + ∂R/∂W``), ``Odot(a, b)`` their
  elementwise product (``∂E/∂H ⊙ ReLU'(Z)``), display only;
- ``SquaredNorm(W)``: ``‖W‖²_F`` and ``AbsSum(W)``: ``Σ_ij |W_ij|``, display only (the
  penalties' values are computed from the entries, never from these).

Nothing here knows a derivative rule.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.topics.networks.matrix_calculus import IndexSum


class Ones(sp.OneMatrix):
    """A vector of ones: ``1`` (a column) or ``1ᵀ`` (a row)."""

    def doit(self, **hints: Any) -> Any:
        r, c = self.shape
        if r.is_Integer and c.is_Integer:
            return sp.ImmutableMatrix.ones(int(r), int(c))
        return self

    def _row(self) -> bool:
        return self.shape[0] == 1 and self.shape[1] != 1

    def _latex(self, printer: Any) -> str:
        return r"\mathbf{1}^{T}" if self._row() else r"\mathbf{1}"

    def _sympystr(self, printer: Any) -> str:
        return "1^T" if self._row() else "1"


class _Joined(sp.Expr):
    """Shown pieces in order with a separator between them; display only."""

    is_commutative = False
    LATEX = TEXT = ""

    def _latex(self, printer: Any) -> str:
        return self.LATEX.join(printer._print(a) for a in self.args)

    def _sympystr(self, printer: Any) -> str:
        return self.TEXT.join(printer._print(a) for a in self.args)


class Terms(_Joined):
    """``a + b + …`` of shown pieces (derivative names, products), in order."""

    LATEX = TEXT = " + "


class Odot(_Joined):
    """``∂E/∂A ⊙ σ'(Z)``: an elementwise product of shown pieces."""

    LATEX, TEXT = r" \odot ", " ⊙ "


class Equals(_Joined):
    """``a = b`` between shown pieces of different kinds (∂R/∂W = λW)."""

    LATEX = TEXT = " = "


class SquaredNorm(sp.Expr):
    """``‖W‖²_F``: the sum of the squared entries of W (display only)."""

    def _latex(self, printer: Any) -> str:
        return r"\left\lVert %s \right\rVert_F^{2}" % printer._print(self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return f"‖{printer._print(self.args[0])}‖²"


class AbsSum(sp.Expr):
    """``Σ_ij |W_ij|``: the sum of the absolute entries of W (display only)."""

    def _latex(self, printer: Any) -> str:
        return r"\sum_{i,j} \left|\left(%s\right)_{ij}\right|" % printer._print(self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return f"Σ_ij |({printer._print(self.args[0])})_ij|"


class BatchSum(IndexSum):
    """``Σ_b Σ_k term`` over the examples and the outputs of a batch (display only)."""

    LATEX_SIGNS = r"\sum_{b} \sum_{k}"
    TEXT_SIGNS = "Σ_b Σ_k"
