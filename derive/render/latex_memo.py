"""What a sheet printer printed, kept by (its class and settings, whole or part, the
expression's type, the expression): a sheet prints the same ~1,200 expressions ~2,900
times (a step's result starts the next step, answers are boxed again, a line is
measured before it is broken), and their parts more often still. The text printers
(``printing.text``, ``DecimalStr``) keep theirs here too: ``derive solve loss-gradients``
prints 53 values 104 times, 130 parts 925 times.

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

_PRINTED: dict[Any, str] = {}
#: entries kept before the memo starts afresh (a sheet of 40 problems needs ~1,200
#: whole expressions and ~7,000 parts)
_KEEP = 65536


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
    return None if settings is None else (settings, what, type(expr), expr)


def recall(key: Any) -> str | None:
    if key is None:
        return None
    try:
        return _PRINTED.get(key)
    except TypeError:  # cannot be hashed (a mutable Matrix): printed every time
        return None


def keep(key: Any, printed: Any) -> None:
    if key is None or not isinstance(printed, str):
        return
    if len(_PRINTED) >= _KEEP:
        _PRINTED.clear()
    try:
        _PRINTED[key] = printed
    except TypeError:
        pass


#: SymPy's print order of a sum's terms, by (order setting, sum): finding it evaluates
#: each term's numeric factors (``Expr.as_terms``), and a sheet orders a sum again under
#: each printer that prints it and to break its line (121 times for 79 sums of the 16)
_ORDERED: dict[Any, tuple[Any, ...]] = {}


def kept_order(ordered: Any, expr: Any, order: Any) -> list[Any]:
    """``ordered(expr, order=order)`` (a printer's ``_as_ordered_terms``), found once."""
    key = (order, type(expr), expr)
    try:
        hit = _ORDERED.get(key)
    except TypeError:  # cannot be hashed
        return list(ordered(expr, order=order))
    if hit is None:
        if len(_ORDERED) >= 65536:
            _ORDERED.clear()
        hit = _ORDERED[key] = tuple(ordered(expr, order=order))
    return list(hit)
