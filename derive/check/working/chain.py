"""Checking a working step by step: the first wrong step of a student's derivation.

Steps (interface.md, "The working behind an answer"): every relation sign is a step.
A statement that starts with a relation (``&= B``) continues the chain from the last
side read; a statement with a left side of its own starts a relation whose first step
relates that left side to its first right side:

- a left side that can be read and is not one bare name (a derivative label
  ``\\frac{\\partial E}{\\partial w_9}``, ``f'(x)``, ``\\text{GELU}(x_1)``) is what the
  right side must equal;
- a bare name means its quantity: an answer of the problem (``x_2`` is ``a.x2``: its
  right value, or what the student's own earlier values give it), a definition (``h_1``),
  a given updated in place (``w_9 = w_9 - \\alpha g``: the answer's value);
- the last relation of the working (or one whose left side cannot be read, in it) must
  give the answer the working belongs to;
- a name that means nothing is defined by its line (``v_0 = … = -0.0245``: unchecked,
  and later lines may use it); an equation in such a name (``4 = (4 - 3 + 2P)/1 + 1``)
  is checked by its solutions: equal to the previous equation's, or the answer.

A side that cannot be read makes its step ``unreadable``; the chain goes on from the last
side that could be read. A step that cannot be decided is ``unchecked``.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derive.check.working.clauses import updated_given, where_clauses
from derive.check.working.compare import (
    Comparison,
    compare,
    loose_indices,
    numbers_close,
    show,
)
from derive.check.working.diagnose import diagnose
from derive.check.working.equations import equation as _equation
from derive.check.working.equations import members as _members
from derive.check.working.equations import names as _names
from derive.check.working.final import early_rounding, is_the_answer
from derive.check.working.lines import Line, read_lines
from derive.check.working.model import StepResult, WorkingResult
from derive.check.working.scope import (
    Scope,
    Side,
    SideError,
    build_scope,
    expand,
    read_side,
)

#: wrong steps of one working that are diagnosed (the first ones matter; each costs
#: several readings of its sides)
MAX_DIAGNOSED = 3


@dataclass
class _Target:
    """What the first right side of a relation must equal."""

    values: list[Any]
    what: str
    """for messages: 'x_2', 'the answer', 'the left side'"""
    side: Side | None = None


@dataclass
class _State:
    scope: Scope
    answer_id: str
    targets: list[Any]
    prev: Side | _Target | None = None
    lhs: str = ""
    lhs_name: str | None = None
    equation: tuple[str, list[Any]] | None = None
    steps: list[StepResult] = field(default_factory=list)
    mistakes: list[tuple[str, Any]] = field(default_factory=list)
    """(code, the value the mistake gives the answer): the answer's declared mistakes"""
    own_name: str = ""
    """the name the working's own answer goes by (x_2 for a.x2)"""
    half: bool = True
    """the answer's derivation has a square or a 2: a doubled step may be a half-factor"""
    judge_answer: Any = None
    relation_target: Any = None
    """what the current relation's first right side is held to (a _Target)"""
    final_sides: list[tuple[int, Side]] = field(default_factory=list)
    """(step index, side) of the numeric sides of the relation that gives the answer"""
    """text -> (equal to the answer?, feedback) by the answer judge itself, for answers
    whose sides the working's reader does not compare (matrix expressions)"""


def _norm(text: str) -> str:
    return re.sub(r"\s+|\\[,;!]|\\left|\\right|\{|\}", "", text)


