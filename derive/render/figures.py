"""Figures of a worked solution, drawn with TikZ/pgfplots from a Figure's data.

Kinds (``derivation.Figure``): ``trajectory`` (descent iterates on the curve of f),
``network`` (layers of nodes, weighted edges), ``conv-window`` (an input grid with the
kernel's window, the kernel and the output entry it gives).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from derive.core.errors import DeriveError
from derive.core.functions import lambdify
from derive.core.numbers import approx
from derive.render.decimals import number_tex
from derive.render.printing import escape_text, tex
from derive.render.texlayout import tex_width

_COLORS = ("blue!70!black", "red!75!black", "green!50!black", "orange!85!black",
           "violet!80!black")
REQUIRED = {
    "trajectory": ("f", "var", "series"),
    "network": ("layers", "edges"),
    "conv-window": ("input", "kernel", "position", "output"),
}


class FigureError(DeriveError):
    """A Figure whose data cannot be drawn (names the kind and what is wrong)."""


def figure_tex(kind: str, data: dict[str, Any], where: str = "") -> str:
    """The TikZ picture of one figure (or of merged trajectories)."""
    draw: dict[str, Callable[[dict[str, Any]], str]] = {
        "trajectory": trajectory_tex, "network": network_tex, "conv-window": conv_window_tex}
    if kind not in draw:
        raise FigureError(f"{where}figure of unknown kind '{kind}' "
                          f"(expected one of: {', '.join(draw)})")
    missing = [k for k in REQUIRED[kind] if k not in data]
    if missing:
        raise FigureError(f"{where}{kind} figure: missing data {', '.join(missing)}")
    try:
        return draw[kind](data)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError) as e:
        raise FigureError(f"{where}{kind} figure: cannot draw its data ({e})") from None


def _num(v: Any) -> float:
    return float(approx(v)) if isinstance(v, sp.Basic) else float(v)


def _coord(v: float) -> str:
    return "nan" if not math.isfinite(v) else f"{v:.6g}"


def _label(v: Any) -> str:
    """A label given as LaTeX text (``$h_1$`` or ``h_1``) or as a value."""
    if isinstance(v, str):
        return v if "$" in v else f"${v}$"
    return f"${tex(v)}$"


# -- trajectory --------------------------------------------------------------------------
def trajectory_tex(data: dict[str, Any]) -> str:
    """f sampled on the range of the iterates, each series' points joined in order."""
    var, series = data["var"], data["series"]
    f = lambdify([var], data["f"])
    pts = {str(k): [(_num(x), _num(y)) for x, y in v] for k, v in series.items()}
    xs = [x for p in pts.values() for x, _ in p]
    lo, hi = min(xs), max(xs)
    span = hi - lo
    pad = 0.3 * span if span > 0 else max(0.5, 0.1 * abs(lo))
    lo, hi = lo - pad, hi + pad
    grid = np.linspace(lo, hi, 81)
    with np.errstate(all="ignore"):
        ys = np.asarray(f(grid), dtype=float) * np.ones_like(grid)
    curve = " ".join(f"({_coord(x)},{_coord(y)})" for x, y in zip(grid, ys, strict=True))
    name = tex(var)
    fname = data.get("fname", "f")  # the function's own name: L(w) is not f(w)
    out = [
        r"\begin{tikzpicture}",
        r"\begin{axis}[width=0.72\linewidth, height=5.2cm, xlabel={$%s$}, ylabel={$%s(%s)$}," % (
            name, fname, name),
        r"  grid=major, grid style={black!12}, tick label style={font=\footnotesize},",
        r"  label style={font=\small}, legend style={font=\footnotesize, draw=none,"
        r" fill=white, fill opacity=0.8, text opacity=1}, legend pos=outer north east,"
        r" legend cell align=left,",
        r"  scaled ticks=false, yticklabel style={/pgf/number format/fixed,"
        r" /pgf/number format/precision=4},",
        r"  xticklabel style={/pgf/number format/fixed, /pgf/number format/precision=4},",
        r"  max space between ticks=50, unbounded coords=jump, clip=false,"
        r" enlarge x limits=false]",
        r"\addplot[black!55, thick, smooth] coordinates {%s};" % curve,
        r"\addlegendentry{$%s(%s)$}" % (fname, name),
    ]
    for n, (label, p) in enumerate(pts.items()):
        color = _COLORS[n % len(_COLORS)]
        coords = " ".join(f"({_coord(x)},{_coord(y)})" for x, y in p)
        mark = ("*", "square*", "triangle*", "diamond*", "pentagon*")[n % 5]
        out.append(r"\addplot[%s, semithick, densely dashed, mark=%s, mark size=2pt,"
                   r" mark options={solid}] coordinates {%s};"
                   % (color, mark, coords))
        out.append(r"\addlegendentry{%s}" % escape_text(label))
        where = "above" if n % 2 == 0 else "below"
        shown = p if len(p) <= 8 else [p[0], p[-1]]
        for t, (x, y) in enumerate(shown):
            idx = t if len(p) <= 8 else (0 if t == 0 else len(p) - 1)
            out.append(r"\node[%s, font=\scriptsize, text=%s, inner sep=2pt] at (axis cs:%s,%s)"
                       r" {$%s_{%d}$};" % (where, color, _coord(x), _coord(y), name, idx))
    out += [r"\end{axis}", r"\end{tikzpicture}"]
    return "\n".join(out)


