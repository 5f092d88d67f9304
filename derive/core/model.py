"""The validated, typed form of a problem spec (what ``spec.load_problem`` returns)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: loading a Problem needs no SymPy import here
    import sympy as sp

#: What a Problem can do beyond holding data, bound by the package root
#: (``derive/__init__.py``): the data model stays the first stage, importing neither the
#: loader nor the solver that come after it.
OPERATIONS: dict[str, Callable[..., Any]] = {}

#: answer kinds, as the problem set names them (YAML also accepts '_' or ' ' for '-').
KINDS = (
    "number",
    "expression",
    "matrix",
    "matrix-expression",
    "shape",
    "choice",
    "design",
)

#: keys of an answer's ``marking`` override.
MARKING_KEYS = ("relative", "last_digit", "exact")


@dataclass(frozen=True)
class Given:
    """A named input of a problem, overridable with ``--set NAME=VALUE``."""

    name: str
    value: Any
    """exact SymPy value: Rational/Integer or ImmutableMatrix"""
    latex: str
    """how the name is typeset"""
    text: str = ""
    """what it means, for the statement and ``derive solve`` output"""
    integer: bool = False
    """True for counts (steps, sizes): must stay a whole number"""
    column: bool = False
    """True when a flat list is a column vector (vectors are rows otherwise)"""
    low: Any = None
    """smallest value (each entry of a list) a variant may take (spec ``min``), or None"""
    high: Any = None
    """largest value (each entry of a list) a variant may take (spec ``max``), or None"""
    resize: bool = False
    """True when a variant may change a vector's length (spec ``resize``); else its
    shape is the spec's"""


@dataclass(frozen=True)
class SymbolSpec:
    """A free variable of the problem's expressions (x, z, t…) or a matrix symbol."""

    name: str
    latex: str
    shape: tuple[Any, Any] | None = None
    """rows × columns for a matrix symbol (symbolic sizes allowed), None for a scalar"""
    indexed: bool = False
    """an indexed family ``p_k`` (SymPy IndexedBase: ``p[k]`` in expressions)"""
    integer: bool = False
    """an integer: an index (i, k) or a size (K) of sums over indexed families"""


@dataclass(frozen=True)
class Definition:
    """A named quantity or function defined by an expression (``f(x) = x σ(αx)``)."""

    name: str
    args: tuple[sp.Symbol, ...]
    expr: Any
    latex: str


@dataclass(frozen=True)
class Marking:
    """How a number answer is marked; defaults follow the problem set's rule."""

    relative: float = 0.05
    """largest relative error accepted"""
    last_digit: bool = True
    """also require agreement to one unit of the last written decimal place"""
    exact: bool = False
    """sizes, counts, paddings and strides must be exact"""


@dataclass(frozen=True)
class AnswerSpec:
    """One asked answer: its id (``part.name``), kind and marking details."""

    id: str
    kind: str
    marking: Marking = field(default_factory=Marking)
    vars: tuple[str, ...] = ()
    """for expressions: the variables the answer is written in"""
    names: tuple[str, ...] = ()
    """intermediate names (``o``, ``c``) a student may use for their definitions"""
    meanings: dict[str, Any] = field(default_factory=dict)
    """name -> what it stands for, when ``names`` is given as a mapping in the spec
    (``names: {y: sigmoid(z)}``); names without one mean the problem's definition"""
    choices: tuple[str, ...] = ()
    """for choices: the accepted words"""
    shape: tuple[Any, ...] | None = None
    """for matrices, matrix expressions and designs: the expected shape"""
    depends: tuple[str, ...] = ()
    """answers this one is computed from (for follow-through marking)"""
    text: str = ""
    """what is asked, in words"""
    extra: dict[str, Any] = field(default_factory=dict)
    """block-specific settings (e.g. a design's property), passed through unvalidated"""

    @property
    def part(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class BlockCall:
    """One derivation step of the spec: a block name and its (converted) arguments."""

    block: str
    part: str
    args: dict[str, Any]
    where: str
    """field path, for error messages: ``parts.a.derive[1]``"""


@dataclass(frozen=True)
class Part:
    """A lettered part of a problem: its text and its derivation blocks."""

    name: str
    text: str
    calls: tuple[BlockCall, ...]


@dataclass(frozen=True)
class Problem:
    """A loaded, validated problem spec. ``with_givens`` makes a variant."""

    id: str
    title: str
    statement: str
    path: str
    givens: dict[str, Given]
    symbols: dict[str, SymbolSpec]
    definitions: dict[str, Definition]
    answers: dict[str, AnswerSpec]
    parts: tuple[Part, ...]
    namespace: dict[str, Any] = field(repr=False, default_factory=dict)
    """names a block argument may use: givens (as symbols), symbols, definitions"""

    def given_values(self) -> dict[str, Any]:
        return {name: g.value for name, g in self.givens.items()}

    def with_givens(self, **overrides: Any) -> Problem:
        """A variant with some givens replaced (values are checked like ``--set``)."""
        return OPERATIONS["with_givens"](self, overrides)

    def solve(self, *, pins: dict[str, Any] | None = None, verify: bool = True) -> Any:
        """Derive every answer (and verify it unless ``verify=False``)."""
        return OPERATIONS["solve"](self, pins=pins, verify=verify)
