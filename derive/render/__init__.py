"""Renderers: pure functions of a Solution (text, JSON, LaTeX).

Importing this package registers the notebook display of a Solution
(``derive.core.display.DISPLAY``): the data never imports its renderers.

Each renderer's module is imported when its name is first used: marking writes its
feedback with ``render.text`` alone, and importing LaTeX's (with figures and layout),
JSON's and Markdown's renderers with it cost every ``derive check`` ~10 ms.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from derive.core.display import DISPLAY

if TYPE_CHECKING:
    from derive.render.json import render_json, solution_dict
    from derive.render.latex import render_latex
    from derive.render.latex import render_latex_fragment as render_latex_fragment
    from derive.render.markdown import render_markdown as render_markdown
    from derive.render.text import render_text

__all__ = ["render_json", "render_latex", "render_text", "solution_dict"]

#: name -> the module of this package that defines it
_HOME = {"render_json": "json", "solution_dict": "json", "render_latex": "latex",
         "render_latex_fragment": "latex", "render_markdown": "markdown",
         "render_text": "text"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _latex_display(solution: Any) -> str:
    from derive.render.latex import render_latex_fragment

    return render_latex_fragment(solution)


def _markdown_display(solution: Any) -> str:
    from derive.render.markdown import render_markdown as render_markdown

    return render_markdown(solution)


DISPLAY.update(latex=_latex_display, markdown=_markdown_display)
