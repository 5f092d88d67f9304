"""Numbers computed once: the value of an exact number, memoised, for display and checks.

An exact number of a derivation (``x_3`` of gradient descent on GELU, an entry of a
softmax) is a SymPy tree that reuses earlier numbers as subtrees. SymPy's ``evalf``
re-evaluates every subtree at every use, raising the precision at each nesting level,
so formatting a table of iterates cost seconds. Here each subtree is evaluated once, in
mpmath at a fixed working precision well above what anything shows or stores (40
digits), and the value is kept: ``tame``, ``to_float``, ``format_number`` and the
figures all read the same memo.

Fixed precision can only go wrong by cancellation: a sum that loses all but 150 of its
``_PREC`` bits (or cancels to zero) is evaluated again at eight times the precision; if
it still does, SymPy's adaptive ``evalf`` gets a CPU second for it (``_bounded_evalf``),
and it is NaN past that (the checks then refuse it). Non-real values and functions this
module does not know go to SymPy's ``evalf``.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

import mpmath
import sympy as sp

#: digits carried by the evaluation; what is shown or stored needs at most 40
WORKING_DIGITS = 70
_PREC = int(WORKING_DIGITS * 3.33) + 16
#: a sum may lose all but 150 bits to cancellation (what is left must still cover 40
#: digits, about 133 bits); past that it is evaluated again (``_at_higher_precision``)
#: digits of the values handed out (the digits ``tame`` keeps)
DIGITS = 40
_MEMO: dict[Any, Any] = {}
#: entries kept before the memo starts again (a bound on memory, not a cache policy)
_MEMO_LIMIT = 200_000


class _Fallback(Exception):
    """The fast route does not apply (complex, cancellation, an unknown function)."""


class _Cancels(_Fallback):
    """A sum lost more digits to cancellation than the working precision leaves."""


#: the precision of the second try at a sum that cancels (times the first's)
_RETRY = 8


def _sigmoid(z: Any) -> Any:
    return 1 / (1 + mpmath.exp(-z))


def _positive(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def g(z: Any) -> Any:
        if z <= 0:
            raise _Fallback
        return f(z)

    return g


#: functions of one argument by SymPy class name (derive's sigmoid included)
_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "exp": mpmath.exp, "sigmoid": _sigmoid, "tanh": mpmath.tanh, "sinh": mpmath.sinh,
    "cosh": mpmath.cosh, "sech": mpmath.sech, "Abs": abs, "log": _positive(mpmath.log),
    "relu": lambda z: max(z, 0),
}


def _value(e: Any) -> Any:
    hit = _MEMO.get(e)
    if hit is not None:
        return hit
    v = _evaluate(e)
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[e] = v
    return v


def _sigmoid_complement(e: Any) -> Any:
    """(c, z) when ``e`` is c − c·σ(z) = c·σ(−z), else None. σ′ = σ(1 − σ) writes it in
    every sigmoid derivative; at z = 5·10⁴ it cancels at any fixed precision, and SymPy's
    ``evalf`` ran for minutes on the nested iterates of gelu-descent with α = −10⁶."""
    if len(e.args) != 2 or not e.args[0].is_Rational:
        return None
    c = e.args[0]
    coeff, rest = e.args[1].as_coeff_Mul()
    if coeff == -c and type(rest).__name__ == "sigmoid":
        return c, rest.args[0]
    return None


def _evaluate(e: Any) -> Any:  # noqa: PLR0911 - one return per kind of node
    if e.is_Rational:
        return mpmath.mpf(int(e.p)) / int(e.q)
    if e.is_Float:
        return mpmath.mpf(e._mpf_)
    if e.is_Add:
        pair = _sigmoid_complement(e)
        if pair is not None:  # c − c·σ(z) = c·σ(−z): no cancellation when σ(z) ≈ 1
            return _value(pair[0]) * _sigmoid(-_value(pair[1]))
        terms = [_value(a) for a in e.args]
        total = mpmath.fsum(terms)
        largest = max(abs(t) for t in terms)
        if not total or mpmath.log(largest / abs(total), 2) > mpmath.mp.prec - 150:
            raise _Cancels
        return total
    if e.is_Mul:
        out = mpmath.mpf(1)
        for a in e.args:
            out *= _value(a)
        return out
    if e.is_Pow:
        base, exp = e.args
        b = _value(base)
        if exp.is_Integer:
            if not b and exp < 0:
                raise _Fallback
            return b ** int(exp)
        if b <= 0:
            raise _Fallback
        return b ** _value(exp)
    f = _FUNCTIONS.get(type(e).__name__)
    if f is not None and len(e.args) == 1:
        return f(_value(e.args[0]))
    if isinstance(e, (sp.Max, sp.Min)):
        vals = [_value(a) for a in e.args]
        return max(vals) if isinstance(e, sp.Max) else min(vals)
    if e is sp.pi:
        return +mpmath.pi
    if e is sp.E:
        return mpmath.e()
    raise _Fallback


def approx(v: Any) -> Any:
    """The value of a real SymPy number to 40 significant digits (a ``Float``), once.

    Rationals, sums, products, powers and the course's functions are evaluated here and
    remembered; anything else (or a sum that cancels) by SymPy's ``evalf``. An
    expression with free symbols comes back as ``evalf`` leaves it (``float`` of it then
    raises TypeError, as before).

    >>> approx(sp.Rational(1, 3))
    0.3333333333333333333333333333333333333333
    """
    if isinstance(v, (int, float)):
        return sp.Float(v, DIGITS)
    if not isinstance(v, sp.Basic):
        return v
    if v.is_Float:
        return v
    try:
        with mpmath.workprec(_PREC):
            x = _value(v)
    except _Cancels:
        try:
            x = _at_higher_precision(v)
        except _Cancels:  # still: SymPy's evalf, within its budget
            return _bounded_evalf(v)
        except _Fallback:
            return sp.N(v, DIGITS)
    except (_Fallback, TypeError, ValueError, ZeroDivisionError):
        return sp.N(v, DIGITS)
    return sp.Float(x, DIGITS)


def _at_higher_precision(v: Any) -> Any:
    """A sum that cancels, evaluated again at ``_RETRY`` times the precision (with a memo
    of its own: the first one's values are good to the first precision only). Raises
    _Cancels when a sum still loses its digits (or cancels to zero: σ(10⁴) − 1 is
    −e^{−10⁴}, not 0, and dividing by it is no value either), _Fallback when a node has no
    fast route after all."""
    global _MEMO
    first, _MEMO = _MEMO, {}
    try:
        with mpmath.workprec(_PREC * _RETRY):
            return _value(v)
    except ZeroDivisionError:  # ÷ a sum that cancelled to zero
        raise _Cancels from None
    except (TypeError, ValueError):
        raise _Fallback from None
    finally:
        _MEMO = first


def to_float(v: Any) -> float:
    """The float of an exact number (TypeError when it is not a number), computed once."""
    return float(approx(v))


#: CPU seconds SymPy's evalf may spend on one value that cancels past the retry
EVALF_SECONDS = 1.0


class _OutOfTime(Exception):
    pass


_ARMED = False  # whether a SIGVTALRM now is the budget running out (not a late one)


def _stop(signum: int, frame: object) -> None:
    if _ARMED:
        raise _OutOfTime


def _bounded_evalf(v: Any) -> Any:
    """SymPy's adaptive ``evalf`` for a value that cancels past the retry, with
    ``EVALF_SECONDS`` of CPU time (a process timer, in the main thread only): it is quick
    on most, but a softmax logit of 10⁶ took it minutes at a million bits. NaN when it
    runs out (the checks then refuse the value in one line)."""
    global _ARMED
    if threading.current_thread() is not threading.main_thread():
        return sp.nan
    previous = signal.signal(signal.SIGVTALRM, _stop)
    try:
        try:
            _ARMED = True
            signal.setitimer(signal.ITIMER_VIRTUAL, EVALF_SECONDS)
            return sp.N(v, DIGITS)
        finally:
            _ARMED = False
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    except _OutOfTime:  # also when it came as the timer was being stopped
        _ARMED = False
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        return sp.nan
    finally:
        signal.signal(signal.SIGVTALRM, previous)
