"""Design answers: accepted when they have the asked property, not when they equal a key.

A design answer declares its property in the spec, beside its kind; answers marked
together name each other in ``together`` (in a fixed order of roles)::

    a.weights: {kind: design, shape: [1, 3], property: and}
    c.hidden:  {kind: design, shape: [2, 3], property: xor, together: [c.hidden, c.output]}
    c.output:  {kind: design, shape: [1, 3], together: [c.hidden, c.output]}
    b.weights: {kind: design, shape: [1, 3], property: separates, points: X, labels: z,
                bias: first}
    d.filter:  {kind: design, shape: [2, 2], property: convolution-gives,
                input: a.output, target: c.output, together: [d.filter, d.stride, d.padding]}

Properties:

- a gate (``and``, ``or``, ``nand``, ``nor``, ``xor``, ``xnor``, or ``gate`` with
  ``truth: [0, 1, 1, 0]``): threshold units (output 1 when w·x + b > 0) compute the
  gate. The group is the network's layers in order, each a matrix with a row
  ``[w1, …, wn, b]`` per unit (``bias: first`` for ``[b, w1, …]``); one answer is a
  single unit. ``inputs`` (default 2) and ``input_names`` (default A, B, …).
- ``separates``: a weight vector ``[w0, w1, …]`` (``bias: first``; default last) of a
  threshold unit that outputs every point's label. ``points``: a given or answer
  (or a list of them) with a row per point; ``labels``: the same for the 0/1 labels;
  ``features``: extra inputs as expressions in x1, x2, … (e.g. ``[x1*x2]``).
- ``convolution-gives``: ``together`` is [filter, stride, padding]; the
  cross-correlation of ``input`` with the filter (zero padding) equals ``target``
  (``operation: convolution`` flips the filter first).

:func:`check_design` marks a student's group; :func:`design_spec` reads and validates
the declaration (blocks use it to build the engine's own example).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from derive.core.errors import SpecError
from derive.core.functions import NAMESPACE
from derive.core.model import AnswerSpec, Problem
from derive.core.spec_grammar import SpecExprError, read_spec_expression
from derive.core.values import ValueError_, format_number, to_exact
from derive.topics.conv import maths as conv
from derive.topics.threshold import separability
from derive.topics.threshold import units as threshold

if TYPE_CHECKING:
    from derive.core.derivation import Solution

GATE_PROPERTIES = tuple(threshold.GATES) + ("gate",)
PROPERTIES = GATE_PROPERTIES + ("separates", "convolution-gives")
_KEYS = {
    "gate": ("truth", "inputs", "input_names", "bias"),
    "separates": ("points", "labels", "features", "bias"),
    "convolution-gives": ("input", "target", "operation"),
}
_CONV_ROLES = ("filter", "stride", "padding")


@dataclass(frozen=True)
class DesignResult:
    """The verdict on a design: ``feedback`` is a sentence a student reads ("" when ok)."""

    ok: bool
    feedback: str


@dataclass(frozen=True)
class DesignSpec:
    """A validated design declaration."""

    answer: str
    """the answer that declares the property"""
    property: str
    """'gate', 'separates' or 'convolution-gives'"""
    group: tuple[str, ...]
    """the answers marked together, in role order"""
    shapes: dict[str, tuple[int, ...] | None]
    """each member's declared shape"""
    options: dict[str, Any] = field(default_factory=dict)


def design_group(problem: Problem, answer_id: str) -> tuple[str, ...]:
    """The answer ids marked together with ``answer_id`` (itself alone when not grouped).

    >>> import derive
    >>> design_group(derive.load("logic-gates"), "c.output")
    ('c.hidden', 'c.output')
    """
    for a in problem.answers.values():
        together = a.extra.get("together")
        if isinstance(together, list) and answer_id in together:
            return tuple(str(x) for x in together)
    return (answer_id,)


def _fail(problem: Problem, aid: str, key: str, message: str) -> SpecError:
    return SpecError(problem.path, f"answers.{aid}.{key}" if key else f"answers.{aid}", message)


