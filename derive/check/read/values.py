"""Arithmetic on parsed values: scalars (SymPy Expr) and matrices (explicit or symbolic).

The structure pass (``tex_reader``) builds every value through these functions, so
the rules live in one place:

- products keep their written order; a matrix product whose sizes do not fit raises
  ``ShapeMismatch`` naming it ("W_1 W_2^T: N×M times K×M"), except that two vectors of
  the same shape (``a(1-a)`` with ``a`` 1×M) are read as an elementwise product, as the
  course writes σ' = a(1−a);
- a number added to a matrix means that number times a matrix of ones (``1 - a``);
- ``\\odot`` / ``\\circ`` is the elementwise (Hadamard) product;
- a vector of ones written without its length (``\\mathbf{1}^T δ``, ``X W + \\mathbf{1} b``)
  has a placeholder length (``ones``) that the first product or sum fitting it settles
  (1ᵀδ with δ B×K: 1ᵀ is 1×B); a bare one in a sum or ``⊙`` is the number 1;
- powers are bounded: an exponent beyond ``MAX_EXPONENT`` or a number beyond
  ``MAX_BITS`` is a ParseError before anything is computed (``10^{10^{10}}``).
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixExpr

from derive.check.read.config import ParseError, ShapeMismatch

MAX_EXPONENT = 1000
MAX_BITS = 20000


def same_value(a: Any, b: Any) -> bool:
    """``a == b`` as a truth value; a comparison SymPy cannot decide (matrices of other
    shapes, undecidable relations) is "not the same", never an exception."""
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - undecidable is "not the same"
        return False


class Notes(list):
    """Readings a judge may want to mention (e.g. a product read as elementwise)."""


def is_matrix(v: Any) -> bool:
    return isinstance(v, (sp.MatrixBase, MatrixExpr))


def as_matrix(v: Any) -> Any:
    return sp.ImmutableMatrix(v) if isinstance(v, sp.MatrixBase) else v


def shape_str(shape: tuple[Any, ...]) -> str:
    return "×".join("?" if isinstance(d, sp.Dummy) and d.name == UNSIZED else str(d)
                    for d in shape)


def describe(v: Any) -> str:
    """A short, readable form of a value for feedback (``(o - y) W_2^T``)."""
    if isinstance(v, sp.MatrixSymbol):
        return str(v.name)
    if isinstance(v, sp.OneMatrix):
        return "1^T" if v.shape[0] == 1 and v.shape[1] != 1 else "1"
    if isinstance(v, sp.Transpose):
        return _wrapped(v.arg) + "^T"
    if isinstance(v, sp.Inverse):
        return _wrapped(v.arg) + "^{-1}"
    if isinstance(v, sp.MatMul):
        factors = list(v.args)
        sign = ""
        if factors and factors[0] == -1:
            sign, factors = "-", factors[1:]
        return sign + " ".join(_wrapped(a) if isinstance(a, (sp.MatAdd, sp.HadamardProduct))
                               else describe(a) for a in factors)
    if isinstance(v, sp.MatAdd):
        terms = sorted((describe(a) for a in v.args), key=lambda t: t.startswith("-"))
        return " + ".join(terms).replace("+ -", "- ")
    if isinstance(v, sp.HadamardProduct):
        return " ⊙ ".join(_wrapped(a) for a in v.args)
    if isinstance(v, DiagMatrix):
        return f"diag({describe(v.args[0])})"
    if isinstance(v, ElementwiseApplyFunction):
        body = v.function.expr if isinstance(v.function, sp.Lambda) else None
        name = "f"
        if body is not None and isinstance(body, sp.Function) and body.args == \
                v.function.variables:
            name = {"sigmoid": "σ"}.get(type(body).__name__, type(body).__name__)
        return f"{name}({describe(v.expr)})"
    if isinstance(v, sp.MatrixBase):
        return f"a {shape_str(v.shape)} matrix"
    return str(v)


def _factor(v: Any) -> str:
    """A factor of a product, bracketed when it is a sum."""
    return f"({describe(v)})" if isinstance(v, (sp.MatAdd, sp.HadamardProduct)) \
        else describe(v)


def _wrapped(v: Any) -> str:
    text = describe(v)
    simple = isinstance(v, (sp.MatrixSymbol, sp.OneMatrix, sp.MatrixBase)) or (
        isinstance(v, (sp.Transpose, ElementwiseApplyFunction, DiagMatrix)))
    return text if simple else f"({text})"


class Ones(sp.OneMatrix):
    """A vector of ones as a course writes it: ``1`` (a column) or ``1^T`` (a row)."""

    def _row(self) -> bool:
        return self.shape[0] == 1 and self.shape[1] != 1

    def _eval_transpose(self) -> Any:
        return Ones(self.shape[1], self.shape[0])

    def _sympystr(self, printer: Any) -> str:
        return "1^T" if self._row() else "1"

    def _latex(self, printer: Any) -> str:
        return r"\mathbf{1}^{T}" if self._row() else r"\mathbf{1}"


#: the name of a placeholder length: a vector of ones written without its length
UNSIZED = "len(1)"


def ones(column: bool, length: Any = None) -> Any:
    """A vector of ones (``\\mathbf{1}``: a column; its transpose a row); without a length,
    a placeholder that a product or sum settles."""
    n = length if length is not None else sp.Dummy(UNSIZED, integer=True, positive=True)
    return Ones(n, 1) if column else Ones(1, n)


def unsized(v: Any) -> set[Any]:
    """The placeholder lengths left in a value."""
    if not isinstance(v, sp.Basic):
        return set()
    found = {d for d in v.free_symbols if isinstance(d, sp.Dummy) and d.name == UNSIZED}
    if is_matrix(v):
        found |= {d for d in v.shape if isinstance(d, sp.Dummy) and d.name == UNSIZED}
    return found


def _settle(v: Any, mine: Any, other: Any) -> Any:
    """``v`` with its placeholder length ``mine`` set to ``other`` (when it is one)."""
    if isinstance(mine, sp.Dummy) and mine.name == UNSIZED and mine != other:
        return v.xreplace({mine: other})
    return v


def fit(a: Any, b: Any, da: int, db: int) -> tuple[Any, Any]:
    """``a`` and ``b`` with a placeholder length of dimension ``da`` of a / ``db`` of b
    set to the other's size (a product: da = 1, db = 0; a sum: both dimensions)."""
    x, y = a.shape[da], b.shape[db]
    if same_size(x, y):
        return a, b
    a2 = _settle(a, x, y)
    return (a2, b) if a2 is not a else (a, _settle(b, y, x))


