"""Rounding slips: a number right but rounded too coarsely, truncated, rounded early or
off in its last digits, told apart from a wrong value (``rounding_slips``: too coarse,
which one or two significant figures cannot tell from a mistake, is said before any
other diagnosis, the other slips after them)."""

from __future__ import annotations

import sympy as sp

from derive.check.judge.diagnoses import Diagnosis, Situation, quoted
from derive.core.values import format_number

#: how many places before the last written one a "rounded early" or "check the last
#: digits" reading looks: further off (-0.098035 for -0.101965, right to 2 of 6 places)
#: is another mistake (there, a step the wrong way), not a slip in the last digits
EARLY_PLACES = 2


def rounding_slips(sit: Situation, expected: str) -> tuple[Diagnosis | None,
                                                            Diagnosis | None]:
    """A number answer's rounding slip as the two diagnoses marking asks for, worked out
    once: (said before any other diagnosis, said after them all).

    The first is the right value rounded at the place the student wrote, too coarse for
    the number rule (0.4 for 0.371): one or two significant figures cannot tell a mistake
    from the right value rounded (0.4 is also the bias-omitted 0.403 rounded), and a
    marker says "too coarse", not "you left out the bias". The second is any slip."""
    if sit.spec.kind != "number" or sit.read_number is None:
        return None, None
    found = _rounding(sit, expected)
    if found is None:
        return None, None
    slip = Diagnosis("rounding", found[1])
    return (slip if found[0] == "coarse" else None), slip


def rounding(sit: Situation, expected: str) -> str | None:
    """Right but rounded too coarsely: the sentence says how, or None (``_rounding``)."""
    found = _rounding(sit, expected)
    return found[1] if found else None


def _rounding(sit: Situation, expected: str) -> tuple[str, str] | None:
    """Right but rounded too coarsely: (which case, the sentence saying how), or None.

    - the gold rounded (or truncated) at the written place, but that place is too
      coarse for the 5% rule (``-0.1`` for -0.1376);
    - right to a coarser place but not to the written one (``0.4180`` for 0.418876:
      digits padded or truncated early);
    - an exact answer (size, stride) written as a rounded decimal.
    """
    try:
        wn = sit.read_number(sit.text)  # type: ignore[misc]
    except Exception:  # noqa: BLE001 - unreadable: not a rounding slip
        return None
    if wn.unit is None:
        return None
    given = quoted(sit.text, "number")
    try:
        gold = sp.Rational(sp.N(sit.gold, 40)) if not sit.gold.is_Rational else sit.gold
    except (TypeError, AttributeError):
        return None
    if gold == 0:
        return None
    diff = abs(wn.value - gold)
    unit = wn.unit
    if wn.value == 0 or unit > abs(gold):
        return None  # no significant digit of the value written: simply wrong (0 for 0.5)
    if sit.spec.marking.exact:
        # a value written to the gold's own place (455 for 456) is simply wrong: only a
        # gold with digits past the written place can have been rounded to it
        if diff <= unit and not (gold / unit).is_integer:
            return "exact", f"{given} is {expected} rounded; this answer must be exact"
        return None
    rel = diff / abs(gold)
    rounded = _round_to(gold, unit)
    truncated = sp.Integer(int(gold / unit)) * unit
    if wn.value == truncated and truncated != rounded:
        return "truncated", (f"{given} is {expected} truncated; rounded to the same place "
                             f"it is {format_number(rounded)}, and more digits are safer")
    if wn.value == rounded and rel > sit.spec.marking.relative:
        return "coarse", (f"{given} is {expected} rounded to {_place(unit)}: too coarse to "
                          f"be within {sit.spec.marking.relative:.0%}; keep at least 3 "
                          "significant figures")
    if rel <= sit.spec.marking.relative:
        coarse = unit * 10
        for _ in range(EARLY_PLACES):
            how = ("rounded" if wn.value == _round_to(gold, coarse) else
                   "truncated" if wn.value == sp.Integer(int(gold / coarse)) * coarse else "")
            if how:
                return "early", (f"{given} is {expected} {how} to {_place(coarse)}, but "
                                 f"written to {_place(unit)}: round at the last digit you "
                                 "write")
            if diff <= coarse:
                return "digits", (f"{given} is close to {expected} (right to "
                                  f"{_place(coarse)}) but not to the {_place(unit)} it is "
                                  "written to: check the last digits")
            coarse *= 10
    return None


def _round_to(v: sp.Rational, unit: sp.Rational) -> sp.Rational:
    q = v / unit
    n = sp.floor(abs(q) + sp.Rational(1, 2))
    return (n if q >= 0 else -n) * unit


def _place(unit: sp.Rational) -> str:
    if unit >= 1:
        return "the nearest whole number" if unit == 1 else f"the nearest {unit}"
    k = len(str(unit.q)) - 1
    return f"{k} decimal place{'s' if k != 1 else ''}"
