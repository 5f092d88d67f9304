"""The registry of derivation blocks: the vocabulary a problem spec composes.

A block is a function ``fn(ctx, **args)`` that records steps and emits answers through
its :class:`~derive.core.derivation.Context`, and registers the independent checks that
``derive verify`` runs. Its parameters are declared with :class:`Param` so that a spec
is validated when it loads. Every ``blocks*`` module of every
topic package under ``derive/topics/`` is imported on first use, so a new block family is
a new module, and a new topic a new folder: nothing else to edit.

A problem needs only the blocks it uses: :func:`registered` imports just the module that
defines a block, found in ``derive/topics/blocks_index.json`` (written by
:func:`write_index`). The index is a shortcut, never the truth: a name it lacks (a new
block, an index not rewritten) loads every module as before, and
``tests/test_block_index.py`` keeps it equal to what loading everything registers.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

#: parameter types a block may declare (see spec._convert_arg for their meaning)
PARAM_TYPES = (
    "expr",  # a SymPy expression over givens, symbols, definitions and {answer.ids}
    "exprs",  # a mapping name -> expr
    "expr_list",  # a list of expr
    "symbol",  # the name of a declared symbol
    "definition",  # the name of a definition
    "answer",  # a declared answer id
    "answers",  # a mapping role -> declared answer id
    "prefix",  # an answer id prefix; the block appends indices (a.x -> a.x1, a.x2…)
    "text",  # a string
    "strings",  # a list of strings
    "raw",  # YAML as it is; the block validates it
)

#: what an expression argument holds (``Param.takes``), checked when the spec is read:
#: a list given where a block computes with a number is then a one-line error naming the
#: argument, never a TypeError deep inside the block
TAKES = (
    "any",  # a number or a vector/matrix: the block handles both (or checks itself)
    "scalar",  # one number or scalar expression (a learning rate, a count, a formula)
    "array",  # a vector or matrix (a list, or a given holding one)
)


@dataclass(frozen=True)
class Param:
    """One declared argument of a block."""

    type: str
    required: bool = True
    default: Any = None
    doc: str = ""
    choices: tuple[str, ...] = ()
    """for 'text': the accepted values"""
    float64: bool = False
    """for 'expr'/'exprs': a large given here may stay a float64 array
    (``core.arrays.FloatMatrix``): the block reads it as numbers only"""
    takes: str = "any"
    """for 'expr'/'exprs'/'expr_list': what each expression must be (one of ``TAKES``)"""
    min_items: int = 0
    """for the mapping and list types: fewest entries a spec may give (a choice among
    no options has no answer)"""


@dataclass(frozen=True)
class Block:
    """A registered derivation block."""

    name: str
    fn: Callable[..., None]
    params: dict[str, Param] = field(default_factory=dict)
    doc: str = ""


BLOCKS: dict[str, Block] = {}
_loaded = False


def block(name: str, **params: Param) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``fn`` as the block ``name`` with the declared parameters."""
    for p in params.values():
        if p.type not in PARAM_TYPES:
            raise TypeError(f"block {name}: unknown parameter type {p.type!r}")
        if p.takes not in TAKES:
            raise TypeError(f"block {name}: unknown takes={p.takes!r} ({TAKES})")

    def wrap(fn: Callable[..., None]) -> Callable[..., None]:
        if name in BLOCKS:
            raise TypeError(f"block {name!r} is registered twice")
        BLOCKS[name] = Block(name, fn, dict(params), (fn.__doc__ or "").strip())
        return fn

    return wrap


def _shape_words(value: Any) -> str:
    """How a spec author would describe a converted value: a number or an r×c matrix."""
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and len(shape) == 2:
        return f"a {shape[0]}×{shape[1]} matrix"
    return "a number"


def scalar_unmet(value: Any) -> tuple[str, str] | None:
    """``expectation_unmet`` for a place that takes a scalar: None when ``value`` is one."""
    if _is_array(value):
        return "a number or a scalar expression", _shape_words(value)
    return None


