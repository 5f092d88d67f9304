"""Renderers: pure functions of a Solution (text, JSON, LaTeX)."""

from .json import render_json, solution_dict
from .latex import render_latex
from .text import render_text

__all__ = ["render_json", "render_latex", "render_text", "solution_dict"]
