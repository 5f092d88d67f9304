"""SymPy printers in the course's notation: decimals for decimal inputs, σ, d/dx."""

from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from derive.core.arrays import FloatMatrix, shown
from derive.core.op_count import count_ops
from derive.core.values import decimal_string, format_number
from derive.render.conditions import ChainedConditions
from derive.render.decimals import decimalize, number_tex
from derive.render.latex_memo import keep, kept_order, memo_key, recall, settings_key
from derive.render.matmul_sign import cheap_matmul_sign
from derive.render.own_latex import own_latex_now
from derive.render.plain_tex import GREEK_NAMES, plain_name
from derive.render.upright import upright_words

#: separates a substituted value's sort name from what is shown (see ``substituted``)
_SHOWN = "\x00"


class DecimalStr(StrPrinter):
    """``str()`` with terminating rationals as decimals: ``x*sigmoid(1.702*x)``."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__(settings)
        self._memo_key = settings_key(self._settings, type(self))

    def doprint(self, expr: Any) -> str:
        with cheap_matmul_sign():
            return super().doprint(decimalize(expr))

    def _print(self, expr: Any, **kwargs: Any) -> str:
        # every node printed once per printer class: a step's result starts the next step
        # (the text printers' Floats are derive's, so no part reads ``_print_level``)
        key = None if kwargs else memo_key(self._memo_key, expr, "part")
        hit = recall(key)
        if hit is None:
            hit = super()._print(expr, **kwargs)
            keep(key, hit)
        return hit

    def _print_Rational(self, expr: sp.Rational) -> str:
        d = decimal_string(expr)
        return d if d is not None else super()._print_Rational(expr)

    def _print_Float(self, expr: sp.Float) -> str:
        return format_number(expr, sig=15)

    def _print_Equality(self, expr: Any) -> str:
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"


def _positive_first(terms: list[Any]) -> list[Any]:
    """Terms of a sum with the subtracted ones last: y - t, not -t + y (stable otherwise)."""
    return sorted(terms, key=lambda t: bool(t.could_extract_minus_sign()))


class CourseLatex(ChainedConditions, LatexPrinter):
    """LaTeX as a course writes it."""

    _less = ("<", r"\leq")
    _ite = r"\left(\text{if } %s \text{ then } %s \text{ else } %s\right)"

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return _positive_first(kept_order(super()._as_ordered_terms, expr,
                                           order or self.order))

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        s = {"mul_symbol": None, "fold_short_frac": False}
        s.update(settings or {})
        super().__init__(s)

    def doprint(self, expr: Any) -> str:
        with cheap_matmul_sign():
            return super().doprint(decimalize(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        d = decimal_string(expr, max_digits=8)
        return d if d is not None else super()._print_Rational(expr)

    def _print_Float(self, expr: sp.Float) -> str:
        return format_number(expr)

    def _print_DirectPartial(self, expr: sp.Derivative) -> str:
        inner, v = expr.expr, self._print(expr.variables[0])
        if isinstance(inner, sp.Symbol):
            return r"\frac{\partial %s}{\partial %s}" % (self._print(inner), v)
        return r"\frac{\partial}{\partial %s}\left[%s\right]" % (v, self._print(inner))

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        (var, n), = expr.variable_count if len(expr.variable_count) == 1 else ((None, 0),)
        if var is None or n != 1:
            return super()._print_Derivative(expr)
        inner = expr.expr
        v = self._print(var)
        if isinstance(inner, (sp.Symbol, sp.Function, sp.Indexed)) and not isinstance(
            inner, sp.Add
        ):
            return r"\frac{d %s}{d %s}" % (self._print(inner), v)
        return r"\frac{d}{d %s}\left[%s\right]" % (v, self._print(inner))

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        name = expr.name
        if _SHOWN in name:
            return name.split(_SHOWN, 1)[1]
        if name.startswith("{") and name.endswith("}"):
            return r"\mathrm{%s}" % name[1:-1]
        if name == "1" and isinstance(expr, sp.MatrixSymbol):  # the ones vector, not a 1
            return r"\mathbf{1}"
        if any(c in name for c in "({\\'"):  # already LaTeX (f(x_{t+1})); ReLU' upright, θ_t
            name = _GREEK_HEAD.sub(r"\\\1", name)
            return re.sub(r"^([A-Za-z]{2,})(?=['(])", r"\\operatorname{\1}", name)
        return super()._print_Symbol(expr, style=style)


_GREEK_HEAD = re.compile(r"^(%s)(?=[_^])" % "|".join(sorted(GREEK_NAMES - {"lamda", "lam"})))


class CourseText(ChainedConditions, DecimalStr):
    """Plain text for terminals: σ for the sigmoid, d/dx for derivatives."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return _positive_first(kept_order(super()._as_ordered_terms, expr,
                                           order or self.order))

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        if expr.exp.is_Integer and expr.exp < -1:  # 1/cosh(x)**2, not cosh(x)**(-2)
            return "1/" + self._print(sp.Pow(expr.base, -expr.exp))
        return super()._print_Pow(expr, rational=rational)

    def _print_Piecewise(self, expr: Any) -> str:  # {1 if z > 0; 0.1 otherwise}
        cases = [f"{self._print(e)} if {self._print(c)}" if c is not sp.true
                 else f"{self._print(e)} otherwise" for e, c in expr.args]
        return "{" + "; ".join(cases) + "}"

    def _print_Max(self, expr: Any) -> str:
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr: Any) -> str:
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Abs(self, expr: Any) -> str:
        return "|" + self._print(expr.args[0]) + "|"

    def _print_sigmoid(self, expr: Any) -> str:
        return "σ(%s)" % self._print(expr.args[0])

    def _print_Function(self, expr: Any) -> str:
        if isinstance(expr, AppliedUndef):  # named as a symbol is: \\nabla f(x) is ∇f(x)
            args = ", ".join(self._print(a) for a in expr.args)
            return f"{self._print(sp.Symbol(expr.func.__name__))}({args})"
        return super()._print_Function(expr)

    def _print_Transpose(self, expr: Any) -> str:  # W_2^T, not W_2.T
        arg = expr.arg
        shown = self._print(arg)
        return f"{shown}^T" if isinstance(arg, sp.MatrixSymbol) else f"({shown})^T"

    def _print_Float(self, expr: sp.Float) -> str:
        return format_number(expr)  # as many digits as a number on its own shows

    def _print_DirectPartial(self, expr: sp.Derivative) -> str:
        inner, v = expr.expr, self._print(expr.variables[0])
        if isinstance(inner, sp.Symbol):
            return f"∂{self._print(inner)}/∂{v}"
        return f"∂/∂{v}[{self._print(inner)}]"

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        vars_ = "".join(f"d{self._print(v)}" for v in expr.variables)
        inner = expr.expr
        if isinstance(inner, (sp.Symbol, sp.Function, sp.Indexed)):
            return f"d{self._print(inner)}/{vars_}"
        return f"d/{vars_}[{self._print(inner)}]"

    # indexed families, sums and products as a course writes them: p_i, δ_ik, Σ_{k=1..K}
    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Indexed):  # Indexed's own _sympystr would win otherwise
            return self._print_Indexed(expr)
        return super()._print(expr, **kwargs)

    def _print_Indexed(self, expr: Any) -> str:
        sep = "," if all(i.is_Integer for i in expr.indices) else ""  # O_{1,10}, not O_{110}
        idx = sep.join(self._print(i) for i in expr.indices)
        return f"{self._print(expr.base.label)}_{idx if len(idx) == 1 else '{' + idx + '}'}"

    def _print_KroneckerDelta(self, expr: Any) -> str:
        return "δ_" + "".join(self._print(a) for a in expr.args)

    def _bounded(self, sign: str, expr: Any) -> str:
        lims = ",".join(f"{self._print(v)}={self._print(lo)}..{self._print(hi)}"
                        for v, lo, hi in expr.limits)
        body = self._print(expr.function)
        if isinstance(expr.function, (sp.Add, sp.Mul)):
            body = f"[{body}]"
        return f"{sign}_{{{lims}}} {body}"

    def _print_Sum(self, expr: Any) -> str:
        return self._bounded("Σ", expr)

    def _print_Unequality(self, expr: Any) -> str:
        return f"{self._print(expr.lhs)} ≠ {self._print(expr.rhs)}"

    def _print_Product(self, expr: Any) -> str:
        return self._bounded("Π", expr)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if _SHOWN in expr.name:
            return expr.name.split(_SHOWN, 1)[1]
        return plain_name(expr.name)