def design_spec(problem: Problem, answer_id: str) -> DesignSpec:
    """The validated property declaration of the group that ``answer_id`` belongs to.

    Raises SpecError naming ``answers.<id>.<key>`` when the declaration is wrong.
    """
    group = design_group(problem, answer_id)
    for aid in group:
        if aid not in problem.answers:
            raise _fail(problem, answer_id, "together", f"'{aid}' is not a declared answer")
    owners = [a for a in group if "property" in problem.answers[a].extra]
    if not owners:
        raise _fail(problem, answer_id, "property",
                    f"missing (expected one of: {', '.join(PROPERTIES)})")
    spec = problem.answers[owners[0]]
    prop = str(spec.extra["property"])
    if prop not in PROPERTIES:
        raise _fail(problem, spec.id, "property",
                    f"unknown property '{prop}' (expected one of: {', '.join(PROPERTIES)})")
    kind = "gate" if prop in GATE_PROPERTIES else prop
    allowed = ("property", "together") + _KEYS[kind]
    for key in spec.extra:
        if key not in allowed:
            raise _fail(problem, spec.id, key,
                        f"unknown field for property '{prop}' (expected one of: "
                        f"{', '.join(allowed)})")
    shapes = {a: _shape(problem, problem.answers[a]) for a in group}
    options = _OPTION_READERS[kind](problem, spec, prop, group)
    return DesignSpec(spec.id, kind, group, shapes, options)


def _shape(problem: Problem, a: AnswerSpec) -> tuple[int, ...] | None:
    """The declared shape; a size named after a given (``[pool, pool]``) takes its value."""
    if a.shape is None:
        return None
    dims = []
    for d in a.shape:
        if isinstance(d, sp.Symbol) and d.name in problem.givens:
            d = problem.givens[d.name].value
        if not isinstance(d, sp.Integer):
            return None
        dims.append(int(d))
    return tuple(dims)


def _bias(problem: Problem, spec: AnswerSpec) -> str:
    bias = str(spec.extra.get("bias", "last"))
    if bias not in ("first", "last"):
        raise _fail(problem, spec.id, "bias", f"expected first or last, found '{bias}'")
    return bias


def _gate_options(problem: Problem, spec: AnswerSpec, prop: str,
                  group: tuple[str, ...]) -> dict[str, Any]:
    n = spec.extra.get("inputs", 2)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 6:
        raise _fail(problem, spec.id, "inputs", f"expected a number of inputs 1…6, found {n!r}")
    if prop == "gate":
        if "truth" not in spec.extra:
            raise _fail(problem, spec.id, "truth", "missing (expected the outputs for the "
                        "inputs in binary order, e.g. [0, 1, 1, 0])")
        try:
            truth = threshold.truth_table(list(spec.extra["truth"]), n)
        except (TypeError, ValueError) as e:
            raise _fail(problem, spec.id, "truth", str(e)) from None
        name = "the asked gate"
    else:
        truth = threshold.truth_table(prop, n)
        name = prop.upper()
    names = spec.extra.get("input_names") or [chr(ord("A") + i) for i in range(n)]
    if not isinstance(names, list) or len(names) != n:
        raise _fail(problem, spec.id, "input_names", f"expected a list of {n} names")
    return {"truth": truth, "inputs": n, "names": [str(x) for x in names], "gate": name,
            "bias": _bias(problem, spec)}


def _refs(problem: Problem, spec: AnswerSpec, key: str) -> list[str]:
    v = spec.extra.get(key)
    refs = v if isinstance(v, list) else [v]
    if v is None or not refs or not all(isinstance(r, str) for r in refs):
        raise _fail(problem, spec.id, key, "expected the name of a given or an answer "
                    "(or a list of them)")
    for r in refs:
        if r not in problem.givens and r not in problem.answers:
            raise _fail(problem, spec.id, key, f"'{r}' is neither a given nor an answer")
    return refs


#: functions a feature may use (a feature map is a polynomial or a course activation)
_FEATURE_FUNCTIONS = {k: v for k, v in NAMESPACE.items() if k in
                      ("sigmoid", "relu", "tanh", "exp", "log", "sqrt", "Abs", "Max", "Min")}


def _no_refs(aid: str) -> Any:
    raise SpecExprError(f"{{{aid}}}: a feature uses only x1, x2, …")


