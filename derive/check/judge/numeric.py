"""Equivalence by evaluation at random points (seeded): scalars, sums, matrix expressions.

Names are matched by *name*, not by SymPy identity, so a gold value built with other
symbol assumptions (``Symbol('x')`` vs ``Symbol('x', real=True)``) compares the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix

from derive.check.read import values as tv
from derive.core import functions, pointwise

#: random points per comparison, and how many must be valid (finite on both sides)
POINTS = 8
MIN_VALID = 4
MAX_TRIES = 32
#: range of free scalar variables
LOW, HIGH = -2.0, 2.0
#: bounds of sums written without a number (``\sum_k``), evaluated at each
SUM_BOUNDS = (3, 5)
RTOL, ATOL = 1e-9, 1e-11
DIGITS = 30


@dataclass(frozen=True)
class Outcome:
    """The result of a numeric comparison."""

    equal: bool | None
    """None: too few valid points to decide"""
    detail: str = ""


def expand_names(expr: Any, names: dict[str, Any]) -> Any:
    """Replace intermediate names (by name) with their definitions, until none is left."""
    if not names or not isinstance(expr, sp.Basic):
        return expr
    for _ in range(8):
        subs = {s: names[s.name] for s in expr.atoms(sp.Symbol, sp.MatrixSymbol)
                if str(s.name) in names and names[str(s.name)] != s
                and not (isinstance(names[str(s.name)], sp.Symbol)
                         and names[str(s.name)].name == s.name)}
        if not subs:
            break
        expr = expr.xreplace(subs)
    return expr


def concretize(exprs: list[Any], seed: int = 3) -> list[Any]:
    """Undefined functions (``f_A``, ``f_B`` of a problem) replaced, consistently in every
    expression, by concrete smooth ones (a·tanh(b·u) + c·u, seeded), derivatives done."""
    from sympy.core.function import AppliedUndef

    classes = sorted({type(a) for e in exprs if isinstance(e, sp.Basic)
                      for a in e.atoms(AppliedUndef)}, key=lambda f: f.__name__)
    if not classes:
        return exprs
    rng = np.random.default_rng(seed)
    u = sp.Dummy("u")
    table = {}
    for f in classes:
        a, b, c = (sp.Rational(int(v), 100) for v in rng.integers(30, 150, 3))
        table[f] = sp.Lambda(u, a * sp.tanh(b * u) + c * u)
    out = []
    for e in exprs:
        if isinstance(e, sp.Basic):
            for f, lam in table.items():
                e = e.replace(f, lam)
            e = e.replace(lambda n: isinstance(n, (sp.Derivative, sp.Subs)),
                          lambda n: n.doit())
        out.append(e)
    return out


def _index_symbols(expr: Any) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    for ix in expr.atoms(sp.Indexed):
        for i in ix.indices:
            out |= {s for s in i.free_symbols}
    return out


def free_names(expr: Any) -> set[str]:
    """Names of the free variables of a value (Symbols, Indexed bases, MatrixSymbols)."""
    if not isinstance(expr, sp.Basic):
        return set()
    names = {str(s.name) for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    names |= {str(m.name) for m in expr.atoms(sp.MatrixSymbol)}
    names |= {str(ix.base.label) for ix in expr.atoms(sp.Indexed)}
    names -= {str(b.label) for b in expr.atoms(sp.IndexedBase)} - names
    return names


class _Values:
    """Random values by name, drawn once per point and shared by gold and answer."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.scalars: dict[str, float] = {}
        self.indexed: dict[tuple[str, int], float] = {}

    def scalar(self, name: str) -> float:
        if name not in self.scalars:
            self.scalars[name] = float(self.rng.uniform(LOW, HIGH))
        return self.scalars[name]

    def item(self, base: str, i: int) -> float:
        if (base, i) not in self.indexed:
            self.indexed[(base, i)] = float(self.rng.uniform(LOW, HIGH))
        return self.indexed[(base, i)]