def check_working(problem: Any, answer_id: str, text: str, right: dict[str, Any],
                  own: dict[str, Any] | None = None,
                  targets: list[Any] | None = None,
                  mistakes: list[tuple[str, Any]] | None = None,
                  half: bool = True) -> WorkingResult:
    """Check the working of one answer.

    Args:
        problem: the problem (``derive.core.model.Problem``).
        answer_id: the answer the working belongs to.
        text: the working as the student wrote it.
        right: answer id -> the right value (the derivation's).
        own: answer id -> the student's own value (numbers they gave).
        targets: more values the answer may take from the student's own earlier answers
            (follow-through), besides the right one.
        mistakes: (code, value) of the answer's known mistakes, to name what a step
            held against the answer got wrong.
        half: whether the answer's derivation has a square or a 2
            (``judge.relevance.involves_two``): else no step is called a half-factor.
    Returns:
        The steps with their verdicts; ``first_error`` is the first invalid one.
    """
    scope = build_scope(problem, answer_id, right, own or {})
    lines = read_lines(text)
    # the answer in the names the part defines (f for tanh x, y for σ(z)) is judged as
    # the sides are: each name replaced by its definition
    state = _State(scope, answer_id,
                   [expand(scope, v) for v in [right[answer_id], *(targets or [])]],
                   mistakes=[(c, expand(scope, v)) for c, v in mistakes or []], half=half)
    state.own_name = next((n for n, a in scope.answer_of.items() if a == answer_id), "")
    if problem.answers[answer_id].kind == "matrix-expression":
        state.judge_answer = _answer_judge(problem, answer_id, right[answer_id])
    last_new = _last_relation(lines)
    for line in lines:
        if line.problem:
            state.steps.append(StepResult(line.text, line.number, "unreadable",
                                          f"line {line.number}: {line.problem}"))
            continue
        where = where_clauses(line)
        # a clause defining a name the line used before it (", u = 1.702x") is read
        # first, so that the line can use it; it never gives the answer
        for k in sorted(range(len(line.statements)), key=lambda k: k not in where):
            st = line.statements[k]
            final = (line.number, k) >= last_new and k not in where
            _statement(state, line, st.sides, st.signs, final)
    early_rounding(state)
    return WorkingResult(tuple(state.steps), tuple(ln.text for ln in lines))


def _target_of(state: _State) -> Any:
    return state.relation_target


def _last_relation(lines: list[Line]) -> tuple[int, int]:
    """(line, statement) where the working's last relation with its own left side
    starts: from there on, the chain gives the answer."""
    last = (0, 0)
    lhs = ""
    for line in lines:
        where = where_clauses(line)
        for k, st in enumerate(line.statements):
            if k in where:
                continue
            if st.sides[0] and _norm(st.sides[0]) != lhs:
                last = (line.number, k)
                lhs = _norm(st.sides[0])
    return last


def _statement(state: _State, line: Line, sides: tuple[str, ...], signs: tuple[str, ...],
               final: bool) -> None:
    scope = state.scope
    first = sides[0]
    shadow: dict[str, Any] = {}
    if first and _norm(first) != state.lhs:
        state.lhs = _norm(first)
        if _equation(state, line, sides, signs, final):
            return
        target, name, shadow = _target(state, first, sides, final)
        state.prev = target
        state.relation_target = target
        state.lhs_name = name
    elif first:  # the same left side again: x_1 = x_0 - … then x_1 = 0 - 0.1 [1/2]
        pass
    last_side: Side | None = None
    for i in range(1, len(sides)):
        shown_old = sides[i - 1] or (state.prev.side.text if isinstance(state.prev, _Target)
                                     and state.prev.side else
                                     state.prev.text if isinstance(state.prev, Side) else "")
        latex = f"{shown_old} {signs[i - 1]} {sides[i]}".strip()
        if state.judge_answer is not None and _is_answer(state, state.prev):
            ok, feedback = state.judge_answer(sides[i])
            if ok is False and r"\sum" in sides[i]:
                ok = None  # a sum may rest on a fact the judge does not use (Σ y_k = 1)
            if ok is not None:
                state.steps.append(StepResult(latex, line.number, "valid" if ok else
                                              "invalid", "" if ok else
                                              f"line {line.number}: {feedback}"))
                # equal to the answer: the next side is held against the answer too
                state.prev = state.prev if ok else None
                continue
        try:
            new = read_side(scope, sides[i], shadow or None)
        except SideError as e:
            state.steps.append(StepResult(latex, line.number, "unreadable",
                                          f"line {line.number}: {e}"))
            continue
        read_as = _by_family(state, new, shadow)
        if read_as is not None:  # x_1 - \eta g with g the g_1 of the problem
            new, note = read_as
            state.steps.append(StepResult(latex, line.number, "valid",
                                          f"line {line.number}: {note}"))
            state.prev = new
            last_side = new
            continue
        step = _by_member(state, line, latex, new, shadow) or _judge(state, line, latex, new)
        state.steps.append(step)
        if final and new.numeric and _is_answer(state, _target_of(state)):
            state.final_sides.append((len(state.steps) - 1, new))
        # a side with names that mean nothing is no base for the next step
        if not new.unknown or (isinstance(state.prev, Side) and state.prev.unknown):
            state.prev = new
        elif state.prev is None:
            state.prev = new
        last_side = new
    # a name defined by its line: later lines may use its value, or what it stands for
    # (δ_o = -2(y - o) o (1 - o), then ∂E/∂b_c = δ_o w_f c (1 - c))
    name = state.lhs_name
    if name and last_side is not None and first and not scope.knows(name):
        if last_side.numeric:
            scope.own[name] = last_side.own
        elif not last_side.unknown and isinstance(last_side.right, sp.Basic) \
                and not isinstance(last_side.right, sp.MatrixBase) \
                and not last_side.right.has(sp.Indexed, sp.Sum):
            scope.defs[name] = last_side.right


