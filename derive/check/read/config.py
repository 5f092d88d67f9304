"""What a parse may contain (``ParseConfig``) and how it fails (``ParseError``).

Re-exported by ``derive.check.read.parse``, which is where callers import them from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp


class ParseError(ValueError):
    """The answer could not be understood; the message says what was not understood."""


class ShapeMismatch(ParseError):
    """A matrix answer whose parts do not fit together (``W_1 W_2^T``: N×M times K×M).

    A ParseError, so that a caller handling only ParseError stays safe; ``judge`` marks
    it *incorrect* (the answer was understood, and it is wrong), not unparsable.
    """


@dataclass(frozen=True)
class ParseConfig:
    """What an answer may contain, and the limits untrusted text is held to."""

    max_length: int = 2000
    """characters"""
    max_depth: int = 40
    """nesting of braces, brackets and parentheses"""
    symbols: dict[str, Any] = field(default_factory=dict)
    """names the answer may use -> SymPy Symbol, MatrixSymbol (with its shape) or
    IndexedBase (``p`` for ``p_k``, ``p_i``). Empty: any name is read as a real Symbol."""
    functions: dict[str, Any] = field(default_factory=dict)
    """function names the answer may call, besides the course's table (σ, tanh, …)
    -> SymPy function class or Lambda"""
    names: dict[str, Any] = field(default_factory=dict)
    """intermediate names (o, c, a, f_1) -> the expression they stand for, in the base
    variables; a matrix name must also be in ``symbols`` (as a MatrixSymbol)"""
    constants: dict[str, Any] = field(default_factory=dict)
    """givens an answer may write by name (``\\alpha`` for 1.702) -> exact value"""
    aliases: dict[str, str] = field(default_factory=dict)
    """written form (as ``tex_reader.name_key`` spells it: ``hat(y)``, ``w_c``) -> a key
    of ``symbols``, ``names`` or ``constants``"""
    shape: tuple[Any, ...] | None = None
    """the expected shape of a matrix / matrix-expression / design answer"""
    sizes: dict[str, Any] = field(default_factory=dict)
    """size names (N, M, K, n, k) -> Symbol, for shapes and matrix symbols"""
    sum_bound: Any = field(default_factory=lambda: sp.Symbol("K", integer=True, positive=True))
    """upper bound of a sum written without one (``\\sum_k``)"""
    max_tokens: int = 300
    """tokens in one answer (latex2sympy2 reads ~5-7 ms per token; see tex_core)"""
    component: Any = None
    """the index of the component an indexed answer asks (``i`` of ∂L/∂z_i): a vector
    written without an index (``p - t``) is read as that component (``p_i - t_i``)"""
    properties: dict[str, str] = field(default_factory=dict)
    """matrix names declared ``diagonal`` or ``symmetric`` (spec: ``properties: {J:
    diagonal}``): compared with values that have the property, so ``J^T = J`` holds"""
    defined_primes: bool = True
    """whether ``f'(x)`` of a function the problem defines may be written (an expression
    answer asks the derivative written out: restating it is no answer)"""
    ones_vectors: bool = False
    """``\\mathbf{1}``, ``1^T`` are vectors of ones (matrix-expression answers), not the
    number 1"""
    course_functions: bool = True
    """the course's function table (σ, φ, tanh, sech, ReLU, GELU, softmax, diag…)"""

    def knows(self, key: str) -> bool:
        return key in self.symbols or key in self.names or key in self.constants

    @property
    def closed(self) -> bool:
        """True when the answer's names are declared (unknown names are then reported)."""
        return bool(self.symbols or self.names or self.constants)