def sized(v: Any, shape: tuple[Any, ...] | None) -> Any:
    """A whole answer with the lengths its vectors of ones still lack taken from the
    expected shape where they are the answer's own size (``\\mathbf{1}^T`` alone), else
    a ParseError."""
    if not unsized(v):
        return v
    if is_matrix(v) and shape is not None and len(shape) == 2:
        for d in (0, 1):
            v = _settle(v, v.shape[d], sp.sympify(shape[d], strict=True))
    if unsized(v):
        raise ParseError("the length of a vector of ones cannot be told from the "
                         "expression: write it, as in \\mathbf{1}_B")
    return v


def _bare_ones(v: Any) -> bool:
    return _ones_scale(v) is not None


def _ones_scale(v: Any) -> Any:
    """c for a vector of ones of no length yet times a number c (``2\\mathbf{1}``), else
    None: in a sum or ⊙ it is the number c."""
    if isinstance(v, sp.OneMatrix) and unsized(v):
        return sp.Integer(1)
    if isinstance(v, sp.MatMul):
        mats = [a for a in v.args if is_matrix(a)]
        if len(mats) == 1 and isinstance(mats[0], sp.OneMatrix) and unsized(mats[0]):
            return sp.Mul(*[a for a in v.args if not is_matrix(a)])
    return None


def same_size(a: Any, b: Any) -> bool:
    d = sp.sympify(a, strict=True) - sp.sympify(b, strict=True)
    return d == 0


