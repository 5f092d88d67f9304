"""The layout is the architecture (docs/ARCHITECTURE.md): these tests keep it honest.

Imports are read from the source (every ``import``, also inside functions, since a
deferred import is still a dependency), not from ``sys.modules``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "derive"
TOPICS = "derive.topics"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(mod: str) -> bool:
    return MODULES[mod].name == "__init__.py"


def _resolve(current: str, level: int, target: str | None) -> str:
    if not level:
        return target or ""
    base = current.split(".")
    if not _is_package(current):
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def imports_of(mod: str) -> set[str]:
    """The package's modules that ``mod`` imports (a ``from X import name`` counts as
    X.name when that is a module, else as X)."""
    tree = ast.parse(MODULES[mod].read_text())
    # imports under ``if TYPE_CHECKING:`` never run: annotations only, not dependencies
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(mod, node.level, node.module)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                     for a in node.names]
        else:
            continue
        for name in names:
            # the longest known module the name starts with
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != mod:
                out.add(name)
    return out


GRAPH = {m: imports_of(m) for m in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_the_import_walker_sees_imports():
    # the walker itself must find what is plainly there, or every test below is void
    assert "derive.core.model" in GRAPH["derive.core.spec"]
    assert "derive.core.registry" in GRAPH["derive.core.solve"]


def test_no_import_circles():
    assert _cycles() == []


def test_the_core_imports_no_topic_and_no_later_stage():
    later = (TOPICS, "derive.render", "derive.check", "derive.cli", "derive.assign")
    bad = {m: sorted(i for i in imps if i.startswith(later))
           for m, imps in GRAPH.items() if m.startswith("derive.core")}
    assert {m: v for m, v in bad.items() if v} == {}


def _topic_of(mod: str) -> str | None:
    parts = mod.split(".")
    return ".".join(parts[:3]) if mod.startswith(TOPICS + ".") and len(parts) > 3 else None


#: modules of a topic that describe the problem without deriving anything, which its
#: oracle may read. Networks: ``layers`` says what each layer computes; the oracle calls
#: only those forward definitions (its module docstring says so).
DESCRIPTIONS = {"derive.topics.networks": {"derive.topics.networks.layers"}}


ORACLES = sorted(m for m in MODULES if m.startswith(TOPICS) and m.endswith(".oracle"))


def test_every_topic_with_numeric_checks_has_an_oracle():
    assert {"derive.topics.networks.oracle", "derive.topics.conv.oracle",
            "derive.topics.scalar.oracle"} <= set(ORACLES)


@pytest.mark.parametrize("oracle", ORACLES)
def test_an_oracle_imports_nothing_of_its_topics_maths(oracle):
    topic = _topic_of(oracle)
    own = {i for i in GRAPH[oracle] if i.startswith(topic + ".")}
    assert own <= DESCRIPTIONS.get(topic, set()), own
    # nor anything that derives: block helpers, the registry, another topic (another
    # topic's oracle is independent too: scalar descent is a case of the optimizers')
    derives = {i for i in GRAPH[oracle]
               if i.startswith(TOPICS) and not i.startswith(topic)
               and not i.endswith(".oracle")
               or i in ("derive.core.blockkit", "derive.core.registry", "derive.core.solve")}
    assert derives == set()


def test_block_modules_are_found_by_name():
    # the registry imports topic modules named blocks*; a block elsewhere would be lost
    import derive.core.registry as registry

    registry.registry()
    # (tests may register blocks of their own: only the package's are checked)
    homes = {b.fn.__module__ for b in registry.BLOCKS.values()
             if b.fn.__module__.startswith("derive.")}
    assert all(h.startswith(TOPICS) and h.rpartition(".")[2].startswith("blocks")
               for h in homes), homes


def test_no_module_is_much_over_500_lines():
    sizes = {m: len(p.read_text().splitlines()) for m, p in MODULES.items()}
    assert {m: n for m, n in sizes.items() if n > 520} == {}


def test_the_circle_finder_finds_a_planted_circle(monkeypatch):
    monkeypatch.setitem(GRAPH, "derive.core.model", GRAPH["derive.core.model"]
                        | {"derive.core.solve"})
    assert any({"derive.core.model", "derive.core.solve"} <= set(c) for c in _cycles())