def latex(expr: Any, **settings: Any) -> str:
    """LaTeX of a SymPy object (or a plain value) in the course's notation."""
    if isinstance(expr, str):
        return r"\text{%s}" % expr
    if isinstance(expr, tuple):
        return ", ".join(latex(e, **settings) for e in expr)
    if isinstance(expr, sp.MatrixBase):  # ImmutableMatrix is a MatrixExpr too
        rows = [" & ".join(latex(c, **settings) for c in r) for r in expr.tolist()]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    if (isinstance(expr, sp.Basic) and expr.is_number and not isinstance(expr, sp.Rational)
            and count_ops(expr, LONG_EXACT_OPS) > LONG_EXACT_OPS):
        return format_number(expr)  # tanh(0.5 tanh(0.5 tanh(1) + 0.5) - 0.5) as 0.706818
    return CourseLatex(settings).doprint(sp.sympify(expr))


#: an exact number longer than this (operations) is shown as a decimal in LaTeX
LONG_EXACT_OPS = 12


def text(expr: Any) -> str:
    """Plain text of a SymPy object (or a plain value)."""
    if isinstance(expr, FloatMatrix):
        expr = shown(expr)
    if isinstance(expr, str):
        return expr
    if isinstance(expr, tuple):
        return ", ".join(text(e) for e in expr)
    if isinstance(expr, sp.MatrixBase):  # ImmutableMatrix is a MatrixExpr too
        return "[" + ", ".join("[" + ", ".join(text(c) for c in r) + "]"
                               for r in expr.tolist()) + "]"
    # a step's result is the next step's start: each value written once
    key = memo_key(_TEXT_KEY, expr, "whole")
    hit = recall(key)
    if hit is None:
        hit = _text(expr)
        keep(key, hit)
    return hit