def check_number(v: Any) -> Any:
    """Reject numbers too large to be answers (they would only cost time)."""
    if isinstance(v, sp.Rational) and (abs(v.p).bit_length() > MAX_BITS
                                       or v.q.bit_length() > MAX_BITS):
        raise ParseError("a number in the answer is too large to be marked")
    return v


def add(values: list[Any]) -> Any:
    values = list(values)
    if any(is_matrix(v) and not _bare_ones(v) for v in values):
        values = [_ones_scale(v) if _bare_ones(v) else v for v in values]  # 1 - a
    mats = [v for v in values if is_matrix(v)]
    if not mats:
        return check_number(sp.Add(*values))
    known = [m for m in mats if not unsized(m)] or mats
    for i, v in enumerate(values):
        if is_matrix(v) and unsized(v):
            for d in (0, 1):
                v, _ = fit(v, known[0], d, d)
            values[i] = v
    mats = [v for v in values if is_matrix(v)]
    shape = mats[0].shape
    for m in mats[1:]:
        if not (same_size(m.shape[0], shape[0]) and same_size(m.shape[1], shape[1])):
            raise ShapeMismatch(f"{describe(mats[0])} + {describe(m)}: "
                                f"{shape_str(shape)} plus {shape_str(m.shape)}")
    terms = [as_matrix(v) if is_matrix(v) else v * sp.OneMatrix(*shape) for v in values]
    if all(isinstance(t, sp.MatrixBase) for t in terms):
        return sp.ImmutableMatrix(sum(terms[1:], terms[0]))
    return sp.MatAdd(*terms, evaluate=True) if len(terms) > 1 else terms[0]


def _vector_like(a: Any, b: Any) -> bool:
    (r1, c1), (r2, c2) = a.shape, b.shape
    same = same_size(r1, r2) and same_size(c1, c2)
    return bool(same and ((r1 == 1) != (c1 == 1)))


def multiply(values: list[Any], notes: Notes | None = None) -> Any:
    """The product of the factors in written order."""
    acc = values[0]
    for v in values[1:]:
        acc = _mul2(acc, v, notes)
    if not is_matrix(acc):
        check_number(acc)
    return acc


def _mul2(a: Any, b: Any, notes: Notes | None) -> Any:
    if not is_matrix(a) and not is_matrix(b):
        return check_number(a * b)
    if not is_matrix(a) or not is_matrix(b):
        s, m = (a, b) if not is_matrix(a) else (b, a)
        if isinstance(m, sp.MatrixBase):
            return sp.ImmutableMatrix(s * m)
        return sp.MatMul(s, m, evaluate=True) if s != 1 else m
    a, b = fit(a, b, 1, 0)
    if same_size(a.shape[1], b.shape[0]):
        if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase):
            return sp.ImmutableMatrix(a * b)
        return sp.MatMul(as_matrix(a), as_matrix(b), evaluate=True)
    if _vector_like(a, b):
        if notes is not None:
            notes.append(f"{_factor(a)} {_factor(b)} was read as an elementwise product")
        return hadamard(a, b)
    raise ShapeMismatch(f"{_factor(a)} {_factor(b)}: {shape_str(a.shape)} times "
                        f"{shape_str(b.shape)}")


def hadamard(a: Any, b: Any) -> Any:
    if _bare_ones(a) or _bare_ones(b):  # 1 ⊙ A is A
        a, b = (_ones_scale(a), b) if _bare_ones(a) else (a, _ones_scale(b))
    if not is_matrix(a) or not is_matrix(b):
        return _mul2(a, b, None)
    for d in (0, 1):
        a, b = fit(a, b, d, d)
    if not (same_size(a.shape[0], b.shape[0]) and same_size(a.shape[1], b.shape[1])):
        raise ShapeMismatch(f"{_factor(a)} ⊙ {_factor(b)}: {shape_str(a.shape)} and "
                            f"{shape_str(b.shape)} (an elementwise product needs equal sizes)")
    if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase):
        return sp.ImmutableMatrix(sp.matrix_multiply_elementwise(a, b))
    return sp.HadamardProduct(as_matrix(a), as_matrix(b))


