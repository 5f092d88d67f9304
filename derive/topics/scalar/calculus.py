"""Differentiation that records how it was done: sum, product, quotient, power, chain rules.

``RULES`` holds the derivative of each elementary function as the course writes it
(σ' = σ(1−σ), tanh' = 1 − tanh²); the verification never uses these rules, so a wrong
rule is caught by the finite-difference checks.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derive.core.derivation import DiffStep, rule_variable
from derive.core.errors import DerivationError
from derive.core.functions import relu, sigmoid

#: the variable generic rules are written in (σ′(u) = σ(u)(1 − σ(u)))
_u = rule_variable()


def _d_sigmoid(u: sp.Expr) -> sp.Expr:
    return sigmoid(u) * (1 - sigmoid(u))


def _d_tanh(u: sp.Expr) -> sp.Expr:
    return 1 - sp.tanh(u) ** 2


#: function class -> (rule name, derivative as a function of its argument)
RULES: dict[type, tuple[str, Callable[[sp.Expr], sp.Expr]]] = {
    sigmoid: ("sigmoid-derivative", _d_sigmoid),
    sp.tanh: ("tanh-derivative", _d_tanh),
    sp.exp: ("exp-derivative", sp.exp),
    sp.log: ("log-derivative", lambda u: 1 / u),
    sp.sinh: ("sinh-derivative", sp.cosh),
    sp.cosh: ("cosh-derivative", sp.sinh),
    sp.sin: ("sin-derivative", sp.cos),
    sp.cos: ("cos-derivative", lambda u: -sp.sin(u)),
    sp.sech: ("sech-derivative", lambda u: -sp.sech(u) * sp.tanh(u)),
    relu: ("relu-derivative", lambda u: sp.Heaviside(u, 0)),
    # piecewise constant or |u|: the derivative away from 0, and sign(0) = 0 at the kink
    sp.Abs: ("abs-derivative", sp.sign),
    sp.sign: ("sign-derivative", lambda u: sp.S.Zero),
}


def local_rule(f: sp.Function) -> tuple[str, sp.Expr]:
    """The rule name and the generic statement f'(u) = … of an elementary function."""
    rule = RULES.get(type(f))
    if rule is None:
        raise DerivationError(f"no derivative rule for {type(f).__name__}")
    return rule[0], rule[1](_u)


def differentiate(expr: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, list[DiffStep]]:
    """d expr / dx with the rules written out.

    >>> from derive.core.functions import sigmoid
    >>> x = sp.Symbol("x")
    >>> differentiate(sigmoid(2*x), x)[0]
    2*(1 - sigmoid(2*x))*sigmoid(2*x)
    """
    steps: list[DiffStep] = []
    result = _diff(sp.sympify(expr), x, steps)
    return result, steps


def _dx(e: sp.Expr, x: sp.Symbol) -> sp.Expr:
    return sp.Derivative(e, x, evaluate=False)


def _diff(e: sp.Expr, x: sp.Symbol, steps: list[DiffStep]) -> sp.Expr:
    if not e.has(x):
        return sp.S.Zero
    if e == x:
        return sp.S.One
    if isinstance(e, sp.Add):
        dep = [a for a in e.args if a.has(x)]
        if len(dep) > 1 and any(not _is_linear(a, x) for a in dep):
            steps.append(DiffStep("sum-rule", _dx(e, x), sp.Add(*[_dx(a, x) for a in dep])))
        return sp.Add(*[_diff(a, x, steps) for a in dep])
    if isinstance(e, sp.Mul):
        num, den = sp.fraction(e, exact=True)
        if den != 1 and den.has(x):
            return _quotient(e, num, den, x, steps)
        const = sp.Mul(*[a for a in e.args if not a.has(x)])
        dep = [a for a in e.args if a.has(x)]
        if len(dep) == 1:
            return const * _diff(dep[0], x, steps)
        g = sp.Mul(*dep)
        terms = [sp.Mul(*(dep[:i] + dep[i + 1:])) * _dx(d, x) for i, d in enumerate(dep)]
        steps.append(DiffStep("product-rule", _dx(g, x), sp.Add(*terms, evaluate=False)))
        return const * sp.Add(*[sp.Mul(*(dep[:i] + dep[i + 1:])) * _diff(d, x, steps)
                                for i, d in enumerate(dep)])
    if isinstance(e, sp.Pow):
        base, ex = e.args
        if not ex.has(x):
            db = _diff(base, x, steps)
            out = ex * base ** (ex - 1) * db
            if base != x and not _is_linear(base, x):
                steps.append(DiffStep("power-rule", _dx(e, x), out))
            return out
        # b^g = exp(g log b)
        inner = ex * sp.log(base)
        d = _diff(inner, x, steps)
        out = e * d
        steps.append(DiffStep("exponential-rule", _dx(e, x), out))
        return out
    if isinstance(e, (sp.Max, sp.Min)):
        # max/min as cases (ties go to the first argument in SymPy's order: max(0, u) is
        # 0 at u = 0), then differentiated piece by piece
        pw = e.rewrite(sp.Piecewise)
        steps.append(DiffStep("cases", e, pw))
        return _diff(pw, x, steps)
    if isinstance(e, sp.Piecewise):
        pieces = [(_diff(expr, x, steps), cond) for expr, cond in e.args]
        out = sp.Piecewise(*pieces)
        steps.append(DiffStep("piecewise-rule", _dx(e, x), out))
        return out
    if isinstance(e, sp.Heaviside):
        # a step is flat on either side; at its jump there is no derivative (0 by convention)
        steps.append(DiffStep("heaviside-derivative", _dx(e, x), sp.S.Zero))
        return sp.S.Zero
    if isinstance(e, sp.Function) and len(e.args) == 1:
        u = e.args[0]
        name, generic = local_rule(e)
        steps.append(DiffStep(name, _dx(type(e)(_u), _u), generic))
        outer = generic.xreplace({_u: u})
        du = _diff(u, x, steps)
        out = outer * du
        if u != x:
            steps.append(DiffStep("chain-rule", _dx(e, x), out, before=outer * _dx(u, x)))
        return out
    raise DerivationError(f"no derivative rule for {type(e).__name__} in {e}")


def _quotient(e: sp.Expr, num: sp.Expr, den: sp.Expr, x: sp.Symbol,
              steps: list[DiffStep]) -> sp.Expr:
    dn = _diff(num, x, steps)
    dd = _diff(den, x, steps)
    out = (dn * den - num * dd) / den**2
    before = (_dx(num, x) * den - num * _dx(den, x)) / den**2
    steps.append(DiffStep("quotient-rule", _dx(e, x), out, before=before))
    return out


def _is_linear(e: sp.Expr, x: sp.Symbol) -> bool:
    """True for c·x + d, whose derivative needs no written step."""
    if all(t == x or not t.has(x) or (t.is_Mul and t.as_independent(x, as_Add=False)[1] == x)
           for t in sp.Add.make_args(e)):
        return True  # written as such (y − ŷ): no polynomial to build
    try:
        poly = sp.Poly(e, x)
        return poly.degree() <= 1 and not any(c.has(x) for c in poly.coeffs())
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return False