def _has_sums(*exprs: Any) -> bool:
    return any(isinstance(e, sp.Basic) and (e.has(sp.Sum) or e.atoms(sp.Indexed))
               for e in exprs)


def _evaluate(expr: Any, vals: _Values, ints: dict[str, int]) -> complex | None:
    if not isinstance(expr, sp.Basic):
        expr = sp.sympify(expr, strict=True)
    if _has_sums(expr):
        # float64 arithmetic on the tree, a sum as a loop over its index: Sum.doit and
        # evalf at every point cost up to a second per judgement
        try:
            v = pointwise.evaluate(expr, vals.scalar, vals.item, ints)
        except pointwise.Unsupported:
            pass
        else:
            return complex(v) if np.isfinite(v) else None
    e = expr.xreplace({s: sp.Integer(ints[s.name]) for s in expr.free_symbols
                       if isinstance(s, sp.Symbol) and s.name in ints})
    if e.has(sp.Sum):
        e = e.doit()
    # values are drawn on first request, so names are visited in a fixed order (a set's
    # order follows string hashing, which changes per process: the same answer got other
    # sample points, and other feedback, on each run)
    subs: dict[Any, Any] = {}
    for ix in sorted(e.atoms(sp.Indexed), key=str):
        idx = ix.indices[0] if len(ix.indices) == 1 else None
        if idx is None or not idx.is_Integer:
            return None
        subs[ix] = sp.Float(vals.item(str(ix.base.label), int(idx)), DIGITS)
    e = e.xreplace(subs)
    e = e.xreplace({s: sp.Float(vals.scalar(s.name), DIGITS)
                    for s in sorted(e.free_symbols, key=str) if isinstance(s, sp.Symbol)})
    try:
        v = complex(sp.N(e, DIGITS))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not np.isfinite(v) or abs(v.imag) > 1e-12 * max(1.0, abs(v.real)):
        return None
    return v


#: points where a value is larger than this prove nothing at RTOL (they are skipped; with
#: too few left, the bounded symbolic comparison decides)
HUGE = 1e8


def _close(a: complex, b: complex) -> bool:
    return abs(a - b) <= ATOL + RTOL * max(abs(a), abs(b))


def compare_scalars(gold: Any, answer: Any, seed: int = 0) -> Outcome:
    """Evaluate both at seeded random points (concrete sum bounds K = 3 and 5)."""
    sums = _has_sums(gold, answer)
    bound_names = {s.name for e in (gold, answer) if isinstance(e, sp.Basic)
                   for sm in e.atoms(sp.Sum) for (_, _, hi) in sm.limits
                   for s in hi.free_symbols}
    index_names = {s.name for e in (gold, answer) if isinstance(e, sp.Basic)
                   for s in _index_symbols(e)}
    index_names -= {v.name for e in (gold, answer) if isinstance(e, sp.Basic)
                    for sm in e.atoms(sp.Sum) for (v, _, _) in sm.limits}
    rng = np.random.default_rng(seed)
    valid = 0
    tries = 0
    bounds = SUM_BOUNDS if sums else (None,)
    for bound in bounds:
        valid_here = 0
        while valid_here < POINTS and tries < MAX_TRIES * len(bounds):
            tries += 1
            ints = {n: bound for n in bound_names} if bound else {}
            for n in index_names:
                ints[n] = int(rng.integers(1, (bound or 3) + 1))
            vals = _Values(rng)
            g = _evaluate(gold, vals, ints)
            a = _evaluate(answer, vals, ints)
            if g is None or a is None:
                continue
            if max(abs(g), abs(a)) > HUGE:
                continue  # float64 there cannot see a small additive slip (e^343 + 1)
            valid_here += 1
            valid += 1
            if not _close(g, a):
                where = ", ".join(f"{k} = {v:.3g}" for k, v in sorted(vals.scalars.items()))
                return Outcome(False, f"differs at {where}: expected {g.real:.6g}, "
                                      f"yours gives {a.real:.6g}" if where else
                                      f"expected {g.real:.6g}, yours gives {a.real:.6g}")
    if valid < MIN_VALID:
        return Outcome(None, f"only {valid} valid points")
    return Outcome(True)


