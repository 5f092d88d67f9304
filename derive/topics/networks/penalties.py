"""L1 and L2 penalties (weight decay) added to a network's loss, and their gradient rules.

Conventions (stated in ``derive blocks net-loss`` and in the steps):

- L2, ``half`` (the default): R = (λ/2) Σ_W ‖W‖²_F, so ∂R/∂W = λ W;
  L2, ``full``: R = λ Σ_W ‖W‖²_F, so ∂R/∂W = 2λ W;
- L1: R = λ Σ_W Σ_ij |W_ij|, so ∂R/∂W = λ sign(W), with sign(0) = 0 (the subgradient 0
  at the kink, which is also what a central difference gives there);
- the penalty is added once to the reduced loss (not divided by the batch size), on the
  named weights; biases only when named.

The oracle never calls ``gradient``: it recomputes R from the entries.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from derive.topics.networks.matrix_calculus import elementwise
from derive.topics.networks.matrix_forms import AbsSum, SquaredNorm

KINDS = ("l1", "l2")


@dataclass(frozen=True)
class Penalty:
    """One penalty term: λ Σ |W_ij| (l1), or (λ/2) or λ times Σ ‖W‖²_F (l2)."""

    kind: str
    coef: Any
    """the coefficient as written (a given's symbol λ, or a number)"""
    params: tuple[sp.MatrixSymbol, ...]
    scalars: tuple[tuple[Any, Any], ...] = ()
    """(symbol, exact value) of the names in ``coef`` (to evaluate formulas)"""
    half: bool = True
    """l2: (λ/2)‖W‖² (True) or λ‖W‖² (False)"""

    @property
    def scale(self) -> Any:
        """the factor in front of the norms: λ/2 or λ"""
        return self.coef / 2 if self.kind == "l2" and self.half else self.coef

    def definition(self) -> Any:
        norm = SquaredNorm if self.kind == "l2" else AbsSum
        return self.scale * sp.Add(*[norm(p) for p in self.params])

    def gradient(self, p: sp.MatrixSymbol) -> Any:
        """∂R/∂p by the rule: λW, 2λW, or λ sign(W) (sign(0) = 0)."""
        if self.kind == "l1":
            t = sp.Symbol("t", real=True)
            return sp.MatMul(self.coef, elementwise(sp.Lambda(t, sp.sign(t)), p))
        return sp.MatMul(self.coef if self.half else 2 * self.coef, p)

    def term(self, p: sp.MatrixSymbol) -> Any:
        """the part of R that holds p: (λ/2)‖W‖², λ‖W‖², λ Σ|W_ij|"""
        return replace(self, params=(p,)).definition()

    def exact(self, values: dict[Any, Any]) -> Any:
        """R at explicit parameter values (exact)."""
        total = sp.S.Zero
        for p in self.params:
            for w in values[p]:
                total += w ** 2 if self.kind == "l2" else sp.Abs(w)
        return self.scale.xreplace(dict(self.scalars)) * total