def _text(expr: Any) -> str:
    if isinstance(expr, sp.Basic) and expr.is_number and not isinstance(expr, sp.Rational):
        try:
            return format_number(expr)
        except TypeError:
            pass
    if isinstance(expr, sp.Rational):
        return format_number(expr)
    return _dots(CourseText().doprint(expr))


#: what ``text`` wrote is kept apart from the parts its printer wrote
_TEXT_KEY = settings_key({}, text)


def _dots(s: str) -> str:
    """Products with a middle dot and powers with a caret, as people write them."""
    return s.replace("**", "^").replace("*", "·")


def value_str(expr: Any) -> str:
    """SymPy's ``str()`` with decimals (the JSON ``value`` of expressions)."""
    return DecimalStr().doprint(expr)


def substituted(expr: Any, subs: tuple[tuple[Any, Any], ...], *, as_latex: bool) -> str:
    """``expr`` with the substituted values written in, unevaluated (1.702 · (−0.05))."""
    if not subs or not isinstance(expr, sp.Basic):
        return latex(expr) if as_latex else text(expr)
    names = {}
    for s, v in subs:
        shown = format_number(v) if (isinstance(v, sp.Basic) and v.is_number) else str(v)
        if shown.startswith("-"):
            shown = f"({shown})"
        # named after the symbol it replaces: the order of terms is kept, and equal values
        # stay apart (1·1, not 1²); the printers show only the part after _SHOWN
        names[s] = sp.Symbol(f"{getattr(s, 'name', s)}{_SHOWN}{shown}")
    e = expr.xreplace(names)
    if isinstance(e, sp.MatrixBase) and not as_latex:  # rows as text() writes them, not
        # SymPy's Matrix([...]) repr
        return "[" + ", ".join("[" + ", ".join(_substituted_text(c) for c in r) + "]"
                               for r in e.tolist()) + "]"
    if as_latex:
        out = CourseLatex({"mul_symbol": "dot"}).doprint(e).replace(r"\mathrm", "")
        return re.sub(r"\\left\(\((-[^()]*)\)\\right\)", r"\\left(\1\\right)", out)
    return _substituted_text(e)


def _substituted_text(e: Any) -> str:
    # a negative value as a function's argument needs no second pair: σ(-5), not σ((-5))
    return _dots(re.sub(r"\(\((-[^()]*)\)\)", r"(\1)", CourseText().doprint(e)))


# -- the sheet's LaTeX (``derive sheet``, ``solve --format latex``, notebooks) --------------
# A subclass, so that ``latex()`` (the JSON ``latex`` field) keeps its output.


