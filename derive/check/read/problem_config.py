"""How a problem's names become a ParseConfig, and the gold values answers are read against.

Matrix-expression gold contract
-------------------------------
Gold values (emitted by derivations) and parsed answers are SymPy matrix expressions
built from these pieces only, so that ``equivalence`` can judge them by substitution:

- ``MatrixSymbol(name, rows, cols)`` with ``name`` exactly as the LaTeX subscript
  spells it ('x', 'W_1', 'b_1', 'W_2', 'a', 'o', 'y', 'f_1', 'f_2', 'W_A', 'W_B', 'J_A',
  'J_B', 'g') and sizes that are Integers or size Symbols (N, M, K / n, m, k). Matching
  is by *name* (symbol assumptions may differ).
- ``MatMul``, ``MatAdd``, scalar factors, ``Transpose`` (``X.T``), ``HadamardProduct``,
  ``OneMatrix(r, c)`` (``1 - a`` is ``OneMatrix(1, M) - a``), ``Inverse``.
- elementwise functions: ``X.applyfunc(Lambda(z, f(z)))`` (an
  ``ElementwiseApplyFunction``), f built from ``derive.core.functions.sigmoid``/``relu`` and
  SymPy functions (σ'(f_1) may be written ``HadamardProduct(a, OneMatrix - a)`` or as
  ``applyfunc`` of the derivative);
- the diagonal matrix of a vector: SymPy's ``DiagMatrix(v)``
  (``sympy.matrices.expressions.diagonal``; for a row or a column vector);
- softmax of a row ``f`` (1×K): ``MatMul(Inverse(MatMul(E, OneMatrix(K, 1))), E)`` with
  ``E = f.applyfunc(exp)``; of a column: ``MatMul(E, Inverse(MatMul(OneMatrix(1, K), E)))``
  (``tex_values.softmax`` builds both).
- a problem's own elementwise functions (f_A, f_B) as SymPy undefined functions
  (``sp.Function('f_A')``, derivatives as ``Lambda(z, Derivative(f_A(z), z))``): the
  judge replaces each, in gold, answer and names alike, by one concrete smooth function.
- intermediate names (a, o, f_1, f_2, J_A, h) may appear as MatrixSymbols; their
  definitions go in ``ParseConfig.names`` (name -> matrix expression in the base
  MatrixSymbols) and give them consistent values (J_A = ``DiagMatrix(…)`` is then
  diagonal, so J_A^T = J_A holds); a name without a definition gets independent random
  values.

The contract is only this: substituting concrete ``ImmutableMatrix`` values for every
MatrixSymbol with ``xreplace`` (and Integers for the size Symbols) and calling
``.doit()`` / ``sp.Matrix(...)`` gives an explicit matrix.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

import sympy as sp

from derive.check.read import values as tv
from derive.check.read.config import ParseConfig, ParseError
from derive.check.read.emitter import Emitter
from derive.check.read.names import COURSE_FUNCTIONS, Function
from derive.check.read.reader import Reader
from derive.check.read.tokens import tokenize
from derive.core.model import AnswerSpec, Problem

# ---------------------------------------------------------------- names and configs


@lru_cache(maxsize=4096)
def name_key(latex: str) -> str | None:
    """How the reader spells a written name (``\\hat{y}`` -> 'hat(y)', ``w_{c}`` -> 'w_c');
    None when the text is not a single name. Memoised (a string in, a string out): every
    answer's config asks it for each of the problem's symbols and givens."""
    try:
        tokens = tokenize(latex)
    except ParseError:
        return None
    if not tokens:
        return None
    em = Emitter(Reader(ParseConfig()), list(tokens))
    key = subscripted_name(em)
    return key if key is not None and em.pos == len(tokens) else None


def subscripted_name(em: Emitter) -> str | None:
    """A name with its subscript (``W_1``, ``w_{c}``) read from the emitter, or None."""
    try:
        key, _ = em.base()
        if em.is_op(em.peek(), "_"):
            em.pos += 1
            key += "_" + em.sub_text(em.take_arg())
    except ParseError:
        return None
    return key


def _expand(expr: Any, defs: dict[str, Any], givens: dict[str, Any]) -> Any:
    """Replace defined names (by name) and givens until none is left (bounded)."""
    if not isinstance(expr, sp.Basic):
        return expr
    for _ in range(8):
        subs = {}
        for s in expr.atoms(sp.Symbol, sp.MatrixSymbol):
            n = str(s.name)
            if n in defs:
                subs[s] = defs[n]
            elif n in givens:
                subs[s] = givens[n]
        if not subs:
            break
        expr = expr.xreplace(subs)
    return expr


def config_for(problem: Problem, spec: AnswerSpec) -> ParseConfig:
    """The ParseConfig of one answer: its variables (``spec.vars``; all the problem's
    symbols when none are listed), the problem's matrix symbols for matrix expressions,
    its intermediate names (``spec.names``) with their definitions in the base variables,
    its functions (definitions with arguments), the givens usable by name, the aliases
    of every symbol's and given's LaTeX, and the expected shape.

    ``spec.extra`` may add ``indexed: [p, t]`` (IndexedBase names for ``p_k``),
    ``bound: K`` (the upper bound of ``\\sum_k``) and ``functions: [f_A]`` (undefined
    elementwise functions a matrix expression may use).
    """
    ns = problem.namespace
    var_names = list(spec.vars) or list(problem.symbols)
    symbols: dict[str, Any] = {}
    aliases: dict[str, str] = {}
    sizes: dict[str, Any] = {}
    for name in var_names:
        obj = ns.get(name)
        if isinstance(obj, (sp.Symbol, sp.MatrixSymbol)):
            symbols[name] = obj
    if spec.kind == "matrix-expression":
        for s in problem.symbols.values():
            if s.shape is not None:
                symbols.setdefault(s.name, ns[s.name])
    for s in problem.symbols.values():
        key = name_key(s.latex)
        if key and key != s.name:
            aliases[key] = s.name
    for obj in symbols.values():
        if isinstance(obj, sp.MatrixSymbol):
            for d in obj.shape:
                if isinstance(d, sp.Symbol):
                    sizes[d.name] = d
    for d in spec.shape or ():
        if isinstance(d, sp.Symbol):
            sizes.setdefault(d.name, d)

    # the variables a name's meaning is written in are variables here, even where a later
    # part gives them a value (loss-gradients: y = z in part a, z = -5 in part e)
    meant = {str(v) for m in spec.meanings.values() if isinstance(m, sp.Basic)
             for v in m.free_symbols if isinstance(v, sp.Symbol)}
    for v in sorted(meant - set(symbols)):
        symbols[v] = ns[v] if isinstance(ns.get(v), sp.Symbol) else sp.Symbol(v, real=True)
    givens = {g.name: g.value for g in problem.givens.values()
              if not isinstance(g.value, sp.MatrixBase) and g.name not in var_names
              and g.name not in meant}
    constants = dict(givens)
    for g in problem.givens.values():
        key = name_key(g.latex)
        if g.name in constants and key and key != g.name:
            aliases[key] = g.name

    quantity_defs = {d.name: d.expr for d in problem.definitions.values() if not d.args}
    names: dict[str, Any] = {}
    for n in spec.names:
        if n in spec.meanings:
            names[n] = spec.meanings[n]
        elif n in quantity_defs:
            others = {k: v for k, v in quantity_defs.items() if k != n}
            value = _expand(quantity_defs[n], others, givens)
            names[n] = value
            if tv.is_matrix(value):
                symbols[n] = sp.MatrixSymbol(n, *value.shape)
        elif spec.kind == "matrix-expression" and isinstance(ns.get(n), sp.MatrixBase):
            # a given matrix (Y of a batch) stands for its matrix symbol (from the gold):
            # its entries' symbols are the given at one size, not a definition
            if isinstance(symbols.get(n), sp.MatrixSymbol):
                names[n] = symbols[n]
        elif n in symbols or n in ns:
            names[n] = ns.get(n, sp.Symbol(n, real=True))
    functions: dict[str, Any] = {}
    for d in problem.definitions.values():
        if d.args:
            functions[d.name] = Function(d.name, sp.Lambda(d.args, _expand(d.expr, {},
                                                                           givens)))
    for fname in spec.extra.get("functions", ()) or ():
        functions[str(fname)] = Function(str(fname), sp.Function(str(fname)))
    for bname in spec.extra.get("indexed", ()) or ():
        symbols[str(bname)] = sp.IndexedBase(str(bname))
    bound = spec.extra.get("bound")
    kwargs: dict[str, Any] = {}
    if spec.extra.get("component"):
        kwargs["component"] = sp.Symbol(str(spec.extra["component"]), integer=True,
                                        positive=True)
    if bound:
        kwargs["sum_bound"] = sp.Symbol(str(bound), integer=True, positive=True)
    kwargs["defined_primes"] = spec.kind != "expression"
    kwargs["ones_vectors"] = spec.kind == "matrix-expression"
    kwargs["properties"] = _properties(problem, spec)
    return ParseConfig(symbols=symbols, functions=functions, names=names,
                       constants=constants, aliases=aliases, shape=spec.shape,
                       sizes=sizes, **kwargs)


#: what a spec may declare of a matrix name (``properties: {J_A: diagonal}``)
PROPERTIES = ("diagonal", "symmetric")


def _properties(problem: Problem, spec: AnswerSpec) -> dict[str, str]:
    from derive.core.errors import SpecError

    raw = spec.extra.get("properties") or {}
    if not isinstance(raw, dict):
        raise SpecError(problem.path, f"answers.{spec.id}.properties",
                        "expected a mapping of matrix name -> diagonal or symmetric")
    for name, kind in raw.items():
        if kind not in PROPERTIES:
            raise SpecError(problem.path, f"answers.{spec.id}.properties.{name}",
                            f"unknown property {kind!r} (expected one of: "
                            + ", ".join(PROPERTIES) + ")")
    return {str(k): str(v) for k, v in raw.items()}


def ones_by_name(gold: Any) -> Any:
    """A gold value with a matrix symbol named ``1`` (a block's ``1ᵀ(P − Y)/B``) as the
    vector of ones it stands for (``OneMatrix``), not a matrix of random values."""
    if not isinstance(gold, sp.Basic):
        return gold
    named: dict[Any, Any] = {t: tv.Ones(*t.shape) for t in gold.atoms(sp.Transpose)
                             if isinstance(t.arg, sp.MatrixSymbol) and str(t.arg.name) == "1"}
    named.update({m: tv.Ones(*m.shape) for m in gold.atoms(sp.MatrixSymbol)
                  if str(m.name) == "1"})
    return gold.xreplace(named) if named else gold


def with_gold_symbols(config: ParseConfig, gold: Any) -> ParseConfig:
    """The config with the matrix symbols of the right answer (a block may create them,
    e.g. J_A, W_B of a network, without the spec listing them) and their sizes, and its
    indexed names (p of ``p_i``: softmax-jacobian's block makes p, i, j itself)."""
    if not isinstance(gold, sp.Basic):
        return config
    found: dict[str, Any] = {m.name: m for m in gold.atoms(sp.MatrixSymbol)
                             if m.name not in config.symbols}
    found.update({str(x.base.label): x.base for x in gold.atoms(sp.Indexed)
                  if str(x.base.label) not in config.symbols})
    if not found:
        return config
    sizes = dict(config.sizes)
    for m in found.values():
        for d in getattr(m, "shape", None) or ():
            if isinstance(d, sp.Symbol):
                sizes.setdefault(d.name, d)
    return dataclasses.replace(config, symbols={**config.symbols, **found}, sizes=sizes)


def with_meanings(config: ParseConfig, meanings: dict[str, Any]) -> ParseConfig:
    """The config with the names a solution's blocks defined (a network's f_1, a, o, J_A:
    ``Solution.meanings``), so that a student may write a definition in a name's place
    (``softmax(f_2)`` for o) or a name the answer's spec did not list; the elementwise
    functions those definitions use (f_A) become callable, primes included."""
    from sympy.core.function import AppliedUndef

    if not meanings:
        return config
    symbols, names = dict(config.symbols), dict(config.names)
    functions, sizes = dict(config.functions), dict(config.sizes)
    for n, d in meanings.items():
        if not tv.is_matrix(d):
            continue
        current = names.get(n)
        if current is None or isinstance(current, (sp.Symbol, sp.MatrixSymbol)):
            names[n] = d
        symbols.setdefault(n, sp.MatrixSymbol(n, *d.shape))
        for f in d.atoms(AppliedUndef):
            fname = type(f).__name__
            functions.setdefault(fname, Function(fname, sp.Function(fname)))
        for m in d.atoms(sp.MatrixSymbol):
            symbols.setdefault(m.name, m)
            for dim in m.shape:
                if isinstance(dim, sp.Symbol):
                    sizes.setdefault(dim.name, dim)
    return dataclasses.replace(config, symbols=symbols, names=names, functions=functions,
                               sizes=sizes)


# keep the course table importable from here (tests and the checker document it)
FUNCTION_TABLE = COURSE_FUNCTIONS