def _separates_options(problem: Problem, spec: AnswerSpec, prop: str,
                       group: tuple[str, ...]) -> dict[str, Any]:
    feats = spec.extra.get("features") or []
    if not isinstance(feats, list):
        raise _fail(problem, spec.id, "features", "expected a list of expressions in x1, x2, …")
    names = {f"x{i}": sp.Symbol(f"x{i}", real=True) for i in range(1, 10)}
    features = []
    for f in feats:
        if isinstance(f, bool) or not isinstance(f, (str, int, float)):
            raise _fail(problem, spec.id, "features", f"expected an expression in x1, x2, …, "
                        f"found {f!r}")
        try:  # the spec grammar, never sympify: a spec is untrusted and runs no code
            e = read_spec_expression(str(f), {**names, **_FEATURE_FUNCTIONS}, _no_refs,
                                     tuple(_FEATURE_FUNCTIONS.values()))
        except SpecExprError as err:
            raise _fail(problem, spec.id, "features", f"cannot read {f!r}: {err}") from None
        if not isinstance(e, sp.Expr) or not e.free_symbols <= set(names.values()):
            raise _fail(problem, spec.id, "features", f"{f!r} may use only x1, x2, …")
        features.append(e)
    return {"points": _refs(problem, spec, "points"), "labels": _refs(problem, spec, "labels"),
            "features": features, "bias": _bias(problem, spec)}


def _conv_options(problem: Problem, spec: AnswerSpec, prop: str,
                  group: tuple[str, ...]) -> dict[str, Any]:
    if len(group) != 3:
        raise _fail(problem, spec.id, "together", "expected [filter, stride, padding] answers")
    op = str(spec.extra.get("operation", "cross-correlation"))
    if op not in ("cross-correlation", "convolution"):
        raise _fail(problem, spec.id, "operation",
                    f"expected cross-correlation or convolution, found '{op}'")
    return {"input": _refs(problem, spec, "input")[0], "target": _refs(problem, spec, "target")[0],
            "flip": op == "convolution", "roles": dict(zip(_CONV_ROLES, group, strict=True))}


_OPTION_READERS: dict[str, Callable[..., dict[str, Any]]] = {
    "gate": _gate_options,
    "separates": _separates_options,
    "convolution-gives": _conv_options,
}


# -- marking ----------------------------------------------------------------------------

Lookup = Callable[[str], Any]


def check_design(solution: Solution, values: dict[str, Any]) -> DesignResult:
    """Mark one group of design answers by its property.

    Args:
        solution: the problem's solution (its givens and answers are the data the
            property refers to, e.g. the points to separate).
        values: answer id -> the student's value for every id of one group (exact
            SymPy numbers, ImmutableMatrix, or lists).

    Returns:
        DesignResult(ok, feedback); the feedback names the first failing input row,
        point or output entry.
    """
    if not values:
        raise ValueError("check_design needs the values of one design group")
    problem = solution.problem
    spec = design_spec(problem, next(iter(values)))
    stray = [a for a in values if a not in spec.group]
    if stray:
        raise ValueError(f"{stray[0]} is not marked together with {', '.join(spec.group)}")

    def lookup(ref: str) -> Any:
        if ref in solution.answers:
            return solution.answers[ref].value
        return solution.givens[ref]

    return evaluate_design(spec, values, lookup)


def evaluate_design(spec: DesignSpec, values: dict[str, Any], lookup: Lookup) -> DesignResult:
    """Decide a group's property; ``lookup`` gives the value of a given or an answer."""
    missing = [a for a in spec.group if a not in values or values[a] is None]
    if missing:
        others = [a for a in spec.group if a != missing[0]]
        return DesignResult(False, f"{missing[0]} is missing; it is marked together with "
                                   f"{', '.join(others)}" if others else
                                   f"{missing[0]} is missing")
    try:
        return _EVALUATORS[spec.property](spec, values, lookup)
    except _NotANumber as e:
        return DesignResult(False, str(e))


class _NotANumber(Exception):
    pass


