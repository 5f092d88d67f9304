"""Recurrences through time: s_t = F(s_{t-1}, x_t), and ∂s_T/∂s_S by the chain rule.

``recurrence`` iterates the update from the initial state, each step written out with its
values, and emits s_1, s_2… (the pinned value of each is used for the next, so that
follow-through marking sees a student's own earlier state propagate).
``through_time`` derives the local derivative ∂s_t/∂s_{t-1} rule by rule, re-expresses it
through s_t (w(1 − h_t²) for a tanh RNN), and multiplies the local derivatives from S+1
to T. Symbols of the update that are neither the state, an input sequence nor a given
are per-step inputs nobody fixed (an LSTM's i_t g_t): the result must not depend on them,
and the checks draw them at random.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.core.blockkit import numeric_function, record_diff_steps, tame, to_float
from derive.core.derivation import Context
from derive.core.numeric import GRAD_TOL, central_diff, rel_error, rng
from derive.core.registry import Param, block
from derive.topics.scalar.calculus import differentiate


class _Recurrence:
    """The update F(s_{t-1}, x_t) with its sequences, and how to show it at step t."""

    def __init__(self, ctx: Context, state: sp.Symbol, update: Any,
                 inputs: dict[str, Any]) -> None:
        self.state = state
        self.update = ctx.resolve(update)
        self.seqs: dict[sp.Symbol, list[Any]] = {}
        for name, seq in inputs.items():
            sym = ctx.symbol(name) if name in ctx.problem.namespace else None
            if not isinstance(sym, sp.Symbol) or sym not in self.update.free_symbols:
                raise ctx.fail(f"inputs.{name}", f"'{name}' is not a symbol of the update")
            vals = ctx.value(seq)
            if not isinstance(vals, sp.MatrixBase) or min(vals.shape) != 1:
                raise ctx.fail(f"inputs.{name}", "expected a vector given, e.g. xs")
            self.seqs[sym] = list(vals)
        if state not in self.update.free_symbols:
            raise ctx.fail("update", f"the update does not use the state {state}")
        givens = set(ctx.given_subs)
        self.free = sorted(self.update.free_symbols - {state} - set(self.seqs) - givens,
                           key=str)
        """per-step inputs nobody fixed (an LSTM's gates): symbolic, drawn in checks"""
        self.length = min((len(v) for v in self.seqs.values()), default=None)

    def at(self, t: Any, prev: Any = None) -> dict[sp.Symbol, sp.Symbol]:
        """Names at step t: h -> h_{t-1}, x -> x_t (t a number or the letter t)."""
        before = prev if prev is not None else (f"{t - 1}" if isinstance(t, int) else "t-1")
        names = {self.state: _sub(self.state, before)}
        for s in [*self.seqs, *self.free]:
            names[s] = _sub(s, t)
        return names

    def shown(self, t: Any) -> Any:
        return self.update.xreplace(self.at(t))

    def inputs_at(self, t: int) -> dict[sp.Symbol, Any]:
        return {_sub(s, t): vals[t - 1] for s, vals in self.seqs.items()}


def _sub(s: sp.Symbol, t: Any) -> sp.Symbol:
    t = str(t)
    return sp.Symbol(f"{s.name}_{t}" if len(t) == 1 else f"{s.name}_{{{t}}}", real=True)


def _read(ctx: Context, state: Any, update: Any, inputs: dict[str, Any]) -> _Recurrence:
    if not isinstance(state, sp.Symbol):
        raise ctx.fail("state", "expected a declared scalar symbol, e.g. h")
    return _Recurrence(ctx, state, update, inputs)


_COMMON = dict(
    state=Param("symbol", doc="the state, as a declared symbol: h"),
    update=Param("expr", takes="scalar",
                 doc="s_t from s_{t-1} (written s) and the inputs at t, e.g. "
                             "tanh(w*h + u*x)"),
    inputs=Param("exprs", takes="array", required=False, default={},
                 doc="input symbol -> its sequence (a vector given), e.g. x: xs"),
)


@block("recurrence", **_COMMON,
       init=Param("expr", takes="scalar", doc="the initial state s_0"),
       values=Param("prefix", doc="answer prefix of the states: a.h -> a.h1, a.h2…"),
       steps=Param("expr", takes="scalar", required=False,
                   doc="how many steps (default: the inputs' length)"))
def recurrence(ctx: Context, state: Any, update: Any, inputs: dict[str, Any], init: Any,
               values: str, steps: Any) -> None:
    """s_t = F(s_{t-1}, x_t) from s_0, every step with its values written in."""
    rec = _read(ctx, state, update, inputs)
    if rec.free:
        raise ctx.fail("update", f"no values for {', '.join(map(str, rec.free))}: "
                       "give them as givens or input sequences")
    n = ctx.integer(steps, "steps") if steps is not None else rec.length
    if n is None or (rec.length is not None and n > rec.length):
        raise ctx.fail("steps", f"expected at most {rec.length} steps (the inputs' length)")
    rule = rec.shown("t")
    ctx.step("recurrence", rule, lhs=_sub(state, "t"),
             facts=(sp.Eq(_sub(state, 0), ctx.value(init)),))
    consts = {s: v for s, v in ctx.given_subs.items() if s in rec.update.free_symbols}
    prev = ctx.value(init)
    computed: list[tuple[Any, Any, Any]] = []  # (previous used, value derived, value used)
    for t in range(1, n + 1):
        shown = rec.shown(t)
        point = {_sub(state, t - 1): prev, **rec.inputs_at(t)}
        # the givens written in with the state and the input: the update is evaluated once,
        # at numbers (with the givens left for a second pass it was also evaluated with
        # them as symbols, a third of the block's time)
        subs = {**consts, **point}
        value = tame(ctx.value(shown.xreplace(subs)))
        idx = ctx.step("substitute", value, lhs=_sub(state, t), before=shown, subs=subs)
        aid = f"{values}{t}"
        used = ctx.emit(aid, value, idx) if aid in ctx.problem.answers else value
        computed.append((prev, value, used))
        prev = used
    step_fn = numeric_function([state, *rec.seqs, *consts], rec.update)
    const_vals = [to_float(v) for v in consts.values()]
    mine = [f"{values}{t}" for t in range(1, n + 1) if f"{values}{t}" in ctx.problem.answers]

    def check() -> tuple[bool, float, str]:
        # float64 steps from the values actually used (the pins, when marking)
        worst = 0.0
        for t, (prev_v, value, _) in enumerate(computed, start=1):
            xs = [to_float(vals[t - 1]) for vals in rec.seqs.values()]
            want = float(step_fn(to_float(prev_v), *xs, *const_vals))
            worst = max(worst, rel_error(to_float(value), want, floor=1e-12))
        return worst < 1e-9, worst, f"{n} steps recomputed in float64"

    head = f"{', '.join(mine)}: {state}_t"
    ctx.check(lambda: f"{head} = {rule}", mine, "numpy-recompute", check)


@block("through_time", **_COMMON,
       answer=Param("answer", doc="the product of local derivatives ∂s_T/∂s_S"),
       start=Param("expr", takes="scalar", doc="S in ∂s_T/∂s_S"),
       end=Param("expr", takes="scalar", doc="T in ∂s_T/∂s_S"),
       values=Param("prefix", required=False,
                    doc="answer prefix of the states (a.h), when the local derivative "
                        "depends on them"),
       init=Param("expr", takes="scalar", required=False,
                  doc="s_0, for the check when the states are not answers"))
def through_time(ctx: Context, state: Any, update: Any, inputs: dict[str, Any], answer: str,
                 start: Any, end: Any, values: str | None, init: Any) -> None:
    """∂s_T/∂s_S = Π_{t=S+1..T} ∂s_t/∂s_{t-1}, the local derivative derived rule by rule."""
    rec = _read(ctx, state, update, inputs)
    first, last = ctx.integer(start, "start"), ctx.integer(end, "end")
    if not first < last or (rec.length is not None and last > rec.length):
        raise ctx.fail("end", f"expected start < end <= {rec.length or 'the sequence length'}")
    prev_t, now_t = _sub(state, "t-1"), _sub(state, "t")
    shown = rec.shown("t")
    local, dsteps = differentiate(shown, prev_t)
    ids = record_diff_steps(ctx, dsteps)
    lhs = sp.Derivative(now_t, prev_t)
    idx = ctx.step("local-derivative", local, lhs=lhs, before=sp.Derivative(shown, prev_t),
                   uses=ids)
    named = local.xreplace({shown: now_t}) if not shown.is_Symbol else local
    if named != local:
        idx = ctx.step("rewrite", named, lhs=lhs, before=local, uses=[idx],
                       facts=(sp.Eq(now_t, shown),))
    if any(named.has(_sub(s, "t")) for s in rec.free):
        raise ctx.fail("update", "∂s_t/∂s_{t-1} depends on inputs that have no values")

    # the chain rule over the steps, then the product with the values
    big_t = sp.Symbol("t", integer=True)
    factors = [sp.Derivative(_sub(state, t), _sub(state, t - 1))
               for t in range(last, first, -1)]
    ctx.step("chain-rule", sp.Product(_indexed(named, rec, big_t),
                                      (big_t, first + 1, last)),
             lhs=sp.Derivative(_sub(state, last), _sub(state, first)),
             before=sp.Mul(*factors, evaluate=False), uses=[idx])
    at_t = [named.xreplace({now_t: _sub(state, t), prev_t: _sub(state, t - 1),
                            **{_sub(s, "t"): _sub(s, t) for s in rec.seqs}})
            for t in range(first + 1, last + 1)]
    product = sp.Mul(*at_t)
    point: dict[sp.Symbol, Any] = {}
    for t in range(first, last + 1):
        point.update(rec.inputs_at(t) if t >= 1 else {})
        if values and product.has(_sub(state, t)):
            aid = f"{values}{t}"
            if aid not in ctx.answers:
                raise ctx.fail("values", f"needs {aid}, which no earlier block derived")
            point[_sub(state, t)] = ctx.answers[aid].value
    point = {s: v for s, v in point.items() if product.has(s)}
    missing = product.free_symbols - set(point) - set(ctx.given_subs)
    if missing:
        raise ctx.fail("values", f"no values for {', '.join(sorted(map(str, missing)))}: "
                       "name the states' answer prefix (values: a.h)")
    consts = {s: v for s, v in ctx.given_subs.items() if s in product.free_symbols}
    subs = {**consts, **point}
    value = tame(ctx.value(product.xreplace(subs)))  # at numbers, once
    idx = ctx.step("substitute", value, lhs=sp.Derivative(_sub(state, last),
                                                          _sub(state, first)),
                   before=product, subs=subs)
    ctx.emit(answer, value, idx)

    start_value = (ctx.answers[f"{values}{first}"].value
                   if values and f"{values}{first}" in ctx.answers else None)
    step_fn = numeric_function([state, *rec.seqs, *rec.free, *ctx.given_subs],
                               ctx.resolve(update))
    const_vals = [to_float(v) for v in ctx.given_subs.values()]

    def check() -> tuple[bool, float, str]:
        r = rng(7000 + first * 31 + last)
        draws = {t: r.normal(0.0, 1.0, size=len(rec.free)) for t in range(first + 1, last + 1)}
        s0 = to_float(start_value) if start_value is not None else float(r.normal())

        def run(s: float) -> float:
            for t in range(first + 1, last + 1):
                xs = [to_float(vals[t - 1]) for vals in rec.seqs.values()]
                s = float(step_fn(s, *xs, *draws[t], *const_vals))
            return s

        fd = central_diff(run, s0)
        err = rel_error(to_float(ctx.answers[answer].computed), fd)
        return err < GRAD_TOL, err, (f"central differences of {state}_{last} in "
                                     f"{state}_{first} through the float64 recurrence"
                                     + (" with random " + ", ".join(f"{s}_t" for s in rec.free)
                                        if rec.free else ""))

    ctx.check(f"{answer}: d{state}_{last}/d{state}_{first}", [answer], "central-differences",
              check)


def _indexed(e: Any, rec: _Recurrence, big_t: sp.Symbol) -> Any:
    """The local derivative with s_t, x_t written as indexed s[t], x[t] (for Π_t)."""
    reps = {}
    for s in [rec.state, *rec.seqs, *rec.free]:
        reps[_sub(s, "t")] = sp.IndexedBase(s.name)[big_t]
    reps[_sub(rec.state, "t-1")] = sp.IndexedBase(rec.state.name)[big_t - 1]
    return e.xreplace(reps)
