"""An answer a block computes from earlier answers depends on them, as declared or not.

Marking gives follow-through along ``depends`` (an answer right for the student's own
wrong earlier answers). A block argument written ``'{a.s}'`` already says which earlier
answers a block's answers are computed from (softmax of the scores, a choice between two
optimizers' f₃), so the loader adds those to each emitted answer's ``depends``; an author
who never heard of ``depends:`` gets the follow-through a marker would give.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from derive.core.model import AnswerSpec, Part
from derive.core.registry import registered

#: ``{a.x1}`` inside a block argument left as text (a 'raw' argument the block reads)
_REFERENCE = re.compile(r"\{([a-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+)\}")
#: argument types that name the answers a block emits
_EMITS = ("answer", "answers", "prefix")


def with_referred_depends(answers: dict[str, AnswerSpec],
                          parts: tuple[Part, ...]) -> dict[str, AnswerSpec]:
    """``answers`` with each one's ``depends`` extended by the answers its block's
    arguments refer to (declared ones first, in order; none added to itself)."""
    added: dict[str, list[str]] = {}
    for part in parts:
        for call in part.calls:
            blk = registered(call.block)
            if blk is None:
                continue
            emitted: list[str] = []
            referred: list[str] = []
            for name, p in blk.params.items():
                value = call.args.get(name)
                if p.type in _EMITS:
                    emitted += _emitted(p.type, value, answers)
                else:
                    _references(value, referred, 0)
            for aid in emitted:
                more = added.setdefault(aid, [])
                more += [r for r in referred if r in answers and r != aid and r not in more]
    out = dict(answers)
    for aid, more in added.items():
        new = tuple(d for d in more if d not in answers[aid].depends)
        if new:
            out[aid] = replace(answers[aid], depends=answers[aid].depends + new)
    return out


def _emitted(ptype: str, value: Any, answers: dict[str, AnswerSpec]) -> list[str]:
    if ptype == "answer":
        return [value] if isinstance(value, str) and value in answers else []
    if ptype == "answers":
        ids = value.values() if isinstance(value, dict) else value or ()
        return [a for a in ids if isinstance(a, str) and a in answers]
    if isinstance(value, str) and value:  # a prefix: a.x gives a.x1, a.x2, …
        return [a for a in answers if a.startswith(value) and a[len(value):].isdigit()]
    return []


def _references(value: Any, out: list[str], depth: int) -> None:
    """The answer ids referred to in a converted argument (expressions, text, nested)."""
    if depth > 20:  # converted arguments are shallow; a bound all the same
        return
    if isinstance(value, dict):
        for v in value.values():
            _references(v, out, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _references(v, out, depth + 1)
    elif isinstance(value, str):
        out += _REFERENCE.findall(value)
    else:
        out += sorted(str(s)[1:-1] for s in getattr(value, "free_symbols", ())
                      if str(s).startswith("{"))
