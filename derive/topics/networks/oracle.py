"""Independent numerical routes for networks: float64 forward passes, finite differences,
and complex-step derivatives of the same forward pass (an oracle to rounding error).

None of this uses a derivative rule: the oracle reads the network's description
(``layers``: what each layer computes, ``numeric``), finite differences and complex steps
only evaluate. The value under test arrives as a callable that evaluates it (``Gold``),
so this module imports nothing that derives or represents derivatives (matrix forms,
backprop rules); ``tests/test_architecture.py`` enforces that.

The complex step: for a function analytic near x, f(x + ih)/h has imaginary part f'(x)
to rounding for any tiny h (nothing is subtracted, so nothing cancels), where a central
difference is accurate to ~1e-8. Every layer's ``numeric`` takes complex entries for
this (ReLU's ``maximum`` compares real parts first; |w| of an L1 penalty is written
w sign(Re w)), so the check that needs all the digits, the derived expression against
the derivative at the oracle sizes, costs forward passes, not ``sympy.diff`` of an
explicit loss (which was a second a problem).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from derive.core.numeric import GRAD_TOL, gradient_fd, gradient_sided, rel_error, rng
from derive.topics.networks.layers import Activation, Loss, Network, Upstream

#: a derived value under test, evaluated at named float64 values and concrete sizes
Gold = Callable[[Mapping[Any, Any], Mapping[Any, int]], Any]
#: a derived value evaluated by the gold contract at explicit SymPy matrices
ContractGold = Callable[[Mapping[Any, Any]], Any]

#: widths tried by the checks, given in order to the network's size symbols (N, M, K…)
SIZE_TRIALS: tuple[tuple[int, ...], ...] = ((3, 4, 2, 3), (2, 7, 5, 4), (1, 3, 4, 2))
#: the width of every size in the complex-step check (small: the derived value is
#: evaluated there in SymPy Floats, by the contract)
ORACLE_SIZES: tuple[int, ...] = (2, 3, 2, 2)
#: the imaginary step of the complex-step derivative (any tiny h: no cancellation)
COMPLEX_STEP = 1e-30
#: beyond this many entries a gradient is compared along random directions only
FULL_FD_LIMIT = 400


def concrete(shape: tuple[Any, Any], sizes: Mapping[Any, int]) -> tuple[int, int]:
    return tuple(int(sp.sympify(d).xreplace(dict(sizes))) for d in shape)  # type: ignore


def trial_sizes(net: Network, widths: tuple[int, ...]) -> dict[Any, int]:
    return {s: widths[i % len(widths)] for i, s in enumerate(net.sizes())}


def random_instance(net: Network, sizes: Mapping[Any, int], salt: int = 0
                    ) -> dict[str, np.ndarray]:
    """Seeded values of the input, the parameters and the target (one-hot for
    cross-entropy, 0/1 for binary cross-entropy) or the upstream gradient."""
    r = rng(salt)
    env: dict[str, np.ndarray] = {}
    env[net.input.key] = r.normal(size=concrete(net.input.shape, sizes))
    for p in net.params():
        n_in = max(concrete(p.shape, sizes))
        env[p.name] = r.normal(scale=1.5 / np.sqrt(n_in), size=concrete(p.shape, sizes))
    end = net.end
    if isinstance(end, Loss):
        shape = concrete(end.target.shape, sizes)
        if end.kind == "cross-entropy" and net.batch is not None:  # one-hot per example
            rows = net.batch == "rows"
            n, k = shape if rows else shape[::-1]
            y = np.zeros((n, k))
            y[np.arange(n), r.integers(k, size=n)] = 1.0
            env[end.target.name] = y if rows else y.T
        elif end.kind == "cross-entropy":
            y = np.zeros(shape).reshape(-1)
            y[r.integers(y.size)] = 1.0
            env[end.target.name] = y.reshape(shape)
        elif end.kind == "binary-cross-entropy":
            env[end.target.name] = r.integers(0, 2, size=shape).astype(float)
        else:
            env[end.target.name] = r.normal(size=shape)
    elif isinstance(end, Upstream):
        env[end.g.name] = r.normal(size=concrete(end.g.shape, sizes))
    return env


def forward(net: Network, env: Mapping[str, np.ndarray], start: str | None = None,
            value: np.ndarray | None = None, base: Mapping[str, np.ndarray] | None = None
            ) -> dict[str, np.ndarray]:
    """Every node's value (by key); ``start``/``value`` override one node or parameter.

    With ``base`` (the unperturbed pass), layers before the override are not recomputed.
    """
    env = dict(env)
    first = 0
    if start is not None and net.node(start) is None:
        env[start] = value  # a parameter
        if base is not None:
            first = net.layers.index(net.owner(next(p for p in net.params()
                                                    if p.name == start)))
        start = None
    elif start is not None and base is not None:
        first = next((i for i, la in enumerate(net.layers) if la.inp.key == start),
                     len(net.layers))
    if base is not None and first:
        keep = {net.input.key} | {la.out.key for la in net.layers[:first]}
        vals = {k: v for k, v in base.items() if k in keep}
    else:
        first = 0
        vals = {net.input.key: np.asarray(env[net.input.key], dtype=float)}
    if start is not None:
        vals[start] = value
    for layer in net.layers[first:]:
        out = layer.numeric(vals[layer.inp.key], env)
        vals[layer.out.key] = value if layer.out.key == start else out
    return vals


def rounding_floor(*arrays: Mapping[str, Any]) -> float:
    """The ``floor`` of ``rel_error`` for comparing exact values with a float64 pass over
    these arrays (givens, forward values): an entry that is exactly 0 (0.5·1 + 0.3·(−2)
    + 0.1) comes out of float64 as ~1e-17, which is rounding, not a wrong value. Entries
    below 1e-5 of the largest magnitude in the computation are compared absolutely, to
    1e-14 of it (the checks' 1e-9 of the floor): far below any value a derivation could
    get wrong, far above what float64 loses in sums of a few thousand products."""
    scale = max((float(np.max(np.abs(np.asarray(v, dtype=float)))) for m in arrays
                 for v in m.values() if np.size(v)), default=1.0)
    return max(1e-12, 1e-5 * scale)


def objective(net: Network, env: Mapping[str, np.ndarray], vals: Mapping[str, np.ndarray]
              ) -> Any:
    """E (a loss) or L = Σ g ⊙ y (an upstream gradient g = ∂L/∂y): a float64, or a
    complex128 on a complex step."""
    o = vals[net.output.key]
    end = net.end
    if isinstance(end, Loss):
        return end.numeric(o, env[end.target.name]) + penalty(end, env)
    assert isinstance(end, Upstream)
    return np.sum(env[end.g.name] * o)


def _coefficient(pen: Any) -> float:
    """a penalty's λ as a float, from its description (the coefficient and its givens)"""
    return float(sp.S(pen.coef, strict=True).xreplace(dict(pen.scalars)))


def penalty(end: Loss, env: Mapping[str, np.ndarray]) -> Any:
    """R of the loss's penalties from the entries: λ/2 Σ w² or λ Σ w² (l2), λ Σ |w| (l1;
    |w| as w sign(Re w), the same for real w and analytic for a complex step)."""
    total: Any = 0.0
    for pen in end.penalties:
        w = np.concatenate([np.ravel(env[p.name]) for p in pen.params])
        lam = _coefficient(pen)
        if pen.kind == "l1":
            total = total + lam * np.sum(w * np.sign(w.real))
        else:
            total = total + (lam / 2 if pen.half else lam) * np.sum(w * w)
    return total


def derivative_fd(f: Any, z: np.ndarray) -> np.ndarray:
    """f'(z) entrywise by central differences with Richardson extrapolation."""
    h = 1e-3 * np.maximum(1.0, np.abs(z))
    d1 = (f(z + h) - f(z - h)) / (2 * h)
    d2 = (f(z + h / 2) - f(z - h / 2)) / h
    return (4 * d2 - d1) / 3


def named_values(net: Network, env: Mapping[str, np.ndarray],
                 vals: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Values for every MatrixSymbol an answer may use: inputs, parameters, named nodes,
    and named Jacobians (J_A = diag(f'(z)) with f' by finite differences)."""
    out = dict(env)
    out.update({n.key: vals[n.key] for n in net.nodes() if n.named})
    for la in net.layers:
        if isinstance(la, Activation) and la.jacobian_name is not None:
            d = derivative_fd(la.rule_.numeric, vals[la.inp.key])
            out[la.jacobian_name.name] = np.diag(d.reshape(-1))
    return out


def fd_gradient(net: Network, env: Mapping[str, np.ndarray], wrt: str,
                directions: int = 0, salt: int = 0, near: np.ndarray | None = None) -> Any:
    """∂objective/∂wrt by central differences: every entry, or (``directions`` > 0) the
    derivatives along that many seeded random directions (returned with them).

    ``near`` (a gradient under check): along an entry where the loss has a kink at the
    givens (a ReLU's input exactly 0, for one example or more), the one of its slopes
    there nearer it (``gradient_sided``: a one-sided slope, or their mean): the derived
    value takes the piece whose condition holds at the kink, one side's slope."""
    vals = forward(net, env)
    x0 = np.array(vals[wrt] if wrt in vals else env[wrt], dtype=float)

    def f(x: np.ndarray) -> float:
        # a perturbed parameter also changes the penalty, which reads it from env
        at = env if wrt in vals else {**env, wrt: x}
        return objective(net, at, forward(net, env, wrt, x, base=vals))

    if not directions:
        return gradient_fd(f, x0) if near is None else gradient_sided(f, x0, near)
    r = rng(salt + 99)
    dirs = [r.normal(size=x0.shape) for _ in range(directions)]
    dirs = [v / np.linalg.norm(v) for v in dirs]
    # along a unit direction a plain central difference with a small step is accurate to
    # ~1e-9 (truncation h² f‴/6, rounding ε/h) with two passes instead of four
    h = 1e-5
    return [(v, (f(x0 + h * v) - f(x0 - h * v)) / (2 * h)) for v in dirs]


def fd_jacobian(net: Network, env: Mapping[str, np.ndarray], of: str, wrt: str
                ) -> np.ndarray:
    """∂of/∂wrt (numerator layout: entries of ``of`` down, of ``wrt`` across)."""
    vals = forward(net, env)
    x0 = np.array(vals[wrt], dtype=float)
    cols = []
    for i in range(x0.size):
        def fi(t: float, i: int = i) -> np.ndarray:
            x = x0.copy().reshape(-1)
            x[i] = t
            return forward(net, env, wrt, x.reshape(x0.shape))[of].reshape(-1)

        h = 1e-3 * max(1.0, abs(x0.reshape(-1)[i]))
        t0 = x0.reshape(-1)[i]
        d1 = (fi(t0 + h) - fi(t0 - h)) / (2 * h)
        d2 = (fi(t0 + h / 2) - fi(t0 - h / 2)) / h
        cols.append((4 * d2 - d1) / 3)
    return np.array(cols).T


#: at the givens, past ``FULL_FD_LIMIT`` entries: how many entries (columns of a
#: Jacobian) are checked one by one, besides the largest, and along how many directions
SAMPLED_ENTRIES, SAMPLED_DIRECTIONS = 8, 2


def fd_sampled_error(net: Network, env: Mapping[str, np.ndarray], computed: np.ndarray,
                     wrt: str, of: str | None = None, salt: int = 0) -> float:
    """Relative error of a large gradient (``of`` None) or Jacobian ∂of/∂wrt at one
    point, for when every entry by central differences costs minutes (four forward
    passes per entry, each a product with a 1024×1024 weight matrix): along seeded random
    directions (all entries at once, ``J v`` against the difference quotient) and entry
    by entry (a column of a Jacobian) on a seeded sample and at the largest entry."""
    vals = forward(net, env)
    x0 = np.array(vals[wrt] if wrt in vals else env[wrt], dtype=float)

    def f(x: np.ndarray) -> np.ndarray:
        out = forward(net, env, wrt, x, base=vals)
        return np.atleast_1d(objective(net, env, out) if of is None else out[of].reshape(-1))

    J = computed.reshape(1, -1) if of is None else computed
    r = rng(salt + 98)
    n = x0.size
    picks = set(r.choice(n, size=min(SAMPLED_ENTRIES, n), replace=False).tolist())
    picks.add(int(np.argmax(np.max(np.abs(J), axis=0))))
    err = 0.0
    for i in sorted(picks):
        e = np.zeros(n)
        e[i] = 1.0
        h = 1e-3 * max(1.0, abs(float(x0.reshape(-1)[i])))

        def along(t: float, e: np.ndarray = e) -> np.ndarray:
            return f(x0 + t * e.reshape(x0.shape))

        d1 = (along(h) - along(-h)) / (2 * h)  # Richardson, as central_diff does
        d2 = (along(h / 2) - along(-h / 2)) / h
        err = max(err, rel_error(J[:, i], (4 * d2 - d1) / 3))
    for _ in range(SAMPLED_DIRECTIONS):
        v = r.normal(size=n)
        v /= np.linalg.norm(v)
        h = 1e-5  # along a unit direction: accurate to ~1e-9 (see fd_gradient)
        d = (f(x0 + h * v.reshape(x0.shape)) - f(x0 - h * v.reshape(x0.shape))) / (2 * h)
        err = max(err, rel_error(J @ v, d))
    return err


def check_at_givens(net: Network, env: Mapping[str, np.ndarray], computed: np.ndarray,
                    wrt: str, of: str | None) -> tuple[bool, float, str]:
    """A gradient (``of`` None) or Jacobian ∂of/∂wrt computed at the givens against
    central differences of the float64 forward pass there: every entry, or past
    ``FULL_FD_LIMIT`` a sample (``fd_sampled_error``). A gradient the central differences
    disagree with is measured again one-sided along the entries where the loss has a
    kink at the givens (a ReLU input exactly 0: ``fd_gradient``'s ``near``)."""
    how = "central differences of the float64 forward pass at the givens"
    if computed.size > FULL_FD_LIMIT:  # each entry costs four forward passes
        err = fd_sampled_error(net, env, computed, wrt, of, salt=3)
        which = "entries" if of is None else "columns"
        return (err < GRAD_TOL, err, f"{how}: {SAMPLED_ENTRIES} seeded {which} and the "
                f"largest, {SAMPLED_DIRECTIONS} random directions")
    if of is not None:
        err = rel_error(computed, fd_jacobian(net, env, of, wrt))
        return err < GRAD_TOL, err, how
    err = rel_error(computed, fd_gradient(net, env, wrt))
    if err >= GRAD_TOL:
        sided = rel_error(computed, fd_gradient(net, env, wrt, near=computed))
        if sided < GRAD_TOL:
            return True, sided, how + ", one-sided along the entries where it has a kink"
    return err < GRAD_TOL, err, how


def compare_gradient(net: Network, gold: Gold, wrt: str, widths: tuple[int, ...],
                     salt: int = 0, directions: int = 0) -> tuple[float, dict[Any, int]]:
    """Relative error of a gradient expression against finite differences at one size."""
    sizes = trial_sizes(net, widths)
    errors = verify_gradients(net, {wrt: gold}, sizes, salt, directions)
    return errors[wrt], sizes


def verify_gradients(net: Network, golds: Mapping[str, Gold], sizes: Mapping[Any, int],
                     salt: int = 0, directions: int = 0) -> dict[str, float]:
    """Relative errors of gradient expressions (name -> ∂objective/∂name) on one random
    instance: every entry by central differences, or along ``directions`` random
    directions (one by default past ``FULL_FD_LIMIT`` entries)."""
    env = random_instance(net, sizes, salt)
    vals = forward(net, env)
    named = named_values(net, env, vals)
    out = {}
    for wrt, gold in golds.items():
        got = np.asarray(gold(named, sizes), dtype=float)
        target = vals[wrt] if wrt in vals else env[wrt]
        if got.shape != np.shape(target):
            out[wrt] = float("inf")
        elif directions or got.size > FULL_FD_LIMIT:
            pairs = fd_gradient(net, env, wrt, directions or 1, salt)
            out[wrt] = max(rel_error(float(np.sum(got * v)), d) for v, d in pairs)
        else:
            out[wrt] = rel_error(got, fd_gradient(net, env, wrt))
    return out


def compare_jacobian(net: Network, gold: Gold, of: str, wrt: str, widths: tuple[int, ...],
                     salt: int = 0) -> float:
    sizes = trial_sizes(net, widths)
    env = random_instance(net, sizes, salt)
    vals = forward(net, env)
    got = np.asarray(gold(named_values(net, env, vals), sizes), dtype=float)
    return rel_error(got, fd_jacobian(net, env, of, wrt))


# -- the complex-step oracle ----------------------------------------------------------

def _floats(a: np.ndarray) -> sp.ImmutableMatrix:
    # the entries as a flat list: given a function, the constructor calls it with SymPy
    # Integers for indices, and numpy indexed by those cost three times the matrix
    a = np.atleast_2d(np.asarray(a, dtype=float))
    return sp.ImmutableMatrix(a.shape[0], a.shape[1],
                              [sp.Float(v, 17) for v in a.reshape(-1).tolist()])


def _stepped(x0: np.ndarray, i: int) -> np.ndarray:
    """``x0`` as complex numbers with entry ``i`` stepped by i·h."""
    x = x0.astype(complex).reshape(-1)
    x[i] += 1j * COMPLEX_STEP
    return x.reshape(x0.shape)


def complex_step_gradient(net: Network, env: Mapping[str, np.ndarray], wrt: str
                          ) -> np.ndarray:
    """∂objective/∂wrt entry by entry: Im objective(wrt + i h e_k) / h."""
    vals = forward(net, env)
    x0 = np.asarray(vals[wrt] if wrt in vals else env[wrt], dtype=float)
    out = np.empty(x0.size)
    for k in range(x0.size):
        x = _stepped(x0, k)
        at = env if wrt in vals else {**env, wrt: x}  # the penalty reads a parameter here
        out[k] = np.imag(objective(net, at, forward(net, at, wrt, x))) / COMPLEX_STEP
    return out.reshape(x0.shape)


def complex_step_jacobian(net: Network, env: Mapping[str, np.ndarray], of: str, wrt: str
                          ) -> np.ndarray:
    """∂of/∂wrt (entries of ``of`` down, of ``wrt`` across), a column per complex step."""
    x0 = np.asarray(forward(net, env)[wrt], dtype=float)
    cols = [np.imag(forward(net, env, wrt, _stepped(x0, k))[of]).reshape(-1) / COMPLEX_STEP
            for k in range(x0.size)]
    return np.array(cols).T


def contract_values(net: Network, env: Mapping[str, np.ndarray]) -> dict[Any, Any]:
    """MatrixSymbol -> explicit Float matrix, for evaluating a gold value by the contract
    (named Jacobians from SymPy's derivative of the activation, not from a rule)."""
    vals = forward(net, env)
    names = net.matrix_names()
    out: dict[Any, Any] = {}
    for name, sym in names.items():
        if name in vals:
            out[sym] = _floats(vals[name])
        elif name in env:
            out[sym] = _floats(env[name])
    t = sp.Symbol("t", real=True)
    for la in net.layers:
        if isinstance(la, Activation) and la.jacobian_name is not None:
            d = sp.diff(la.rule_.scalar(t), t)
            z = np.asarray(vals[la.inp.key]).reshape(-1)
            out[la.jacobian_name] = sp.ImmutableMatrix.diag(
                *[d.xreplace({t: sp.Float(v, 17)}).evalf(20) for v in z])
    return out


def compare_with_oracle(net: Network, gold: ContractGold, wrt: str, of: str | None = None,
                        salt: int = 0, instances: dict[Any, Any] | None = None) -> float:
    """Relative error of a gold value (evaluated by the contract: xreplace + doit) against
    the complex-step derivative at the oracle sizes.

    ``instances``: where the checks of one network keep the random instance of each salt
    and its contract values, built once for all of them (each built the same: one seed)."""
    sizes = trial_sizes(net, ORACLE_SIZES)
    key = (salt, tuple(sizes.items()))
    if instances is not None and key in instances:
        env, contract = instances[key]
    else:
        env = random_instance(net, sizes, salt)
        contract = contract_values(net, env)
        if instances is not None:
            instances[key] = env, contract
    got = np.asarray(gold(contract), dtype=float)
    want = complex_step_jacobian(net, env, of, wrt) if of else \
        complex_step_gradient(net, env, wrt)
    return rel_error(got, want, floor=1e-12)
