"""Generic diagnoses that need no declaration in the spec (tried after the catalogue's):

- ``half-factor``: the answer is the right one times 2 or ½ (the ½ of a squared error
  dropped or added);
- ``missing-factor``: the answer is the right one divided by a single factor: a given
  (w_f, η), a constant of the right answer (1.702), or one of its variables (a matrix of
  numbers by a given: inverted dropout's y without its 1/q); in a matrix
  expression, a scalar factor of the right answer or of one of its terms
  (``X^T(P - Y) + λw`` for ``X^T(P - Y)/B + λw``);
- ``missing-batch-mean``: that missing factor is 1/B, B the batch size (a ``batch:``
  block's size, or a size named B): the sum over the batch where the loss is its mean;
- ``transpose``: the sizes do not fit, and adding ``^T`` to one or two factors makes the
  answer right;
- ``bias-omitted``: the answer is what the problem gives with a bias (a given named b…)
  set to 0 (by a re-solve for numbers, by substitution for expressions).

Each is a value the student's answer must match by the answer's own marking rule, so a
diagnosis never makes a wrong answer right; the first that matches is reported. A match
names a mistake only when the answer's derivation could involve it (``judge.relevance``):
a given the answer's value depends on, a ½ where the derivation has a square or a 2;
otherwise it is a coincidence and the next candidate is tried.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.check.judge.diagnoses import (
    CATALOGUE,
    Diagnosis,
    Situation,
    fill,
    quoted,
    show,
)
from derive.check.read.values import same_value

#: does the answer's derivation involve this mistake? (code, given name or None) -> bool
Relevant = Callable[[str, str | None], bool]


def _always(code: str, name: str | None) -> bool:
    return True

MISSING_FACTOR = ("{given} is the right answer without the factor {value}; check each factor "
                  "of the chain rule (expected {expected})")
MISSING_TRANSPOSE = ("{given}: the sizes do not fit; with a transpose, {value} is right "
                     "(expected {expected})")
#: candidates tried for a missing factor (each costs one comparison)
MAX_FACTORS = 8
#: matrix names in an answer whose transposes are tried (pairs: n(n+1)/2 readings)
MAX_NAMES = 8
_BIAS = re.compile(r"^(?:b|bias)(?:_?\w*)?$")


def bias_names(givens: dict[str, Any]) -> list[str]:
    """Givens that are biases by their name (b, b_c, b1, bias), numbers only."""
    return [n for n, v in givens.items() if _BIAS.match(n) and isinstance(v, sp.Basic)
            and not isinstance(v, sp.MatrixBase) and v != 0]


def diagnose(sit: Situation, expected: str, givens: dict[str, tuple[Any, str]],
             matrix_names: list[str],
             bias_value: Callable[[str], Any],
             answer: tuple[Any, dict[str, Any]] = (None, {}),
             relevant: Relevant = _always) -> Diagnosis | None:
    """The first generic mistake the answer matches, or None.

    ``givens``: name -> (value, as typeset); ``bias_value(name)``: this answer's value
    with that given set to 0 (None when it cannot be had); ``relevant(code, given)``:
    whether the answer's derivation could involve that mistake (a ``half-factor``, a
    ``missing-factor`` of a given: None for a factor of the right answer itself)."""
    kind = sit.spec.kind
    given = quoted(sit.text, kind)
    if kind in ("number", "matrix") and sit.batch_sizes:
        found = _batch_count(sit, expected, given)
        if found:
            return found
    if kind in ("number", "expression", "matrix"):  # a matrix of numbers: one scalar factor
        found = _factor(sit, expected, given, givens, answer, relevant)
        if found:
            return found
    if kind in ("number", "expression"):
        for name in bias_names({n: v for n, (v, _) in givens.items()}):
            value = bias_value(name)
            if value is not None and not same_value(value, sit.gold) and sit.matches(value):
                return Diagnosis("bias-omitted", fill(CATALOGUE["bias-omitted"], given,
                                                      expected, show(value), {}))
    if kind == "matrix-expression":
        found = _matrix_factor(sit, expected, given, givens, relevant) or _dropped_derivative(
            sit, expected, given)
        if found:
            return found
    if kind == "matrix-expression" and sit.matches_text is not None:
        fixed = _transposes_added(sit.text, matrix_names, sit.matches_text)
        if fixed:
            return Diagnosis("transpose", fill(MISSING_TRANSPOSE, given, expected, fixed, {}))
        swapped = _swapped(sit.text, sit.matches_text)
        if swapped:
            return Diagnosis("transpose", fill(WRONG_ORDER, given, expected, swapped, {}))
    return None


WRONG_ORDER = ("{given} multiplies in the wrong order: {value} is right (a product of "
               "matrices depends on the order; expected {expected})")
_PRODUCT = re.compile(r"\\times|\\cdot")


def _swapped(text: str, right: Callable[[str], bool]) -> str | None:
    """``A \\times B`` written for ``B A`` (two factors, no brackets): the swapped product
    when it is right, else None."""
    if any(c in text for c in "()[]") or "\\left" in text:
        return None
    parts = _PRODUCT.split(text)
    if len(parts) != 2 or not all(p.strip() for p in parts):
        return None
    candidate = f"{parts[1].strip()} {parts[0].strip()}"
    return candidate if right(candidate) else None


def _factor(sit: Situation, expected: str, given: str,
            givens: dict[str, tuple[Any, str]],
            answer: tuple[Any, dict[str, Any]], relevant: Relevant) -> Diagnosis | None:
    gold = sit.gold
    if not isinstance(gold, sp.Basic) or gold == 0:
        return None
    candidates = _candidates(sit.spec.kind, gold, givens)
    if sit.spec.kind == "expression":
        candidates = _plausible(gold, candidates, *answer)
    for factor, shown, code, name in candidates:
        value = gold / factor
        if same_value(value, gold) or not sit.matches(value):
            continue
        if not relevant(code, name):
            continue  # a coincidence: the derivation has no such factor
        if code == "half-factor":
            return Diagnosis(code, fill(CATALOGUE[code], given, expected, show(value), {}))
        return Diagnosis(code, fill(MISSING_FACTOR, given, expected, shown, {}))
    return None


MISSING_BATCH_MEAN = ("{given} sums over the batch without the 1/{value} of the mean: the "
                      "loss averages over the {value} examples (expected {expected})")


BATCH_SUM = ("{given} is the sum over the batch, {value} times the mean the loss takes over "
             "its examples: divide by the number of examples (expected {expected})")


def _matrix_factor(sit: Situation, expected: str, given: str,
                   givens: dict[str, tuple[Any, str]],
                   relevant: Relevant) -> Diagnosis | None:
    """A scalar factor missing from a matrix expression, or from one of its terms."""
    gold = sit.gold
    if not isinstance(gold, sp.MatrixExpr):
        return None
    terms = list(gold.args) if isinstance(gold, sp.MatAdd) else [gold]
    batch = set(sit.batch_sizes)
    tried = 0
    for term in terms:
        for f in _scalar_factors(term, givens):
            if tried >= MAX_FACTORS:
                return None
            tried += 1
            value = gold + sp.MatMul(1 / f - 1, term) if len(terms) > 1 \
                else sp.MatMul(1 / f, gold)
            if not sit.matches(value):
                continue
            size = 1 / f
            if isinstance(size, sp.Symbol) and size.name in batch:
                return Diagnosis("missing-batch-mean", fill(MISSING_BATCH_MEAN, given,
                                                            expected, str(size), {}))
            if f in (2, sp.Rational(1, 2)) and relevant("half-factor", None):
                return Diagnosis("half-factor", fill(CATALOGUE["half-factor"], given,
                                                     expected, show(value), {}))
            return Diagnosis("missing-factor", fill(MISSING_FACTOR, given, expected,
                                                    show(f), {}))
    return None


def _scalar_factors(term: Any, givens: dict[str, tuple[Any, str]]) -> list[Any]:
    """The scalar factors a term is multiplied by (2, 1/B, λ), at any depth of its
    products (not inside an elementwise function), each once."""
    found: list[Any] = []

    def add(f: Any) -> None:
        f = abs(f) if f.is_number else f
        if f not in found and f != 1 and f.is_commutative:
            found.append(f)

    def walk(e: Any) -> None:  # products only: a factor inside a sum scales one summand
        if isinstance(e, (sp.MatMul, sp.HadamardProduct)) and len(found) < 16:
            for a in e.args:
                if isinstance(a, sp.MatrixExpr):
                    walk(a)
                elif isinstance(a, sp.Expr):
                    parts = sp.Mul.make_args(a)
                    for f in parts:
                        add(f)
                    if len([f for f in parts if abs(f) != 1]) > 1:
                        add(a)  # the whole coefficient (2/B) missing
        elif isinstance(e, sp.Transpose):
            walk(e.arg)

    walk(term)
    return found


def _dropped_derivative(sit: Situation, expected: str, given: str) -> Diagnosis | None:
    """``δ W^T`` for ``δ W^T ⊙ f'(Z)``: an elementwise factor (the activation's
    derivative: σ'(Z), 1[Z > 0]) of a ⊙ product of the right answer left out."""
    gold = sit.gold
    if not isinstance(gold, sp.MatrixExpr):
        return None
    products = [h for h in gold.atoms(sp.HadamardProduct)][:MAX_FACTORS]
    for h in products:
        for i, a in enumerate(h.args):
            if not isinstance(a, ElementwiseApplyFunction):
                continue
            rest = h.args[:i] + h.args[i + 1:]
            value = gold.xreplace({h: sp.HadamardProduct(*rest) if len(rest) > 1
                                   else rest[0]})
            if sit.matches(value):
                return Diagnosis("missing-activation-derivative",
                                 fill(CATALOGUE["missing-activation-derivative"], given,
                                      expected, show(value), {}))
    return None