# -- network -----------------------------------------------------------------------------
def network_tex(data: dict[str, Any]) -> str:
    """Layers left to right, nodes centred in each column. Weights sit on their edges
    (white behind them) near the source, where edges from different sources are apart;
    a chain of single nodes has them above the middle of each edge. A node whose label
    is long is a rounded box, so that it does not grow into its neighbours."""
    layers = [list(layer) for layer in data["layers"]]
    tallest = max(len(layer) for layer in layers)
    step_y = 1.3 if tallest <= 4 else max(0.7, 5.2 / tallest)
    step_x = 3.6 if tallest > 1 else min(3.0, 14.0 / max(1, len(layers) - 1))
    names: dict[str, str] = {}
    chain = tallest == 1
    out = [r"\begin{tikzpicture}[x=%scm, y=%scm, >=stealth," % (_coord(step_x), step_y),
           r"  neuron/.style={circle, draw, thick, minimum size=8.5mm, inner sep=1pt,"
           r" fill=white},",
           r"  box/.style={rectangle, rounded corners=4mm, draw, thick, minimum size=8.5mm,"
           r" inner sep=3pt, fill=white},",
           r"  wlabel/.style={font=\scriptsize, inner sep=1pt, sloped, %s}]"
           % ("above" if chain else "fill=white")]
    for li, layer in enumerate(layers):
        shade = "black!6" if li in (0, len(layers) - 1) else "blue!6"
        for ni, node in enumerate(layer):
            key = f"n{li}x{ni}"
            names.setdefault(str(node), key)
            y = (len(layer) - 1) / 2 - ni
            label = _label(node)
            shape = "box" if tex_width(label.replace("$", "")) > _CIRCLE_EM else "neuron"
            out.append(r"\node[%s, fill=%s] (%s) at (%d,%s) {%s};"
                       % (shape, shade, key, li, _coord(y), label))
    pos = 0.5 if chain else 0.3
    for e in data["edges"]:
        a, b = str(e[0]), str(e[1])
        w = e[2] if len(e) > 2 else None
        if a not in names or b not in names:
            raise ValueError(f"edge {a} -> {b} names a node that is in no layer")
        lab = "" if w is None else r" node[wlabel, pos=%s] {%s}" % (pos, _label(w))
        out.append(r"\draw[->, black!70] (%s) --%s (%s);" % (names[a], lab, names[b]))
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)


#: a node label wider than this (em) gets a rounded box instead of a circle
_CIRCLE_EM = 1.6