def _is_word(name: str) -> bool:
    """A multi-letter name that SymPy would print as italic letters (gd, momentum, min)."""
    return (name.isalpha() and len(name) > 1 and name.lower() not in GREEK_NAMES
            and sp.latex(sp.Symbol(name)) == name)


class SheetLatex(CourseLatex):
    """The sheet's notation: x_t − η g_t (positive term first), numbers as students write
    them, matrices as ``bmatrix``, words upright."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        s = {"mat_str": "bmatrix", "mat_delim": ""}
        s.update(settings or {})
        self.prime = bool(s.pop("prime", False))
        """write d f(x)/dx as f'(x) (for notes set in small type)"""
        self.names: dict[Any, str] = s.pop("names", None) or {}
        """symbols printed as given text (the values substituted for them)"""
        self.own = s.pop("own", None)
        """the problem's own LaTeX of some names (``symbol_latex``), as (name, latex)"""
        if self.own is None:
            self.own = own_latex_now()
        self._own = dict(self.own)
        super().__init__(s)
        self._memo_key = settings_key(s, type(self), self.prime, self.names, self.own)

    def _print(self, expr: Any, **kwargs: Any) -> str:
        # every node printed once per settings: a step's result is the next step's start
        key = None if kwargs else memo_key(self._memo_key, expr, "part")
        hit = recall(key)
        if hit is None:
            with cheap_matmul_sign():  # printed by pieces too, not only through doprint
                hit = super()._print(expr, **kwargs)
            keep(key, hit)
        return hit

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        inner, vc = expr.expr, expr.variable_count
        if self.prime and isinstance(inner, AppliedUndef) and len(vc) == 1 and vc[0][1] == 1 \
                and inner.args == (vc[0][0],):
            return self._print_Function(inner).replace("(", "'(", 1)
        return super()._print_Derivative(expr)

    def _print_whole(self, expr: Any) -> str:
        if isinstance(expr, sp.Basic) and _is_number(expr):
            return number_tex(expr)
        return super().doprint(expr)

    def prepare(self, expr: Any) -> Any:
        """What ``doprint`` prints (decimals for decimal inputs), for printing by pieces."""
        return decimalize(expr)

    def _print_Float(self, expr: sp.Float) -> str:
        return number_tex(expr)

    def _print_Rational(self, expr: sp.Rational) -> str:
        return number_tex(expr, sig=8)

    def ordered_terms(self, expr: Any) -> list[Any]:
        """The terms of a sum in print order, a positive one first when there is one."""
        terms = list(self._as_ordered_terms(expr, order=None) if isinstance(expr, sp.Add)
                     else expr.args)
        if terms and terms[0].could_extract_minus_sign():
            for i, t in enumerate(terms):
                if not t.could_extract_minus_sign():
                    terms.insert(0, terms.pop(i))
                    break
        return terms

    def add_terms(self, expr: Any) -> list[tuple[str, Any]]:
        """The terms of a sum with the sign printed before each ('', '- ', '+ ')."""
        out = []
        with cheap_matmul_sign():
            for i, term in enumerate(self.ordered_terms(expr)):
                sign = ""
                if i and term.could_extract_minus_sign():
                    sign, term = "- ", -term
                elif i:
                    sign = "+ "
                out.append((sign, term))
        return out

    def term(self, term: Any) -> str:
        t = self._print(term)
        return r"\left(%s\right)" % t if self._needs_add_brackets(term) else t

    def add_pieces(self, expr: Any) -> list[str]:
        """The printed terms of a sum, each with its sign, for line breaking."""
        return [sign + self.term(t) for sign, t in self.add_terms(expr)]

    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        return " ".join(self.add_pieces(expr))

    def _print_Function(self, expr: Any, exp: Any = None) -> str:
        if isinstance(expr, AppliedUndef):  # f(x), not f{\left(x \right)}
            fname = expr.func.__name__
            # min/max are LaTeX operators (\min), not words set upright
            name = "\\" + fname if fname in ("min", "max") else self._print(sp.Symbol(fname))
            args = ", ".join(self._print(a) for a in expr.args)
            return f"{name}^{{{exp}}}({args})" if exp else f"{name}({args})"
        return super()._print_Function(expr, exp)

    def _print_HadamardProduct(self, expr: Any) -> str:
        return r" \odot ".join(self.parenthesize(a, 50, strict=True) for a in expr.args)

    def _print_MatrixBase(self, expr: Any) -> str:
        rows = [" & ".join(number_tex(c) if _is_number(c) else self._print(c) for c in r)
                for r in expr.tolist()]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if expr in self.names:
            return self.names[expr]
        name = expr.name
        if name in self._own:
            return self._own[name]
        if name == _ELEMENTWISE_ARG:  # replaced by the argument after printing
            return name
        if _is_word(name):
            return r"\mathrm{%s}" % name
        if _HYPHENATED.match(name):  # cross-entropy: a word, not cross minus entropy
            return r"\text{%s}" % name
        if "*" in name and "\\" not in name:  # a product used as a name: W_A*x
            return " ".join(self._print_Symbol(sp.Symbol(f)) for f in name.split("*") if f)
        return upright_words(super()._print_Symbol(expr, style=style))

    def doprint(self, expr: Any) -> str:
        key = memo_key(self._memo_key, expr, "whole")
        hit = recall(key)
        if hit is None:
            # a negative value written in as a function's argument needs no second pair
            hit = _DOUBLE_PARENS.sub(r"\\left(\1\\right)", self._print_whole(expr))
            keep(key, hit)
        return hit