# ---------------------------------------------------------------- matrices


def size_symbols(*exprs: Any) -> dict[str, sp.Symbol]:
    out: dict[str, sp.Symbol] = {}
    for e in exprs:
        if not isinstance(e, sp.Basic):
            continue
        for m in e.atoms(sp.MatrixSymbol):
            for d in m.shape:
                for s in sp.sympify(d, strict=True).free_symbols:
                    out[s.name] = s
        if tv.is_matrix(e):
            for d in e.shape:
                for s in sp.sympify(d, strict=True).free_symbols:
                    out[s.name] = s
        for o in e.atoms(sp.OneMatrix, sp.ZeroMatrix, sp.Identity):
            for d in o.shape:
                for s in sp.sympify(d, strict=True).free_symbols:
                    out[s.name] = s
    return out


def size_draws(names: list[str], seed: int = 0, draws: int = 3) -> list[dict[str, int]]:
    """Concrete sizes: distinct within a draw (a transposition shows), 1 allowed once."""
    rng = np.random.default_rng(seed + 101)
    out = []
    for d in range(draws):
        pool = list(range(1 if d == 0 else 2, 7))
        picks = rng.permutation(pool)[:len(names)]
        if len(picks) < len(names):  # more sizes than values: repeat, still concrete
            picks = list(picks) + [int(rng.integers(2, 7)) for _ in names[len(picks):]]
        out.append({n: int(v) for n, v in zip(names, picks, strict=False)})
    return out


def concrete_shape(shape: tuple[Any, Any], sizes: dict[str, int]) -> tuple[int, int]:
    dims = []
    for d in shape:
        d = sp.sympify(d, strict=True).xreplace({s: sp.Integer(sizes[s.name]) for s in
                                    sp.sympify(d, strict=True).free_symbols if s.name in sizes})
        if not d.is_Integer:
            raise ValueError(f"size {d} has no value")
        dims.append(int(d))
    return dims[0], dims[1]


_LAMBDAS: dict[Any, Any] = {}


def _numeric_function(fn: Any) -> Any:
    """A numpy function for an elementwise Lambda (generated from our own tree)."""
    if fn not in _LAMBDAS:
        if len(_LAMBDAS) > 512:
            _LAMBDAS.clear()
        _LAMBDAS[fn] = functions.lambdify(list(fn.variables), fn.expr)
    return _LAMBDAS[fn]


class Env:
    """Concrete values for one evaluation: matrices and scalars by name, sizes."""

    def __init__(self, mats: dict[str, np.ndarray], scalars: _Values,
                 sizes: dict[str, int]) -> None:
        self.mats, self.scalars, self.sizes = mats, scalars, sizes

    def dims(self, shape: tuple[Any, Any]) -> tuple[int, int]:
        return concrete_shape(shape, self.sizes)

    def scalar(self, e: Any) -> complex:
        e = sp.sympify(e, strict=True)
        e = e.xreplace({s: sp.Integer(self.sizes[s.name]) for s in e.free_symbols
                        if isinstance(s, sp.Symbol) and s.name in self.sizes})
        e = e.xreplace({s: sp.Float(self.scalars.scalar(s.name), DIGITS)
                        for s in e.free_symbols if isinstance(s, sp.Symbol)})
        return complex(sp.N(e, DIGITS))


