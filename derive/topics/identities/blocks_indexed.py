"""Gradients of a loss written with sums over k (−Σ_k t_k log p_k) through a vector
activation p = act(z), component by component: ∂L/∂z_i = Σ_k ∂L/∂p_k ∂p_k/∂z_i.

The local derivative ∂L/∂p_k is derived rule by rule from the k-th term of the loss; the
activation's Jacobian is a local rule (``JACOBIANS``, softmax: p_k(δ_ki − p_i)); the sum
with a Kronecker delta is sifted (Σ_k a_k δ_ki = a_i), factors free of k leave the sum,
and stated facts (Σ_k t_k = 1 for a one-hot t) are applied last. The answer keeps the
symbolic size K (a Sum over k = 1..K) so that it can be evaluated for any concrete K.

Verification never uses these rules: for K = 2..6 the loss itself, evaluated with numpy
(softmax by ``numeric.softmax``), is differentiated by central differences in every z_j
at seeded random points and compared with the answer at i = j.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from derive.core import pointwise
from derive.core.blockkit import numeric_function, record_diff_steps
from derive.core.derivation import Context
from derive.core.local_names import (
    as_equation,
    expand_sums,
    local_namespace,
    parse_list,
    parse_local,
)
from derive.core.numeric import (
    GRAD_TOL,
    central_diff_from,
    central_diff_points,
    rel_error,
    rng,
    softmax,
)
from derive.core.op_count import count_ops
from derive.core.plain_polynomials import is_plain_polynomial
from derive.core.registry import Param, block
from derive.topics.scalar.calculus import differentiate

Jacobian = Callable[[Any, Any, Any], Any]

#: activation -> (rule name, ∂p_k/∂z_i from (p, k, i)); tests replace one to see it caught
JACOBIANS: dict[str, tuple[str, Jacobian]] = {
    "softmax": ("softmax-derivative", lambda p, k, i: p[k] * (sp.KroneckerDelta(k, i) - p[i])),
    "sigmoid": ("sigmoid-derivative", lambda p, k, i: p[k] * (1 - p[k]) * sp.KroneckerDelta(k, i)),
    "identity": ("identity-derivative", lambda p, k, i: sp.KroneckerDelta(k, i)),
}


def _np_sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


#: the numpy route of each activation (the checks' independent forward pass)
FORWARD: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "softmax": softmax,
    "sigmoid": _np_sigmoid,
    "identity": lambda z: np.asarray(z, dtype=float),
}

#: how a check draws an indexed input of size K
SAMPLERS: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "one-hot": lambda r, n: np.eye(n)[r.integers(n)],
    "real": lambda r, n: r.normal(0.0, 1.0, size=n),
    "probabilities": lambda r, n: softmax(r.normal(0.0, 1.0, size=n)),
}

#: sizes K the check runs at
SIZES = range(2, 7)
#: draws of the inputs the check makes at each size
TRIALS = 4


@block(
    "indexed_backprop",
    answer=Param("answer", doc="an expression answer: ∂L/∂z_i in the indexed names"),
    loss=Param("raw", doc="the loss with sums over k, e.g. -Sum(t[k]*log(p[k]), (k, 1, K))"),
    output=Param("text", doc="the indexed output, e.g. p"),
    activation=Param("text", choices=tuple(JACOBIANS), doc="p = activation(z)"),
    input=Param("text", doc="the indexed pre-activation, e.g. z"),
    index=Param("text", doc="the component asked for, e.g. i"),
    indexed=Param("raw", required=False, default=[], doc="indexed names: [p, t, z]"),
    integer=Param("raw", required=False, default=[], doc="integer names: [i, k, K]"),
    facts=Param("raw", required=False, default=[],
                doc="identities used at the end, e.g. 'Sum(t[k], (k, 1, K)) = 1'"),
    sample=Param("raw", required=False, default={},
                 doc="how the check draws each other indexed input: one-hot, real, "
                     "probabilities, or a list of them (used in turn); default real"),
)
def indexed_backprop(ctx: Context, answer: str, loss: Any, output: str, activation: str,
                     input: str, index: str, indexed: Any, integer: Any, facts: Any,
                     sample: Any) -> None:
    """∂L/∂z_i through p = act(z) for a loss written with sums over k."""
    ns = local_namespace(ctx, indexed, integer)
    big_l = parse_local(ctx, "loss", loss, ns)
    used = tuple(as_equation(f) for f in parse_list(ctx, "facts", facts, ns))
    p, z, i = (_get(ctx, ns, field, name, kind) for field, name, kind in
               (("output", output, sp.IndexedBase), ("input", input, sp.IndexedBase),
                ("index", index, sp.Symbol)))
    sums = list(big_l.atoms(sp.Sum))
    limits = {s.limits for s in sums}
    if len(limits) != 1 or len(sums[0].limits) != 1:
        raise ctx.fail("loss", "expected sums over one index with the same limits, "
                       "e.g. Sum(t[k]*log(p[k]), (k, 1, K))")
    (k, one, size), = sums[0].limits
    samplers = _samplers(ctx, sample, big_l, p)
    rule, jac = JACOBIANS[activation]
    name_l = sp.Symbol("L", real=True)

    # ∂L/∂p_k from the k-th term: p only inside the sums (L may be nonlinear in them)
    term, scale = _kth_term(ctx, big_l, p)
    u = sp.Symbol(f"{p.label}_{k}", real=True)
    d_term, dsteps = differentiate(term.xreplace({p[k]: u}), u)
    g_k = (scale * d_term).xreplace({u: p[k]})
    ctx.step("definition", big_l, lhs=name_l)
    ids = record_diff_steps(ctx, [_back(s, u, p[k]) for s in dsteps])
    ctx.step("local-derivative", g_k, lhs=sp.Derivative(name_l, p[k]),
             before=sp.Derivative(scale * term, p[k]), uses=ids)
    j_ki = jac(p, k, i)
    ctx.step(rule, j_ki, lhs=sp.Derivative(p[k], z[i]))

    # the chain rule, then the sum worked out
    lhs = sp.Derivative(name_l, z[i])
    shown = sp.Sum(sp.Mul(sp.Derivative(name_l, p[k]), sp.Derivative(p[k], z[i]),
                          evaluate=False), (k, one, size))
    raw = sp.Sum(sp.Mul(g_k, j_ki, evaluate=False), (k, one, size))
    last = ctx.step("chain-rule", raw, lhs=lhs, before=shown)
    sign, summand = _tidy(g_k * j_ki).as_independent(k, as_Add=False)
    tidy = sp.Mul(sign, sp.Sum(summand, (k, one, size)), evaluate=False) if sign != 1 else \
        sp.Sum(summand, (k, one, size))
    if tidy != raw:
        last = ctx.step("simplify", tidy, lhs=lhs, before=raw, uses=[last])
    sifted = sign * _sift(summand, k, i, one, size)
    if sifted != tidy:
        last = ctx.step("kronecker-delta-sum", sifted, lhs=lhs, before=tidy, uses=[last],
                        facts=(sp.Eq(sp.Sum(sp.IndexedBase("a")[k] * sp.KroneckerDelta(k, i),
                                            (k, one, size)), sp.IndexedBase("a")[i],
                                     evaluate=False),))  # a law: stated, not decided
    result = sifted
    if used:
        applied = result.xreplace({f.lhs: f.rhs for f in used})
        applied = sp.expand(applied) if count_ops(applied, 40) < 40 else applied
        if applied != result:
            last = ctx.step("simplify", applied, lhs=lhs, before=result, uses=[last], facts=used)
            result = applied
    value = ctx.emit(answer, result, last)

    def check() -> tuple[bool, float, str]:
        return _check(big_l, value, p, z, i, size, activation, samplers, used)

    ctx.check(f"{answer}: dL/d{z.label}_{i}", [answer], "central-differences", check)


def _get(ctx: Context, ns: dict[str, Any], field: str, name: str, kind: type) -> Any:
    obj = ns.get(name)
    if not isinstance(obj, kind):
        what = "listed under indexed" if kind is sp.IndexedBase else "listed under integer"
        raise ctx.fail(field, f"'{name}' must be {what}")
    return obj


def _samplers(ctx: Context, sample: Any, loss: Any, p: Any) -> dict[Any, list[str]]:
    if not isinstance(sample, dict):
        raise ctx.fail("sample", "expected a mapping name -> one-hot, real or probabilities")
    bases = {ix.base for ix in loss.atoms(sp.Indexed)} - {p}
    out: dict[Any, list[str]] = {b: ["real"] for b in bases}
    for name, kinds in sample.items():
        kinds = kinds if isinstance(kinds, list) else [kinds]
        base = next((b for b in bases if str(b.label) == str(name)), None)
        if base is None:
            raise ctx.fail(f"sample.{name}", f"'{name}' is not an indexed input of the loss")
        for kind in kinds:
            if kind not in SAMPLERS:
                raise ctx.fail(f"sample.{name}", f"unknown kind '{kind}' "
                               f"(expected one of: {', '.join(SAMPLERS)})")
        out[base] = [str(kd) for kd in kinds]
    return out


def _kth_term(ctx: Context, loss: Any, p: Any) -> tuple[Any, Any]:
    """(the summand, its coefficient): L = c·Σ_k f_k + (terms free of p), so ∂L/∂p_k = c f'."""
    sums = list(loss.atoms(sp.Sum))
    marks = [sp.Dummy(f"S{n}") for n in range(len(sums))]
    shell = loss.xreplace(dict(zip(sums, marks, strict=True)))
    if any(ix.base == p for ix in shell.atoms(sp.Indexed)):
        raise ctx.fail("loss", f"{p.label} may appear only inside the sums")
    coeffs = [sp.diff(shell, m) for m in marks]
    if any(c.has(*marks) for c in coeffs):
        # L = F(Σ_k f(p_k)) not linear in its sums (log Σ_k e^{p_k}): ∂L/∂p_k = F'(S) f'(p_k)
        # with the sum S put back under a fresh index, so that it leaves the sum over k
        back = {}
        for m, sm in zip(marks, sums, strict=True):
            (k, lo, hi), = sm.limits
            fresh = sp.Symbol("l" if str(k) != "l" else "m", integer=True)
            back[m] = sp.Sum(sm.function.xreplace({k: fresh}), (fresh, lo, hi))
        coeffs = [c.xreplace(back) for c in coeffs]
    dependent = [(c, s.function) for c, s in zip(coeffs, sums, strict=True) if s.has(p)]
    if len(dependent) != 1:
        raise ctx.fail("loss", f"expected one sum with {p.label} in it")
    return dependent[0][1], dependent[0][0]