def _number(aid: str, c: Any) -> Any:
    if isinstance(c, sp.Basic):
        x = sp.sympify(c, strict=True)
    elif isinstance(c, (int, float, str)) and not isinstance(c, bool):
        try:
            x = to_exact(c)
        except ValueError_:
            raise _NotANumber(f"{aid} must be numbers, found {c!r}") from None
    else:
        raise _NotANumber(f"{aid} must be numbers, found {c!r}")
    if not (x.is_number and x.is_real):
        raise _NotANumber(f"{aid} must be numbers, found {x}")
    return sp.nsimplify(x, rational=True) if isinstance(x, sp.Float) else x


def _matrix(aid: str, v: Any) -> sp.ImmutableMatrix:
    """A student's value as an exact matrix (a flat list or a number is a row)."""
    if isinstance(v, sp.MatrixBase):
        rows = v.tolist()
    elif isinstance(v, (list, tuple)):
        rows = list(v) if v and all(isinstance(r, (list, tuple)) for r in v) else [list(v)]
    else:
        rows = [[v]]
    if not rows or not rows[0] or len({len(r) for r in rows}) != 1 or any(
            isinstance(c, (list, tuple)) for r in rows for c in r):
        raise _NotANumber(f"{aid} must be a list (or matrix) of numbers, found {v!r}")
    return sp.ImmutableMatrix([[_number(aid, c) for c in r] for r in rows])


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape)


def _fmt(v: Any) -> str:
    return format_number(sp.nsimplify(v)) if isinstance(v, sp.Basic) else str(v)


def _row_text(names: Sequence[str], xs: Sequence[int]) -> str:
    return ", ".join(f"{n}={x}" for n, x in zip(names, xs, strict=True))


def _eval_gate(spec: DesignSpec, values: dict[str, Any], lookup: Lookup) -> DesignResult:
    o = spec.options
    n = o["inputs"]
    layers = []
    for i, aid in enumerate(spec.group):
        m = _matrix(aid, values[aid])
        want = spec.shapes.get(aid)
        if want is not None and tuple(m.shape) != tuple(want):
            return DesignResult(False, f"{aid} must be {_dims(want)}; yours is {_dims(m.shape)}")
        if o["bias"] == "first":
            m = m[:, 1:].row_join(m[:, :1])
        fan_in = n if i == 0 else layers[-1].rows
        if m.cols != fan_in + 1:
            what = "inputs" if i == 0 else "units in the layer before"
            return DesignResult(False, f"{aid} needs {fan_in + 1} numbers per unit "
                                       f"({fan_in} {what} and a bias); yours has {m.cols}")
        layers.append(sp.ImmutableMatrix(m))
    if layers[-1].rows != 1:
        return DesignResult(False, f"{spec.group[-1]} must be a single output unit; "
                                   f"yours has {layers[-1].rows} rows")
    rows = threshold.input_rows(n)
    wrong = []
    for xs, want in zip(rows, o["truth"], strict=True):
        trace = threshold.run_network(layers, xs)
        got = trace[-1][1][0]
        if got != want:
            wrong.append((xs, got, want, trace))
    if not wrong:
        return DesignResult(True, "")
    xs, got, want, trace = wrong[0]
    what = "unit" if len(layers) == 1 else "network"
    text = (f"your {what} outputs {got} for {_row_text(o['names'], xs)}; "
            f"{o['gate']} must output {want}")
    zero = [z for zs, _ in trace for z in zs if z == 0]
    if zero:
        text += " (a net input there is exactly 0, and a unit fires only when it is > 0)"
    if len(wrong) > 1:
        text += f"; {len(wrong)} of {len(rows)} rows are wrong"
    return DesignResult(False, text)


