"""One answer judged by its kind: gold (the derivation's) vs the student's text.

Gold comes first in every signature, as in Math-Verify. By kind:

- number: the problem set's rule (``number_ok``); an answer written as an expression
  (``\\frac{1}{1+e^{-0.8}}``) is compared exactly (to 1e-9 relative);
- expression: evaluation at seeded random points in [-2, 2] (points where either side
  is not finite are skipped; at least 4 valid points of 8), with intermediate names
  replaced by their definitions and sums evaluated at K = 3 and K = 5; only when the
  points cannot decide, a symbolic confirmation in a worker killed after 5 s. A name
  that is not a variable of the problem is incorrect, with feedback naming it;
- matrix: the shape, then entry by entry with the number rule (entries not written
  alone, ``-0.31 \\begin{bmatrix} 2 & 1 \\end{bmatrix}``, as precise as their decimals);
- matrix-expression: the shape (symbolically: "1×K expected, your expression is K×1:
  transposed?"), then random matrices of three concrete size draws for every
  MatrixSymbol (intermediate names from their definitions when given); a product whose
  sizes do not fit is incorrect, with feedback naming it; the component form
  ``o_i - y_i`` is compared component by component;
- shape: exact (tuples of sizes; symbolic sizes by name; order matters);
- choice: the exact word, case-insensitive, ``\\text{}`` stripped;
- design: read by ``parse_answer``; judged by ``derive.topics.design.check_design`` (not here).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import sympy as sp

from derive.check.judge import numeric as en
from derive.check.judge.kinks import kink_conflict
from derive.check.judge.rounded import propagated_unit, propagated_units
from derive.check.judge.symbolic import confirm_equal
from derive.check.read import values as tv
from derive.check.read.parse import (
    ParseConfig,
    ParseError,
    ShapeMismatch,
    matrix_entries,
    parse_with_notes,
    read_number,
)
from derive.core.derivation import Answer
from derive.core.model import AnswerSpec
from derive.core.values import format_number

JudgementKind = Literal["correct", "incorrect", "unparsable"]


@dataclass(frozen=True)
class Judgement:
    """The verdict on one answer text, before follow-through and diagnoses."""

    verdict: JudgementKind
    value: Any = None
    """the parsed value (None when unparsable)"""
    feedback: str = ""


def number_ok(gold: Any, written: str, spec: AnswerSpec,
              config: ParseConfig | None = None) -> bool:
    """The problem set's rule: within one unit of the last written decimal place of the
    exact value and within 5% of it; exact forms (fractions) and exact-marked answers
    (sizes, counts, strides) must be exact.
    """
    wn = read_number(written, config)
    return _number_close(gold, wn.value, wn.unit, spec)


def _number_close(gold: Any, value: Any, unit: Any, spec: AnswerSpec) -> bool:
    exact = sp.nsimplify(gold) if isinstance(gold, sp.Float) else gold
    diff = abs(sp.N(value - exact, 30))
    if spec.marking.exact:
        return bool(diff == 0 or diff < sp.Float("1e-25"))
    if unit is None or unit == 0:  # exact, or decimals (0.0) that move nothing
        return bool(diff <= sp.Float("1e-9") * max(abs(sp.N(exact, 30)), 1))
    within_digit = (not spec.marking.last_digit) or diff <= unit
    if not within_digit and _significant_digits(value, unit) >= SCRIPT_DIGITS:
        # script output (float64 noise in the last digits), not a rounding: judged as a
        # computed number (the lead's rule; see tests/data/student-sheets/README.md)
        within_digit = diff <= SCRIPT_RELATIVE * abs(sp.N(exact, 30))
    within_rel = diff <= spec.marking.relative * abs(sp.N(exact, 30))
    return bool(within_digit and within_rel)


#: a number written with this many significant digits or more is a program's output:
#: correct when within SCRIPT_RELATIVE of the exact value (not one unit of its last place)
SCRIPT_DIGITS = 12
SCRIPT_RELATIVE = sp.Float("1e-9")


def _significant_digits(value: Any, unit: Any) -> int:
    """How many significant digits a number written to ``unit`` carries."""
    steps = abs(sp.Rational(value) / unit)
    return len(str(int(steps))) if steps >= 1 else 0


def _gold_value(gold: Any) -> Any:
    return gold.value if isinstance(gold, Answer) or hasattr(gold, "value") else gold


def judge(gold: Answer, spec: AnswerSpec, text: str, config: ParseConfig) -> Judgement:
    """Judge one answer text against the gold answer of the same id."""
    g = _gold_value(gold)
    kind = spec.kind
    if kind == "design":
        raise NotImplementedError("designs are judged by derive.topics.design.check_design; "
                                  "parse_answer(text, 'design', config) reads the value")
    try:
        value, notes = parse_with_notes(text, kind, config)
    except ShapeMismatch as e:
        return Judgement("incorrect", None, f"{e}: the sizes do not fit")
    except ParseError as e:
        return Judgement("unparsable", None, str(e))
    try:
        return _judge_value(g, spec, text, value, notes, config)
    except Exception as e:  # a SymPy corner we did not foresee: say so, never crash
        return Judgement("unparsable", value, "the answer was read but could not be "
                                              f"compared ({type(e).__name__}); please ask "
                                              "a person to look at it")


def _judge_value(g: Any, spec: AnswerSpec, text: str, value: Any, notes: list[str],
                 config: ParseConfig) -> Judgement:
    kind = spec.kind
    if kind in ("expression", "matrix-expression"):
        shown = value
        names = list(config.names)
        g, value, *defs = en.concretize([_constants(g, config), value,
                                         *(_constants(d, config) for d in config.names.values())])
        config = dataclasses.replace(config, names=dict(zip(names, defs, strict=True)))
        judgement = (_judge_expression(g, value, config, notes) if kind == "expression"
                     else _judge_matrix_expression(g, value, config, notes))
        return dataclasses.replace(judgement, value=shown if judgement.value is not None
                                   else None)
    if kind == "number":
        return _judge_number(g, spec, text, value, config)
    if kind == "matrix":
        return _judge_matrix(g, spec, text, value, config)
    if kind == "shape":
        return _judge_shape(g, value)
    if kind == "choice":
        return _judge_choice(g, spec, value)
    return Judgement("unparsable", None, f"answers of kind {kind!r} are not judged")


def _constants(expr: Any, config: ParseConfig) -> Any:
    """Givens left as names in a gold value take their values (students may write either)."""
    if not config.constants or not isinstance(expr, sp.Basic):
        return expr
    return expr.xreplace({s: config.constants[s.name] for s in expr.free_symbols
                          if isinstance(s, sp.Symbol) and s.name in config.constants})


def _verdict(ok: bool, value: Any, feedback: str, notes: list[str] | None = None
             ) -> Judgement:
    if ok:
        return Judgement("correct", value, "; ".join(dict.fromkeys(notes or [])))
    return Judgement("incorrect", value, feedback)


# ---------------------------------------------------------------- numbers


def _judge_number(g: Any, spec: AnswerSpec, text: str, value: Any,
                  config: ParseConfig) -> Judgement:
    try:
        ok = number_ok(g, text, spec, config)
    except ParseError:  # written as an expression: exact, or as precise as its decimals
        ok = _expression_close(g, spec, text, value, config)
    # the feedback only for a wrong number (formatting the right one costs an evaluation)
    return _verdict(ok, value, "" if ok else f"expected {format_number(g)}")


def _expression_close(g: Any, spec: AnswerSpec, text: str, value: Any,
                      config: ParseConfig) -> bool:
    """A number written as an expression (``-\\frac{1}{0.68997}``, ``2 \\times 0.31``):
    exact, or as precise as its written decimals make it (``propagated_unit``)."""
    unit = None if spec.marking.exact else propagated_unit(
        text, value, lambda t: parse_with_notes(t, "number", config)[0],
        spec.marking.relative)
    return _rounded_close(g, value, unit, spec)


def _rounded_close(g: Any, value: Any, unit: Any, spec: AnswerSpec) -> bool:
    return _number_close(g, value if unit is None else sp.Rational(sp.N(value, 40)), unit,
                         spec)


# ---------------------------------------------------------------- expressions


def _allowed_names(gold: Any, config: ParseConfig) -> set[str]:
    allowed = set(config.symbols) | set(config.names) | set(config.constants)
    allowed |= en.free_names(gold)
    allowed.add(str(config.sum_bound))
    for n in list(config.names):
        allowed |= en.free_names(config.names[n])
    return allowed


def _unknown(answer: Any, gold: Any, config: ParseConfig) -> str:
    used = en.free_names(answer)
    used |= {s.name for ix in answer.atoms(sp.Indexed) for s in ix.free_symbols
             if isinstance(s, sp.Symbol)} if isinstance(answer, sp.Basic) else set()
    allowed = _allowed_names(gold, config)
    allowed |= {s.name for ix in gold.atoms(sp.Indexed) for s in ix.free_symbols
                if isinstance(s, sp.Symbol)} if isinstance(gold, sp.Basic) else set()
    allowed |= {"i", "j", "k"} & used if any(
        isinstance(v, sp.IndexedBase) for v in config.symbols.values()) else set()
    bad = sorted(used - allowed)
    if not bad:
        return ""
    if len(bad) == 1:
        return f"your answer uses {bad[0]}, which is not a variable of this problem"
    return (f"your answer uses {', '.join(bad[:-1])} and {bad[-1]}, which are not "
            "variables of this problem")


def _judge_expression(g: Any, value: Any, config: ParseConfig,
                      notes: list[str]) -> Judgement:
    bad = _unknown(value, g, config)
    if bad:
        return Judgement("incorrect", value, bad)
    gold_x = en.expand_names(g, config.names)
    ans_x = en.expand_names(value, config.names)
    outcome = en.compare_scalars(gold_x, ans_x)
    if outcome.equal is None:
        confirmed = confirm_equal(gold_x, ans_x)
        if confirmed is None:
            return Judgement("incorrect", value, "could not be shown equivalent "
                                                 f"({outcome.detail})")
        return _verdict(confirmed, value, "not equivalent to the expected expression",
                        notes)
    if outcome.equal and kink_conflict(gold_x, ans_x):  # points never land on a kink
        return Judgement("incorrect", value, kink_conflict(gold_x, ans_x))
    return _verdict(outcome.equal, value, outcome.detail, notes)


# ---------------------------------------------------------------- matrices


def _judge_matrix(g: Any, spec: AnswerSpec, text: str, value: Any,
                  config: ParseConfig) -> Judgement:
    gold = sp.ImmutableMatrix(g)
    if value.shape != gold.shape:
        return Judgement("incorrect", value, f"expected {tv.shape_str(gold.shape)}, you "
                                             f"wrote {tv.shape_str(value.shape)}")
    unwritten: list[list[tuple[str | None, Any]]] = [
        [(None, value[i, j]) for j in range(value.cols)] for i in range(value.rows)]
    try:
        entries = matrix_entries(text, config)
    except ParseError:
        entries = unwritten
    if len(entries) != gold.rows or any(len(r) != gold.cols for r in entries):
        entries = unwritten
    units: list[Any] | None = None  # entries not written alone: what the decimals carry
    wrong = []
    for i, row in enumerate(entries):
        for j, (written, v) in enumerate(row):
            if written is None:
                if units is None:
                    units = [None] * len(value) if spec.marking.exact else propagated_units(
                        text, list(value),
                        lambda t: list(parse_with_notes(t, "matrix", config)[0]),
                        spec.marking.relative)
                ok = _rounded_close(gold[i, j], v, units[i * value.cols + j], spec)
            else:
                try:
                    ok = number_ok(gold[i, j], written, spec, config)
                except ParseError:
                    ok = _expression_close(gold[i, j], spec, written, v, config)
            if not ok:
                wrong.append(f"({i + 1},{j + 1}): expected {format_number(gold[i, j])}, "
                             + (f"you wrote {written}" if written is not None
                                else f"yours is {format_number(v)}"))
    if wrong:
        more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
        return Judgement("incorrect", value, "entry " + "; ".join(wrong[:3]) + more)
    return Judgement("correct", value)


def _dims_equal(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(str(x) == str(y) for x, y in zip(a, b, strict=True))


def _judge_matrix_expression(g: Any, value: Any, config: ParseConfig,
                             notes: list[str]) -> Judgement:
    if isinstance(value, sp.Basic) and not tv.is_matrix(value) and value.atoms(sp.Indexed):
        return _judge_components(g, value, config, notes)
    if not tv.is_matrix(value):
        return Judgement("incorrect", value, f"expected a {tv.shape_str(g.shape)} matrix "
                                             "expression, you wrote a scalar")
    bad = _unknown(value, g, config)
    if bad:
        return Judgement("incorrect", value, bad)
    if not _dims_equal(g.shape, value.shape):
        want, got = tv.shape_str(g.shape), tv.shape_str(value.shape)
        hint = ": transposed?" if _dims_equal(g.shape, value.shape[::-1]) else ""
        return Judgement("incorrect", value, f"{want} expected, your expression is {got}{hint}")
    try:
        diff = _matrix_difference(g, value, config)
    except ShapeMismatch as e:
        return Judgement("incorrect", value, str(e))
    except (ValueError, TypeError, sp.ShapeError) as e:
        return Judgement("incorrect", value, f"could not be evaluated: {e}")
    diff = diff or kink_conflict(g, value)  # points never land on a kink
    return _verdict(diff == "", value, diff, notes)


def _matrix_setup(g: Any, value: Any, config: ParseConfig) -> tuple[dict, list[dict]]:
    symbols: dict[str, sp.MatrixSymbol] = {}
    for e in (g, value, *[d for d in config.names.values() if isinstance(d, sp.Basic)]):
        if isinstance(e, sp.Basic):
            for m in e.atoms(sp.MatrixSymbol):
                symbols.setdefault(str(m.name), m)
    for n, s in config.symbols.items():
        if isinstance(s, sp.MatrixSymbol):
            symbols.setdefault(n, s)
    sizes = en.size_symbols(g, value, *symbols.values())
    return symbols, en.size_draws(sorted(sizes))


def _matrix_difference(g: Any, value: Any, config: ParseConfig) -> str:
    symbols, draws = _matrix_setup(g, value, config)
    rng = np.random.default_rng(7)
    for sizes in draws:
        scalars = en._Values(rng)
        mats = en.random_matrices(symbols, config.names, sizes, rng, scalars,
                                     config.properties)
        G = en.explicit(g, mats, scalars, sizes)
        A = en.explicit(value, mats, scalars, sizes)
        if G.shape != A.shape:
            return f"sizes differ: expected {G.shape}, yours gives {A.shape}"
        if not np.allclose(G, A, rtol=1e-8, atol=1e-10):
            shown = ", ".join(f"{k} = {v}" for k, v in sorted(sizes.items()))
            return (f"differs from the expected matrix (checked on random matrices at test "
                    f"sizes {shown}; the formula must hold at any size)")
    return ""


def _judge_components(g: Any, value: Any, config: ParseConfig,
                      notes: list[str]) -> Judgement:
    """``o_i - y_i`` for a vector answer: the i-th component of every vector."""
    free_idx = {s for ix in value.atoms(sp.Indexed) for s in ix.indices[0].free_symbols}
    if not tv.is_matrix(g) or not (g.shape[0] == 1 or g.shape[1] == 1):
        return Judgement("incorrect", value, "a component form (o_i) answers only a "
                                             "vector")
    if len(free_idx) != 1:
        return Judgement("incorrect", value, "you wrote one component; the answer is "
                                             f"a {tv.shape_str(g.shape)} vector")
    (i,) = free_idx
    symbols, draws = _matrix_setup(g, value, config)
    rng = np.random.default_rng(11)
    for sizes in draws:
        scalars = en._Values(rng)
        mats = en.random_matrices(symbols, config.names, sizes, rng, scalars,
                                     config.properties)
        G = en.explicit(g, mats, scalars, sizes).ravel()
        for j in range(len(G)):
            e = value.xreplace({i: sp.Integer(j + 1)})
            subs = {}
            for ix in e.atoms(sp.Indexed):
                name, k = str(ix.base.label), ix.indices[0]
                if name not in mats or not k.is_Integer:
                    return Judgement("incorrect", value,
                                     f"your answer uses {name}_{k}, which is not a "
                                     "component of a vector of this problem")
                vec = np.asarray(mats[name]).ravel()
                if not 1 <= int(k) <= len(vec):
                    return Judgement("incorrect", value, f"{name} has no component {k}")
                subs[ix] = sp.Float(float(vec[int(k) - 1].real), en.DIGITS)
            e = e.xreplace(subs)
            e = e.xreplace({s: sp.Float(scalars.scalar(s.name), en.DIGITS)
                            for s in e.free_symbols if isinstance(s, sp.Symbol)})
            a = complex(sp.N(e, en.DIGITS))
            if not np.isclose(G[j], a, rtol=1e-8, atol=1e-10):
                return Judgement("incorrect", value, "a component differs from the "
                                                     "expected vector's")
    return Judgement("correct", value, "; ".join(dict.fromkeys(notes)))


# ---------------------------------------------------------------- shapes and choices


def _judge_shape(g: Any, value: tuple[Any, ...]) -> Judgement:
    gold = tuple(g)
    a, b = _without_trailing_ones(gold), _without_trailing_ones(tuple(value))
    # 160 × 1 is the flat vector 160, 3 × 3 the one map 3 × 3 × 1: trailing 1s are dropped
    ok = len(a) == len(b) and all(str(x) == str(y) for x, y in zip(a, b, strict=True))
    shown = " \\times ".join(str(d) for d in gold)
    return _verdict(ok, value, f"expected {shown}")


def _without_trailing_ones(shape: tuple[Any, ...]) -> tuple[Any, ...]:
    out = list(shape)
    while len(out) > 1 and str(out[-1]) == "1":
        out.pop()
    return tuple(out)


def _judge_choice(g: Any, spec: AnswerSpec, value: str) -> Judgement:
    options = [c.lower() for c in spec.choices]
    named = chosen_option(value, options) if options else value
    if named is None:
        return Judgement("unparsable", value, f"'{value}' names none of the options "
                         f"({', '.join(options)}) or more than one; a person should read it")
    if named == str(g).lower():
        return Judgement("correct", named)
    return Judgement("incorrect", named, f"expected {g}")


#: words that turn a sentence naming an option around ("not momentum")
_NEGATIONS = {"not", "no", "never", "isn't", "isnt", "doesn't", "doesnt", "neither", "nor"}


def chosen_option(value: str, options: list[str]) -> str | None:
    """The option a student's words name, as a careful marker reads them, or None when
    they name none or several (a person reads those): the option itself with case,
    hyphens and spacing aside (``cross entropy``); an answer whose first clause is one
    (``no, XOR is not …``, ``momentum (it reaches …)``); else, with no negation among
    its words, the one option they contain (``gradient descent with momentum``), whole
    or, failing that, by initials (``CE``, ``mean squared error`` for MSE)."""
    def words(t: str) -> list[str]:
        return re.findall(r"[a-z0-9']+", t.replace("-", " ").lower())

    said = words(value)
    if not said:
        return None
    forms = {o: w for o in options if (w := words(o))}
    for o, w in forms.items():
        if said == w:
            return o
    first = [o for o, w in forms.items() if re.match(
        r"\s*" + r"[\s-]*".join(map(re.escape, w)) + r"\s*(?:[,.;:(]|$)", value.lower())]
    if len(first) == 1:
        return first[0]
    if any(x in _NEGATIONS for x in said):
        return None
    joined = "".join(said)  # crossentropy written as one word
    whole = [o for o, w in forms.items()
             if any(said[i:i + len(w)] == w for i in range(len(said)))
             or len("".join(w)) > 3 and "".join(w) in joined]
    if whole:
        return whole[0] if len(whole) == 1 else None

    def initials(w: list[str]) -> str:
        return "".join(x[0] for x in w)

    short = [o for o, w in forms.items()
             if len(w) > 1 and initials(w) in said
             or len(w) == 1 and 2 <= len(w[0]) <= 4 and w[0].isalpha()
             and any(initials(said[i:i + len(w[0])]) == w[0] for i in range(len(said)))]
    return short[0] if len(short) == 1 else None