def _back(step: Any, u: sp.Symbol, pk: Any) -> Any:
    """A differentiation step with the stand-in scalar u put back as p_k."""
    from dataclasses import replace

    def put(e: Any) -> Any:
        return e.xreplace({u: pk}) if isinstance(e, sp.Basic) else e

    return replace(step, lhs=put(step.lhs), after=put(step.after), before=put(step.before))


def _tidy(e: Any) -> Any:
    """Cancel and factor a summand (small: one term of the chain rule)."""
    try:
        # a product of polynomials (δ_ik − p_i)·t_k: factor finds from it as written what
        # it finds from its cancelled (multiplied out) form
        out = sp.factor(e if is_plain_polynomial(e) else sp.cancel(e))
    except (sp.PolynomialError, TypeError):
        return e
    return out if count_ops(out) <= count_ops(e) else e


def _sift(summand: Any, k: Any, i: Any, one: Any, size: Any) -> Any:
    """Σ_k summand with the Kronecker-delta terms summed (k -> i) and the factors that do
    not depend on k taken out of what remains."""
    delta = sp.KroneckerDelta(k, i)
    parts = _delta_parts(summand, delta)
    if parts is None:  # multiplied out: the terms with δ (δ -> 1) and the terms without
        picked, rest = [], []
        for term in sp.Add.make_args(sp.expand(summand)):
            (picked if term.has(delta) else rest).append(term.xreplace({delta: 1}))
        parts = sp.Add(*picked), sp.Add(*rest)
    with_delta, without = parts
    if with_delta == 0:
        return sp.Sum(summand, (k, one, size))
    outside = sp.factor(with_delta.xreplace({k: i}))
    if without == 0:
        return outside
    inner = sp.factor(without)
    const, dep = inner.as_independent(k, as_Add=False)
    return outside + const * sp.Sum(dep, (k, one, size))