def batch_sizes(problem: Any) -> dict[str, int | None]:
    """The batch sizes of a problem: the size along which a ``batch:`` block stacks its
    examples (``shape: [B, N], batch: rows`` -> B), with its number where the block's
    value gives it (4 examples); without one, a size named B."""
    found: dict[str, int | None] = {}
    for part in problem.parts:
        for call in part.calls:
            shape, batch = call.args.get("shape"), call.args.get("batch")
            if batch in ("rows", "columns") and isinstance(shape, (list, tuple)) \
                    and len(shape) == 2:
                value = call.args.get("value")
                count = None
                if isinstance(value, sp.MatrixBase):
                    count = value.rows if batch == "rows" else value.cols
                found[str(shape[0] if batch == "rows" else shape[1])] = count
    return found or {"B": None}


def _batch_count(sit: Situation, expected: str, given: str) -> Diagnosis | None:
    """A number or matrix B times the right one, B the number of examples of a batch
    whose loss is their mean: the sum where the mean is asked."""
    gold = sit.gold
    for name, count in dict(sit.batch_sizes).items():
        if not count or count < 2 or not isinstance(gold, (sp.Expr, sp.MatrixBase)):
            continue
        value = sp.ImmutableMatrix(gold * count) if isinstance(gold, sp.MatrixBase) \
            else gold * count
        if not same_value(value, gold) and sit.matches(value):
            return Diagnosis("missing-batch-mean", fill(BATCH_SUM, given, expected,
                                                        f"{name} = {count}", {}))
    return None