def _is_array(value: Any) -> bool:
    import sympy as sp  # the registry itself stays free of SymPy until a spec is read

    return isinstance(value, (sp.MatrixBase, sp.MatrixExpr))


def expression_items(ptype: str, arg: Any) -> list[tuple[str, Any]]:
    """The expressions of a converted argument, each with where it sits in it: '' for an
    'expr', '[i]' in an 'expr_list', a key of an 'exprs' mapping; none for other types
    (or a value of another shape, such as an unset optional argument)."""
    if ptype == "exprs" and isinstance(arg, dict):
        return list(arg.items())
    if ptype == "expr_list" and isinstance(arg, list):
        return [(f"[{i}]", x) for i, x in enumerate(arg)]
    return [("", arg)] if ptype == "expr" else []


def item_place(where: str, sub: str) -> str:
    """The spec field of one expression of an argument (``expression_items``):
    ``parts.a.derive[0].x0``, ``….points[2]``, ``….at.x``."""
    return where + (sub if sub.startswith("[") or not sub else f".{sub}")


def refers_to_answers(value: Any) -> bool:
    """Whether an expression holds an ``{answer}`` reference (a placeholder symbol),
    whose value, a number or a matrix, is known only once that answer is solved."""
    symbols = getattr(value, "free_symbols", None)
    return bool(symbols) and any(str(s).startswith("{") for s in symbols)


def expectation_unmet(p: Param, value: Any) -> tuple[str, str] | None:
    """What ``p.takes`` expected and what one converted expression is instead (None when
    it fits): the "expected …, found …" of a one-line spec error."""
    if p.takes == "scalar":
        return scalar_unmet(value)
    if p.takes == "array" and not _is_array(value):
        return "a vector or matrix (a list, or a given holding one)", "a number"
    return None


#: where block modules live: every ``blocks*`` module of every topic package is imported.
#: The core names the folder, never a topic, so a new topic is a new folder.
TOPICS_PACKAGE = "derive.topics"


def registry() -> dict[str, Block]:
    """All blocks, importing every ``blocks*`` module of every topic package once."""
    global _loaded
    if not _loaded:
        _loaded = True
        topics = importlib.import_module(TOPICS_PACKAGE)
        for topic in sorted(pkgutil.iter_modules(topics.__path__), key=lambda m: m.name):
            if not topic.ispkg:
                continue
            pkg = importlib.import_module(f"{TOPICS_PACKAGE}.{topic.name}")
            for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
                if mod.name.startswith("blocks"):
                    importlib.import_module(f"{pkg.__name__}.{mod.name}")
    return BLOCKS


#: the index of block name -> defining module, beside the topic packages
INDEX_FILE = "blocks_index.json"


def _topics_folder() -> Path:
    return Path(importlib.import_module(TOPICS_PACKAGE).__path__[0])


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    """The index as written; empty when missing or malformed (everything loads then)."""
    try:
        data = json.loads((_topics_folder() / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)
            and v.startswith(TOPICS_PACKAGE + ".")}


def registered(name: object) -> Block | None:
    """The block called ``name`` (None if there is none), importing only its module when
    the index knows it."""
    if not isinstance(name, str):
        return None
    if name in BLOCKS:
        return BLOCKS[name]
    module = _index().get(name)
    if module is not None and not _loaded:
        try:
            importlib.import_module(module)
        except ImportError:
            pass  # a stale index: the full load below finds it, or says there is none
        if name in BLOCKS:
            return BLOCKS[name]
    return registry().get(name)


def block_index() -> dict[str, str]:
    """Block name -> the module that defines it, from loading every block module."""
    return {name: b.fn.__module__ for name, b in sorted(registry().items())}


def write_index() -> Path:
    """Rewrite the index from what loading every block module registers."""
    path = _topics_folder() / INDEX_FILE
    path.write_text(json.dumps(block_index(), indent=1) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":  # python -m derive.core.registry: rewrite the index
    # through the imported module: the blocks register there, not in this __main__ copy
    from derive.core import registry as imported

    print(f"wrote {imported.write_index()}")