def _bounded_exponent(exp: Any) -> None:
    if exp.is_number:
        try:
            big = abs(exp) > MAX_EXPONENT
        except TypeError:  # complex
            raise ParseError("a complex exponent cannot be marked") from None
        if bool(big):
            raise ParseError(f"the exponent {exp} is too large to be marked "
                             f"(at most {MAX_EXPONENT})")


def power(base: Any, exp: Any) -> Any:
    if is_matrix(exp):
        raise ParseError("a matrix exponent cannot be marked")
    _bounded_exponent(exp)
    if is_matrix(base):
        r, c = base.shape
        if exp == -1 and same_size(r, c):
            return sp.Inverse(as_matrix(base)) if not isinstance(base, sp.MatrixBase) \
                else sp.ImmutableMatrix(base.inv())
        if isinstance(exp, sp.Integer) and exp > 0 and same_size(r, c):
            return sp.MatPow(as_matrix(base), exp)
        raise ShapeMismatch(f"({describe(base)})^{exp}: a power of a {shape_str(base.shape)} "
                            "matrix (write ⊙ for an elementwise power)")
    if isinstance(base, sp.Rational) and isinstance(exp, sp.Rational) and base != 0:
        size = max(abs(base.p), base.q)
        if size > 1 and float(abs(exp)) * math.log2(int(size)) > MAX_BITS:
            raise ParseError("a number in the answer is too large to be marked")
    result = sp.Pow(base, exp)
    if isinstance(result, sp.Pow):  # (x^2)^2… combines: bound the exponent it ends with
        _bounded_exponent(result.exp)
    return check_number(result)


def absolute(v: Any) -> Any:
    if is_matrix(v):
        raise ParseError("|…| of a matrix cannot be marked")
    return sp.Abs(v)


# ---------------------------------------------------------------- functions


def elementwise(fn: Any, arg: Any) -> Any:
    """A scalar function applied to a scalar, or to each entry of a matrix."""
    if not is_matrix(arg):
        return fn(arg)
    if isinstance(arg, sp.MatrixBase):
        return sp.ImmutableMatrix(arg.applyfunc(fn))
    z = sp.Dummy("z")
    return arg.applyfunc(sp.Lambda(z, fn(z)))


def softmax(arg: Any) -> Any:
    """softmax of a vector, with SymPy's own pieces (see ``parse``'s gold contract):
    for a row ``E = exp.(f)``, ``softmax(f) = (E 1)^{-1} E``; for a column ``E (1^T E)^{-1}``.
    """
    if not is_matrix(arg):
        raise ParseError("softmax needs a vector")
    r, c = arg.shape
    E = elementwise(sp.exp, arg)
    if isinstance(E, sp.MatrixBase):
        return sp.ImmutableMatrix(E / sum(E))
    if r == 1:
        return sp.MatMul(sp.Inverse(sp.MatMul(E, sp.OneMatrix(c, 1))), E)
    if c == 1:
        return sp.MatMul(E, sp.Inverse(sp.MatMul(sp.OneMatrix(1, r), E)))
    raise ShapeMismatch(f"softmax of a {shape_str(arg.shape)} matrix: softmax needs a vector")


def diag(arg: Any) -> Any:
    """The diagonal matrix of a vector (SymPy's ``DiagMatrix``)."""
    if not is_matrix(arg):
        return arg
    r, c = arg.shape
    if not (r == 1 or c == 1):
        raise ShapeMismatch(f"diag of a {shape_str(arg.shape)} matrix: diag needs a vector")
    if isinstance(arg, sp.MatrixBase):
        return sp.ImmutableMatrix(sp.diag(*list(arg)))
    return DiagMatrix(as_matrix(arg))


def transpose(v: Any) -> Any:
    if isinstance(v, sp.MatrixBase):
        return sp.ImmutableMatrix(v.T)
    if is_matrix(v):
        return v.T
    return v
