"""Matrix expressions as a course writes them, and their evaluation.

SymPy's matrix expressions (``MatrixSymbol``, ``MatMul``, ``MatAdd``, ``Transpose``)
carry the textbook forms; the few notions it lacks or prints awkwardly get a small
class here, each printing as a course writes it and evaluating explicitly:

- ``Diag(v)``: ``diag(v)`` of a row or column vector (a SymPy ``DiagMatrix``);
- ``Hadamard(a, b)``: ``a ⊙ b`` in the order given (a SymPy ``HadamardProduct``);
- ``Ordered(a, -b)``: a ``MatAdd`` printed in the order given (``1 - a``);
- ``Quotient(y, o)``: elementwise division ``y ⊘ o``;
- ``Elementwise(f, z)``: ``f`` applied entrywise, printed ``σ(f_1)``;
- ``SumOf(y)``: the scalar ``Σ_k y_k`` of a vector;
- ``Partial(E, W)``: the label ``∂E/∂W`` of a derivative (display only).

Contract for answer values (the marking code relies on it): substituting explicit
``ImmutableMatrix`` values for every ``MatrixSymbol`` with ``xreplace`` and calling
``.doit()`` or ``sympy.Matrix(...)`` gives the explicit matrix, whether or not the
size symbols are substituted too. ``to_numpy`` evaluates the same trees in float64 for
the numerical checks (any width).

Nothing here knows a derivative rule: the rules live in ``layers`` and ``backprop``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.hadamard import HadamardPower, HadamardProduct

from derive.core import functions

_ARG = "ZARGZ"  # placeholder printed in place of an elementwise function's argument


def size(name: str) -> sp.Symbol:
    """A symbolic width (``N``, ``M``, ``K``), as spec shapes declare them."""
    return sp.Symbol(name, integer=True, positive=True)


def _explicit(e: Any) -> bool:
    return isinstance(e, sp.MatrixBase)  # ImmutableMatrix is also a MatrixExpr


def _concrete_shape(args: Any) -> tuple[Any, Any]:
    """The shape of the first argument whose shape is numeric (else the first's)."""
    for a in args:
        if all(isinstance(d, (int, sp.Integer)) for d in a.shape):
            return a.shape
    return args[0].shape


def _ones(shape: tuple[Any, Any]) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix.ones(int(shape[0]), int(shape[1]))


def _doit_args(e: sp.Basic, hints: dict[str, Any]) -> list[Any]:
    if not hints.get("deep", True):
        return list(e.args)
    return [a.doit(**hints) if isinstance(a, sp.Basic) else a for a in e.args]


def _term_sign(term: Any) -> tuple[str, Any]:
    """('-', t) when ``term`` is −t, else ('+', term)."""
    if isinstance(term, sp.MatMul):
        c, rest = term.as_coeff_mmul()
        if c.is_number and c.is_negative:
            if c == -1:
                return "-", rest.args[0] if len(rest.args) == 1 else rest
            return "-", sp.MatMul(-c, *rest.args)
    return "+", term


class Ordered(sp.MatAdd):
    """A sum printed in the order it was written (``1 - a``, ``diag(o) - o^T o``)."""

    @property
    def shape(self) -> tuple[Any, Any]:
        return _concrete_shape(self.args)

    def doit(self, **hints: Any) -> Any:
        args = _doit_args(self, hints)
        if all(_explicit(a) or isinstance(a, sp.OneMatrix) for a in args) and any(
                _explicit(a) for a in args):
            shape = _concrete_shape([a for a in args if _explicit(a)])
            out = sp.ImmutableMatrix.zeros(*shape)
            for a in args:
                out += _ones(shape) if isinstance(a, sp.OneMatrix) else a
            return sp.ImmutableMatrix(out)
        return Ordered(*args)

    def _terms(self, printer: Any, fmt: str) -> str:
        out = ""
        for i, term in enumerate(self.args):
            sign, t = _term_sign(term)
            shown = "1" if isinstance(t, sp.OneMatrix) else printer._print(t)
            if isinstance(t, (sp.MatAdd,)):
                shown = fmt % shown
            if i == 0:
                out = ("-" if sign == "-" else "") + shown
            else:
                out += f" {sign} {shown}"
        return out

    def _latex(self, printer: Any) -> str:
        return self._terms(printer, r"\left(%s\right)")

    def _sympystr(self, printer: Any) -> str:
        return self._terms(printer, "(%s)")


def one_minus(v: Any) -> Ordered:
    """``1 - v`` with ``1`` the all-ones matrix of v's shape."""
    return Ordered(sp.OneMatrix(*v.shape), -v)


class Hadamard(HadamardProduct):
    """``a ⊙ b ⊙ …`` (elementwise product), printed in the order given."""

    precedence = 35  # binds looser than a (negated) matrix product: -(g W^T) ⊙ a

    @property
    def shape(self) -> tuple[Any, Any]:
        return _concrete_shape(self.args)

    def doit(self, **hints: Any) -> Any:
        args = _doit_args(self, hints)
        shape = _concrete_shape(args)
        if all(_explicit(a) or isinstance(a, sp.OneMatrix) for a in args) and any(
                _explicit(a) for a in args):
            out = _ones(shape)
            for a in args:
                if _explicit(a):
                    out = out.multiply_elementwise(a)
            return sp.ImmutableMatrix(out)
        return Hadamard(*args)

    def _factors(self, printer: Any, sep: str, fmt: str) -> str:
        parts = []
        for a in self.args:
            s = printer._print(a)
            if isinstance(a, (sp.MatAdd, sp.MatMul)) or (
                    isinstance(a, sp.MatrixExpr) and a.could_extract_minus_sign()):
                s = fmt % s
            parts.append(s)
        return sep.join(parts)

    def _latex(self, printer: Any) -> str:
        return self._factors(printer, r" \odot ", r"\left(%s\right)")

    def _sympystr(self, printer: Any) -> str:
        return self._factors(printer, " ⊙ ", "(%s)")


class Diag(DiagMatrix):
    """``diag(v)``: the square matrix with the vector v on its diagonal."""

    def doit(self, **hints: Any) -> Any:
        v = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        if _explicit(v):
            return sp.ImmutableMatrix.diag(*list(v))
        return Diag(v)

    def _latex(self, printer: Any) -> str:
        return r"\operatorname{diag}\left(%s\right)" % printer._print(self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return "diag(%s)" % printer._print(self.args[0])


class Quotient(sp.MatrixExpr):
    """``y ⊘ o``: elementwise division (entries y_k / o_k)."""

    precedence = 35

    def __new__(cls, num: Any, den: Any) -> Quotient:
        return super().__new__(cls, sp.sympify(num), sp.sympify(den))

    @property
    def shape(self) -> tuple[Any, Any]:
        return _concrete_shape(self.args)

    def _entry(self, i: Any, j: Any, **kw: Any) -> Any:
        return self.args[0]._entry(i, j, **kw) / self.args[1]._entry(i, j, **kw)

    def doit(self, **hints: Any) -> Any:
        num, den = _doit_args(self, hints)
        if _explicit(num) and _explicit(den):
            return sp.ImmutableMatrix(num.shape[0], num.shape[1],
                                      lambda i, j: num[i, j] / den[i, j])
        return Quotient(num, den)

    def _latex(self, printer: Any) -> str:
        return r"%s \oslash %s" % tuple(_wrapped(printer, a, r"\left(%s\right)")
                                        for a in self.args)

    def _sympystr(self, printer: Any) -> str:
        return "%s ⊘ %s" % tuple(_wrapped(printer, a, "(%s)") for a in self.args)


def _wrapped(printer: Any, a: Any, fmt: str) -> str:
    s = printer._print(a)
    return fmt % s if isinstance(a, (sp.MatAdd, sp.MatMul, HadamardProduct)) else s


class Elementwise(ElementwiseApplyFunction):
    """A scalar function applied to every entry, printed ``σ(f_1)``."""

    def doit(self, **hints: Any) -> Any:
        z = self.expr.doit(**hints) if hints.get("deep", True) else self.expr
        if _explicit(z):
            return sp.ImmutableMatrix(z.applyfunc(self.function))
        return Elementwise(self.function, z)

    def _show(self, printer: Any, fmt: str) -> str:
        body = self.function.expr.xreplace({self.function.variables[0]: sp.Symbol(_ARG)})
        arg = printer._print(self.expr)
        if not isinstance(self.expr, (sp.MatrixSymbol,)) and not (
                isinstance(body, sp.Function) and body.args == (sp.Symbol(_ARG),)):
            arg = fmt % arg
        return printer._print(body).replace(_ARG, arg)

    def _latex(self, printer: Any) -> str:
        return self._show(printer, r"\left(%s\right)")

    def _sympystr(self, printer: Any) -> str:
        return self._show(printer, "(%s)")


def elementwise(f: Any, z: Any) -> Elementwise:
    """``f`` applied entrywise to ``z`` (``f`` a SymPy function or a Lambda)."""
    return Elementwise(f, z)


class SumOf(sp.Expr):
    """``Σ_k y_k``: the sum of a vector's entries (a scalar)."""

    is_commutative = True

    def __new__(cls, v: Any) -> Any:
        if _explicit(v):
            return sp.Add(*list(v))
        return super().__new__(cls, v)

    def doit(self, **hints: Any) -> Any:
        v = self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]
        return sp.Add(*list(v)) if _explicit(v) else SumOf(v)

    def _latex(self, printer: Any) -> str:
        return r"\left(\sum_{k} %s_{k}\right)" % printer._print(self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return "(Σ_k %s_k)" % printer._print(self.args[0])


class Shape(sp.Expr):
    """``1 × N``: a shape in sizes, for tables and steps (display only)."""

    def __new__(cls, rows: Any, cols: Any) -> Shape:
        return super().__new__(cls, sp.sympify(rows), sp.sympify(cols))

    @property
    def is_number(self) -> bool:  # type: ignore[override]
        # 1 × 1 has numeric arguments but is a shape, not a number to round and print
        return False

    def _latex(self, printer: Any) -> str:
        return r"%s \times %s" % tuple(printer._print(a) for a in self.args)

    def _sympystr(self, printer: Any) -> str:
        return "%s×%s" % tuple(printer._print(a) for a in self.args)


class Called(sp.Expr):
    """``name(arg)`` for a word such as shape or diag applied to a shown object."""

    def __new__(cls, name: str, arg: Any) -> Called:
        return super().__new__(cls, sp.Symbol(name), sp.sympify(arg))

    def _latex(self, printer: Any) -> str:
        return r"\operatorname{%s}\left(%s\right)" % (self.args[0].name,
                                                      printer._print(self.args[1]))

    def _sympystr(self, printer: Any) -> str:
        return f"{self.args[0].name}({printer._print(self.args[1])})"


def diag_hadamard_identity() -> sp.Eq:
    """``v diag(u) = v ⊙ u`` (rows), the identity behind the Hadamard form of δ."""
    n = size("n")
    v, u = sp.MatrixSymbol("v", 1, n), sp.MatrixSymbol("u", 1, n)
    return sp.Eq(v * Diag(u), Hadamard(v, u), evaluate=False)


class IndexSum(sp.Expr):
    """``Σ_k term`` over the entries of the vectors in ``term`` (display only)."""

    #: the summation signs before the term (a batch's sum has two)
    LATEX_SIGNS = r"\sum_{k}"
    TEXT_SIGNS = "Σ_k"

    def _latex(self, printer: Any) -> str:
        body = printer._print(self.args[0])
        if isinstance(self.args[0], sp.Add):
            body = r"\left(%s\right)" % body
        return f"{self.LATEX_SIGNS} {body}"

    def _sympystr(self, printer: Any) -> str:
        body = printer._print(self.args[0])
        if isinstance(self.args[0], sp.Add):
            body = f"({body})"
        return f"{self.TEXT_SIGNS} {body}"


class Partial(sp.Expr):
    """``∂E/∂W``: the name of a derivative, for the left side of a step (display only).

    ``transposed`` shows it as ``(∂h/∂z)ᵀ`` (column-vector backpropagation).
    """

    is_commutative = False  # ∂E/∂f_2 ∂f_2/∂a keeps its order in a product

    def __new__(cls, num: Any, den: Any, transposed: Any = sp.false) -> Partial:
        return super().__new__(cls, sp.sympify(num), sp.sympify(den), sp.sympify(transposed))

    def _latex(self, printer: Any) -> str:
        n, d = (printer._print(a) for a in self.args[:2])
        if not isinstance(self.args[0], (sp.Symbol, sp.MatrixSymbol)):
            n = r"\left(%s\right)" % n
        if not isinstance(self.args[1], (sp.Symbol, sp.MatrixSymbol)):
            d = r"\left(%s\right)" % d
        out = r"\frac{\partial %s}{\partial %s}" % (n, d)
        return r"\left(%s\right)^{T}" % out if self.args[2] else out

    def _sympystr(self, printer: Any) -> str:
        n, d = (printer._print(a) for a in self.args[:2])
        if not isinstance(self.args[0], (sp.Symbol, sp.MatrixSymbol)):
            n = f"({n})"
        if not isinstance(self.args[1], (sp.Symbol, sp.MatrixSymbol)):
            d = f"({d})"
        return f"(∂{n}/∂{d})^T" if self.args[2] else f"∂{n}/∂{d}"


class Chain(sp.Expr):
    """A product of derivative names and matrices as written (``∂E/∂f_2 ∂f_2/∂a``);
    display only."""

    is_commutative = False

    def _latex(self, printer: Any) -> str:
        return " ".join(_wrapped(printer, a, r"\left(%s\right)") for a in self.args)

    def _sympystr(self, printer: Any) -> str:
        return " · ".join(_wrapped(printer, a, "(%s)") for a in self.args)


def chain(*factors: Any) -> Any:
    """The product ``∂E/∂f_2 ∂f_2/∂a …`` of derivative names, unevaluated, in order."""
    return Chain(*factors) if len(factors) > 1 else factors[0]


# -- evaluation ----------------------------------------------------------------------

def explicit(expr: Any, values: Mapping[Any, Any]) -> sp.ImmutableMatrix:
    """The explicit matrix of ``expr`` with every MatrixSymbol replaced (the contract).

    Size symbols are replaced too, by the sizes the values imply (I_K, 1_{1×K})."""
    sizes: dict[Any, Any] = {}
    for m, v in values.items():
        if isinstance(m, sp.MatrixSymbol):
            for d, n in zip(m.shape, v.shape, strict=True):
                if isinstance(d, sp.Symbol):
                    sizes[d] = sp.Integer(n)
    e = expr.xreplace(dict(values)).xreplace(sizes).doit()
    if not _explicit(e):
        e = sp.Matrix(e)
    return sp.ImmutableMatrix(e)


def _np_scalar(f: sp.Lambda) -> Callable[[np.ndarray], np.ndarray]:
    return functions.lambdify([f.variables[0]], f.expr)


def sizes_of(expr: Any, env: Mapping[str, np.ndarray]) -> dict[Any, int]:
    """Size symbol -> int, read off the arrays bound to the expression's MatrixSymbols."""
    out: dict[Any, int] = {}
    for m in expr.atoms(sp.MatrixSymbol):
        if m.name in env:
            for d, n in zip(m.shape, np.shape(env[m.name]), strict=True):
                if isinstance(d, sp.Symbol):
                    out[d] = int(n)
    return out


def to_numpy(expr: Any, env: Mapping[str, np.ndarray],
             sizes: Mapping[Any, int] | None = None) -> Any:
    """Evaluate a matrix expression in float64; ``env`` maps MatrixSymbol names to arrays.

    Only evaluates: no derivative rule is involved, so the checks can trust it.
    """
    sizes = dict(sizes or {})
    if not sizes:
        sizes = sizes_of(expr, env)

    def dim(d: Any) -> int:
        return int(d.xreplace(sizes)) if isinstance(d, sp.Basic) else int(d)

    def ev(e: Any) -> Any:
        if isinstance(e, sp.MatrixSymbol):
            if e.name not in env:
                raise KeyError(f"no value for {e.name}")
            return np.asarray(env[e.name], dtype=float)
        if _explicit(e):
            return np.array(e.tolist(), dtype=float)
        if isinstance(e, sp.OneMatrix):
            return np.ones((dim(e.shape[0]), dim(e.shape[1])))
        if isinstance(e, sp.ZeroMatrix):
            return np.zeros((dim(e.shape[0]), dim(e.shape[1])))
        if isinstance(e, sp.Identity):
            return np.eye(dim(e.shape[0]))
        if isinstance(e, sp.MatAdd):
            vals = [ev(a) for a in e.args]
            shape = next((np.shape(v) for v in vals if np.ndim(v) == 2), None)
            total = np.zeros(shape) if shape else 0.0
            for v in vals:
                total = total + v
            return total
        if isinstance(e, sp.MatMul):
            return _product([ev_factor(a) for a in e.args])
        if isinstance(e, sp.Transpose):
            return ev(e.arg).T
        if isinstance(e, HadamardProduct):
            out = 1.0
            for a in e.args:
                out = out * ev(a)
            return out
        if isinstance(e, HadamardPower):
            return ev(e.base) ** float(e.exp)
        if isinstance(e, Quotient):
            return ev(e.args[0]) / ev(e.args[1])
        if isinstance(e, DiagMatrix):
            return np.diag(ev(e.args[0]).reshape(-1))  # outside a product: dense
        if isinstance(e, ElementwiseApplyFunction):
            return _np_scalar(e.function)(ev(e.expr)) * np.ones_like(ev(e.expr))
        if isinstance(e, SumOf):
            return float(np.sum(ev(e.args[0])))
        if isinstance(e, sp.MatPow):
            return np.linalg.matrix_power(ev(e.base), int(e.exp))
        if isinstance(e, sp.Basic) and e.is_number:
            return float(e)
        if isinstance(e, sp.Symbol) and e in sizes:
            return float(sizes[e])
        if isinstance(e, sp.Mul):
            out = 1.0
            for a in e.args:
                out = out * ev(a)
            return out
        if isinstance(e, sp.Add):
            return sum(ev(a) for a in e.args)
        if isinstance(e, sp.Pow):
            return ev(e.base) ** ev(e.exp)
        raise TypeError(f"cannot evaluate {type(e).__name__} numerically: {e}")

    def ev_factor(e: Any) -> Any:
        if isinstance(e, DiagMatrix):  # inside a product: kept as its diagonal
            return _Diagonal(np.asarray(ev(e.args[0]), dtype=float).reshape(-1))
        return ev(e)

    return ev(expr)


class _Diagonal:
    """diag(d) inside a product, applied by broadcasting (no dense N×N matrix)."""

    def __init__(self, d: np.ndarray) -> None:
        self.d = d


def _product(factors: list[Any]) -> Any:
    """A matrix product: scalars factored out, diagonals folded into a neighbour, the rest
    bracketed cheaply (x^T (o - y) W^T never forms an outer product first)."""
    scale: Any = 1.0
    mats: list[Any] = []
    for v in factors:
        if isinstance(v, _Diagonal) or np.ndim(v) == 2:
            mats.append(v)
        else:
            scale = scale * v
    first, last = mats[0], mats[-1]
    if (not isinstance(last, _Diagonal) and last.shape[1] == 1 and len(mats) > 1
            and (isinstance(first, _Diagonal) or first.shape[0] != 1)):
        # a column result: fold from the right, as (… Bᵀ Aᵀ)ᵀ
        flipped = [m if isinstance(m, _Diagonal) else m.T for m in reversed(mats)]
        return scale * _product(flipped).T
    groups: list[Any] = []  # runs of dense matrices, separated by diagonals
    run: list[np.ndarray] = []
    for m in mats:
        if isinstance(m, _Diagonal):
            if run:
                groups.append(run)
                run = []
            groups.append(m)
        else:
            run.append(m)
    if run:
        groups.append(run)
    out: Any = None
    for gr in groups:
        if isinstance(gr, _Diagonal):
            out = np.diag(gr.d) if out is None else out * gr.d[None, :]
            continue
        dense = gr[0] if len(gr) == 1 else np.linalg.multi_dot(gr)
        out = dense if out is None else out @ dense
    return scale * out
