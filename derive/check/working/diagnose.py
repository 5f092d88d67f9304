"""What went wrong at a wrong step: the mistake catalogue applied to one step.

A wrong step relates the side before (values ``olds``, its text when it is a side of the
working) to a new side. Each test below builds what a known mistake makes of the side
before and asks whether the new side is exactly that (by ``compare``):

- ``sign``, ``half-factor``: the negated, halved or doubled side before;
- ``log-base``: the side before read with log₂ or log₁₀ for ln;
- rules applied wrongly, by reading the side before again with a mistaken rule for σ
  (and tanh): ``sigma-derivative`` (σ′(z) taken as σ(z), 1 − σ(z) or σ(z)(1 + σ(z))
  instead of σ(z)(1 − σ(z))), ``missing-activation-derivative`` (σ′ left out),
  ``chain-rule-factor`` (the inner derivative of σ(g(x)) left out: 1.702 of σ(1.702x));
- ``product-rule``: one term of (u v)′ = u′v + uv′ of a derivative label;
- the answer's own declared mistakes (``momentum-convention`` of gelu-descent, …), when
  the step is held against the answer;
- ``copying``: a number of the line above (or an earlier answer) copied with one digit
  changed, swapped, added or dropped; ``learning-rate`` / ``wrong-given``: a given
  written as another number (1 for η = 0.1);
- ``rounding``: a number right to a coarser place than the one it is written to (the
  judge's rounding test, against the side before);
- ``arithmetic``: a numeric step that is simply wrong (the method is right).

Sentences reuse the judge's catalogue (``derive.check.judge.diagnoses.CATALOGUE``) for
the codes it has, and name the line.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import sympy as sp

from derive.check.judge.diagnoses import CATALOGUE, Situation, fill
from derive.check.judge.rounding import rounding
from derive.check.read.names import Function
from derive.check.read.numbers import read_number
from derive.check.read.values import same_value
from derive.check.working.compare import compare, show
from derive.check.working.scope import Scope, Side, SideError, read_side, values_of
from derive.core.functions import sigmoid
from derive.core.values import format_number

#: the sentences of the codes the judge's catalogue does not have (steps only)
STEP_CATALOGUE: dict[str, str] = {
    "chain-rule-factor": "{given} leaves out a factor of the chain rule: the derivative of "
                         "the inner function",
    "sigma-derivative": "{given} takes σ′(z) as {value}; σ′(z) = σ(z)(1 − σ(z))",
    "copying": "{given} copies {value} wrong",
    "arithmetic": "{given} is an arithmetic slip: the line before gives {value}",
}
#: every code a step may carry
STEP_CODES = ("sign", "half-factor", "log-base", "sigma-derivative",
              "missing-activation-derivative", "chain-rule-factor", "product-rule",
              "momentum-convention", "learning-rate", "wrong-given", "copying", "rounding",
              "arithmetic")
_LEARNING_RATES = re.compile(r"^(eta|alpha|lr|learning_rate)(_|$)")
_NUMBER = re.compile(r"(?<![\w^_{.])(\d+(?:\.\d+)?)(?![\w.])")
#: numbers tried for copying slips (each costs a reading of the side)
MAX_TRIES = 40


def sentence(code: str, given: str, value: str, expected: str = "") -> str:
    template = STEP_CATALOGUE.get(code) or CATALOGUE.get(code, "{given} is wrong")
    text = fill(template, given, expected or value, value, {})
    for vague in (" (that)", " (expected the line before)", " (expected )"):
        text = text.replace(vague, "")
    return text


# ---------------------------------------------------------------- mistaken rules


def _wrong_sigmoid(name: str, derivative: Callable[[Any], Any] | None,
                   keep_inner: bool = True) -> type:
    """σ with a mistaken derivative (None: the right one), or without the inner factor."""

    def fdiff(self: Any, argindex: int = 1) -> Any:
        z = self.args[0]
        if derivative is None:
            return sp.exp(-z) / (1 + sp.exp(-z)) ** 2
        return derivative(z)

    attrs: dict[str, Any] = {"fdiff": fdiff}
    if not keep_inner:
        def _eval_derivative(self: Any, s: Any) -> Any:
            return self.fdiff(1) if self.args[0].has(s) else sp.Integer(0)
        attrs["_eval_derivative"] = _eval_derivative
    return type(name, (sigmoid,), attrs)


def _wrong_tanh(name: str, derivative: Callable[[Any], Any] | None,
                keep_inner: bool = True) -> type:
    def fdiff(self: Any, argindex: int = 1) -> Any:
        z = self.args[0]
        return 1 - sp.tanh(z) ** 2 if derivative is None else derivative(z)

    attrs: dict[str, Any] = {"fdiff": fdiff}
    if not keep_inner:
        def _eval_derivative(self: Any, s: Any) -> Any:
            return self.fdiff(1) if self.args[0].has(s) else sp.Integer(0)
        attrs["_eval_derivative"] = _eval_derivative
    return type(name, (sp.tanh,), attrs)


def _rules() -> list[tuple[str, str, type, type]]:
    """(code, what σ′ becomes, σ class, tanh class) for each mistaken rule."""
    return [
        ("sigma-derivative", "σ(z)", _wrong_sigmoid("sigma_as_sigma", sigmoid),
         _wrong_tanh("tanh_as_tanh", sp.tanh)),
        ("sigma-derivative", "1 − σ(z)", _wrong_sigmoid("sigma_one_minus",
                                                       lambda z: 1 - sigmoid(z)),
         _wrong_tanh("tanh_one_minus", lambda z: 1 - sp.tanh(z))),
        ("sigma-derivative", "σ(z)(1 + σ(z))",
         _wrong_sigmoid("sigma_one_plus", lambda z: sigmoid(z) * (1 + sigmoid(z))),
         _wrong_tanh("tanh_one_plus", lambda z: 1 + sp.tanh(z) ** 2)),
        ("missing-activation-derivative", "1", _wrong_sigmoid("sigma_one", lambda z: 1),
         _wrong_tanh("tanh_one", lambda z: 1)),
        ("chain-rule-factor", "", _wrong_sigmoid("sigma_no_inner", None, keep_inner=False),
         _wrong_tanh("tanh_no_inner", None, keep_inner=False)),
    ]


_RULES: list[tuple[str, str, type, type]] = []


def _mistaken_scope(scope: Scope, sig: type, tanh: type) -> Scope:
    """The scope with σ and tanh replaced by classes that differentiate wrongly."""
    swap = {sigmoid: sig, sp.tanh: tanh}

    def sub(e: Any) -> Any:
        if not isinstance(e, sp.Basic):
            return e
        for old, new in swap.items():
            e = e.replace(old, new)
        return e

    functions = {}
    for name, fn in scope.config.functions.items():
        f = fn.apply if isinstance(fn, Function) else fn
        if isinstance(f, sp.Lambda):
            functions[name] = Function(name, sp.Lambda(f.variables, sub(f.expr)))
        else:
            functions[name] = fn
    for word in ("sigma", "varphi", "phi", "sigmoid"):
        functions[word] = Function(word, sig)
    functions["tanh"] = Function("tanh", tanh, True)
    functions["gelu"] = Function("gelu", lambda z: z * sig(sp.Rational(1702, 1000) * z))
    config = dataclasses.replace(scope.config, functions=functions)
    return dataclasses.replace(scope, config=config,
                               defs={k: sub(v) for k, v in scope.defs.items()})


def _matches(olds: list[Any], new: Side, scope: Scope) -> bool:
    try:
        return compare(olds, new, scope).ok is True
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return False


def _transformed(values: list[Any], f: Callable[[Any], Any]) -> list[Any]:
    out = []
    for v in values:
        try:
            out.append(f(v))
        except (TypeError, ValueError, ArithmeticError):
            continue
    return out


# ---------------------------------------------------------------- the tests


def diagnose(scope: Scope, olds: list[Any], before: Side | None, new: Side, line: int,
             mistakes: list[tuple[str, Any]] | None = None,
             half: bool = True) -> tuple[str, str] | None:
    """(code, sentence naming the line) for a wrong step, or None. ``half``: the
    answer's derivation has a square or a 2 (False: a doubled or halved side is no
    half-factor, the ½ of a squared error, but an arithmetic slip)."""
    given = _short(new.text)
    where = f"line {line}: "
    base = [o for o in olds if isinstance(o, sp.Basic)]
    if not base:
        return None
    shown = show(base[0]) if not base[0].free_symbols else "the line before"
    for code, f in (("sign", lambda v: -v), ("half-factor", lambda v: v / 2),
                    ("half-factor", lambda v: 2 * v)):
        if code == "half-factor" and not half:
            continue
        if _matches(_transformed(base, f), new, scope):
            return code, where + sentence(code, given, _value(base, f), shown)
    found = _term_sign(scope, base, new, given)
    if found:
        return "sign", where + found
    for code, value in mistakes or []:
        if value is not None and _matches([value], new, scope):
            return code, where + sentence(code, given, show(value), shown)
    if before is not None:
        found = _rule_mistakes(scope, before, new, given, shown)
        if found:
            return found[0], where + found[1]
    if new.numeric:
        found = _number_slips(scope, base, before, new, given)
        if found:
            return found[0], where + found[1]
        found = _rounding(scope, base, new)
        if found:
            return "rounding", where + found
        # an arithmetic slip is in numbers worked out; a side still naming quantities
        # (x_1 - g_0 for x_1 - \eta g_1, σ(1.702 x_1) for f'(x_1)) is wrong in what it
        # names, which is no slip of arithmetic: the plain "not equal" says so
        if all(not o.free_symbols for o in base) and _only_numbers(new):
            return "arithmetic", where + sentence("arithmetic", given, show(base[0]))
    return None


def _only_numbers(side: Side) -> bool:
    """The side as written names no quantity: numbers and functions of numbers."""
    expr = side.expr
    return isinstance(expr, (sp.Basic, sp.MatrixBase)) and not any(
        isinstance(s, sp.Symbol) for s in expr.free_symbols)


#: terms of a sum tried with their sign turned (each costs two evaluations of the side)
MAX_SIGN_TERMS = 6


def _term_sign(scope: Scope, base: list[Any], new: Side, given: str) -> str | None:
    """One term of a sum written with the wrong sign: ``x_1 + \\eta g_1`` for
    ``x_1 - \\eta g_1`` (a descent written as an ascent) is the side before with that
    term turned; the sentence names the term."""
    expr = new.expr
    # the term as written, when turning one sign in the text does it (-0.05 + 0.04575,
    # folded to one number when read; x_1 + \eta g_1)
    found = _written_sign(scope, base, new, given) if new.plain is None else None
    if found or not isinstance(expr, sp.Add) or len(expr.args) > MAX_SIGN_TERMS:
        return found
        return None
    for term in expr.args:
        turned = expr - 2 * term
        side = dataclasses.replace(new, expr=turned,
                                   right=values_of(scope, turned, "right", new.shadow),
                                   own=values_of(scope, turned, "own", new.shadow))
        if _matches(base, side, scope):
            return (f"{given} has the wrong sign in its term {_short(sp.sstr(term))}: "
                    f"with it turned, {_it_gives(base[0])}")
    return None


def _written_sign(scope: Scope, base: list[Any], new: Side, given: str) -> str | None:
    """A sum of numbers with one sign written wrong (``-0.05 + 0.04575`` for ``-0.05 -
    0.1 \\times 0.4575``): the reader folds numbers into one, so each + or - outside
    brackets is turned in the text and the side read again."""
    text = new.text
    depth, signs = 0, []
    for i, c in enumerate(text):
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        elif c in "+-" and depth == 0 and not text[:i].rstrip().endswith(("^", "_", "e")):
            signs.append(i)
    if not signs or len(signs) > MAX_SIGN_TERMS:
        return None
    for k, i in enumerate(signs):
        lead = not text[:i].strip()
        turned = text[i + 1:] if lead and text[i] == "-" else \
            text[:i] + ("-" if text[i] == "+" else "+") + text[i + 1:]
        try:
            side = read_side(scope, turned)
        except SideError:
            continue
        if _matches(base, side, scope):
            end = signs[k + 1] if k + 1 < len(signs) else len(text)
            term = text[i:end].strip()
            return (f"{given} has the wrong sign in its term {_short(term)}: with it "
                    f"turned, {_it_gives(base[0])}")
    return None


def _it_gives(value: Any) -> str:
    """What the step gives once corrected: the number, or that it holds (an expression is
    not written out in SymPy's syntax)."""
    if isinstance(value, sp.Basic) and value.free_symbols:
        return "the step holds"
    return f"it gives {show(value)}"


def _value(base: list[Any], f: Callable[[Any], Any]) -> str:
    v = f(base[0])
    return show(v) if not v.free_symbols else "that"


def _rule_mistakes(scope: Scope, before: Side, new: Side, given: str, shown: str
                   ) -> tuple[str, str] | None:
    text = before.text
    if "log" in text or "ln" in text:
        for base in (2, 10):
            lg = sp.log(base)
            values = _transformed([before.right, before.own], lambda v, lg=lg: v.replace(
                sp.log, lambda u: sp.log(u) / lg))
            if _matches(values, new, scope):
                # the judge's sentence names base 2 (the declared mistake it marks)
                text = sentence("log-base", given, show(values[0]), shown)
                return "log-base", text.replace("base-2", f"base-{base}")
    if not _RULES:
        _RULES.extend(_rules())
    if re.search(r"sigma|varphi|phi|tanh|gelu|partial|frac\{d|'", text, re.I) \
            or any(n in scope.config.functions for n in re.findall(r"[A-Za-z]+", text)):
        for code, what, sig, tanh in _RULES:
            try:
                wrong = read_side(_mistaken_scope(scope, sig, tanh), text)
            except (SideError, TypeError, ValueError, ArithmeticError):
                continue
            values = [wrong.right, wrong.own]
            if any(same_value(v, before.right) for v in values):
                continue  # the rule plays no part here
            if _matches(values, new, scope):
                value = what if code == "sigma-derivative" else \
                    show(values[0]) if not values[0].free_symbols else "that"
                return code, sentence(code, given, value, shown)
    for target, wrt in before.derivatives:
        factors = [f for f in sp.Mul.make_args(target) if f.has(wrt)]
        if len(factors) < 2:
            continue
        for f in factors:
            rest = sp.Mul(*[g for g in sp.Mul.make_args(target) if g is not f])
            term = sp.diff(f, wrt) * rest
            if _matches(_values_at(scope, before, term), new, scope):
                return "product-rule", sentence("product-rule", given, given, shown)
    return None


def _values_at(scope: Scope, before: Side, expr: Any) -> list[Any]:
    return [values_of(scope, expr, "right"), values_of(scope, expr, "own")]


def _rounding(scope: Scope, base: list[Any], new: Side) -> str | None:
    """A number right to a coarser place than it is written to (the judge's test)."""
    if new.plain is None or new.plain.unit is None or scope.spec is None:
        return None
    for old in base:
        if old.free_symbols:
            continue
        # a few units of the last written place: rounding; further off: arithmetic
        if abs(sp.N(new.plain.value - old, 30)) > 5 * new.plain.unit:
            continue
        sit = Situation(scope.spec, new.text, old, lambda v: False,
                        read_number=lambda t: read_number(t))
        try:
            text = rounding(sit, show(old))
        except (TypeError, ValueError, ArithmeticError, AttributeError):
            continue
        if text:
            return text
    return None


def _copy_slip(written: str, seen: str) -> bool:
    """A number copied with a digit slip: two numbers of one digit each differ in every
    digit they have (1 for 0 is no slip of copying, just another number)."""
    return min(len(written), len(seen)) >= 2 and _digit_slip(written, seen)


def _digit_slip(a: str, b: str) -> bool:
    """One digit changed, swapped with its neighbour, added or dropped."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] \
            and a[diff[1]] == b[diff[0]]
    if abs(len(a) - len(b)) == 1:
        long, short = (a, b) if len(a) > len(b) else (b, a)
        return any(long[:i] + long[i + 1:] == short for i in range(len(long)))
    return False


def _digits(text: str) -> str:
    """The significant digits of a written number (0.10 and 1 are both '1')."""
    return text.replace("-", "").replace(".", "").strip("0") or "0"


def _given_texts(scope: Scope) -> set[str]:
    out = set()
    for v in scope.givens.values():
        if isinstance(v, sp.Basic) and v.is_number:
            try:
                out.add(format_number(abs(v)))
            except (TypeError, ValueError):
                continue
    return out


def _like_given(written: str, given: str, givens: set[str]) -> bool:
    """Could ``written`` be the given ``given`` misread? The same digits a power of ten
    off (1 for η = 0.1, 0.01 for 0.1), a digit slipped in a number of two or more, or
    another given's value (0.7, i_1, for i_2 = 0.5). ``1`` for 0.7 is none of these: it
    is some other number (a derivative taken as 1), not a given misread."""
    a, b = _digits(written), _digits(given)
    if a == b or written in givens:
        return True
    return min(len(a), len(b)) >= 2 and _digit_slip(a, b)


def _number_slips(scope: Scope, base: list[Any], before: Side | None, new: Side,
                  given: str) -> tuple[str, str] | None:
    """A number copied wrong from above, or a given written as another number."""
    # number -> where it was seen: '' for the line above, else the earlier answer's id
    seen: dict[str, str] = {}
    if before is not None:
        for w in before.literals:  # the numbers of the line above
            seen.setdefault(w.text.lstrip("-"), "")
    # and the student's earlier answers (not the one this working computes)
    for a, v in scope.answers.items():
        if a != scope.answer_id and isinstance(v, sp.Basic) and v.is_number:
            seen.setdefault(format_number(v).lstrip("-"), a)
    named = _named_values(scope, before)
    tries = 0
    for m in _NUMBER.finditer(new.text):
        written = m.group(1)
        # and the quantities the line above names (g_2 = 0.418876), to the places written
        places = len(written.split(".")[1]) if "." in written else 0
        swaps: list[tuple[str, str, str]] = [(s, "copying", f"your {a}" if a else "")
                                             for s, a in seen.items()
                                             if _copy_slip(written, s)]
        for name, v in named if places else []:
            text = f"{abs(v):.{places}f}"
            if text not in seen and _copy_slip(written, text):
                swaps.append((text, "copying", name))
        # a given misread stands inside a computation: a side that is one number (the
        # result, added up wrong) is not a given written as another number
        for name, value in ({} if new.plain is not None else scope.givens).items():
            if isinstance(value, sp.Basic) and value.is_number and not value.is_Integer \
                    or name.startswith(("eta", "alpha")):
                try:
                    text = format_number(value)
                except (TypeError, ValueError):
                    continue
                if text.lstrip("-") != written and not text.startswith("-") \
                        and _like_given(written, text, _given_texts(scope)):
                    code = "learning-rate" if _LEARNING_RATES.match(name) else "wrong-given"
                    swaps.append((text, code, name))
        for replacement, code, name in swaps:
            tries += 1
            if tries > MAX_TRIES:
                return None
            fixed = new.text[:m.start(1)] + replacement + new.text[m.end(1):]
            try:
                side = read_side(scope, fixed)
            except SideError:
                continue
            if _matches(base, side, scope):
                if code == "copying":
                    what = f"{replacement} ({name})" if name.startswith("your ") else \
                        f"{name} = {replacement}" if name else replacement
                    where_from = "" if name.startswith("your ") else " from the line above"
                    return code, sentence(code, given, what) + where_from
                symbol = {"eta": "η", "alpha": "α"}.get(name.split("_")[0], name)
                return code, (f"{given} uses {written} for {symbol} = {replacement}"
                              if code == "learning-rate" else
                              sentence(code, given, f"{written} for {name} = {replacement}",
                                       show(base[0])))
    return None


#: quantities of the line above whose values are tried as copied numbers
MAX_NAMED = 8


def _named_values(scope: Scope, before: Side | None) -> list[tuple[str, float]]:
    """(name, value) of the quantities the line above names by themselves (``x_2 -
    \\eta g_2``: x_2 and g_2; their right values and the student's own), not its givens."""
    if before is None or not isinstance(before.expr, sp.Basic):
        return []
    out: list[tuple[str, float]] = []
    for s in sorted(before.expr.free_symbols, key=str)[:MAX_NAMED]:
        name = getattr(s, "name", "")
        if name not in scope.answer_of:
            continue
        for v in (scope.right.get(name), scope.own.get(name)):
            if isinstance(v, sp.Basic) and v.is_number and v.is_real:
                out.append((name, float(v)))
    return out


def _short(text: str, limit: int = 50) -> str:
    s = " ".join(text.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"
