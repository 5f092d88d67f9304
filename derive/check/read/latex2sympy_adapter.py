"""The one module that calls latex2sympy2.

latex2sympy2 reads the arithmetic skeleton of an answer: numbers, ``+ - \\cdot /``,
``\\frac``, ``\\sqrt``, powers, ``|…|``, ``\\sum`` and implicit products, over
*placeholder letters* that the preprocessing layer (``tex_reader``) substitutes for
everything else (names, calls, transposes, matrices). It never sees a student's names,
functions, relations or commands, because raw, it gets many of them silently wrong:

- ``\\sigma(1.702x)`` is ``sigma*1.702*x``; ``\\log x`` is log base 10; ``W^T`` of a
  symbol is the symbol; ``1,5`` is a list and ``1,000`` is 1000;
- ``=`` is an assignment kept in module globals across calls (``x = 5`` makes later
  ``x`` read 5) and ``:=`` calls ``sympy.solve``; a ``d`` followed by a letter is a
  differential and rebinds the global ``var`` dict to a Symbol, breaking every later
  call.

Its state is saved and restored around each call (under a lock), and its results are
cached by core text (placeholders are assigned in order, so the same shape of answer
gives the same core text).

Speed (measured, Python ANTLR 4.7 runtime, after warm-up): linear, ~5-7 ms per token
(a sum of 100 letters ~0.8 s; subscripted names are 5x slower, hence single letters as
placeholders). Its prediction is exponential in nested superscripts (``x^{x^{x^{…}}}``:
25 levels ~40 s), so every exponent that is not a plain number is read in a call of
its own and passed as a placeholder. ``ParseConfig.max_tokens`` (300 per answer) and
``MAX_CORE_TOKENS`` (180 per call, in ``tex_reader``) keep an answer within about two
seconds.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import latex2sympy2 as _l2s
import sympy as sp
from latex2sympy2 import latex2sympy

from derive.check.read.config import ParseError

_LOCK = threading.RLock()


@lru_cache(maxsize=8192)
def read_core(core: str) -> sp.Basic:
    """latex2sympy2's tree for a core text (placeholders, numbers and arithmetic only).

    Raises ParseError with latex2sympy2's complaint (the caller replaces it with the
    student's own text).
    """
    with _LOCK:
        if not isinstance(_l2s.var, dict):  # rebound by an earlier caller's 'dx'
            _l2s.var = {}
        saved = (dict(_l2s.variances), dict(_l2s.var), _l2s.frac_type)
        try:
            result = latex2sympy(core)
        except RecursionError:
            raise ParseError("brackets are nested too deeply") from None
        except Exception as e:  # ANTLR and latex2sympy2 raise bare Exception
            raise ParseError(str(e).split("\n")[0] or type(e).__name__) from None
        finally:
            _l2s.variances, _l2s.var, _l2s.frac_type = saved
            _l2s.VARIABLE_VALUES = {}
    if not isinstance(result, sp.Basic) or isinstance(result, (sp.MatrixBase, sp.Rel)):
        raise ParseError("not an expression")
    return result


def state_snapshot() -> tuple[dict, dict]:
    """latex2sympy2's global assignment tables (for tests: no state leaks between answers)."""
    return dict(_l2s.variances), dict(_l2s.var) if isinstance(_l2s.var, dict) else {}
