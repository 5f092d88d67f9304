"""Derivations as data: steps, tables, answers and checks, and the Context blocks write to.

Nothing here holds a formatted string: renderers (``derive.render``) turn these into
text, LaTeX or JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derive.core.display import DISPLAY
from derive.core.errors import SpecError
from derive.core.model import OPERATIONS, Problem


class RuleVariable(sp.Symbol):
    """The variable of a generic rule, σ′(u) = σ(u)(1 − σ(u)): a Symbol of its own kind,
    so that recording a step can tell it from a problem's own ``u`` and write the rule
    in a name the problem does not use (a reader would take ``u`` for the given)."""


#: what a rule's variable is called when ``u`` is taken, in this order of preference
RULE_NAMES = ("u", "v", "s", "r", "q", "h")


def rule_variable(name: str = "u") -> RuleVariable:
    """A rule's variable (real), renamed when a problem uses the name (``Context.step``)."""
    return RuleVariable(name, real=True)


@dataclass(frozen=True)
class DiffStep:
    """One rule application inside a derivative: ``lhs = after`` by ``rule``."""

    rule: str
    lhs: sp.Expr
    after: sp.Expr
    before: sp.Expr | None = None


@dataclass(frozen=True)
class Step:
    """One rule applied: ``lhs = before = after`` (``before`` omitted when trivial)."""

    rule: str
    """what was applied: 'product-rule', 'chain-rule', 'sigmoid-derivative', 'substitute'…"""
    after: Any
    """the result (a SymPy expression, matrix, relation or tuple)"""
    lhs: Any = None
    """what the step computes (a Symbol, Derivative, Indexed…); None for a bare fact"""
    before: Any = None
    """the expression the rule was applied to"""
    subs: tuple[tuple[Any, Any], ...] = ()
    """values substituted into ``before`` to give ``after``"""
    uses: tuple[int, ...] = ()
    """indices of earlier steps this one relies on"""
    facts: tuple[Any, ...] = ()
    """identities relied on (e.g. Eq(Sum(t_k), 1), cosh² − sinh² = 1)"""


@dataclass(frozen=True)
class Table:
    """Rows of values computed by one rule (gradient-descent iterations, layer shapes…)."""

    rule: str
    columns: tuple[Any, ...]
    """column headers as SymPy objects (Symbols, Derivatives) or plain words"""
    rows: tuple[tuple[Any, ...], ...]
    uses: tuple[int, ...] = ()


@dataclass(frozen=True)
class Figure:
    """Data for a picture a person would rather look at than read (drawn by the sheet).

    Kinds and their ``data`` keys:

    - ``trajectory``: ``f`` (SymPy Expr in ``var``), ``var`` (Symbol), ``series``
      (mapping label -> list of (x, f(x)) exact points in order).
    - ``network``: ``layers`` (list of lists of node labels, input layer first, labels
      as LaTeX strings), ``edges`` (list of (from_label, to_label, weight_label_or_None)).
    - ``conv-window``: ``input`` (Matrix, already zero-padded), ``kernel`` (Matrix),
      ``stride`` (int), ``position`` ((row, col) of the output entry shown),
      ``output`` (Matrix), ``padding`` (int; rows/cols of zeros around the original).
    """

    kind: str
    data: dict[str, Any]
    caption: str = ""


Item = Step | Table | Figure


@dataclass(frozen=True)
class Answer:
    """A derived answer: its value and where in the derivation it is shown."""

    id: str
    kind: str
    value: Any
    """the answer (pinned value when the caller pinned this answer)"""
    computed: Any
    """what the derivation gives from its inputs (differs from value only when pinned)"""
    item: int | None = None
    """index of the Step/Table that shows it"""
    pinned: bool = False


#: a check's name, or a function that makes it: a name that prints an expression costs a
#: SymPy printing, and is read only when shown (``derive verify``, a failure), which a
#: solve whose checks pass never does
Label = str | Callable[[], str]


def label_text(label: Label) -> str:
    """The name a :data:`Label` stands for."""
    return label if isinstance(label, str) else label()


@dataclass(frozen=True, eq=False, repr=False)
class CheckResult:
    """The outcome of one independent check. It compares, hashes and prints by its name's
    text, not by the function that may make it (two runs of a check give equal results)."""

    label: Label
    answers: tuple[str, ...]
    method: str
    ok: bool
    error: float
    """largest relative error seen (0 for exact checks)"""
    detail: str = ""

    @property
    def name(self) -> str:
        return label_text(self.label)

    def _key(self) -> tuple[Any, ...]:
        return (self.name, self.answers, self.method, self.ok, self.error, self.detail)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CheckResult):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return ("CheckResult(name={!r}, answers={!r}, method={!r}, ok={!r}, error={!r}, "
                "detail={!r})".format(*self._key()))


@dataclass(frozen=True)
class Check:
    """A registered independent check; ``run`` returns (ok, error, detail)."""

    label: Label
    answers: tuple[str, ...]
    method: str
    """'central-differences', 'numpy-recompute', 'identity', 'exact-recompute'…"""
    run: Callable[[], tuple[bool, float, str]] = field(repr=False)

    @property
    def name(self) -> str:
        return label_text(self.label)


