"""What the names of a working mean, and reading one side of it into values.

A working is read with the answer reader (``derive.check.read``) under a configuration
built here from the problem:

- the problem's variables stay symbols (x);
- givens are symbols too, with their values substituted only after any derivative of a
  label is taken (``\\frac{\\partial E}{\\partial w_9}`` needs w_9 as a symbol). A given
  named ``NAME_P`` answers to ``NAME`` in part P (``\\eta`` in part b is ``eta_b``);
- definitions (``h1``, ``yhat``, ``E``) are names, expanded when a side is evaluated;
  the loss may be called Error, Loss, MSE, L or J;
- the student's own quantities: an answer ``a.x1`` of the same part is the name ``x_1``
  (``c.mom.v2`` is ``v_2`` in ``c.mom``), with its *right* value (the derivation's) and
  the student's *own* value (their answer, or what an earlier line of the working gave);
  a given of the same name wins on a right side, answers of other parts come last.

``read_side`` returns a :class:`Side`: the expression, its value with right names and
with own names, the names it uses that mean nothing here, and the numbers as written
(their precision decides how much a substituted rounded value may be off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derive.check.read.config import ParseConfig, ParseError
from derive.check.read.names import COURSE_FUNCTIONS, Function
from derive.check.read.numbers import read_number
from derive.check.read.parse import parse_with_notes
from derive.check.read.problem_config import name_key
from derive.check.working.labels import PLACEHOLDER, Label, rewrite
from derive.check.working.part_names import (
    as_real,
    one_hot_families,
    part_definitions,
    real,
    vector_entries,
)
from derive.check.working.side_text import (
    CASES,
    LOSS_WORDS,
    STARTING_VALUE,
    Side,
    SideError,
    literals,
    reason,
    undefined,
    words_as_names,
)
from derive.core.arrays import FloatMatrix

_ONE_NAME = re.compile(r"(\\[A-Za-z]+\s*)?\{?\\?[A-Za-z]+\}?(_\{?[\w,]+\}?)?(\^\{?\w+\}?)?")
_SIMPLE_ID = re.compile(r"^([A-Za-z]+)_?(\d+)$")
_EXPAND_ROUNDS = 8




@dataclass
class Scope:
    """The names of one working: the problem's, the part's givens, the student's."""

    config: ParseConfig
    variables: set[str]
    """free variables of the answer (they stay symbolic)"""
    givens: dict[str, Any]
    """symbol name -> exact value (part-aware, vector elements w_1 included)"""
    defs: dict[str, Any]
    """definition name -> expression (in symbol names)"""
    right: dict[str, Any] = field(default_factory=dict)
    """the student's quantity names -> the right value"""
    own: dict[str, Any] = field(default_factory=dict)
    """the student's quantity names -> the value the student wrote"""
    answer_of: dict[str, str] = field(default_factory=dict)
    """quantity name -> the answer id it stands for"""
    loss: str | None = None
    """the definition of the loss (E or L), what Error, Loss, MSE differentiate"""
    answer_id: str = ""
    """the answer the working belongs to"""
    answers: dict[str, Any] = field(default_factory=dict)
    """answer id -> the student's value, every answer they gave (named or not)"""
    spec: Any = None
    """the answer's spec (its marking rule)"""
    one_hot: frozenset[str] = frozenset()
    """indexed families the answer's part samples one-hot (t: Σ_k t_k = 1)"""

    def knows(self, name: str) -> bool:
        return (name in self.variables or name in self.givens or name in self.defs
                or name in self.right or name in self.own)


def _keys(answer_id: str) -> list[str]:
    """The names a student uses for an answer: a.x1 -> x_1, x1; e.yhat -> yhat, ŷ."""
    last = answer_id.rsplit(".", 1)[-1]
    m = _SIMPLE_ID.match(last)
    if m:
        keys = [f"{m.group(1)}_{m.group(2)}", f"{m.group(1)}{m.group(2)}"]
        letter = m.group(1)
        if letter.endswith("hat") and len(letter) == 4:  # a.mhat1 is \hat{m}_1
            keys.append(f"hat({letter[0]})_{m.group(2)}")
        return keys
    if last == "yhat":
        return ["yhat", "hat(y)"]
    return [last] if last.isalpha() else []


