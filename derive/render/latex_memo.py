"""What a sheet printer printed, kept by (its class and settings, whole or part, the
expression's type, the expression, SymPy's ``evaluate()`` setting): a sheet prints the
same ~1,200 expressions ~2,900 times (a step's result starts the next step, answers are
boxed again, a line is measured before it is broken), and their parts more often still.
The text printers (``printing.text``, ``DecimalStr``) keep theirs here too: ``derive solve
loss-gradients`` prints 53 values 104 times, 130 parts 925 times.

Printing is a pure function of that key. A printer's only state is its settings, fixed
when it is made: derive's printers set attributes only in ``__init__``; SymPy's keep
``_settings`` (filled in ``__init__``), ``_print_level`` (back at 0 after each call;
only the str printer reads it) and ``_context`` (changed only by the Fortran printer);
a part printed with extra arguments (``_print(e, exp=2)``) is not kept. SymPy's ``==``
on expressions is structural and type-exact (``Float(1) != Integer(1)``, a Float's precision and a
Symbol's assumptions count); the type in the key keeps Python's ``1`` apart from
``Integer(1)``, which are equal. A printer whose settings cannot be hashed, or an
expression that cannot (a mutable Matrix), is printed every time.
"""

from __future__ import annotations

from typing import Any

from sympy.core.parameters import global_parameters

from derive.render.term_order import lex_terms


class BoundedMemo(dict[Any, Any]):
    """A memo that starts afresh once it holds ``limit`` entries; a key that cannot be
    hashed (a mutable Matrix inside it) is neither found nor kept."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def find(self, key: Any) -> Any:
        """The value kept under ``key``, or None (also for a None key)."""
        if key is None:
            return None
        try:
            return self.get(key)
        except TypeError:
            return None

    def keep(self, key: Any, value: Any) -> None:
        if key is None:
            return
        if len(self) >= self.limit:
            self.clear()
        try:
            self[key] = value
        except TypeError:
            pass


#: entries kept before the memo starts afresh (a sheet of 40 problems needs ~1,200
#: whole expressions and ~7,000 parts)
_KEEP = 65536
_PRINTED = BoundedMemo(_KEEP)


def settings_key(settings: dict[str, Any], *extra: Any) -> Any:
    """A hashable key of a printer's settings (and its own ``extra`` ones), or None."""
    try:
        key = (tuple(sorted(settings.items())), *(
            frozenset(e.items()) if isinstance(e, dict) else e for e in extra))
        hash(key)
    except TypeError:
        return None
    return key


def memo_key(settings: Any, expr: Any, what: str) -> Any:
    """The key of printing ``expr`` (``what``: the whole of what is printed, or a part of
    it, which the printer writes differently) with settings keyed ``settings``; None:
    not kept. A key that cannot be hashed is neither found nor kept (hashed once, by
    the lookup: most keys are looked up once and kept once)."""
    # SymPy's evaluate() setting is in the key: a printer builds expressions as it prints
    # (sqrt(2)*x/3 prints 0.471405 x, but \frac{2^{0.5} x}{3} inside evaluate(False))
    return None if settings is None else (settings, what, type(expr), expr,
                                          global_parameters.evaluate)


def recall(key: Any) -> str | None:
    return _PRINTED.find(key)  # a key that cannot be hashed: printed every time


def keep(key: Any, printed: Any) -> None:
    if isinstance(printed, str):
        _PRINTED.keep(key, printed)


#: SymPy's print order of a sum's terms, by (order setting, sum, evaluate() setting):
#: finding it evaluates each term's numeric factors (``Expr.as_terms``), and a sheet
#: orders a sum again under each printer that prints it and to break its line (121 times
#: for 79 sums of the 16)
_ORDERED = BoundedMemo(_KEEP)


def kept_order(ordered: Any, expr: Any, order: Any) -> list[Any]:
    """``ordered(expr, order=order)`` (a printer's ``_as_ordered_terms``), found once,
    in O(n log n) where ``term_order.lex_terms`` models SymPy's order."""
    key = (order, type(expr), expr, global_parameters.evaluate)  # as memo_key
    hit = _ORDERED.find(key)
    if hit is None:
        fast = lex_terms(expr, order)
        hit = tuple(fast if fast is not None else ordered(expr, order=order))
        _ORDERED.keep(key, hit)
    return list(hit)
