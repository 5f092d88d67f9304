"""How a notebook shows a Solution, by format ("latex", "markdown").

The render package registers its renderers here when it is imported, so that the data
(``core.derivation``) never imports its renderers. This module imports nothing, so that
registering does not bring SymPy into a command that only prints cached LaTeX (a warm
``derive sheet``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DISPLAY: dict[str, Callable[[Any], str]] = {}