def answer_keys(answer_id: str) -> list[str]:
    """The names a student uses for an answer (``d.w1``: w_1, w1)."""
    return _keys(answer_id)


def _group_of(answer_id: str) -> str:
    return answer_id.rsplit(".", 1)[0] if "." in answer_id else ""


def build_scope(problem: Any, answer_id: str, right: dict[str, Any],
                own: dict[str, Any]) -> Scope:
    """The scope of a working attached to ``answer_id``.

    ``right``: answer id -> the right value; ``own``: answer id -> the student's value
    (numbers the student gave).
    """
    spec = problem.answers[answer_id]
    # numbers as the student wrote them, exactly (a float is read by its shortest repr)
    own = {a: sp.Rational(repr(v)) if isinstance(v, float) else v for a, v in own.items()}
    part = answer_id.split(".", 1)[0]
    group = _group_of(answer_id)
    symbols: dict[str, Any] = {}
    aliases: dict[str, str] = {}
    variables = {v for v in (spec.vars or problem.symbols)}
    for name in list(problem.symbols):
        s = problem.namespace.get(name)
        if isinstance(s, sp.Symbol):
            symbols[name] = real(name)
            key = name_key(problem.symbols[name].latex)
            if key and key != name:
                aliases[key] = name
        elif isinstance(s, sp.IndexedBase) and name in variables:
            # an indexed variable of the answer written as another letter (log-sum-exp's
            # p, written z: z_i is p_i), as the answer's own reading has it
            key = name_key(problem.symbols[name].latex)
            if key and key != name and key not in variables:
                aliases[key] = name
    givens: dict[str, Any] = {}
    entry_aliases: set[str] = set()
    for g in problem.givens.values():
        if isinstance(g.value, FloatMatrix):
            continue  # a large float64 given: a working does not name its entries
        if isinstance(g.value, sp.MatrixBase):
            r, c = g.value.shape
            # the entries go by the given's written name too (xs written x: x_1 is xs_1)
            key = name_key(g.latex)
            written = key if key and key != g.name and key.isalpha() else None
            for i in range(r):
                for j in range(c):
                    index = f"{i * c + j + 1}" if r == 1 or c == 1 else f"{i + 1}{j + 1}"
                    n = f"{g.name}_{index}"
                    givens[n] = g.value[i, j]
                    symbols[n] = real(n)
                    if written and f"{written}_{index}" not in aliases:
                        aliases[f"{written}_{index}"] = n
                        entry_aliases.add(f"{written}_{index}")
            continue
        givens[g.name] = g.value
        symbols[g.name] = real(g.name)
        key = name_key(g.latex)
        if key and key != g.name:
            aliases.setdefault(key, g.name)
    # a given NAME_P stands for NAME in part P (eta_b is the η of part b)
    for g in problem.givens.values():
        base, _, suffix = g.name.rpartition("_")
        if base and suffix == part and base in problem.givens:
            aliases[base] = g.name
            key = name_key(problem.givens[base].latex)
            if key:
                aliases[key] = g.name
    defs: dict[str, Any] = {}
    functions: dict[str, Any] = {}
    names: dict[str, Any] = {}
    for d in problem.definitions.values():
        if d.args:
            functions[d.name] = Function(d.name, sp.Lambda(d.args, as_real(d.expr)))
            if d.name in symbols:  # f is also f(x) itself (tanh-derivative's f)
                del symbols[d.name]
                variables.discard(d.name)
                defs[d.name] = as_real(d.expr)
                names[d.name] = real(d.name)
            continue
        defs[d.name] = as_real(d.expr)
        names[d.name] = real(d.name)
        key = name_key(d.latex)
        if key and key != d.name:
            aliases.setdefault(key, d.name)
    # the part's own names (a block's graph, y = σ(z) and L = ½(y − t)² in part b) and
    # the answer's (names: {y: sigmoid(z)}): each stands for its definition when a side
    # is judged; a variable a meaning is written in stays a variable (z in part b is no
    # given, as in the answer's own reading)
    for n, e in part_definitions(problem, part, spec).items():
        if n in defs or n in givens or n in functions:
            continue
        defs[n] = e
        names[n] = real(n)
        symbols.setdefault(n, real(n))
    for m in spec.meanings.values():
        if isinstance(m, sp.Basic):
            variables |= {v.name for v in m.free_symbols if isinstance(v, sp.Symbol)}
    loss = next((n for n in ("E", "L") if n in defs), None)
    if loss:
        for w in LOSS_WORDS:
            if w not in symbols and w not in defs:
                aliases.setdefault(w, loss)
    scope = Scope(ParseConfig(), variables, givens, defs, loss=loss, answer_id=answer_id,
                  answers=own, spec=spec)
    # the student's quantities: same group first, then the part, then other parts; an
    # answer of another part does not hide a definition, and an answer hides a given
    # only in later parts (d.w1, the updated w_1, is w_1 in part e; in part d, w_1 is
    # still the given: w_1 = w_1 - \alpha g)
    order = {p.name: i for i, p in enumerate(problem.parts)}
    ranked = sorted(right, key=lambda a: (_group_of(a) != group, a.split(".", 1)[0] != part))
    for aid in ranked:
        a_part = aid.split(".", 1)[0]
        same_part = a_part == part
        earlier = order.get(a_part, 0) < order.get(part, 0)
        for key in _keys(aid):
            if key in scope.answer_of:
                continue
            if not same_part and (key in defs or aliases.get(key) in defs
                                  or (key in symbols and key not in givens)):
                continue
            if key in givens and not earlier:
                continue
            scope.answer_of[key] = aid
            scope.right[key] = right[aid]
            if aid in own:
                scope.own[key] = own[aid]
            symbols.setdefault(key, real(key))
    for key in entry_aliases & set(scope.answer_of):
        del aliases[key]  # an answer's name (x_1 of a.x1) is not a given's entry
    vector_entries(scope, symbols, givens, aliases)
    if scope.answer_of.get("loss", "").split(".", 1)[0] == part:
        for w in LOSS_WORDS:  # this part's loss is an answer of its own (e.loss)
            if w not in defs:
                aliases[w] = "loss"
    for k in range(1, 13):
        symbols[f"{PLACEHOLDER}_{k}"] = real(f"{PLACEHOLDER}_{k}")
    # families read with an index (p_k, t_i) and the bound of a sum written without one,
    # as the answer's own reading has them (spec extra: indexed, bound)
    kwargs: dict[str, Any] = {}
    for name in spec.extra.get("indexed", ()) or ():
        symbols[str(name)] = sp.IndexedBase(str(name))
        givens.pop(str(name), None)
        variables.add(str(name))
    # and the families the right answer itself is written in (p_i, p_j and the indices
    # i, j of softmax-jacobian's ∂p_i/∂z_j, made by its block), before any other part's
    # answer of that name (b.p, the probabilities at given scores)
    gold = right.get(answer_id)
    if spec.kind == "expression" and isinstance(gold, sp.Basic):
        for ix in gold.atoms(sp.Indexed):
            name = str(ix.base.label)
            if name in scope.answer_of and scope.answer_of[name].split(".", 1)[0] == part:
                continue  # this part's own answer of that name keeps it
            for table in (scope.answer_of, scope.right, scope.own):
                table.pop(name, None)
            symbols[name] = ix.base
            givens.pop(name, None)
            variables.add(name)
            for index in ix.indices:
                for v in index.free_symbols:
                    if isinstance(v, sp.Symbol):
                        symbols.setdefault(v.name, v)
                        variables.add(v.name)
    if spec.extra.get("bound"):
        kwargs["sum_bound"] = sp.Symbol(str(spec.extra["bound"]), integer=True, positive=True)
        variables.add(str(spec.extra["bound"]))
    scope.config = ParseConfig(symbols=symbols, functions=functions, names=names,
                               aliases=aliases, **kwargs)
    scope.one_hot = frozenset(one_hot_families(problem, part))
    return scope




