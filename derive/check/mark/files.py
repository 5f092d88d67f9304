"""Writing outputs safely: the shared writer of ``derive.core.outputs`` (kept importable
from here, where the marking commands have always found it)."""

from __future__ import annotations

from derive.core.outputs import atomic_write, looks_like_answers, refuse_inputs, same_file

__all__ = ["atomic_write", "looks_like_answers", "refuse_inputs", "same_file"]