@dataclass(frozen=True)
class Section:
    """The items and answers of one part, in order."""

    part: str
    text: str
    items: tuple[int, ...]
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Solution:
    """Everything derived for one problem: renderers and the checker read only this."""

    problem: Problem
    givens: dict[str, Any]
    items: tuple[Item, ...]
    sections: tuple[Section, ...]
    answers: dict[str, Answer]
    checks: tuple[Check, ...] = field(repr=False, default=())
    results: tuple[CheckResult, ...] = ()
    """check outcomes when verified (empty when solved with verify=False)"""
    meanings: dict[str, Any] = field(default_factory=dict)
    """names the blocks defined -> what they stand for (``Context.meanings``)"""

    @property
    def verified(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    def _display(self, kind: str) -> str | None:
        show = DISPLAY.get(kind)
        if show is None and "display" in OPERATIONS:
            # the renderers come later in the flow: the package root imports them on the
            # first display, so `derive.load(...).solve()` shows itself in a notebook
            # without `import derive.render`
            OPERATIONS["display"]()
            show = DISPLAY.get(kind)
        return show(self) if show else None

    def _repr_latex_(self) -> str | None:  # Jupyter
        return self._display("latex")

    def _repr_markdown_(self) -> str | None:  # Jupyter prefers it: the whole worked solution
        return self._display("markdown")


class Context:
    """What a block sees: the problem's names and values, and where it records its work."""

    def __init__(self, problem: Problem, pins: dict[str, Any] | None = None) -> None:
        self.problem = problem
        self.pins = dict(pins or {})
        self.items: list[Item] = []
        self.answers: dict[str, Answer] = {}
        self.checks: list[Check] = []
        self._given_subs: dict[sp.Symbol, Any] | None = None
        self._sections: dict[str, tuple[list[int], list[str]]] = {}
        self.part = ""
        self.where = ""
        self.block_name = ""
        """the block running now (error messages point to its reference)"""
        self.cache: dict[Any, Any] = {}
        """per-solve memo shared by blocks (e.g. a derivative computed once)"""
        self.meanings: dict[str, Any] = {}
        """names a block defines (a network's f_1, a, o, J_A) -> what they stand for, so
        that marking reads a student's definition in a name's place"""
        self._rule_names: dict[Any, Any] | None = None

    @property
    def given_subs(self) -> dict[sp.Symbol, Any]:
        """Symbol -> exact value of every given (entry by entry for matrices), made when
        first needed: a wide network's givens have hundreds of thousands of entries."""
        if self._given_subs is None:
            from derive.core.givens import given_subs

            self._given_subs = {}
            for g in self.problem.givens.values():
                self._given_subs.update(given_subs(g))
        return self._given_subs

    # -- names and values ---------------------------------------------------------------
    def symbol(self, name: str) -> Any:
        """The symbolic object a spec name stands for (given, symbol, definition)."""
        return self.problem.namespace[name]

    def answer_value(self, aid: str) -> Any:
        if aid not in self.answers:
            raise SpecError(self.problem.path, self.where,
                            f"uses {{{aid}}} before any block has derived it")
        return self.answers[aid].value

    def resolve(self, expr: Any) -> Any:
        """Replace ``{answer}`` placeholders with the answers' (possibly pinned) values."""
        if not isinstance(expr, sp.Basic):
            return expr
        refs = {s: self.answer_value(s.name[1:-1]) for s in expr.free_symbols
                if s.name.startswith("{") and s.name.endswith("}")}
        return expr.xreplace(refs) if refs else expr

    def value(self, expr: Any) -> Any:
        """The exact value of an expression at the givens (answers resolved too)."""
        e = self.resolve(expr)
        if isinstance(e, sp.Basic):
            e = e.xreplace(self.given_subs)
        return e

    def integer(self, expr: Any, name: str) -> int:
        v = self.value(expr)
        if not (isinstance(v, sp.Integer) or (isinstance(v, int))) or int(v) < 0:
            raise SpecError(self.problem.path, f"{self.where}.{name}",
                            f"expected a whole number, found {v}")
        return int(v)

    # -- recording ----------------------------------------------------------------------
    def _section(self) -> tuple[list[int], list[str]]:
        return self._sections.setdefault(self.part, ([], []))

    def add(self, item: Item) -> int:
        """Record a Step or Table in the current part; returns its index."""
        self.items.append(item)
        idx = len(self.items) - 1
        self._section()[0].append(idx)
        return idx

    def step(self, rule: str, after: Any, *, lhs: Any = None, before: Any = None,
             subs: Any = (), uses: Any = (), facts: Any = ()) -> int:
        subs_t = tuple(subs.items()) if isinstance(subs, dict) else tuple(subs)
        renamed = self._rule_renames()
        if renamed:
            after, lhs, before = (_renamed(e, renamed) for e in (after, lhs, before))
            facts = [_renamed(f, renamed) for f in facts]
        return self.add(Step(rule, after, lhs, before, subs_t, tuple(uses), tuple(facts)))

    def _rule_renames(self) -> dict[Any, Any]:
        """A rule's variable ``u`` -> one named by the first of ``RULE_NAMES`` that the
        problem does not use, when it uses ``u`` (a given, symbol, definition or a
        definition's argument); empty otherwise."""
        if self._rule_names is None:
            taken = set(self.problem.namespace) | {  # givens, symbols, definitions
                str(a) for d in self.problem.definitions.values() for a in d.args}
            free = next((n for n in RULE_NAMES if n not in taken), RULE_NAMES[0])
            self._rule_names = {} if "u" not in taken or free == "u" else \
                {rule_variable("u"): rule_variable(free)}
        return self._rule_names

    def table(self, rule: str, columns: Any, rows: Any, uses: Any = ()) -> int:
        return self.add(Table(rule, tuple(columns), tuple(tuple(r) for r in rows),
                              tuple(uses)))

    def figure(self, kind: str, caption: str = "", **data: Any) -> int:
        """Attach a figure (see :class:`Figure` for the kinds and their data)."""
        return self.add(Figure(kind, dict(data), caption))

    def emit(self, aid: str, value: Any, item: int | None = None) -> Any:
        """Record answer ``aid``; returns the value later steps must use (the pin, if any)."""
        spec = self.problem.answers.get(aid)
        if spec is None:
            raise SpecError(self.problem.path, self.where,
                            f"derives '{aid}', which is not declared under answers"
                            + range_hint(aid))
        if aid in self.answers:
            raise SpecError(self.problem.path, self.where, f"derives '{aid}' a second time")
        if spec.kind == "number" and isinstance(value, (sp.MatrixBase, sp.MatrixExpr)):
            # a list given or definition where a number belongs: said here, at the answer,
            # before a later block computes with it as a number
            r, c = value.shape
            raise SpecError(self.problem.path, f"answers.{aid}", f"declared a number, but "
                            f"{self.where} derives a {r}×{c} matrix (is a given or definition "
                            "it uses a list?)")
        if spec.kind == "matrix" and isinstance(value, sp.Basic) and value.is_number:
            # shown as a number under a matrix's name, and marked as a matrix
            raise SpecError(self.problem.path, f"answers.{aid}", f"declared a matrix, but "
                            f"{self.where} derives a number, {value} (declare it a number, "
                            "or derive the matrix)")
        if _not_finite(value):  # a --set value or a drawn variant the problem cannot take
            raise SpecError(self.problem.path, f"answers.{aid}", "is not a finite real "
                            f"number at these givens ({str(value)[:80]}): a division by "
                            "zero, a root or logarithm of a negative number, or values too "
                            "extreme to compute? (check the givens)")
        pinned = aid in self.pins
        used = self.pins[aid] if pinned else value
        self.answers[aid] = Answer(aid, spec.kind, used, value, item, pinned)
        self._section()[1].append(aid)
        return used

    def check(self, name: Label, answers: Any, method: str,
              run: Callable[[], tuple[bool, float, str]]) -> None:
        """Register an independent check of some answers (run by ``derive verify``);
        ``name`` may be a function that makes it (see :data:`Label`)."""
        self.checks.append(Check(name, tuple(answers), method, run))

    def fail(self, field: str, message: str) -> SpecError:
        """A SpecError located at the current block's argument ``field``."""
        block = self.block_name
        hint = f" (see `derive blocks {block}`)" if block and "derive blocks" not in message \
            else ""
        return SpecError(self.problem.path, f"{self.where}.{field}" if field else self.where,
                         message + hint)

    def sections(self) -> tuple[Section, ...]:
        texts = {p.name: p.text for p in self.problem.parts}
        order = {a: n for n, a in enumerate(self.problem.answers)}
        return tuple(Section(p, texts.get(p, ""), tuple(i), tuple(sorted(a, key=order.get)))
                     for p, (i, a) in self._sections.items())


#: what a number that is not a finite real holds (SymPy's complex infinity is zoo)
_NOT_FINITE = (sp.I, sp.zoo, sp.nan, sp.oo, sp.S.NegativeInfinity)


def _not_finite(value: Any) -> bool:
    """Whether a derived number (or an entry of a derived matrix) is complex, infinite or
    nan: a tree walk, never an assumption query (those cost a solve's time)."""
    if isinstance(value, sp.MatrixBase):
        return any(isinstance(e, sp.Basic) and e.has(*_NOT_FINITE) for e in value)
    return isinstance(value, sp.Basic) and value.is_number and value.has(*_NOT_FINITE)


def range_hint(aid: str) -> str:
    """For a numbered id: how to declare answers that follow a count such as steps."""
    import re

    m = re.match(r"^(.*?)(\d+)$", aid)
    if not m:
        return ""
    return (f" (declare it; numbered answers that follow a count such as steps can be "
            f"declared as a range, e.g. '{m.group(1)}{{1..steps}}')")


def _renamed(e: Any, names: dict[Any, Any]) -> Any:
    return e.xreplace(names) if isinstance(e, sp.Basic) else e
