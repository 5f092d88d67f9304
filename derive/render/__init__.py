"""Renderers: pure functions of a Solution (text, JSON, LaTeX).

Importing this package registers the notebook display of a Solution
(``derive.core.derivation.DISPLAY``): the data never imports its renderers.
"""

from derive.core.derivation import DISPLAY
from derive.render.json import render_json, solution_dict
from derive.render.latex import render_latex, render_latex_fragment
from derive.render.markdown import render_markdown
from derive.render.text import render_text

DISPLAY.update(latex=render_latex_fragment, markdown=render_markdown)

__all__ = ["render_json", "render_latex", "render_text", "solution_dict"]