def _delta_parts(summand: Any, delta: Any) -> tuple[Any, Any] | None:
    """(a, b) with summand = a·δ + b, kept products of the summand's own factors
    ((δ − p_i)·t_k: a = t_k, b = −p_i·t_k), when it is a plain polynomial with δ as one of
    its factors or a term of one: factor takes such products as written, and finds what
    it finds from the terms multiplied out (which cost most of the sifting); else None."""
    if not is_plain_polynomial(summand):
        return None
    factors = list(sp.Mul.make_args(summand))
    holding = [n for n, f in enumerate(factors) if f.has(delta)]
    if len(holding) != 1:
        return None
    f = factors.pop(holding[0])
    others = sp.Mul(*factors)
    if f == delta:
        return others, sp.S.Zero
    terms = sp.Add.make_args(f)
    if not all(t == delta or (t.is_Mul and delta in t.args) for t in terms if t.has(delta)):
        return None
    a = sp.Add(*[t.xreplace({delta: 1}) for t in terms if t.has(delta)])
    b = sp.Add(*[t for t in terms if not t.has(delta)])
    return a * others, b * others


def _check(loss: Any, answer: Any, p: Any, z: Any, i: Any, size: Any, activation: str,
           samplers: dict[Any, list[str]], facts: tuple[Any, ...]) -> tuple[bool, float, str]:
    """Central differences of the loss (numpy forward pass) vs the answer, K = 2..6, at
    ``TRIALS`` draws of the inputs for each K, all draws evaluated together."""
    r = rng(4242)
    forward = FORWARD[activation]
    worst, draws = 0.0, 0
    for n in SIZES:
        bases = sorted(samplers, key=str)
        f_loss = _loss_function(loss, p, bases, size, n)
        drawn = []  # in the order one trial at a time drew them: z, then each base's
        for trial in range(TRIALS):
            zv = r.normal(0.0, 1.5, size=n)
            drawn.append((zv, [SAMPLERS[samplers[b][trial % len(samplers[b])]](r, n)
                               for b in bases]))
        # name -> the draws' entries, a row per trial
        values = {str(p.label): np.array([forward(zv) for zv, _ in drawn])} | {
            str(b.label): np.array([others[m] for _, others in drawn])
            for m, b in enumerate(bases)}
        for fact in facts:  # the facts must hold for what is drawn
            lhs, rhs = (_values(side, values, {size: n}) for side in (fact.lhs, fact.rhs))
            if np.any(np.abs(lhs - rhs) > 1e-12):
                return False, float("inf"), f"the drawn inputs break the fact {fact}"
        fds = _partials(f_loss, forward, [(zv, [v for o in others for v in o])
                                          for zv, others in drawn])
        for j in range(1, n + 1):
            got = _values(answer, values, {size: n, i: j})
            worst = max(worst, rel_error(got, fds[:, j - 1]))
            draws += TRIALS
    return worst < GRAD_TOL, worst, f"K = {SIZES.start}..{SIZES.stop - 1}, {draws} partials"