def _target(state: _State, first: str, sides: tuple[str, ...], final: bool
            ) -> tuple[_Target | None, str | None, dict[str, Any]]:
    """What the relation's first right side must equal, the name it defines, and the
    names its right side reads as their previous value (an update in place)."""
    scope = state.scope
    answer = _Target(list(state.targets), "the answer")
    given = updated_given(scope, state.answer_id, first)
    if given is not None:  # w_1^{(1)}, w_1^{new}, w_1': the answer, w_1 updated
        return answer, None, {given: scope.givens[given]}
    try:
        lhs = read_side(scope, first)
    except SideError:
        return (answer if final else None), None, {}
    expr = lhs.expr
    if isinstance(expr, sp.Symbol):
        n = expr.name
        updated = n in scope.givens and any(
            re.search(r"(?<![A-Za-z\\])" + re.escape(first.strip()) + r"(?![\w])", s)
            for s in sides[1:])
        if updated:
            # w_9 = w_9 - \alpha g: the right side reads w_9 as the given
            values = list(state.targets) if n in scope.answer_of and \
                scope.answer_of[n] == state.answer_id else [scope.right[n]] \
                if n in scope.answer_of else []
            target = _Target(values, "the answer" if values else n) if values else \
                (answer if final else None)
            return target, None, {n: scope.givens[n]}
        if n in scope.answer_of:
            aid = scope.answer_of[n]
            values = [expand(scope, scope.right[n])]
            if aid == state.answer_id:
                values = list(state.targets)
            return _Target(values, n, lhs), n, {}
        if n in scope.defs:
            return _Target([lhs.right], n, lhs), None, {}
        if not scope.knows(n):  # the student's own name: the answer, or defined here
            return (answer if final else None), n, {}
    if lhs.unknown or _at_its_point(state, lhs, sides):
        return (answer if final else None), None, {}
    return _Target([v for v in (lhs.right, lhs.own)], "the left side", lhs), None, {}


def _at_its_point(state: _State, lhs: Side, sides: tuple[str, ...]) -> bool:
    """A left side that is a function of the problem's variable, where the answer is a
    number and the right side is one too (``\\frac{dL}{dw} = (\\hat{t} - t) a u`` in the
    working of dL/dw at w_0): the student means it at the answer's point, which the side
    does not say. (``f'(x) = \\sigma(1.702x)`` stays held to f'(x).)"""
    answer = state.targets[0] if state.targets else None
    if not (isinstance(answer, sp.Basic) and not isinstance(answer, sp.MatrixBase)
            and answer.is_number is True and not lhs.numeric
            and isinstance(lhs.right, sp.Basic) and not isinstance(lhs.right, sp.MatrixBase)
            and lhs.right.free_symbols and len(sides) > 1):
        return False
    try:
        return read_side(state.scope, sides[1]).numeric
    except SideError:
        return False


def _before_side(prev: Side | _Target | None) -> Side | None:
    return prev.side if isinstance(prev, _Target) else prev


def _compare(prev: Side | _Target, olds: list[Any], new: Side, scope: Scope) -> Comparison:
    """``compare``, and the number rule read right to left: a side before that is one
    written decimal (``-0.1376 = x_2 - \\eta g``, the result copied rounded from a
    line above, the computation after it) stands for the new side's value to one unit
    of its last written place (and 5%), as a rounded new side does for the one before.
    Only against a computation: a plain number after a rounder one is no derivation."""
    result = compare(olds, new, scope)
    before = _before_side(prev)
    if result.ok is not False or before is None or before.plain is None \
            or "." not in before.plain.text or new.plain is not None or not new.numeric:
        return result
    for value in {new.right, new.own}:
        if numbers_close(value, before, before.right, scope):
            return Comparison(True, value=value)
    return result


