"""Inline LaTeX made readable on a terminal: statement text and names written in LaTeX
(σ for \\sigma, ŷ for \\hat{y}, ∇ for \\nabla, a/b for \\frac{a}{b}).

Apart from ``render.text`` so that the text printer (``render.printing``) writes a symbol
named in LaTeX (``\\hat{m}_{t+1}``, ``\\nabla f(x, y)``) the same way.
"""

from __future__ import annotations

import re
import unicodedata

#: an accent over one letter: the letter and the combining accent, as one character where
#: Unicode has it (\\hat{y}: ŷ; \\bar{x}: x̄)
_ACCENT = re.compile(r"\\(hat|bar|tilde|dot|vec)(?![A-Za-z])\s*"
                     r"(?:\{\s*(\\[A-Za-z]+|[A-Za-z])\s*\}|([A-Za-z])(?![A-Za-z]))")
_COMBINING = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "dot": "\u0307",
              "vec": "\u20d7"}


def _accented(m: re.Match[str]) -> str:
    letter = m[2] or m[3]
    if letter.startswith("\\"):  # \\hat{\\theta}
        letter = greek(letter[1:]) or letter[1:]
    return unicodedata.normalize("NFC", letter + _COMBINING[m[1]])


def _overlined(inner: str) -> str:
    """``\\overline{…}``: a letter with its macron (ḡ), more with a line over each
    character, as terminals draw an overline."""
    shown = plain_statement(inner).replace(" ", "")
    if len(unicodedata.normalize("NFC", shown)) == 1:
        return unicodedata.normalize("NFC", shown + "\u0304")
    return "".join(c if unicodedata.combining(c) else c + "\u0305" for c in shown)


