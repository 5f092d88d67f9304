"""Numbers as students write them (decimals, fractions, scientific notation), and the
limits every answer text is held to before it is read."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from derive.check.read.config import ParseConfig, ParseError
from derive.core.values import ValueError_, parse_number


@dataclass(frozen=True)
class WrittenNumber:
    """A number as written: its exact value and the unit of its last written digit."""

    value: sp.Rational
    unit: sp.Rational | None
    """10^-k for k written decimals; None for exact forms (fractions)"""
    text: str


def check_limits(text: str, config: ParseConfig) -> None:
    """Reject over-long or over-nested input before any parsing."""
    if len(text) > config.max_length:
        raise ParseError(f"the answer is {len(text)} characters long "
                         f"(at most {config.max_length} are read)")
    depth = deepest = 0
    for ch in text:
        if ch in "{[(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "}])":
            depth -= 1
    if deepest > config.max_depth:
        raise ParseError(f"brackets are nested {deepest} deep (at most {config.max_depth})")


_WRAPPERS = re.compile(r"\\(boxed|displaystyle|left|right|mathbf|mathrm|text)\b")
_FRAC = re.compile(r"^([+-]?)\\[dt]?frac\{\s*([+-]?[\d.]+)\s*\}\{\s*([+-]?[\d.]+)\s*\}$")
_SCI = re.compile(r"^([+-]?\d+(?:\.\d*)?)\s*(?:\\times|\\cdot|\*)\s*10\^\{?\s*([+-]?\d+)\s*\}?$")


#: relation signs after which the last side is the answer (``x_3 \approx -0.1376``)
_RELATION = re.compile(r"=|≈|\\(?:approx|simeq|approxeq|thickapprox|to|rightarrow|Rightarrow"
                       r"|implies|longrightarrow|Longrightarrow)(?![A-Za-z])")
#: a word (a unit) after a number: ``456 \text{ parameters}``, ``260\ \mathrm{params}``,
#: ``28 neurons``; only letters and spaces, so nothing that is maths is dropped
_UNIT = re.compile(r"(?:\\(?:text|textrm|mathrm|mbox|textit|mathit)\s*\{\s*[A-Za-z][A-Za-z ]*\}"
                   r"|(?<=\s)[A-Za-z]{2,}(?:\s+[A-Za-z]{2,})*)\s*\.?\s*$")


def without_unit(s: str) -> str:
    """The text without a trailing word after a number (``456 \\text{ parameters}``)."""
    m = _UNIT.search(s)
    if m is None or not re.search(r"\d\s*(?:\\[ ,;:!]|~|\s)*$", s[:m.start()]):
        return s
    return re.sub(r"(?:\\[ ,;:!]|~|\s)+$", "", s[:m.start()])


#: spacing commands around an answer (``-6.6 \times 10^{-3}\quad``): nothing of it
_SPACING_COMMANDS = ("\\qquad", "\\quad", "\\enspace", "\\thinspace", "\\medspace",
                     "\\thickspace", "\\negthinspace", "\\ ", "\\,", "\\;", "\\:", "\\!")
_LEADING = re.compile(r"(?:\s|~|\\[ ,;:!]|\\(?:q?quad|enspace|thinspace|medspace|"
                      r"thickspace|negthinspace)(?![A-Za-z]))+")


def trimmed(text: str) -> str:
    """The text without spacing at either end (``\\quad``, ``\\,``, ``~``) and without the
    full stop, comma or semicolon that ends a sentence after it (``x_2 = -0.0958.`` is
    ``-0.0958``, written to four decimals). Read from the end, so that a long run of
    spaces costs linear time."""
    end = len(text)
    while end:
        if text[end - 1] in " \t\n\r~.,;" and not (end >= 2 and text[end - 2] == "\\"):
            end -= 1
            continue
        word = next((w for w in _SPACING_COMMANDS if text.endswith(w, 0, end)), None)
        if word is None:
            break
        end -= len(word)
    lead = _LEADING.match(text, 0, end)
    return text[lead.end() if lead else 0:end]


def _strip(text: str) -> str:
    s = trimmed(trimmed(text).strip("$"))  # trimmed first: strip() would split "\ "
    # a relation: the last side is the answer (x_2 = x_1 - \eta g = -0.096, o \approx 0.69)
    s = _RELATION.split(s)[-1]
    s = without_unit(trimmed(s))
    s = _WRAPPERS.sub("", s)
    s = s.replace("\\,", "").replace("\\!", "").replace("~", "").replace("−", "-")
    s = s.strip()
    while s.startswith("{") and s.endswith("}"):
        s = s[1:-1].strip()
    return s.replace(" ", "")


#: a number written with a decimal comma (0,4949), as many students write it
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def read_number(text: str, config: ParseConfig | None = None) -> WrittenNumber:
    """A written number with the precision it was written to.

    >>> read_number("-0.024").unit
    1/1000
    """
    check_limits(text, config or ParseConfig())
    s = _strip(text)
    big = re.search(r"[eE][+-]?(\d{4,})", s)
    if big and int(big.group(1)) > 300:  # before anything computes 10^exp
        raise ParseError(f"the exponent of {text!r} is out of range")
    m = _FRAC.match(s)
    if m:
        sign, num, den = m.groups()
        if "." in num + den:  # \frac{1}{0.68997}: as precise as its decimals, not exact
            raise ParseError(f"{text!r} is an expression of rounded numbers")
        try:
            v = parse_number(num) / parse_number(den)
        except (ValueError_, ZeroDivisionError):
            raise ParseError(f"cannot read the fraction {text!r}") from None
        return WrittenNumber(-v if sign == "-" else v, None, text)
    m = _SCI.match(s)
    if m:
        mant, exp = m.groups()
        if abs(int(exp)) > 300:
            raise ParseError(f"the exponent of {text!r} is out of range")
        wn = read_number(mant)
        scale = sp.Rational(10) ** int(exp)
        return WrittenNumber(wn.value * scale, wn.unit * scale if wn.unit else None, text)
    if "/" in s:
        try:
            return WrittenNumber(parse_number(s), None, text)
        except ValueError_:
            raise ParseError(f"cannot read {text!r} as a number") from None
    if len(s) > 80:
        raise ParseError(f"cannot read {text[:40]!r}… as a number")
    try:
        v = parse_number(s)
    except ValueError_:
        if _DECIMAL_COMMA.match(s):  # 0,4949: say what to write, not only that it fails
            raise ParseError(f"cannot read {text!r} as a number: write the decimal point "
                             f"as a point, {s.replace(',', '.')}") from None
        raise ParseError(f"cannot read {text!r} as a number") from None
    mant = s.lower().split("e")[0]
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    exp = int(s.lower().split("e")[1]) if "e" in s.lower() else 0
    if abs(exp) > 300:
        raise ParseError(f"the exponent of {text!r} is out of range")
    return WrittenNumber(v, sp.Rational(10) ** (exp - decimals), text)