#: readings of a side's bare names as members of their families (g as g_0, g_1, …) tried
MAX_READINGS = 64


def _olds(prev: Side | _Target) -> list[Any]:
    """The values a step's new side must equal: a target's, or the side before's (its
    right values and the student's own)."""
    return prev.values if isinstance(prev, _Target) else [prev.right, prev.own]


def _families(state: _State, new: Side) -> list[list[tuple[str, str]]] | None:
    """For each unknown bare name of ``new`` (sorted), the (name, member) readings of it
    as a quantity of the problem (g as g_0, g_1, …, in index order); None when some name
    is no family's, or there is nothing readable before to judge the side against."""
    prev = state.prev
    if not new.unknown or prev is None or (isinstance(prev, Side) and prev.unknown):
        return None
    families = []
    for u in sorted(new.unknown):
        members = _members(state.scope, u)
        if not members:
            return None
        families.append([(u, key) for key in members])
    return families


def _by_family(state: _State, new: Side, shadow: dict[str, Any]) -> tuple[Side, str] | None:
    """A side whose unknown bare names are quantities of the problem written without
    their index (``x_2 = x_1 - \\eta g``: g is one of g_0, g_1, g_2, the gradients of
    the descent): the side read with the member that makes the step true at the
    problem's values, and a note saying which; None when there is none (or nothing to
    check against). Each step is read anew: the next update's g is another member."""
    prev, scope = state.prev, state.scope
    families = _families(state, new)
    if families is None or prev is None:
        return None
    olds = _olds(prev)
    for tried, choice in enumerate(itertools.product(*families)):
        if tried >= MAX_READINGS:
            return None
        meant = {u: scope.right[key] for u, key in choice}
        try:
            side = read_side(scope, new.text, {**shadow, **meant})
        except SideError:
            return None
        if side.unknown:
            return None
        if _compare(prev, olds, side, scope).ok:
            return side, "read " + ", ".join(f"{u} as {key}" for u, key in choice)
    return None


def _by_member(state: _State, line: Line, latex: str, new: Side, shadow: dict[str, Any]
               ) -> StepResult | None:
    """A side with a bare family name that no member makes true (``x_2 = x_1 + \\eta
    g``: wrong with g_0, g_1 and g_2 alike) is wrong: the judgement each member would get
    written out, the diagnosis of the first that has a specific one (members whose index
    the side's other names carry first: x_1 suggests g_1), else of the first. None (the
    step stays unchecked) when some reading cannot be decided."""
    scope = state.scope
    found = _families(state, new)
    if found is None:
        return None
    indices = {_index(n) for n in _names(new)} - {None}
    # x_1 + \eta g: g_1 first (sorted is stable: the others keep their order)
    families = [sorted(fam, key=lambda uk: _index(uk[1]) not in indices) for fam in found]
    if len(list(itertools.islice(itertools.product(*families), MAX_JUDGED + 1))) \
            > MAX_JUDGED:
        return None
    judged: list[tuple[StepResult, str]] = []
    for choice in itertools.product(*families):
        steps: list[StepResult] = []
        # the right members, and the student's own values of them (follow-through)
        owns = [scope.own] if any(key in scope.own for _, key in choice) else []
        for values in (scope.right, *owns):
            meant = {u: values.get(key, scope.right[key]) for u, key in choice}
            try:
                side = read_side(scope, new.text, {**shadow, **meant})
            except SideError:
                return None
            step = _judge(state, line, latex, side) if not side.unknown else None
            if step is None or step.verdict != "invalid":
                return None
            steps.append(step)
        judged.append((steps[0], ", ".join(f"{u} as {key}" for u, key in choice)))
    if not judged:
        return None
    step, note = next(((s, n) for s, n in judged if s.diagnosis not in (None, "arithmetic")),
                      judged[0])
    where = f"line {line.number}: "
    text = step.feedback[len(where):] if step.feedback.startswith(where) else step.feedback
    names = ", ".join(sorted({k for fam in families for _, k in fam}))
    return dataclasses.replace(step, feedback=f"{where}{text} (read with {note}; none of "
                                              f"{names} makes it true)")