#: a candidate factor: (value, as the feedback names it, code, the given it is or None)
Candidate = tuple[Any, str, str, str | None]


def _candidates(kind: str, gold: Any, givens: dict[str, tuple[Any, str]]
                ) -> list[Candidate]:
    half: list[Candidate] = [(sp.Integer(2), "2", "half-factor", None),
                             (sp.Rational(1, 2), "½", "half-factor", None)]
    out: list[Candidate] = []
    seen = {sp.Integer(2), sp.Rational(1, 2)}
    if kind == "expression":
        for s in sorted(gold.free_symbols, key=str):
            out.append((s, str(s), "missing-factor", None))
        for n in sorted(gold.atoms(sp.Number), key=lambda v: abs(float(v))):
            if abs(n) not in seen and abs(n) != 1 and n != 0:
                seen.add(abs(n))
                out.append((abs(n), show(abs(n)), "missing-factor", None))
    # a given's factor is tried even where a ½ or a constant had its value: those are
    # named only where the derivation has them (relevance), a given where it moves the answer
    named: set[Any] = set()
    for name, (v, latex) in givens.items():
        if isinstance(v, sp.Number) and v not in named and abs(v) != 1 and v != 0:
            named.add(v)
            out.append((v, f"{latex} = {show(v)}", "missing-factor", name))
    for name, (v, latex) in givens.items():
        # a division left out is the factor 1/v missing (inverted dropout's y without 1/q)
        if isinstance(v, sp.Number) and abs(v) != 1 and v != 0 and 1 / v not in named:
            named.add(1 / v)
            out.append((1 / v, f"1/{latex} = {show(1 / v)}", "missing-factor", name))
    return half + out[:MAX_FACTORS]