def expand(scope: Scope, expr: Any, keep: set[str] | frozenset[str] = frozenset()) -> Any:
    """Definitions replaced (by name) until none is left, except those in ``keep``."""
    if not isinstance(expr, sp.Basic):
        return expr
    for _ in range(_EXPAND_ROUNDS):
        subs = {s: scope.defs[s.name] for s in expr.free_symbols
                if isinstance(s, sp.Symbol) and s.name in scope.defs and s.name not in keep}
        if not subs:
            break
        expr = expr.xreplace(subs)
    return expr


def values_of(scope: Scope, expr: Any, which: str, shadow: dict[str, Any] | None = None
              ) -> Any:
    """The expression at the right (``which='right'``) or the student's values."""
    if not isinstance(expr, sp.Basic):
        return expr
    _bounded_exponents(scope, expr, which, shadow)
    # names the student defined have no right value: theirs stands for it
    env = {**scope.own, **scope.right} if which == "right" else {**scope.right, **scope.own}
    for _ in range(_EXPAND_ROUNDS):
        subs: dict[Any, Any] = {}
        for s in expr.free_symbols:
            if not isinstance(s, sp.Symbol):
                continue
            n = s.name
            if shadow and n in shadow:
                subs[s] = shadow[n]
            elif n in env:
                subs[s] = env[n]
            elif n in scope.givens and n not in scope.variables:
                subs[s] = scope.givens[n]
            elif n in scope.defs:
                subs[s] = scope.defs[n]
        if not subs:
            break
        expr = expr.xreplace(subs)
    return expr


