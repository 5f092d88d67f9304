"""A catalogue of deep-learning mistakes, recognised when an answer is wrong.

Each mistake has a stable code (teammates mark real sheets with these codes), a test,
and a feedback sentence. Two mechanisms:

1. Generic tests applied by kind: ``sign`` (the negated answer matches), ``transpose``
   (matrices, matrix expressions, 2-D shapes: the transpose matches) and ``rounding``
   (numbers: right, but rounded or truncated too coarsely).
2. Mistakes declared in a problem spec under an answer's ``mistakes:`` key::

       answers:
         b.loss:
           kind: number
           mistakes:
             log-base: {expr: '-log({a.yhat})/log(2)'}
             learning-rate: {set: {eta: 1}}
             momentum-convention: {args: {parts.c.derive[1].convention: average}}

   ``expr`` is the value the mistake gives (givens, symbols, definitions and
   ``{answer}`` references, read with the student's own earlier answers as well as the
   right ones); ``set`` re-solves the problem with other givens and ``args`` with block
   arguments changed (a path into the spec: ``parts.PART.derive[I].ARG``), and compares
   with this answer's value there. A list of such entries may stand under one code;
   ``feedback:`` overrides the catalogue's sentence. A code outside the catalogue needs
   its own ``feedback``. Placeholders: ``{given}``, ``{expected}``, ``{value}`` (what the
   mistake gives) and any ``{answer.id}``.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derive.check.read.values import same_value
from derive.core.errors import DeriveError, SpecError
from derive.core.model import AnswerSpec, Problem
from derive.core.values import format_number

#: code -> feedback sentence (placeholders: given, expected, value, {answer ids})
CATALOGUE: dict[str, str] = {
    "log-base": "{given} is what a base-2 logarithm gives ({value}); \\log means the natural "
                "log here (expected {expected})",
    "bias-omitted": "{given} leaves out the bias ({value}); every unit/filter here has one "
                    "(expected {expected})",
    "input-depth-omitted": "{given} counts a filter as k×k ({value}); it spans the whole "
                           "input depth, k×k×D (expected {expected})",
    "momentum-convention": "{given} follows the averaged momentum v = βv + (1−β)g ({value}); "
                           "this problem uses v = βv + g (expected {expected})",
    "learning-rate": "{given} is what another learning rate gives ({value}); check which η "
                     "this part uses (expected {expected})",
    "kernel-flipped": "{given} flips the kernel ({value}); a CNN's convolution is "
                      "cross-correlation, the kernel is not flipped (expected {expected})",
    "size-formula": "{given} comes from a wrong output-size formula ({value}); the output "
                    "size is ⌊(W − K + 2P)/S⌋ + 1 (expected {expected})",
    "transpose": "{given} is the transpose of the answer; check the shapes (expected "
                 "{expected})",
    "sign": "{given} has the wrong sign (expected {expected})",
    "half-factor": "{given} is off by a factor 2 ({value}); look for a 2 or a ½ lost or "
                   "doubled, such as the 2 that differentiating a square brings down or "
                   "the ½ in front of one (expected {expected})",
    "sigma-prime-argument": "{given} evaluates σ' at the wrong argument ({value}); "
                            "σ'(z) = σ(z)(1 − σ(z)) at the unit's net input z (expected "
                            "{expected})",
    "missing-activation-derivative": "{given} leaves out the activation's derivative in "
                                     "the chain rule ({value}) (expected {expected})",
    "rounding": "{given} is right but rounded too coarsely (expected {expected})",
    "missing-factor": "{given} is the right answer without the factor {value} (expected "
                      "{expected})",
    # found on real sheets (tests/data/student-sheets/DIAGNOSES.md)
    "sigmoid-at-zero": "σ(0) = 1/(1 + e⁰) = 1/2, not {given} (expected {expected})",
    "product-rule": "{given} keeps only one term of the product rule ({value}); "
                    "(x σ(αx))′ = σ(αx) + αx σ′(αx) (expected {expected})",
    "wrong-given": "{given} starts from a misread given ({value}); expected {expected}",
}

#: said of a follow-through whose only cause is right earlier answers rounded too coarsely
COARSE_EARLIER = ("those values are right but rounded too coarsely to carry the digits "
                  "written here: keep more digits in between")

#: the transpose sentence when some factors of a product carry a ^T too many
TRANSPOSE_FACTOR = ("{given} has a transpose too many: {value} is right (check each factor's "
                    "shape; expected {expected})")

GENERIC = ("sign", "transpose", "rounding")
_MISTAKE_KEYS = ("expr", "set", "args", "feedback")
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.-]+)\}")
_ARG_PATH = re.compile(r"^([A-Za-z0-9_-]+)((?:\[\d+\])*)$")


@dataclass(frozen=True)
class Mistake:
    """One declared mistake of one answer (see the module docstring)."""

    code: str
    where: str
    """its field in the spec, for messages: answers.b.loss.mistakes.log-base"""
    expr: Any = None
    sets: tuple[tuple[str, Any], ...] = ()
    args: tuple[tuple[str, Any], ...] = ()
    feedback: str | None = None

    @property
    def is_variant(self) -> bool:
        return bool(self.sets or self.args)


@dataclass(frozen=True)
class Diagnosis:
    code: str
    feedback: str


@dataclass
class Situation:
    """Everything the tests need about one wrong answer."""

    spec: AnswerSpec
    text: str
    gold: Any
    """the right value"""
    matches: Callable[[Any], bool]
    """does the student's answer match this value, by the answer's marking rule?"""
    contexts: list[tuple[dict[str, Any], dict[str, str]]] = field(default_factory=list)
    """(answer id -> value, answer id -> as shown) to read ``{answer}`` refs with:
    the right answers, then the student's own"""
    read_number: Callable[[str], Any] | None = None
    matches_text: Callable[[str], bool] | None = None
    """is this other text (a variant of the student's) right? (None: not tried)"""
    batch_sizes: Any = ()
    """the problem's batch sizes, name -> number of examples or None
    (``missing-batch-mean``)"""