def _plausible(gold: Any, candidates: list[Candidate], value: Any,
               names: dict[str, Any]) -> list[Candidate]:
    """The candidates c with gold / answer = c at two random points (a cheap screen; the
    answer's marking rule then decides). All of them when the points cannot tell."""
    import numpy as np

    from derive.check.judge import numeric as en

    if not isinstance(value, sp.Basic) or value.atoms(sp.Sum, sp.Indexed):
        return candidates
    g, a = en.expand_names(gold, names), en.expand_names(value, names)
    rng = np.random.default_rng(5)
    keep = list(candidates)
    for _ in range(2):
        vals = en._Values(rng)
        gv, av = en._evaluate(g, vals, {}), en._evaluate(a, vals, {})
        if gv is None or av is None or abs(av) < 1e-12:
            return candidates
        ratio = gv / av
        kept = []
        for c in keep:
            cv = en._evaluate(en.expand_names(c[0], names), vals, {})
            if cv is None or abs(cv - ratio) <= 1e-6 * max(1.0, abs(ratio)):
                kept.append(c)
        keep = kept
    return keep


_NAME = r"(?<![A-Za-z\\_]){}(?![A-Za-z0-9'^_])"


def _transposes_added(text: str, names: list[str], right: Callable[[str], bool]) -> str | None:
    """The student's text with ^T added to one or two matrix names, when that makes it
    right (a transpose missing where the sizes do not fit); None otherwise."""
    spots: list[int] = []
    for n in sorted(names, key=len, reverse=True):
        pattern = _NAME.format(re.escape(n).replace("_", r"_\{?") + (r"\}?" if "_" in n
                                                                       else ""))
        spots += [m.end() for m in re.finditer(pattern, text)]
    spots = sorted(set(spots))
    if not spots or len(spots) > MAX_NAMES:
        return None
    tries = [(i,) for i in range(len(spots))] + [(i, j) for i in range(len(spots))
                                                 for j in range(i + 1, len(spots))]
    for chosen in tries:
        out, last = [], 0
        for i in chosen:
            out.append(text[last:spots[i]] + "^T")
            last = spots[i]
        candidate = "".join(out) + text[last:]
        if right(candidate):
            return " ".join(candidate.split())
    return None


def diagnose_answer(problem: Any, config: Any, sit: Situation, expected: str, value: Any,
                    variant_value: Callable[[Any], Any],
                    solution: Any = None, aid: str = "") -> Diagnosis | None:
    """``diagnose`` with what it needs read off the problem and the answer's config;
    ``variant_value(mistake)`` is this answer's value in a re-solved variant;
    ``solution``: the right solution, whose derivation of ``aid`` tells which mistakes the
    answer could involve (None: every candidate may be named)."""
    from derive.check.judge import relevance
    from derive.check.judge.diagnoses import Mistake

    givens = {g.name: (g.value, g.latex) for g in problem.givens.values()
              if not isinstance(g.value, sp.MatrixBase)}
    matrices = [n for n, v in config.symbols.items() if isinstance(v, sp.MatrixSymbol)]

    def bias_value(name: str) -> Any:
        if sit.spec.kind == "expression":
            return sit.gold.xreplace({s: 0 for s in sit.gold.free_symbols if str(s) == name})
        return variant_value(Mistake("bias-omitted", f"(generic) {name} = 0",
                                     sets=((name, "0"),)))

    def relevant(code: str, name: str | None) -> bool:
        if solution is None:
            return True
        if code == "half-factor":
            return relevance.involves_two(solution, aid)
        if name is None or name not in problem.givens:
            return True  # a factor of the right answer itself
        moved = relevance.nudged(problem.givens[name].value)
        if moved is None:
            return False
        # the answer's value with this given changed: a given it does not move with is
        # no factor it can miss (β for plain descent's x₁)
        return relevance.moves_with(sit.gold, variant_value(Mistake(
            "missing-factor", f"(generic) {name} changed", sets=((name, moved),)))) is True

    return diagnose(sit, expected, givens, matrices, bias_value,
                    (value, {**config.constants, **config.names}), relevant)