#: the largest exponent a side may reach once its names have values (as written, the
#: reader holds exponents to the same bound)
MAX_EXPONENT = 1000


def _bounded_exponents(scope: Scope, expr: Any, which: str,
                       shadow: dict[str, Any] | None) -> None:
    """Raise SideError when an exponent written with names is, at their values, beyond
    MAX_EXPONENT: ``(x_0 - \\eta g_0)^{(x_0 - \\eta g_0)^{100}}`` would make SymPy
    raise an exact number to a power of 10^47, ``e^{e^{e^{x_0 + 5}}}`` make mpmath work
    out e^(2.7e64) (the worker's whole clock)."""
    for p in expr.atoms(sp.Pow, sp.exp):
        e = p.exp if isinstance(p, sp.Pow) else p.args[0]
        if not e.free_symbols:
            continue
        value = values_of(scope, e, which, shadow)  # inner powers bounded first
        try:
            size = abs(complex(sp.N(value, 15)))
        except (TypeError, ValueError, ArithmeticError):
            continue
        if size != size or size > MAX_EXPONENT:  # nan or too large
            raise SideError(f"an exponent is {size:.3g} at the problem's values, too large "
                            f"to be marked (at most {MAX_EXPONENT})")


def label_value(scope: Scope, label: Label, read: Any,
                derivatives: list[tuple[Any, Any]] | None = None) -> Any:
    """The value of a derivative label or a bar (``read``: text -> expression)."""
    if label.inner is not None:
        value = read(label.inner)
        var = None
    else:
        assert label.target is not None and label.wrt is not None
        wrt = read(_bare(scope, label.wrt))
        if not isinstance(wrt, sp.Symbol) or not scope.knows(wrt.name):
            raise SideError(f"{label.wrt} is not a quantity of this problem")
        target = _applied(scope, label.target) or read(_bare(scope, label.target))
        if isinstance(target, sp.Symbol) and target.name == "loss" and scope.loss:
            target = real(scope.loss)  # ∂Loss/∂z differentiates the loss, not its value
        strange = {s.name for s in target.free_symbols if isinstance(s, sp.Symbol)
                   and not scope.knows(s.name) and not s.name.startswith(PLACEHOLDER)} \
            if isinstance(target, sp.Basic) else set()
        if strange:
            raise SideError(f"{', '.join(sorted(strange))} in {label.target} is not a "
                            "quantity of this problem")
        target = expand(scope, target, keep={wrt.name})
        if derivatives is not None:
            derivatives.append((target, wrt))
        value = sp.diff(target, wrt)
        var = wrt
        if value == 0 and not any(isinstance(d, sp.Basic) and d.has(wrt)
                                  for d in scope.defs.values()):
            # nothing the problem defines ties the target to wrt (y = z said in words)
            raise SideError(f"how {label.target} depends on {label.wrt} is not defined here")
    if label.at is None:
        return value
    at = label.at
    if "=" in at:
        left, right_ = at.split("=", 1)
        var = read(left)
        point = read(right_)
    else:
        point = read(at)
        if var is None:
            free = [real(v) for v in scope.variables]
            if len(free) != 1:
                raise SideError(f"the bar |_{{{at}}} does not say which variable")
            var = free[0]
    if not isinstance(var, sp.Symbol):
        raise SideError(f"cannot evaluate at {at}")
    return value.xreplace({var: point}) if isinstance(value, sp.Basic) else value