def _stack(lookup: Lookup, refs: list[str]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for r in refs:
        v = lookup(r)
        m = v if isinstance(v, sp.MatrixBase) else sp.ImmutableMatrix([[v]])
        rows += [list(m.row(i)) for i in range(m.rows)]
    return rows


def separation_data(spec: DesignSpec, lookup: Lookup,
                    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[int]]:
    """(points, points with the extra features, labels) of a 'separates' declaration."""
    o = spec.options
    points = [tuple(r) for r in _stack(lookup, o["points"])]
    labels = [int(c) for r in _stack(lookup, o["labels"]) for c in r]
    if len(labels) != len(points):
        raise ValueError(f"{len(points)} points but {len(labels)} labels")
    syms = [sp.Symbol(f"x{i}", real=True) for i in range(1, len(points[0]) + 1)]
    full = [p + tuple(f.xreplace(dict(zip(syms, p, strict=True))) for f in o["features"])
            for p in points]
    return points, full, labels


def _eval_separates(spec: DesignSpec, values: dict[str, Any], lookup: Lookup) -> DesignResult:
    aid = spec.group[0]
    points, full, labels = separation_data(spec, lookup)
    dim = len(full[0]) + 1
    raw = values[aid]
    if isinstance(raw, str):
        if raw.strip().lower() in ("none", "no", "impossible"):
            if not separability.separate(full, labels).separable:
                return DesignResult(True, "")
            return DesignResult(False, "these points are linearly separable: give weights")
    m = _matrix(aid, raw)
    w = list(m)
    if len(w) != dim:
        names = (["w0"] + [f"w{i}" for i in range(1, dim)])
        return DesignResult(False, f"{aid} must have {dim} numbers [{', '.join(names)}]; "
                                   f"yours has {len(w)}")
    if spec.options["bias"] == "last":
        w = [w[-1]] + w[:-1]
    for p, x, y in zip(points, full, labels, strict=True):
        z, out = separability.classify(w, x)
        if out != y:
            where = "(" + ", ".join(_fmt(c) for c in p) + ")"
            text = (f"your weights give a net input of {_fmt(z)} at {where}, labelled {y}: "
                    f"the unit outputs {out} there")
            if z == 0 and y == 1:
                text += " (it fires only when the net input is > 0)"
            if not separability.separate(full, labels).separable:
                text += "; no weights can separate these points"
            return DesignResult(False, text)
    return DesignResult(True, "")


def _whole_number(aid: str, role: str, v: Any, low: int) -> int | str:
    m = _matrix(aid, v)
    if m.shape != (1, 1):
        return f"{aid} ({role}) must be one number"
    x = m[0, 0]
    if not (x.is_integer and int(x) >= low):
        return f"a {role} must be a whole number ≥ {low}; yours is {_fmt(x)}"
    return int(x)


def _eval_conv(spec: DesignSpec, values: dict[str, Any], lookup: Lookup) -> DesignResult:
    roles = spec.options["roles"]
    kernel = _matrix(roles["filter"], values[roles["filter"]])
    want_shape = spec.shapes.get(roles["filter"])
    if want_shape is not None and tuple(kernel.shape) != tuple(want_shape):
        return DesignResult(False, f"{roles['filter']} must be {_dims(want_shape)}; "
                                   f"yours is {_dims(kernel.shape)}")
    stride = _whole_number(roles["stride"], "stride", values[roles["stride"]], 1)
    if isinstance(stride, str):
        return DesignResult(False, stride)
    padding = _whole_number(roles["padding"], "padding", values[roles["padding"]], 0)
    if isinstance(padding, str):
        return DesignResult(False, padding)
    x, target = lookup(spec.options["input"]), lookup(spec.options["target"])
    setting = f"with your filter, stride {stride} and padding {padding}"
    try:
        out, _ = conv.correlate([x], [kernel], stride=stride, padding=padding,
                                true_convolution=spec.options["flip"])
    except conv.ConvError as e:
        return DesignResult(False, f"{setting}: {e}")
    if out.shape != target.shape:
        return DesignResult(False, f"{setting} the output is {_dims(out.shape)}; it must be "
                                   f"{_dims(target.shape)}")
    for i in range(out.rows):
        for j in range(out.cols):
            if sp.simplify(out[i, j] - target[i, j]) != 0:
                return DesignResult(False, f"{setting} entry ({i}, {j}) of the output is "
                                           f"{_fmt(out[i, j])}, not {_fmt(target[i, j])}")
    return DesignResult(True, "")


_EVALUATORS: dict[str, Callable[[DesignSpec, dict[str, Any], Lookup], DesignResult]] = {
    "gate": _eval_gate,
    "separates": _eval_separates,
    "convolution-gives": _eval_conv,
}
