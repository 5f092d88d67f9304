"""YAML of untrusted files (specs, assignments) with a bounded size once aliases expand.

``yaml.safe_load`` constructs no objects but expands aliases: a "billion laughs" of
nested ``*alias`` lists is small on disk and enormous once walked. Specs do use
aliases (``mistakes: *sigma0``), so they are allowed, but the document's size with
every alias expanded is counted on the composed node graph (shared nodes counted once
per use, with memoisation) and refused beyond :data:`MAX_NODES`; recursive aliases and
deep nesting are refused too.
"""

from __future__ import annotations

from typing import Any

import yaml

#: most nodes a document may have with its aliases expanded
MAX_NODES = 200_000
#: deepest nesting of mappings and lists
MAX_DEPTH = 64


class YamlSizeError(yaml.YAMLError):
    """A document too large (once aliases are expanded) or too deep."""

    def __init__(self, problem: str, mark: Any = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


def _expanded_size(root: yaml.Node) -> int:
    """Nodes of the document with every alias expanded (memoised; cycles refused)."""
    if not isinstance(root, _COLLECTIONS):
        return 1
    sizes: dict[int, int] = {}  # a mapping's or list's expanded size, by id
    on_path: set[int] = set()
    # iterative post-order walk of the mappings and lists (a deep document must not
    # exhaust the Python stack); a scalar counts one where it sits, so the walk costs a
    # step per collection, not per value
    stack: list[tuple[yaml.Node, int, list[yaml.Node] | None]] = [(root, 0, None)]
    while stack:
        node, depth, kids = stack.pop()
        key = id(node)
        if kids is not None:  # every child is sized
            on_path.discard(key)
            total = 1 + sum(sizes[id(c)] if isinstance(c, _COLLECTIONS) else 1 for c in kids)
            if total > MAX_NODES:
                raise YamlSizeError(f"the document expands to more than {MAX_NODES:,} "
                                    "values (aliases included)", node.start_mark)
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YamlSizeError("an alias refers to a node that contains it",
                                node.start_mark)
        on_path.add(key)
        kids = _children(node)
        if depth + 1 > MAX_DEPTH:
            _refuse_deep(kids, sizes, on_path)
        stack.append((node, depth, kids))
        stack += [(c, depth + 1, None) for c in kids
                  if isinstance(c, _COLLECTIONS) and id(c) not in sizes]
    return sizes[id(root)]


_COLLECTIONS = (yaml.SequenceNode, yaml.MappingNode)


def _refuse_deep(kids: list[yaml.Node], sizes: dict[int, int], on_path: set[int]) -> None:
    """Children nested too deep: the error about the last one not sized yet, as a walk
    that visits children last first meets them (none when every child is a mapping or
    list sized already)."""
    for c in reversed(kids):
        if id(c) in sizes:
            continue
        if id(c) in on_path:
            raise YamlSizeError("an alias refers to a node that contains it", c.start_mark)
        raise YamlSizeError(f"nested more than {MAX_DEPTH} levels deep", c.start_mark)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for kv in node.value for n in kv]
    return []


def load_bounded_yaml(text: str) -> Any:
    """``yaml.safe_load`` with the expanded size and depth bounded (YamlSizeError).

    Parsed by libyaml when PyYAML has it (seven times faster: a tenth of a second over
    the problem set); a document it cannot load, or with characters the pure-Python
    reader refuses, goes through the pure-Python loader, so every error reads the same.
    The data is built by the same SafeConstructor either way."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            return _load(text, fast)
        except (yaml.YAMLError, ValueError, RecursionError):
            pass  # said again, in the pure-Python loader's words
    return _load(text, yaml.SafeLoader)


def _load(text: str, loader_class: Any) -> Any:
    try:
        loader = loader_class(text)  # the pure-Python reader refuses control characters
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _expanded_size(node)
            try:
                return loader.construct_document(node)
            except ValueError as e:  # an integer of more than 4300 digits, say
                raise YamlSizeError(str(e).splitlines()[0][:100], node.start_mark) from None
        finally:
            loader.dispose()
    except RecursionError:
        raise YamlSizeError("nested too deeply") from None


def yaml_error_place(e: yaml.YAMLError) -> tuple[str, str]:
    """Where a YAML error is (``line N``, or '' when PyYAML does not say) and the one-line
    message a user sees (``invalid YAML: …``)."""
    mark = getattr(e, "problem_mark", None)
    where = f"line {mark.line + 1}" if mark else ""
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    return where, f"invalid YAML: {problem}"