# -- reading the spec's mistakes -----------------------------------------------------------

def read_mistakes(problem: Problem, raw: dict[str, Any]) -> dict[str, tuple[Mistake, ...]]:
    """The validated ``mistakes:`` of every answer (SpecError names the field)."""
    out: dict[str, tuple[Mistake, ...]] = {}
    for aid, spec in problem.answers.items():
        decl = spec.extra.get("mistakes")
        if decl is None:
            continue
        where = f"answers.{aid}.mistakes"
        if not isinstance(decl, dict):
            raise SpecError(problem.path, where, "expected a mapping of mistake code -> "
                            "{expr|set|args: …}")
        found = []
        for code, entries in decl.items():
            cw = f"{where}.{code}"
            for i, entry in enumerate(entries if isinstance(entries, list) else [entries]):
                ew = f"{cw}[{i}]" if isinstance(entries, list) else cw
                found.append(_read_mistake(problem, raw, aid, str(code), ew, entry))
        out[aid] = tuple(found)
    return out


def _read_mistake(problem: Problem, raw: dict[str, Any], aid: str, code: str, where: str,
                  entry: Any) -> Mistake:
    from derive.core.expressions import parse_spec_expr

    path = problem.path
    if not isinstance(entry, dict):
        raise SpecError(path, where, "expected {expr: …}, {set: {given: value}} or "
                        "{args: {parts.P.derive[i].arg: value}}")
    for k in entry:
        if k not in _MISTAKE_KEYS:
            near = difflib.get_close_matches(str(k), _MISTAKE_KEYS, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise SpecError(path, f"{where}.{k}", f"unknown field{hint} (expected one of: "
                            + ", ".join(_MISTAKE_KEYS) + ")")
    feedback = entry.get("feedback")
    if feedback is not None and not isinstance(feedback, str):
        raise SpecError(path, f"{where}.feedback", "expected a sentence")
    if code not in CATALOGUE and feedback is None:
        near = difflib.get_close_matches(code, list(CATALOGUE), n=1)
        hint = f"did you mean '{near[0]}'? " if near else ""
        raise SpecError(path, where, f"'{code}' is not in the catalogue ({hint}known: "
                        + ", ".join(CATALOGUE) + "); give it a feedback: sentence")
    if code in GENERIC and "expr" not in entry and "set" not in entry \
            and "args" not in entry:
        raise SpecError(path, where, f"'{code}' is tried automatically; declare it only with "
                        "an expr, set or args")
    has_expr = "expr" in entry
    has_variant = "set" in entry or "args" in entry
    if has_expr == has_variant:
        raise SpecError(path, where, "give either expr (the value the mistake gives) or "
                        "set/args (a re-solve whose value of this answer the mistake gives)")
    if has_expr:
        expr = parse_spec_expr(path, f"{where}.expr", entry["expr"], problem.namespace,
                               problem.answers)
        return Mistake(code, where, expr=expr, feedback=feedback)
    sets = entry.get("set") or {}
    args = entry.get("args") or {}
    for key, v in (("set", sets), ("args", args)):
        if not isinstance(v, dict):
            raise SpecError(path, f"{where}.{key}", "expected a mapping")
    m = Mistake(code, where, sets=tuple((str(k), v) for k, v in sets.items()),
                args=tuple((str(k), v) for k, v in args.items()), feedback=feedback)
    build_variant(problem, raw, m)  # validates the givens and the argument paths
    return m


def build_variant(problem: Problem, raw: dict[str, Any], m: Mistake, *,
                  floats: bool = False) -> Problem:
    """The problem the mistake solves instead (from the raw YAML; files are untouched).

    ``floats``: non-integer givens as 40-digit floats, so that the variant solves in
    milliseconds (its values are only compared with answers, never shown as right).
    """
    from derive.core.spec import build_problem
    from derive.core.values import ValueError_, to_exact

    data = raw  # build_problem only reads it: each argument set copies its own path
    for path, value in m.args:
        data = _set_path(problem.path, f"{m.where}.args.{path}", data, path, value)
    for name, _ in m.sets:
        if name not in problem.givens:
            raise SpecError(problem.path, f"{m.where}.set.{name}", "unknown given (expected "
                            "one of: " + ", ".join(problem.givens) + ")")
    overrides: dict[str, Any] = {k: _set_value(v) for k, v in m.sets}
    if floats:
        for name, g in problem.givens.items():
            value = overrides.get(name, g.value)
            try:
                exact = value if isinstance(value, sp.Basic) else to_exact(value)
            except ValueError_:
                continue
            overrides[name] = _floated(exact)
    try:
        return build_problem(data, problem.path, overrides)
    except SpecError as e:
        raise SpecError(problem.path, m.where, f"this variant is not a valid spec: "
                        f"{e.field}: {e.message}") from None


def _floated(v: Any) -> Any:
    if isinstance(v, sp.MatrixBase):
        return sp.ImmutableMatrix(v.applyfunc(_floated))
    if isinstance(v, sp.Rational) and not isinstance(v, sp.Integer):
        return sp.Float(v, 40)
    return v


def _set_value(v: Any) -> Any:
    return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def _set_path(file: str, where: str, data: Any, path: str, value: Any) -> Any:
    """The raw YAML data with ``parts.c.derive[1].convention = value``: the mappings and
    lists on the path are copies, the rest is shared with ``data`` (left unchanged; a deep
    copy of the whole spec for each variant was most of the cost of building one)."""
    steps: list[Any] = []
    for token in path.split("."):
        m = _ARG_PATH.match(token)
        if not m:
            raise SpecError(file, where, f"cannot read the path segment '{token}' (expected "
                            "e.g. parts.c.derive[1].convention)")
        steps.append(m.group(1))
        steps += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
    if len(steps) < 2 or steps[0] != "parts":
        raise SpecError(file, where, "expected a path into parts, e.g. "
                        "parts.c.derive[1].convention")
    top = node = copy.copy(data)
    for i, step in enumerate(steps[:-1]):
        ok = (isinstance(node, dict) and step in node) or (
            isinstance(node, list) and isinstance(step, int) and step < len(node))
        if not ok:
            shown = ".".join(str(s) for s in steps[: i + 1])
            raise SpecError(file, where, f"the spec has no {shown}")
        node[step] = copy.copy(node[step])
        node = node[step]
    last = steps[-1]
    if isinstance(node, dict) and isinstance(last, str):
        node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = value
    else:
        raise SpecError(file, where, "the path does not end at a block argument")
    return top


# -- trying them ----------------------------------------------------------------------------

def expr_value(problem: Problem, expr: Any, answers: dict[str, Any], *,
               symbolic: bool = False) -> Any:
    """The value of a mistake's expression with ``{answer}`` refs read from ``answers``.

    ``symbolic``: for expression answers, the expression as written (givens and the
    answer's intermediate names stay symbols, as in the right answer), refs substituted.
    """
    from derive.core.blockkit import expand_definitions
    from derive.core.derivation import Answer, Context

    if symbolic:
        refs = {s: answers[s.name[1:-1]] for s in _placeholders(expr)
                if s.name[1:-1] in answers}
        value = expr.xreplace(refs) if refs else expr
        return None if _placeholders(value) else value

    ctx = Context(problem)
    for aid, v in answers.items():
        spec = problem.answers[aid]
        ctx.answers[aid] = Answer(aid, spec.kind, v, v)
    value = ctx.value(expand_definitions(ctx, expr))
    if isinstance(value, sp.Basic) and value.free_symbols & _placeholders(value):
        return None
    return value


def _placeholders(v: Any) -> set[Any]:
    if not isinstance(v, sp.Basic):
        return set()
    return {s for s in v.free_symbols if getattr(s, "name", "").startswith("{")}


def show(v: Any) -> str:
    """A value as the feedback writes it."""
    from derive.render.text import answer_text

    if isinstance(v, sp.Basic) and v.is_number and not isinstance(v, sp.MatrixBase):
        try:
            return format_number(v)
        except TypeError:
            pass
    return answer_text(v)


def fill(template: str, given: str, expected: str, value: str,
         shown: dict[str, str]) -> str:
    """The sentence with its placeholders filled (unknown ones are left as written)."""
    if value == given:  # "0.6 leaves out the bias (0.6)": say it once
        template = template.replace(" ({value})", "")
    names = {"given": given, "expected": expected, "value": value, **shown}
    return _PLACEHOLDER.sub(lambda m: names.get(m.group(1), m.group(0)), template)


def declared(sit: Situation, mistakes: tuple[Mistake, ...], problem: Problem,
             variant_value: Callable[[Mistake], Any], expected: str) -> Diagnosis | None:
    """The first spec-declared mistake the answer matches."""
    for m in mistakes:
        tries: list[tuple[Any, dict[str, str]]] = []
        if m.is_variant:
            tries.append((variant_value(m), {}))
        else:
            for values, shown in sit.contexts:
                try:
                    tries.append((expr_value(problem, m.expr, values, symbolic=sit.spec.kind
                                             in ("expression", "matrix-expression")), shown))
                except (DeriveError, TypeError, ValueError, ZeroDivisionError):
                    continue
        for value, shown in tries:
            if value is None or same_value(value, sit.gold):
                continue
            if sit.matches(value):
                template = m.feedback or CATALOGUE[m.code]
                return Diagnosis(m.code, fill(template, quoted(sit.text, sit.spec.kind), expected,
                                              show(value), shown))
    return None


def generic(sit: Situation, expected: str) -> Diagnosis | None:
    """sign, transpose: by the answer's kind (then ``rounding.rounded``)."""
    kind, gold = sit.spec.kind, sit.gold
    given = quoted(sit.text, kind)
    if kind in ("number", "expression", "matrix", "matrix-expression"):
        neg = _negate(gold)
        if neg is not None and not same_value(neg, gold) and sit.matches(neg):
            return Diagnosis("sign", fill(CATALOGUE["sign"], given, expected, show(neg), {}))
    tr = _transpose(kind, gold)
    if tr is not None and not same_value(tr, gold) and sit.matches(tr):
        return Diagnosis("transpose", fill(CATALOGUE["transpose"], given, expected,
                                           show(tr), {}))
    if kind == "matrix-expression" and sit.matches_text is not None:
        fixed = transposes_fixed(sit.text, sit.matches_text)
        if fixed is not None:
            return Diagnosis("transpose", fill(TRANSPOSE_FACTOR, given, expected,
                                               fixed, {}))
    return None


_TRANSPOSE_MARK = re.compile(r"\^\s*(?:\{\s*T\s*\}|T\b|\{\s*\\top\s*\}|\\top\b)")
#: a text with more transposes than this is not searched (2^n re-readings)
MAX_TRANSPOSES = 4


def transposes_fixed(text: str, right: Callable[[str], bool]) -> str | None:
    """The student's text with some of its ^T removed, when that makes it right (a
    transpose too many, e.g. J_B W_B^T J_A W_A^T for J_B W_B J_A W_A); None otherwise."""
    marks = list(_TRANSPOSE_MARK.finditer(text))
    if not marks or len(marks) > MAX_TRANSPOSES:
        return None
    for mask in range(1, 2 ** len(marks)):
        out, last = [], 0
        for i, m in enumerate(marks):
            out.append(text[last:m.start()] if mask >> i & 1 else text[last:m.end()])
            last = m.end()
        candidate = "".join(out) + text[last:]
        if right(candidate):
            return " ".join(candidate.split())
    return None


def _negate(v: Any) -> Any:
    try:
        return -v
    except TypeError:
        return None


def _transpose(kind: str, v: Any) -> Any:
    if kind in ("matrix", "matrix-expression", "design") and hasattr(v, "T"):
        return v.T
    if kind == "shape" and isinstance(v, tuple) and len(v) == 2:
        return (v[1], v[0])
    return None


def quoted(text: str, kind: str) -> str:
    """The student's answer as feedback quotes it: for a number written as a relation
    (``x_2 = x_1 - \\eta g = -0.0975``) its last side."""
    s = " ".join(str(text).split()).strip("$ ")
    if kind == "number" and "=" in s:
        s = s.rsplit("=", 1)[1].strip().strip("$ ") or s
    return _short(s)


def _short(text: str, limit: int = 60) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"