def _loss_function(loss: Any, p: Any, bases: list[Any], size: Any, n: int
                   ) -> Callable[[np.ndarray], np.ndarray]:
    """L at many points at size n, one point per row (p_1..p_n, then each base's n
    entries): on the tree as written (``core.pointwise``, every row in one walk: cheaper
    than generating numpy code for each size), or lambdified with its sums written out,
    row by row, where the tree does not know a piece."""
    labels = [str(p.label)] + [str(b.label) for b in bases]
    ints = {str(size): n}

    def on_tree(rows: np.ndarray) -> np.ndarray:
        def item(base: str, k: int) -> np.ndarray:
            if not 1 <= k <= n:
                raise KeyError(k)
            return rows[:, labels.index(base) * n + k - 1]

        return pointwise.evaluate_points(loss, len(rows), _no_scalar, item, ints)

    try:
        on_tree(np.full((1, n * len(labels)), 0.5))
        return on_tree
    except (pointwise.Unsupported, KeyError, ValueError):
        args = [p[j] for j in range(1, n + 1)] + [b[j] for b in bases for j in range(1, n + 1)]
        fn = numeric_function(args, expand_sums(loss, {size: n}))
        return lambda rows: np.array([float(fn(*row)) for row in rows])


def _values(expr: Any, values: dict[str, np.ndarray], ints: dict[Any, int]) -> np.ndarray:
    """``expr`` at every trial's draws (``values``: base name -> a row of entries 1..n
    per trial) and concrete sizes and indices: in float64 on the tree
    (``core.pointwise``, one walk for all of them), or where that does not know a piece,
    trial by trial with the sums written out and SymPy floats substituted."""
    count = len(next(iter(values.values())))
    try:
        return pointwise.evaluate_points(expr, count, _no_scalar,
                                         lambda b, k: values[b][:, k - 1],
                                         {str(s): v for s, v in ints.items()})
    except (pointwise.Unsupported, KeyError, IndexError):
        pass
    concrete = expand_sums(expr, ints)
    entries = concrete.atoms(sp.Indexed)
    return np.array([float(concrete.xreplace(
        {ix: sp.Float(float(values[str(ix.base.label)][t, int(ix.indices[0]) - 1]))
         for ix in entries})) for t in range(count)])


def _no_scalar(name: str) -> float:
    raise pointwise.Unsupported(f"free symbol {name}")


def _partials(f_loss: Callable[[np.ndarray], np.ndarray],
              forward: Callable[[np.ndarray], np.ndarray],
              trials: list[tuple[np.ndarray, list[float]]]) -> np.ndarray:
    """∂L/∂z_j of L(forward(z), rest) for every trial (z, rest) and j by central
    differences (a row per trial): the shifted z of every trial and j are the rows of one
    evaluation of L."""
    rows, steps = [], []
    for zv, rest in trials:
        for j in range(len(zv)):
            at, h = central_diff_points(float(zv[j]))
            for t in at:
                zz = zv.copy()
                zz[j] = t
                rows.append([*forward(zz), *rest])
            steps.append(h)
    values = f_loss(np.array(rows, dtype=float)).reshape(len(steps), -1)
    out = [central_diff_from(v, h) for v, h in zip(values, steps, strict=True)]
    return np.array(out).reshape(len(trials), -1)