# -- conv-window -------------------------------------------------------------------------
def _matrix(v: Any) -> sp.Matrix:
    m = sp.Matrix(v)
    return m if m.cols else sp.Matrix([v])


def _cell(v: Any) -> str:
    return number_tex(v).replace(r"\frac", r"\tfrac") if isinstance(v, sp.Basic) and \
        v.is_number else tex(v)


def _rect(x: float, y: float, w: float, h: float) -> str:
    return f"({_coord(x)},{_coord(y)}) rectangle ++({_coord(w)},{_coord(-h)})"


def _grid(m: sp.Matrix, x0: float, y0: float, name: str, size: float, pad: int = 0,
          fill: str = "") -> list[str]:
    """A matrix as a grid of cells whose top-left corner is at (x0, y0); padding shaded."""
    out = []
    rows, cols = m.shape
    for i in range(rows):
        for j in range(cols):
            padded = i < pad or j < pad or i >= rows - pad or j >= cols - pad
            x, y = x0 + j * size, y0 - i * size
            if padded or fill:
                out.append(r"\fill[%s] %s;" % ("black!8" if padded else fill,
                                                _rect(x, y, size, size)))
            out.append(r"\node[font=\footnotesize%s] at (%s,%s) {$%s$};"
                       % (", text=black!50" if padded else "", _coord(x + size / 2),
                          _coord(y - size / 2), _cell(m[i, j])))
    out.append(r"\draw[black!60, shift={(%s,%s)}] (0,0) grid[step=%s] (%s,%s);"
               % (_coord(x0), _coord(y0), _coord(size), _coord(cols * size),
                  _coord(-rows * size)))
    out.append(r"\node[font=\small, anchor=south] at (%s,%s) {%s};"
               % (_coord(x0 + cols * size / 2), _coord(y0 + 0.05), name))
    return out


def conv_window_tex(data: dict[str, Any]) -> str:
    """Input (padding shaded) with the window of output entry (r, c), ⋆ kernel = output."""
    inp, ker, outm = _matrix(data["input"]), _matrix(data["kernel"]), _matrix(data["output"])
    stride = int(data.get("stride", 1))
    pad = int(data.get("padding", 0))
    r, c = (int(v) for v in data["position"])
    kh, kw = ker.shape
    r0, c0 = r * stride, c * stride
    if r0 + kh > inp.rows or c0 + kw > inp.cols or r >= outm.rows or c >= outm.cols:
        raise ValueError(f"the window of output entry ({r}, {c}) leaves the input")
    longest = max(len(_cell(v)) for m in (inp, ker, outm) for v in m)
    size = max(0.62, min(1.3, 0.13 * longest + 0.3))
    gap = 1.1
    x_ker = inp.cols * size + gap
    x_out = x_ker + kw * size + gap
    tall = max(inp.rows, kh, outm.rows)
    mid = -tall * size / 2
    y_in, y_ker, y_out = ((rows - tall) * size / 2 for rows in (inp.rows, kh, outm.rows))
    hot = "red!75!black"
    lines = [r"\begin{tikzpicture}",
             r"\fill[red!14] %s;" % _rect(c0 * size, y_in - r0 * size, kw * size, kh * size),
             r"\fill[red!14] %s;" % _rect(x_out + c * size, y_out - r * size, size, size)]
    lines += _grid(inp, 0, y_in, "input", size, pad)
    lines.append(r"\node at (%s,%s) {$\star$};" % (_coord(x_ker - gap / 2), _coord(mid)))
    lines += _grid(ker, x_ker, y_ker, "kernel", size, fill="blue!8")
    lines.append(r"\node at (%s,%s) {$=$};" % (_coord(x_out - gap / 2), _coord(mid)))
    lines += _grid(outm, x_out, y_out, "output", size)
    for x, y, w, h in ((c0 * size, y_in - r0 * size, kw * size, kh * size),
                       (x_out + c * size, y_out - r * size, size, size)):
        lines.append(r"\draw[%s, line width=1.4pt] %s;" % (hot, _rect(x, y, w, h)))
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)
