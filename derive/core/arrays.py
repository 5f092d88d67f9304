"""Large numeric givens as one float64 array: exact only while exact is cheap.

A given with more than ``LARGE_ENTRIES`` numbers (a wide network's weight matrix has a
million at width 1024) would cost a SymPy Rational and an element symbol per entry:
minutes to load, before anything is derived. Such a value is read into a read-only
float64 array (:class:`FloatMatrix`) and stands in expressions as one MatrixSymbol.
Code that computes in float64 (the network blocks) uses the array; code that needs
exact entries asks for them (:meth:`FloatMatrix.exact`, made once), and gets what reading
them exactly would have given: each float is read from its shortest repr, as
``values.to_exact`` reads a float (0.1 -> 1/10), and whole numbers of a float64 are
exact up to 2**53, far past the givens' magnitude bound.

NumPy is imported only when a large value arrives, so small problems start without it.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.core.values import ValueError_

#: a given with more entries than this is kept in float64 (exact arithmetic on it is no
#: longer cheap: the four 1024-entry vectors of softmax-backprop at width 1024, read
#: exactly, cost 0.3 s of a 1 s solve); smaller givens, every shipped problem's among
#: them, stay exact
LARGE_ENTRIES = 256


class FloatMatrix:
    """A given's matrix of numbers as a read-only float64 array (rows × columns)."""

    __slots__ = ("array", "_exact", "_digest")

    def __init__(self, array: Any) -> None:
        import numpy as np

        a = np.array(array, dtype=float)  # a copy: the caller's array may change
        if a.ndim == 1:
            a = a.reshape(1, -1)  # a flat list is a row vector, as the course writes them
        a.setflags(write=False)
        self.array = a
        self._exact: sp.ImmutableMatrix | None = None
        self._digest = ""

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.array.shape[0]), int(self.array.shape[1])

    @property
    def rows(self) -> int:
        return self.shape[0]

    @property
    def cols(self) -> int:
        return self.shape[1]

    def __len__(self) -> int:  # the number of entries, as for a SymPy matrix
        return int(self.array.size)

    @property
    def T(self) -> FloatMatrix:  # noqa: N802 (SymPy's name for the transpose)
        return FloatMatrix(self.array.T)

    def reshape(self, rows: int, cols: int) -> FloatMatrix:
        return FloatMatrix(self.array.reshape(rows, cols))

    def tolist(self) -> list[list[float]]:
        return self.array.tolist()

    def exact(self) -> sp.ImmutableMatrix:
        """The exact matrix (slow for a large one: for code with no float64 route)."""
        if self._exact is None:
            flat = [sp.Rational(repr(x)) for x in self.array.ravel().tolist()]
            self._exact = sp.ImmutableMatrix(self.rows, self.cols, flat)
        return self._exact

    def _sympy_(self) -> sp.ImmutableMatrix:  # sympify(m): its exact value, never a string
        return self.exact()

    def digest(self) -> str:
        if not self._digest:
            import hashlib  # here: OpenSSL's start-up (~4 ms) only for a large given

            self._digest = hashlib.sha256(self.array.tobytes()).hexdigest()[:16]
        return self._digest

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FloatMatrix):
            return NotImplemented
        return self.shape == other.shape and bool((self.array == other.array).all())

    def __hash__(self) -> int:
        return hash((self.shape, self.digest()))

    def __repr__(self) -> str:  # part of a Problem's repr, the key of solve_once
        return f"FloatMatrix({self.rows}x{self.cols}, sha256 {self.digest()})"


#: a float64 given with more entries than this is named, not printed, in a worked
#: solution (a million numbers are no help to a reader, and cost minutes to typeset)
SHOWN_ENTRIES = 10_000


def shown(m: FloatMatrix) -> Any:
    """What a worked solution prints for ``m``: its exact matrix, or past
    ``SHOWN_ENTRIES`` entries a phrase with its shape."""
    if len(m) <= SHOWN_ENTRIES:
        return m.exact()
    return f"a {m.rows}×{m.cols} matrix of {len(m):,} numbers (not shown)"


def is_matrix(value: Any) -> bool:
    """A given's value is a matrix (exact or float64)."""
    return isinstance(value, (sp.MatrixBase, FloatMatrix))


def read_large(obj: Any) -> FloatMatrix | None:
    """``obj`` as a FloatMatrix when it is a list of more than ``LARGE_ENTRIES`` plain
    numbers (Python ints and floats, flat or rows of equal length) or a NumPy array of
    them; None otherwise (read it exactly: strings such as "1/3", small or ragged lists,
    whose errors the exact reader names)."""
    rows: Any
    if type(obj).__module__ == "numpy" and hasattr(obj, "dtype"):
        if obj.dtype.kind not in "iuf" or obj.ndim not in (1, 2) or obj.size <= LARGE_ENTRIES:
            return None
        rows = obj
    elif isinstance(obj, list) and obj and all(isinstance(r, list) for r in obj):
        if len({len(r) for r in obj}) != 1 or len(obj) * len(obj[0]) <= LARGE_ENTRIES:
            return None
        types: set[type] = set()
        for r in obj:
            types.update(map(type, r))
        if not types <= {int, float}:
            return None
        rows = obj
    elif isinstance(obj, list) and len(obj) > LARGE_ENTRIES:
        if not set(map(type, obj)) <= {int, float}:
            return None
        rows = obj
    else:
        return None
    try:
        m = FloatMatrix(rows)
    except OverflowError:  # an int too large for a float: the exact reader refuses it
        return None
    import numpy as np

    bad = ~np.isfinite(m.array)
    if bad.any():
        raise ValueError_(f"{float(m.array[bad][0])!r} is not a finite number")
    return m


def doubtful_entries(m: FloatMatrix, *, integer: bool, low: Any, high: Any,
                     largest: Any, count: int | None) -> list[sp.Rational]:
    """The exact entries of ``m`` that might fail a given's checks (not whole when
    ``integer``, below ``low``, above ``high``, |v| above ``largest``, outside 0..count),
    found in float64 with a margin, so that the exact checks run on a few entries only."""
    import numpy as np

    a = m.array.ravel()
    doubt = np.zeros(a.shape, dtype=bool)

    def near_or_past(bound: Any, side: int) -> Any:
        b = float(bound)
        margin = 1e-9 * max(1.0, abs(b))
        return a * side >= b * side - margin

    if integer:
        doubt |= a != np.round(a)
    if low is not None:
        doubt |= near_or_past(low, -1)
    if high is not None:
        doubt |= near_or_past(high, 1)
    if count is not None:
        doubt |= near_or_past(0, -1) | near_or_past(count, 1)
    big = float(largest)
    doubt |= np.abs(a) >= big - 1e-9 * big  # one pass for both signs
    return [sp.Rational(repr(x)) for x in a[doubt].tolist()]
