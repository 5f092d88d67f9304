"""The names and functions a student may write: the course's function table, index slots."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.check.read import values as tv
from derive.check.read.config import ParseError
from derive.check.read.tokens import (
    NUM,
    OP,
    Token,
)
from derive.core import functions as fns

PLACEHOLDERS = (
    list("abcfghjklmnopqrstuvwxyzABCDFGHJKLMNOPQRSUVWXYZ")
    + ["\\" + g for g in (
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi rho "
        "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Sigma Upsilon "
        "Phi Psi Omega").split()]
)
OPENERS, CLOSERS = "([{", ")]}"
ACCENTS = {r"\hat": "hat", r"\widehat": "hat", r"\bar": "bar", r"\overline": "bar",
            r"\tilde": "tilde", r"\widetilde": "tilde", r"\dot": "dot", r"\ddot": "ddot"}
SAME_NAME = {r"\mathbf", r"\bm", r"\boldsymbol", r"\vec", r"\mathit", r"\mathrm",
              r"\mathsf", r"\mathtt", r"\mathcal", r"\operatorname", r"\text", r"\textrm",
              r"\textit", r"\textbf", r"\operatornamewithlimits"}
FUNCTION_CMDS = {r"\exp", r"\log", r"\ln", r"\lg", r"\tanh", r"\sinh", r"\cosh", r"\sin",
                  r"\cos", r"\tan", r"\sech", r"\csch", r"\coth", r"\max", r"\min"}
MATRIX_ENVS = {"bmatrix", "pmatrix", "matrix", "Bmatrix", "smallmatrix", "array"}
INDEX_LETTERS = set("ijklmnt")
#: latex2sympy2 takes ~5-7 ms per token (linear); one call is held to this many
MAX_CORE_TOKENS = 180
CORE_TOKEN = re.compile(r"\\[A-Za-z]+|\d+(?:\.\d+)?|\S")


@dataclass(frozen=True)
class Function:
    """An entry of the function table."""

    name: str
    apply: Any
    """scalar function (applied entrywise to matrices), or for ``vector`` a function of
    the whole argument"""
    operator: bool = False
    """takes a bare argument: ``\\tanh x``"""
    kind: str = "elementwise"
    """'elementwise', 'vector' (softmax, diag) or 'multi' (max, min)"""


def _gelu(z: Any) -> Any:
    # the course's GELU is the sigmoid approximation x σ(1.702 x)
    return z * fns.sigmoid(sp.Rational(1702, 1000) * z)


def _step(*args: Any) -> Any:
    """θ(z) / θ(z, h₀): the Heaviside step (how SymPy, and so derive, writes ReLU′: h₀ is
    its value at 0, 0 unless written)."""
    if len(args) not in (1, 2):
        raise ParseError(f"\\theta (the step function) takes z, or z and its value at 0; "
                         f"found {len(args)} arguments")
    return fns.heaviside(*args)


COURSE_FUNCTIONS: dict[str, Function] = {
    "sigma": Function("sigma", fns.sigmoid),
    "varphi": Function("varphi", fns.sigmoid),
    "phi": Function("phi", fns.sigmoid),
    "sigmoid": Function("sigmoid", fns.sigmoid),
    "relu": Function("relu", fns.relu),
    "gelu": Function("gelu", _gelu),
    "tanh": Function("tanh", sp.tanh, True),
    "sinh": Function("sinh", sp.sinh, True),
    "cosh": Function("cosh", sp.cosh, True),
    "sech": Function("sech", sp.sech, True),
    "csch": Function("csch", sp.csch, True),
    "coth": Function("coth", sp.coth, True),
    "sin": Function("sin", sp.sin, True),
    "cos": Function("cos", sp.cos, True),
    "tan": Function("tan", sp.tan, True),
    "exp": Function("exp", sp.exp, True),
    "log": Function("log", sp.log, True),
    "ln": Function("ln", sp.log, True),
    "softmax": Function("softmax", tv.softmax, False, "vector"),
    "diag": Function("diag", tv.diag, False, "vector"),
    "max": Function("max", sp.Max, False, "multi"),
    "min": Function("min", sp.Min, False, "multi"),
    # the derivative of |x| and of piecewise losses (\operatorname{sign}(r), \mathrm{sgn})
    "sign": Function("sign", sp.sign),
    # the unit step, as a problem that does not name θ itself reads \theta(z, 0)
    "theta": Function("theta", _step, False, "multi"),
    "sgn": Function("sgn", sp.sign),
}
#: function words also read when typed without a command, if followed by '('
PLAIN_WORDS = sorted(["softmax", "sigmoid", "relu", "gelu", "tanh", "sech", "sinh", "cosh",
                       "exp", "log", "ln", "diag", "max", "min"], key=len, reverse=True)


@dataclass(frozen=True)
class IndexSlot:
    """A summation index as latex2sympy2 sees it, with the value it excludes (k ≠ i)."""

    symbol: sp.Symbol
    exclude: Any = None
    bounded: bool = True
    """an upper bound was written (``\\sum_b`` alone runs over every row of a matrix)"""


def plain_number(tokens: list[Token]) -> Any:
    """``1.5`` / ``-2``: read directly (matrices are mostly these)."""
    if len(tokens) == 1 and tokens[0].kind == NUM:
        return tv.check_number(sp.Rational(tokens[0].text))
    if len(tokens) == 2 and tokens[0].kind == OP and tokens[0].text in "+-" \
            and tokens[1].kind == NUM:
        v = sp.Rational(tokens[1].text)
        return -v if tokens[0].text == "-" else v
    return None


def index_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)