def _applied(scope: Scope, text: str) -> Any:
    """A function of the problem named alone as what is differentiated (``\\frac{dL}{dw}``
    for ``L(w)``): the function applied to its own variables; None otherwise."""
    m = re.fullmatch(r"\s*\\?([A-Za-z]+)\s*", text)
    fn = scope.config.functions.get(m.group(1)) if m else None
    apply = getattr(fn, "apply", None)
    if not isinstance(apply, sp.Lambda):
        return None
    return apply(*apply.variables)


def _bare(scope: Scope, text: str) -> str:
    """``o_i(x)`` -> ``o_i``; ``E(o)`` -> ``E`` (a quantity written with its arguments);
    a function applied (``\\text{GELU}(x)``, ``f(x)``) stays."""
    m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", text.strip())
    if not m:
        return text
    head = m.group(1).strip()
    word = re.sub(r"\\(?:text|operatorname|mathrm)\s*\{([^{}]*)\}", r"\1", head).strip("\\ ")
    if word.lower() in COURSE_FUNCTIONS or word in scope.config.functions:
        return text
    return head if _ONE_NAME.fullmatch(head) else text


def read_side(scope: Scope, text: str, shadow: dict[str, Any] | None = None) -> Side:
    """One side of a relation read under the scope (raises SideError)."""
    if not text.strip():
        raise SideError("an empty side")
    rewritten, labels = rewrite(STARTING_VALUE.sub(r"\1", words_as_names(scope.config, text)))

    def read(t: str) -> Any:
        try:
            # a side by cases is read as an expression answer by cases is (the matrix
            # reading takes its conditions for inequalities)
            kind = "expression" if CASES.search(t) else "matrix-expression"
            value, _ = parse_with_notes(t, kind, scope.config)
        except ParseError as e:
            raise SideError(str(e)) from None
        if isinstance(value, list):
            raise SideError("a list where one value was expected")
        return value

    expr = read(rewritten)
    subs = {}
    derivatives: list[tuple[Any, Any]] = []
    for key, label in labels.items():
        try:
            subs[real(key)] = label_value(scope, label, read, derivatives)
        except (SideError, TypeError, ValueError, AttributeError) as e:
            raise SideError(f"the derivative in {text[:60]!r} cannot be formed ({e})") \
                from None
    try:
        if subs and isinstance(expr, sp.Basic):
            expr = expr.xreplace(subs)
        right = values_of(scope, expr, "right", shadow)
        own = values_of(scope, expr, "own", shadow)
    except (TypeError, ValueError, ArithmeticError, AttributeError) as e:
        # names that do not fit their values (a vector squared, p^2 for the answer p)
        raise SideError(f"{text.strip()[:60]} cannot be worked out with the problem's "
                        f"values ({reason(e)})") from None
    for v in (expr, right, own):
        why = undefined(v)
        if why:
            raise SideError(f"{text.strip()[:60]} {why}")
    free = set()
    for v in (right, own):
        if isinstance(v, sp.Basic):
            free |= {s.name for s in v.free_symbols if isinstance(s, sp.Symbol)}
    unknown = free - scope.variables
    # a name that means nothing is unknown even where its value vanished (l·r'(-0.5),
    # lr' read as l times r', is 0 whatever l is)
    if isinstance(expr, sp.Basic):
        unknown |= {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol)
                    and not scope.knows(s.name) and not (shadow and s.name in shadow)
                    and not s.name.startswith(PLACEHOLDER)}
    plain = None
    try:
        plain = read_number(rewritten, scope.config) if not labels else None
    except ParseError:
        plain = None
    return Side(text, expr, right, own, unknown, literals(rewritten), plain, derivatives,
                dict(shadow or {}))
