"""The sheet printer's memo (render.latex_memo) never changes what is printed: values
that hash alike or compare equal across types print as they do with the memo empty."""

from __future__ import annotations

import sympy as sp

from derive.render import latex_memo
from derive.render.decimals import number_tex
from derive.render.printing import (
    CourseLatex,
    SheetLatex,
    sheet_printer,
    tex,
    text,
    value_str,
)
from derive.render.shown import shown_expr


def _fresh(expr: object, **settings: object) -> str:
    latex_memo._PRINTED.clear()
    return tex(expr, **settings)


def test_memo_keeps_alike_values_apart() -> None:
    x, xr = sp.Symbol("x"), sp.Symbol("x", positive=True)
    alike = [1, sp.Integer(1), sp.Float(1.0), sp.Float(1.0, 30), sp.Rational(1, 2),
             sp.Float(0.5), 0.5, x, xr, x + 1, xr + 1, sp.Float(0.1, 15), sp.Float(0.1, 30),
             sp.Derivative(sp.Function("f")(x), x)]
    settings = [{}, {"prime": True}, {"mul_symbol": "dot"}]
    want = [[_fresh(e, **s) for e in alike] for s in settings]
    latex_memo._PRINTED.clear()
    for _ in range(2):  # filled, then read back, both orders of settings
        for s, row in zip(settings + settings[::-1], want + want[::-1], strict=True):
            assert [tex(e, **s) for e in alike] == row
    assert want[1][-1] != want[0][-1]  # prime: f'(x), not d f(x)/dx


def test_names_are_part_of_the_key() -> None:
    x, y = sp.symbols("x y")
    a = shown_expr(x * y, ((x, sp.Integer(2)),))
    b = shown_expr(x * y, ((x, sp.Integer(3)),))
    first = a.printer().doprint(a.expr)
    assert b.printer().doprint(b.expr) != first
    assert a.printer().doprint(a.expr) == first


def test_unhashable_is_printed_not_kept() -> None:
    latex_memo._PRINTED.clear()
    m = sp.Matrix([[1, 2]])
    assert SheetLatex().doprint(m) == SheetLatex().doprint(sp.ImmutableMatrix(m))
    assert all(k[2] is not sp.MutableDenseMatrix for k in latex_memo._PRINTED)
    assert any(k[2] is sp.Integer for k in latex_memo._PRINTED)  # its cells are kept


def test_text_printers_keep_alike_values_apart() -> None:
    """``text`` and ``value_str`` (the terminal's and the JSON's) share the memo: what they
    print with it filled, in either order, is what each prints with it empty."""
    x, xr, i = sp.Symbol("x"), sp.Symbol("x", positive=True), sp.Symbol("i")
    p = sp.IndexedBase("p")
    alike = [1, 1.0, sp.Integer(1), sp.Float(1.0), sp.Float(1.0, 30), sp.Rational(1, 2),
             sp.Float(0.5), 0.5, x, xr, x + 1, xr + 1, sp.Float(0.1, 15), sp.Float(0.1, 30),
             sp.Float(0.1, 15) * x, sp.Float(0.1, 30) * x, sp.Rational(851, 500) * x,
             p[i], p[i] + 1, sp.Sum(p[i], (i, 1, 3)), sp.Derivative(sp.Function("f")(x), x)]

    def fresh(f: object, e: object) -> str:
        latex_memo._PRINTED.clear()
        return f(e)  # type: ignore[operator,no-any-return]

    printers = [text, value_str]
    want = [[fresh(f, e) for e in alike] for f in printers]
    shown = dict(zip(map(sp.srepr, alike), want[0], strict=True))
    assert shown[sp.srepr(sp.Rational(851, 500) * x)] == "1.702·x"
    assert want[1][alike.index(sp.Rational(1, 2))] == "0.5"
    latex_memo._PRINTED.clear()
    for _ in range(2):
        for f, row in zip(printers + printers[::-1], want + want[::-1], strict=True):
            assert [f(e) for e in alike] == row
            assert [f(e) for e in alike[::-1]] == row[::-1]


