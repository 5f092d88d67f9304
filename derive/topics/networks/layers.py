"""Networks as layers of vectors: what each layer computes, and its local rule.

A :class:`Network` is an input vector, a chain of layers (dense, elementwise activation,
softmax) and an end: a loss ``E`` against a target, or a given upstream gradient
``g = ∂L/∂y``. Every vector and parameter is a ``MatrixSymbol`` with symbolic sizes, so
the derivation never depends on the widths.

The derivative rules are written here, one per block, as matrix expressions in the
form a course writes them (the local Jacobian of each block, numerator layout: an
``out × in`` matrix):

- dense, row vectors ``f = xW + b``: ``∂f/∂x = Wᵀ``, ``∂E/∂W = xᵀ δ``, ``∂E/∂b = δ``;
- dense, column vectors ``f = Wx + b``: ``∂f/∂x = W``, ``∂E/∂W = δ xᵀ``, ``∂E/∂b = δ``;
- elementwise ``a = f(z)``: ``∂a/∂z = diag(f'(z))`` with f' from ``ACTIVATIONS``
  (σ' = a ⊙ (1 − a), tanh' = 1 − a ⊙ a, …);
- softmax: ``∂o/∂f = diag(o) − oᵀo`` (rows) or ``diag(o) − o oᵀ`` (columns);
- losses: ``∂E/∂o`` for cross-entropy, binary cross-entropy and squared error.

Row gradients propagate as ``δ_in = δ_out J``, column gradients as ``δ_in = Jᵀ δ_out``.
The textbook simplifications (softmax + cross-entropy → ``o − y`` using Σy = 1, sigmoid
+ binary cross-entropy → ``o − y``) are rewrites that fire only on the exact product
the rules give, so a wrong rule is never hidden by them. The chain rule through the layers
(gradients, Jacobians, the simplifications) is in ``backprop``. Nothing here checks
anything: ``derive.topics.networks.oracle`` holds the independent numerical routes, and
reads only the forward definitions of these layers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from derive.core.functions import relu, sigmoid
from derive.topics.networks.matrix_calculus import (
    Diag,
    Hadamard,
    IndexSum,
    Ordered,
    Quotient,
    elementwise,
    one_minus,
)
from derive.topics.networks.matrix_forms import BatchSum, Ones
from derive.topics.networks.penalties import Penalty

GELU_ALPHA = sp.Rational(1702, 1000)


class Step(sp.Function):
    """The unit step 1[z > 0] (ReLU's derivative), printed as an indicator."""

    nargs = 1

    @classmethod
    def eval(cls, z: Any) -> Any:
        if z.is_number and z.is_real:
            return sp.S.One if z > 0 else sp.S.Zero
        return None

    _imp_ = staticmethod(lambda z: np.heaviside(z, 0.0))

    def _latex(self, printer: Any) -> str:
        return r"\mathbb{1}\left[%s > 0\right]" % printer._print(self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return "[%s > 0]" % printer._print(self.args[0])


_TEXT_NAMES = {"sigma": "σ"}


def prime(name: str) -> type[sp.Function]:
    """An undefined function printed as ``f_A'`` (the derivative of a generic f_A)."""

    def _latex(self: Any, printer: Any) -> str:
        return r"%s'\left(%s\right)" % (sp.latex(sp.Symbol(name)), printer._print(self.args[0]))

    def _sympystr(self: Any, printer: Any) -> str:
        return f"{_TEXT_NAMES.get(name, name)}'({printer._print(self.args[0])})"

    return type(f"{name}_prime", (sp.Function,), {"nargs": 1, "_latex": _latex,
                                                   "_sympystr": _sympystr})


def _t() -> sp.Symbol:
    return sp.Symbol("t", real=True)


def _gelu(z: Any) -> Any:
    return z * sigmoid(GELU_ALPHA * z)


def _np_sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class ActivationRule:
    """An elementwise activation: its definition, numeric twin and derivative rule."""

    name: str
    scalar: Callable[[Any], Any]
    """z -> f(z) as a SymPy expression (exact values at the givens)"""
    numeric: Callable[[np.ndarray], np.ndarray]
    """the numpy twin of ``scalar`` (the finite-difference and complex-step routes;
    it must take complex entries)"""
    derivative: Callable[[Any, Any], Any]
    """the rule: (output a, input z) -> f'(z) as a vector expression, e.g. a ⊙ (1 − a)"""
    rule: str
    """the rule's id in steps ('sigmoid-derivative')"""
    latex: str = ""
    """how f is written (σ, tanh, ReLU)"""
    statement: Callable[[Any], Any] | None = None
    """u -> f'(u) as a scalar formula, shown beside the matrix rule (display only)"""


def _gelu_prime(a: Any, z: Any) -> Any:
    t = _t()
    s = sigmoid(GELU_ALPHA * t)
    return elementwise(sp.Lambda(t, s * (1 + GELU_ALPHA * t * (1 - s))), z)


#: activation name -> rule (the verification never uses ``derivative``)
ACTIVATIONS: dict[str, ActivationRule] = {
    "identity": ActivationRule("identity", lambda z: z, lambda z: z,
                               lambda a, z: sp.OneMatrix(*z.shape), "identity-jacobian"),
    "sigmoid": ActivationRule("sigmoid", sigmoid, _np_sigmoid,
                              lambda a, z: Hadamard(a, one_minus(a)), "sigmoid-jacobian",
                              r"\sigma", lambda u: sigmoid(u) * (1 - sigmoid(u))),
    "tanh": ActivationRule("tanh", sp.tanh, np.tanh,
                           lambda a, z: one_minus(Hadamard(a, a)), "tanh-jacobian", r"\tanh",
                           lambda u: 1 - sp.tanh(u) ** 2),
    "relu": ActivationRule("relu", relu, lambda z: np.maximum(z, 0.0),
                           lambda a, z: elementwise(Step, z), "relu-jacobian",
                           r"\operatorname{ReLU}", Step),
    "gelu": ActivationRule("gelu", _gelu, lambda z: z * _np_sigmoid(1.702 * z), _gelu_prime,
                           "gelu-jacobian", r"\operatorname{GELU}",
                           lambda u: sigmoid(GELU_ALPHA * u) * (
                               1 + GELU_ALPHA * u * (1 - sigmoid(GELU_ALPHA * u)))),
}

LOSSES = ("cross-entropy", "binary-cross-entropy", "squared-error")


# -- the network ---------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    """A vector of the network: a named MatrixSymbol, or an unnamed expression (W_A x)."""

    expr: Any
    key: str
    """its name ('f_1'), or its printed expression when unnamed"""

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.expr.shape

    @property
    def named(self) -> bool:
        return isinstance(self.expr, sp.MatrixSymbol)


@dataclass(frozen=True)
class Dense:
    """``f = x W + b`` (rows) or ``f = W x + b`` (columns)."""

    inp: Node
    out: Node
    W: sp.MatrixSymbol
    b: sp.MatrixSymbol | None
    convention: str
    where: str = ""
    batch: str | None = None
    """'rows' (Z = XW + 1b, one example per row), 'columns' (Z = WX + b1ᵀ), or None"""

    kind = "dense"

    def definition(self, x: Any = None) -> Any:
        x = self.inp.expr if x is None else x
        z = x * self.W if self.convention == "row" else self.W * x
        if self.b is None:
            return z
        if self.batch == "rows":  # the bias of every example: 1 b, B×1 times 1×M
            return Ordered(z, Ones(x.shape[0], 1) * self.b)
        if self.batch == "columns":
            return Ordered(z, self.b * Ones(1, x.shape[1]))
        return Ordered(z, self.b)

    def jacobian(self) -> tuple[str, Any]:
        return "dense-jacobian", (self.W.T if self.convention == "row" else self.W)

    def params(self) -> tuple[sp.MatrixSymbol, ...]:
        return (self.W,) if self.b is None else (self.W, self.b)

    def param_gradient(self, p: sp.MatrixSymbol, delta: Any) -> tuple[str, Any, Any]:
        """(rule, ∂E/∂p as a product with δ = ∂E/∂out shown, the same with δ's value)."""
        if p == self.b:
            if self.batch == "rows":  # summed over the examples: 1ᵀ δ
                ones = Ones(1, self.inp.shape[0])
                return "dense-bias-gradient", ones, ones * delta
            if self.batch == "columns":
                ones = Ones(self.inp.shape[1], 1)
                return "dense-bias-gradient", ones, delta * ones
            return "dense-bias-gradient", None, delta
        if self.convention == "row":
            return "dense-weight-gradient", self.inp.expr.T, self.inp.expr.T * delta
        return "dense-weight-gradient", self.inp.expr.T, delta * self.inp.expr.T

    def numeric(self, x: np.ndarray, env: dict[str, np.ndarray]) -> np.ndarray:
        W = env[self.W.name]
        z = x @ W if self.convention == "row" else W @ x
        return z + env[self.b.name] if self.b is not None else z

    def exact(self, x: Any, values: dict[Any, Any]) -> Any:
        if self.batch is not None and self.b is not None:
            W, b = sp.Matrix(values[self.W]), sp.Matrix(values[self.b])
            if self.batch == "rows":
                return sp.ImmutableMatrix(sp.Matrix(x) * W + sp.ones(x.shape[0], 1) * b)
            return sp.ImmutableMatrix(W * sp.Matrix(x) + b * sp.ones(1, x.shape[1]))
        return sp.ImmutableMatrix(self.definition(x).xreplace(values).doit())


@dataclass(frozen=True)
class Activation:
    """``a = f(z)`` entrywise."""

    inp: Node
    out: Node
    fn: str
    label: str | None = None
    """a generic name for f (f_A) shown instead of the function"""
    jacobian_name: sp.MatrixSymbol | None = None
    """a name for diag(f'(z)) (J_A), used in the answers instead of its value"""
    where: str = ""

    kind = "activation"

    @property
    def rule_(self) -> ActivationRule:
        return ACTIVATIONS[self.fn]

    def shown_function(self, generic: bool = True) -> Any:
        if self.label and generic:
            return sp.Function(self.label)
        return self.rule_.scalar if self.fn != "gelu" else sp.Lambda(_t(), _gelu(_t()))

    def definition(self, z: Any = None, generic: bool = True) -> Any:
        """f(z) as written: with the generic label (f_A) unless ``generic`` is False."""
        z = self.inp.expr if z is None else z
        if self.fn == "identity" and not (self.label and generic):
            return z
        return elementwise(self.shown_function(generic), z)

    def derivative_vector(self) -> Any:
        """f'(z) as a vector in the textbook form (the rule)."""
        return self.rule_.derivative(self.out.expr, self.inp.expr)

    def generic_jacobian(self) -> Any:
        """diag(f_A'(z)) for a generic label (the definition of a named Jacobian)."""
        shown = self.label or {"sigmoid": "sigma", "relu": "ReLU", "gelu": "GELU"}.get(
            self.fn, self.fn)
        return Diag(elementwise(prime(shown), self.inp.expr))

    def jacobian(self) -> tuple[str, Any]:
        if self.jacobian_name is not None:
            return "activation-jacobian", self.jacobian_name
        if self.fn == "identity":
            return "identity-jacobian", sp.Identity(self.out.shape[0] * self.out.shape[1])
        return self.rule_.rule, Diag(self.derivative_vector())

    def jacobian_value(self) -> Any:
        """diag(f'(z)) by the rule, whatever the display name."""
        return Diag(self.derivative_vector())

    def numeric(self, z: np.ndarray, env: dict[str, np.ndarray]) -> np.ndarray:
        return self.rule_.numeric(z)

    def exact(self, z: Any, values: dict[Any, Any]) -> Any:
        return sp.ImmutableMatrix(z.applyfunc(self.rule_.scalar))


@dataclass(frozen=True)
class Softmax:
    """``o = softmax(f)``: o_k = e^{f_k} / Σ_j e^{f_j}."""

    inp: Node
    out: Node
    convention: str
    where: str = ""
    batch: str | None = None
    """'rows': a softmax per row (example); 'columns': per column; None: one vector"""

    kind = "softmax"

    def definition(self, z: Any = None) -> Any:
        z = self.inp.expr if z is None else z
        return elementwise(sp.Function("softmax"), z)

    def jacobian(self) -> tuple[str, Any]:
        o = self.out.expr
        outer = o.T * o if self.convention == "row" else o * o.T
        return "softmax-jacobian", Ordered(Diag(o), -outer)

    def numeric(self, z: np.ndarray, env: dict[str, np.ndarray]) -> np.ndarray:
        if self.batch is not None:
            axis = 1 if self.batch == "rows" else 0
            e = np.exp(z - z.max(axis=axis, keepdims=True))
            return e / e.sum(axis=axis, keepdims=True)
        e = np.exp(z - z.max())
        return e / e.sum()

    def exact(self, z: Any, values: dict[Any, Any]) -> Any:
        e = z.applyfunc(sp.exp)
        if self.batch == "rows":
            return sp.ImmutableMatrix(e.shape[0], e.shape[1],
                                      lambda i, j: e[i, j] / sp.Add(*list(e.row(i))))
        if self.batch == "columns":
            return sp.ImmutableMatrix(e.shape[0], e.shape[1],
                                      lambda i, j: e[i, j] / sp.Add(*list(e.col(j))))
        return sp.ImmutableMatrix(e / sp.Add(*list(e)))


Layer = Dense | Activation | Softmax


@dataclass(frozen=True)
class Loss:
    """E(o, y): cross-entropy (one-hot y), binary cross-entropy or squared error."""

    out: Node
    target: sp.MatrixSymbol
    kind: str
    half: bool = True
    """squared error: ½ Σ (o − y)² (True) or Σ (o − y)²"""
    mean: bool = False
    """divide by the number of outputs (of each example, on a batch)"""
    name: sp.Symbol = field(default_factory=lambda: sp.Symbol("E", real=True))
    where: str = ""
    batch: str | None = None
    """'rows' or 'columns' when the output holds a batch of examples"""
    batch_mean: bool = True
    """on a batch: the mean over the examples (True) or their sum"""
    penalties: tuple[Penalty, ...] = ()
    """L1/L2 penalties added to the loss (``penalties``)"""

    def count(self) -> Any:
        r, c = self.out.shape
        if self.batch is not None:  # the outputs of one example
            return c if self.batch == "rows" else r
        return r * c

    def examples(self) -> Any:
        """the batch size B (1 for a single example)"""
        if self.batch is None:
            return sp.S.One
        return self.out.shape[0] if self.batch == "rows" else self.out.shape[1]

    def definition(self) -> Any:
        batch = self.batch is not None
        sub = "bk" if batch else "k"
        o, y = (sp.Symbol(f"{getattr(s, 'name', 'o')}_{sub}", real=True)  # unnamed: o
                for s in (self.out.expr, self.target))
        total_of = BatchSum if batch else IndexSum
        if self.kind == "cross-entropy":
            total = -total_of(y * sp.log(o))
        elif self.kind == "binary-cross-entropy":
            total = -total_of(y * sp.log(o) + (1 - y) * sp.log(1 - o))
        else:
            total = (sp.Rational(1, 2) if self.half else 1) * total_of((o - y) ** 2)
        total = total / self.count() if self.mean else total
        if batch and self.batch_mean:
            total = total / self.examples()
        for p in self.penalties:
            total = total + p.definition()
        return total

    def scale(self) -> Any:
        """the factor in front of ∂E/∂o's rule: 2 (Σ (o − y)²), 1/K (a mean over the
        outputs), 1/B (a mean over the batch)"""
        coef = (sp.S.One if self.half or self.kind != "squared-error" else sp.Integer(2))
        coef = coef / self.count() if self.mean else coef
        if self.batch is not None and self.batch_mean:
            coef = coef / self.examples()
        return coef

    def gradient(self) -> tuple[str, Any]:
        """∂E/∂o by the loss's rule."""
        o, y = self.out.expr, self.target
        if self.kind == "cross-entropy":
            g: Any = -Quotient(y, o)
        elif self.kind == "binary-cross-entropy":
            g = Quotient(o - y, Hadamard(o, one_minus(o)))
        else:
            g = o - y
        coef = self.scale()
        if coef != 1:  # kept in front: 2 (o − y), (1/K)(o − y)
            g = sp.MatMul(coef, g)
        return f"{self.kind}-gradient", g

    def numeric(self, o: np.ndarray, y: np.ndarray) -> Any:
        """The loss in float64 (complex128 on the oracle's complex step: no cast)."""
        if self.kind == "cross-entropy":
            v = -np.sum(y * np.log(o))
        elif self.kind == "binary-cross-entropy":
            v = -np.sum(y * np.log(o) + (1 - y) * np.log(1 - o))
        else:
            v = (0.5 if self.half else 1.0) * np.sum((o - y) ** 2)
        if self.batch is not None:
            per, n = o.shape[::-1] if self.batch == "rows" else o.shape
            v = v / per if self.mean else v
            return v / n if self.batch_mean else v
        return v / o.size if self.mean else v

    def exact(self, o: Any, y: Any, examples: int = 1) -> Any:
        """The loss (without penalties) at entries o, y in order; ``examples``: how many
        examples the entries hold (a batch)."""
        if self.kind == "cross-entropy":
            v = -sp.Add(*[yk * sp.log(ok) for ok, yk in zip(o, y, strict=True) if yk != 0])
        elif self.kind == "binary-cross-entropy":
            v = -sp.Add(*[yk * sp.log(ok) + (1 - yk) * sp.log(1 - ok)
                          for ok, yk in zip(o, y, strict=True)])
        else:
            v = (sp.Rational(1, 2) if self.half else 1) * sp.Add(
                *[(ok - yk) ** 2 for ok, yk in zip(o, y, strict=True)])
        if self.batch is not None:
            v = v / (len(o) // examples) if self.mean else v
            return v / examples if self.batch_mean else v
        return v / len(o) if self.mean else v


@dataclass(frozen=True)
class Upstream:
    """A given upstream gradient ``g = ∂L/∂y`` (the network ends without a loss)."""

    out: Node
    g: sp.MatrixSymbol
    name: sp.Symbol = field(default_factory=lambda: sp.Symbol("L", real=True))
    where: str = ""


@dataclass
class Network:
    """An input, a chain of layers, and a loss or an upstream gradient."""

    convention: str
    input: Node
    layers: list[Layer] = field(default_factory=list)
    end: Loss | Upstream | None = None
    batch: str | None = None
    """'rows' (one example per row), 'columns' (one per column), or None (one example)"""

    @property
    def output(self) -> Node:
        return self.layers[-1].out if self.layers else self.input

    @property
    def objective(self) -> sp.Symbol:
        assert self.end is not None
        return self.end.name

    def nodes(self) -> list[Node]:
        return [self.input] + [layer.out for layer in self.layers]

    def node(self, key: str) -> Node | None:
        return next((n for n in self.nodes() if n.key == key), None)

    def params(self) -> list[sp.MatrixSymbol]:
        return [p for layer in self.layers if isinstance(layer, Dense) for p in layer.params()]

    def owner(self, p: sp.MatrixSymbol) -> Dense:
        return next(la for la in self.layers if isinstance(la, Dense) and p in la.params())

    def producer(self, n: Node) -> Layer | None:
        return next((la for la in self.layers if la.out == n), None)

    def consumer(self, n: Node) -> Layer | None:
        return next((la for la in self.layers if la.inp == n), None)

    def sizes(self) -> list[sp.Symbol]:
        """The size symbols, in order of first appearance (input first)."""
        seen: list[sp.Symbol] = []
        shapes = [n.shape for n in self.nodes()] + [p.shape for p in self.params()]
        for shape in shapes:
            for d in shape:
                if isinstance(d, sp.Symbol) and d not in seen:
                    seen.append(d)
        return seen

    def matrix_names(self) -> dict[str, sp.MatrixSymbol]:
        """Every MatrixSymbol a derived expression may contain, by name."""
        out = {n.key: n.expr for n in self.nodes() if n.named}
        out.update({p.name: p for p in self.params()})
        if isinstance(self.end, Loss):
            out[self.end.target.name] = self.end.target
        if isinstance(self.end, Upstream):
            out[self.end.g.name] = self.end.g
        for la in self.layers:
            if isinstance(la, Activation) and la.jacobian_name is not None:
                out[la.jacobian_name.name] = la.jacobian_name
        return out