_TEX = [
    (r"\\operatorname\{([^}]*)\}", r"\1"), (r"\\mathbf\{([^}]*)\}", r"\1"),
    (r"\\text\{([^}]*)\}", r"\1"), (_ACCENT, _accented),
    (r"\\[td]?frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: f"{_atom(m[1])}/{_atom(m[2])}"),
    (r"\\[td]?frac\s*(\d)\s*(\d)", r"\1/\2"),  # \\tfrac12
    (r"\\sqrt\s*\{((?:[^{}]|\{[^{}]*\})*)\}", lambda m: "√" + _atom(m[1])),  # √d, √(s_{t+1})
    (r"\\overline\s*\{((?:[^{}]|\{[^{}]*\})*)\}", lambda m: _overlined(m[1])),
    (r"\\[,;!]", " "),
    (r"\\cdot", "·"), (r"\\times", "×"), (r"\\odot", "⊙"), (r"\\sum", "Σ"), (r"\\partial\s*", "∂"),
    (r"\\nabla\s*", "∇"),
    (r"\\(log|exp|tanh|sinh|cosh|max|min)\b", r"\1"), (r"\\to\b", "→"),
    (r"\\(left|right|quad|qquad)", ""), (r"\\mathbb\{R\}", "ℝ"), (r"\\in\b", "∈"),
    (r"\\lVert\s*", "‖"), (r"\s*\\rVert", "‖"), (r"\\lvert\s*", "|"), (r"\s*\\rvert", "|"),
    (r"\\leq?\b", "≤"), (r"\\geq?\b", "≥"), (r"\\neq?\b", "≠"), (r"\\approx\b", "≈"),
    (r"\\lfloor\s*", "⌊"), (r"\s*\\rfloor", "⌋"), (r"\\l?dots\b", "…"), (r"\\top\b", "T"),
    (r"\\mathrm\{([^}]*)\}", r"\1"),
]
_VARIANTS = {"ell": "ℓ", "varphi": "φ", "varepsilon": "ε", "vartheta": "θ", "varrho": "ρ",
             "varsigma": "ς", "varpi": "ϖ", "lambda": "λ", "Lambda": "Λ", "lamda": "λ",
             "lam": "λ"}  # lam: a spec's λ (lambda is a Python word)


def greek(name: str) -> str | None:
    """The Greek letter a LaTeX command or a SymPy name spells (``beta``: β, ``Delta``:
    Δ; SymPy writes λ as ``lamda``), or None."""
    if name in _VARIANTS:
        return _VARIANTS[name]
    case = "CAPITAL" if name[:1].isupper() else "SMALL"
    try:
        return unicodedata.lookup(f"GREEK {case} LETTER {name.upper()}")
    except KeyError:
        return None


#: the names of symbols written as Greek letters (``lamda``: SymPy's spelling of λ)
GREEK_NAMES = {"eta", "alpha", "beta", "sigma", "delta", "gamma", "lambda", "mu", "theta",
               "tau", "epsilon", "omega", "phi", "psi", "rho", "xi", "zeta", "kappa", "nu",
               "pi", "chi", "lamda", "lam"}
_TRAILING_INDEX = re.compile(r"^([A-Za-z])(\d+)$")


def plain_name(name: str) -> str:
    """A symbol's name as text: written in LaTeX (``\\hat{m}_{t+1}``: m̂_{t+1}), spelling a
    Greek letter (``sigma^2``: σ^2, ``beta_1``: β_1), ``yhat`` (ŷ), ``h1`` (h_1, as the
    sheet's h_{1})."""
    if "\\" in name:
        return plain_statement(name)
    if len(name) == 4 and name.endswith("hat") and name[0].isalpha():
        return unicodedata.normalize("NFC", name[0] + "\u0302")
    base = re.split(r"[_^]", name, maxsplit=1)[0]
    if base in GREEK_NAMES:
        return (greek(base) or base) + name[len(base):]
    if m := _TRAILING_INDEX.match(name):
        return f"{m.group(1)}_{m.group(2)}"
    return name


def _atom(s: str) -> str:
    """A fraction's numerator or denominator, bracketed only when it needs to be."""
    s = s.strip()
    return s if re.fullmatch(r"[\w.\\^]+", s) else f"({s})"


_CASES = re.compile(r"\\begin\{cases\}(.*?)\\end\{cases\}", re.S)
_CASE_RELATIONS = [(r"\\leq?\b", "≤"), (r"\\geq?\b", "≥"), (r"\\neq?\b", "≠"),
                   (r"\\text\{\s*(if|for)\s*\}", ""), (r"\\(quad|qquad)\b", "")]


def _cases_text(m: re.Match[str]) -> str:
    """A cases environment as the text printer writes cases: {a z if z < 0; …}."""
    rows = []
    for row in re.split(r"\\\\", m.group(1)):
        if not row.strip():
            continue
        value, _, cond = row.partition("&")
        for pat, rep in _CASE_RELATIONS:
            cond = re.sub(pat, rep, cond)
        cond = " ".join(cond.split())
        otherwise = re.fullmatch(r"(\\text\{)?\s*otherwise\s*\}?", cond)
        rows.append(f"{value.strip()} otherwise" if otherwise
                    else f"{value.strip()} if {cond}")
    return "\x03" + "; ".join(rows) + "\x04"


def plain_statement(s: str) -> str:
    """Statement text for a terminal: inline LaTeX made readable (σ, η, a/b)."""
    s = _CASES.sub(_cases_text, s)
    s = s.replace("\\{", "\x03").replace("\\}", "\x04")  # a set's braces are shown
    for pat, rep in _TEX:
        s = re.sub(pat, rep, s)
    s = re.sub(r"\\([A-Za-z]+)", lambda m: greek(m.group(1)) or m.group(1), s)
    # a script that is more than a name keeps its braces (x_{t+1}, not x_t+1; s_pool)
    s = re.sub(r"([_^])\{([^{}]*[^\w{}][^{}]*)\}", "\\1\x01\\2\x02", s)
    s = s.replace("$", "").replace("{", "").replace("}", "")
    return s.translate({1: "{", 2: "}", 3: "{", 4: "}"})