#: the placeholder an elementwise function's printed argument replaces (matrix_calculus)
_ELEMENTWISE_ARG = "ZARGZ"
_HYPHENATED = re.compile(r"^[A-Za-z]{2,}(-[A-Za-z]{2,})+$")
_DOUBLE_PARENS = re.compile(r"\\left\(\\left\((-[^()]*?)\\right\)\\right\)")
def _is_number(e: Any) -> bool:
    return isinstance(e, sp.Expr) and e.is_number and not isinstance(e, sp.Integer) and (
        isinstance(e, (sp.Rational, sp.Float)) or not e.has(sp.Symbol))


def tex(expr: Any, **settings: Any) -> str:
    """LaTeX of a value in the sheet's notation (numbers rounded, matrices as bmatrix)."""
    if isinstance(expr, FloatMatrix):
        expr = shown(expr)
    if isinstance(expr, str):
        return r"\text{%s}" % escape_text(expr)
    if isinstance(expr, (tuple, list)) and not any(isinstance(e, (list, tuple)) for e in expr):
        return ", ".join(tex(e, **settings) for e in expr)
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        return number_tex(expr)
    return sheet_printer(settings).doprint(sp.sympify(expr))


#: the sheet printers made so far, by settings: a printer's settings are all its state
#: (latex_memo), and a sheet of the 16 reference problems asks for one ~1,500 times
_SHEET_PRINTERS: dict[Any, SheetLatex] = {}


def sheet_printer(settings: dict[str, Any] | None = None) -> SheetLatex:
    """The SheetLatex for ``settings``, made once (settings that cannot be hashed, such
    as a ``names`` dict, get a new one)."""
    own = own_latex_now()
    if own:
        settings = {**(settings or {}), "own": own}
    key = settings_key(settings) if settings else ()
    if key is None:
        return SheetLatex(settings)
    printer = _SHEET_PRINTERS.get(key)
    if printer is None:
        printer = _SHEET_PRINTERS[key] = SheetLatex(settings)
    return printer


def value_tex(kind: str, value: Any) -> str:
    """An answer's value as it is boxed on a sheet, by kind."""
    if kind == "number":
        return number_tex(value) if _is_number(value) or isinstance(value, sp.Integer) \
            else tex(value)
    if kind == "shape":
        return r" \times ".join(tex(d) for d in value)
    if kind == "choice":
        return r"\text{%s}" % escape_text(str(value))
    if kind in ("matrix", "design") and not isinstance(value, sp.MatrixExpr):
        if isinstance(value, (list, tuple)):
            rows = value if all(isinstance(r, (list, tuple)) for r in value) else [value]
            return r"\begin{bmatrix} " + r" \\ ".join(
                " & ".join(tex(c) for c in r) for r in rows) + r" \end{bmatrix}"
        return tex(value)
    return tex(value)


_TEXT_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}",
                  "$": r"\$", "<": r"$<$", ">": r"$>$"}  # OT1 has no < > glyphs


def escape_text(s: str) -> str:
    """Plain text safe inside ``\\text{}`` or a paragraph (no math in it)."""
    return "".join(_TEXT_SPECIALS.get(c, c) for c in s)