#: readings of a bare family name judged (each may be diagnosed) before giving up
MAX_JUDGED = 8
_INDEX = re.compile(r"^[A-Za-z]+_?\{?(\d+)\}?$")


def _index(name: str) -> str | None:
    """The index a quantity's name carries (x_1, g_{2}: 1, 2), or None."""
    m = _INDEX.match(name)
    return m.group(1) if m else None


def _judge(state: _State, line: Line, latex: str, new: Side) -> StepResult:
    prev = state.prev
    where = f"line {line.number}"
    if prev is None:
        name = state.lhs_name
        return StepResult(latex, line.number, "unchecked",
                          f"{where}: defines {name} (not checked)" if name else
                          f"{where}: nothing before it to check it against")
    olds = _olds(prev)
    loose = loose_indices(new.right)
    if loose:  # Σ_k t_k/p_k × (p_i (1 - p_k) …): k outside the sum that binds it
        names = ", ".join(sorted(loose))
        return StepResult(latex, line.number, "invalid",
                          f"{where}: the index {names} is used outside its sum")
    if new.unknown and not (isinstance(prev, Side) and prev.unknown >= new.unknown):
        names = ", ".join(sorted(new.unknown))
        return StepResult(latex, line.number, "unchecked",
                          f"{where}: uses {names}, which this working does not define")
    if isinstance(prev, Side) and prev.unknown and not new.unknown:
        return StepResult(latex, line.number, "unchecked",
                          f"{where}: the line before uses names this working does not "
                          "define")
    result = _compare(prev, olds, new, state.scope)
    if result.ok is None:
        return StepResult(latex, line.number, "unchecked", f"{where}: {result.detail}")
    if result.ok:
        return StepResult(latex, line.number, "valid")
    what = prev.what if isinstance(prev, _Target) else "the line before"
    detail = _detail(result, what, new)
    if sum(1 for s in state.steps if s.verdict == "invalid") >= MAX_DIAGNOSED:
        return StepResult(latex, line.number, "invalid", f"{where}: {detail}")
    before = _before_side(prev)
    # the answer's declared mistakes, against the answer or a side before that is it
    # (f'(x_1) in the working of g_1)
    mistakes = state.mistakes if (isinstance(prev, _Target) and prev.what in (
        "the answer", state.own_name)) or is_the_answer(state, olds) else None
    try:
        found = diagnose(state.scope, olds, before, new, line.number, mistakes, state.half)
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        found = None  # no mistake of the catalogue fits sides this odd (a 1×1 matrix)
    if found is not None:
        # held to a left side, a quantity or the answer, not to a line before
        text = found[1] if what == "the line before" else \
            found[1].replace("the line before", what)
        return StepResult(latex, line.number, "invalid", text, found[0])
    return StepResult(latex, line.number, "invalid", f"{where}: {detail}")


def _detail(result: Comparison, what: str, new: Side) -> str:
    if result.value is not None and new.numeric:
        name = "the answer" if what == "the answer" else what
        return (f"{_short(new.text)} is not equal to {name}, which is {show(result.value)}"
                if what != "the line before" else
                f"{_short(new.text)} does not follow from the line before, which gives "
                f"{show(result.value)}")
    text = result.detail or "not equal"
    if what != "the line before":
        text = text.replace("the line before", what)
    return f"{_short(new.text)} is not equal to {what}: {text}"


def _short(text: str, limit: int = 50) -> str:
    s = " ".join(text.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _is_answer(state: _State, prev: Any) -> bool:
    return isinstance(prev, _Target) and prev.what in ("the answer", state.own_name)


def _answer_judge(problem: Any, answer_id: str, gold: Any) -> Any:
    """The answer judge (``derive.check.judge``) on one side, as the final answer is."""
    from derive.check.judge.equivalence import judge
    from derive.check.read.problem_config import config_for, with_gold_symbols

    spec = problem.answers[answer_id]
    config = with_gold_symbols(config_for(problem, spec), gold)

    def run(text: str) -> tuple[bool | None, str]:
        j = judge(gold, spec, text, config)
        return {"correct": True, "incorrect": False}.get(j.verdict), j.feedback

    return run