def np_eval(e: Any, env: Env) -> Any:
    """A matrix expression (the gold contract's pieces) evaluated with numpy."""
    if isinstance(e, sp.MatrixSymbol):
        return env.mats[str(e.name)]
    if isinstance(e, sp.MatrixBase):
        return np.array([[env.scalar(c) for c in row] for row in e.tolist()], dtype=complex)
    if isinstance(e, sp.OneMatrix):
        return np.ones(env.dims(e.shape), dtype=complex)
    if isinstance(e, sp.ZeroMatrix):
        return np.zeros(env.dims(e.shape), dtype=complex)
    if isinstance(e, sp.Identity):
        return np.eye(env.dims(e.shape)[0], dtype=complex)
    if isinstance(e, sp.MatAdd):
        return sum(np_eval(a, env) for a in e.args)
    if isinstance(e, sp.MatMul):
        out: Any = 1
        for a in e.args:
            v = np_eval(a, env)
            out = out @ v if isinstance(out, np.ndarray) and isinstance(v, np.ndarray) \
                else out * v
        return out
    if isinstance(e, sp.Transpose):
        return np_eval(e.arg, env).T
    if isinstance(e, sp.HadamardProduct):
        out = np_eval(e.args[0], env)
        for a in e.args[1:]:
            out = out * np_eval(a, env)
        return out
    if isinstance(e, sp.HadamardPower):
        return np_eval(e.base, env) ** env.scalar(e.exp)
    if isinstance(e, ElementwiseApplyFunction):
        arg = np_eval(e.expr, env)
        with np.errstate(all="ignore"):
            return np.asarray(_numeric_function(e.function)(arg.real), dtype=complex) \
                if not np.iscomplexobj(arg) or not arg.imag.any() else \
                np.vectorize(lambda z: env.scalar(e.function(sp.sympify(z, strict=True))))(arg)
    if isinstance(e, DiagMatrix):
        return np.diag(np_eval(e.args[0], env).ravel())
    if isinstance(e, sp.Inverse):
        return np.linalg.inv(np_eval(e.arg, env))
    if isinstance(e, sp.MatPow):
        return np.linalg.matrix_power(np_eval(e.base, env), int(env.scalar(e.exp).real))
    if isinstance(e, sp.MatrixExpr):
        raise ValueError(f"{type(e).__name__} cannot be evaluated")
    return env.scalar(e)


def explicit(expr: Any, mats: dict[str, Any], scalars: _Values,
             sizes: dict[str, int]) -> np.ndarray:
    """The numeric matrix of a matrix expression once every name has a value."""
    arrays = {k: (np.array(v.tolist(), dtype=complex) if isinstance(v, sp.MatrixBase)
                  else v) for k, v in mats.items()}
    out = np_eval(expr, Env(arrays, scalars, sizes))
    return np.atleast_2d(np.asarray(out, dtype=complex))


def random_matrices(symbols: dict[str, sp.MatrixSymbol], names: dict[str, Any],
                    sizes: dict[str, int], rng: np.random.Generator,
                    scalars: _Values, properties: dict[str, str] | None = None
                    ) -> dict[str, np.ndarray]:
    """Values for every matrix name: random for base names, from the definition for
    intermediate names (a = σ(x W_1 + b_1)) when one is given."""
    def defined(n: str) -> bool:
        d = names.get(n)
        return tv.is_matrix(d) and not isinstance(d, sp.MatrixSymbol)

    mats: dict[str, np.ndarray] = {}
    for name, m in sorted(symbols.items()):
        if not defined(name):
            mats[name] = rng.uniform(-1, 1, concrete_shape(m.shape, sizes)).astype(complex)
            kind = (properties or {}).get(name)
            if kind == "diagonal" and mats[name].shape[0] == mats[name].shape[1]:
                mats[name] = np.diag(np.diag(mats[name]))
            elif kind == "symmetric" and mats[name].shape[0] == mats[name].shape[1]:
                mats[name] = (mats[name] + mats[name].T) / 2
    pending = {n: names[n] for n in symbols if defined(n)}
    for _ in range(len(pending) + 1):
        for n, d in list(pending.items()):
            if {str(m.name) for m in d.atoms(sp.MatrixSymbol)} <= set(mats):
                mats[n] = explicit(d, mats, scalars, sizes)
                del pending[n]
    for n in pending:  # circular or incomplete definitions: independent values
        mats[n] = rng.uniform(-1, 1, concrete_shape(symbols[n].shape, sizes)).astype(complex)
    return mats