def test_one_sheet_printer_per_settings() -> None:
    """A sheet printer is made once per settings and prints what a new one prints."""
    x = sp.Symbol("x")
    f = sp.Function("f")(x)
    assert sheet_printer() is sheet_printer({}) is sheet_printer()
    assert sheet_printer({"prime": True}) is sheet_printer({"prime": True})
    assert sheet_printer({"prime": True}) is not sheet_printer()
    names = {"mul_symbol": "dot", "names": {x: "2"}}
    assert sheet_printer(names) is not sheet_printer(names)  # a dict of names: not kept
    for settings in ({}, {"prime": True}, {"mul_symbol": "dot"}, names):
        for e in (sp.Derivative(f, x), 3 * x * f, sp.Rational(1, 3) * x):
            latex_memo._PRINTED.clear()
            fresh = SheetLatex(dict(settings)).doprint(e)
            latex_memo._PRINTED.clear()
            assert sheet_printer(dict(settings)).doprint(e) == fresh
    assert sheet_printer({"prime": True}).doprint(sp.Derivative(f, x)) == "f'(x)"


def test_numbers_keep_alike_values_and_digits_apart() -> None:
    alike = [1, 1.0, -0.0, sp.Integer(1), sp.Float(1.0), sp.Float(1.0, 30),
             sp.Rational(4, 3), sp.Rational(1, 2), sp.Float(0.5), 0.5, 1.5e-7,
             sp.Float("0.123456789", 15), sp.Float("0.123456789", 30),
             sp.Rational(123456789, 10**9)]
    sigs = (6, 8, 3)
    want = {}
    for sig in sigs:
        for i, e in enumerate(alike):
            latex_memo._PRINTED.clear()
            want[sig, i] = number_tex(e, sig)
    assert want[6, 6] == r"\frac{4}{3}" and want[6, 10] == r"1.5 \times 10^{-7}"
    assert want[3, 11] == "0.123" and want[8, 11] == "0.12345679"
    latex_memo._PRINTED.clear()
    for sig in sigs + sigs[::-1]:
        for i, e in list(enumerate(alike)) + list(enumerate(alike))[::-1]:
            assert number_tex(e, sig) == want[sig, i], (e, sig)


def test_sums_keep_sympys_order_per_order_setting() -> None:
    """A sum's terms, found once per order setting, are SymPy's own order of them."""
    x, y = sp.symbols("x y")
    sums = [x - 3 * y + 1, sp.Rational(1, 2) - x, y**2 + x * y - sp.exp(x),
            2 - sp.tanh(x) + y]
    latex_memo._ORDERED.clear()
    for _ in range(2):  # found, then kept
        for e in sums:
            for settings, want in (({}, e.as_ordered_terms()), ({"order": "none"}, e.args),
                                   ({"order": "rev-lex"}, e.as_ordered_terms("rev-lex"))):
                got = CourseLatex(dict(settings))._as_ordered_terms(e)
                # SymPy's order, the subtracted terms moved last (a stable sort)
                assert got == sorted(want, key=lambda t: bool(t.could_extract_minus_sign()))


def test_evaluate_setting_is_part_of_the_key() -> None:
    """A printer builds expressions as it prints, so what it writes can depend on SymPy's
    ``evaluate()`` setting (a notebook may print inside ``with evaluate(False)``): what is
    printed with the memo filled under the other setting is what is printed with it empty."""
    x, y = sp.symbols("x y")
    exprs = [sp.sqrt(2) * x / 3, sp.Sum(x**2, (x, 1, 3)), x - 3 * y + 1, sp.Float(0.5) * x]
    printers = [tex, text, value_str]
    want = {}
    for setting in (True, False):
        for p in printers:
            for e in exprs:
                latex_memo._PRINTED.clear()
                latex_memo._ORDERED.clear()
                with sp.evaluate(setting):
                    want[setting, p, e] = p(e)
    # the two settings print differently (else this test could not fail); since powers
    # keep their exact exponents (6af00b7), the Sum's text is the case that still differs
    assert want[True, text, exprs[1]] != want[False, text, exprs[1]]
    latex_memo._PRINTED.clear()
    latex_memo._ORDERED.clear()
    for setting in (True, False, True, False):  # filled under one, read under the other
        for p in printers:
            for e in exprs:
                with sp.evaluate(setting):
                    assert p(e) == want[setting, p, e], (setting, p.__name__, e)
