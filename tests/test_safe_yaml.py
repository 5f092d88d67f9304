"""Bounded YAML (derive.core.safe_yaml) parsed by libyaml: the same data as the pure-Python
loader for every file we ship, and the same error, word for word, for a bad document."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from derive.core import safe_yaml
from derive.core.safe_yaml import load_bounded_yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted([*ROOT.glob("problems/**/*.yaml"), *ROOT.glob("tests/**/*.yaml")])


def pure(text: str):
    return safe_yaml._load(text, yaml.SafeLoader)


def outcome(fn, text: str):
    try:
        return ("ok", fn(text))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        return (type(e).__name__, str(getattr(e, "problem", e)),
                mark.line if mark else None)


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML without libyaml")
def test_shipped_files_load_the_same_with_libyaml():
    assert len(SHIPPED) > 30
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8")
        assert load_bounded_yaml(text) == pure(text), path


LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(7))


@pytest.mark.parametrize("text", [
    "id: x\n  bad: indentation\n",
    "a: [1, 2\n",
    "a: 1\x00\n",
    "a: 'unterminated\n",
    "- a\nb: c\n",
    LAUGHS,
    "a: " + "[" * 100 + "]" * 100 + "\n",
    "n: " + "9" * 5000 + "\n",
    "a: !!python/object:os.system echo\n",
    "a: 1\na: 2\n",
    "",
    "just text",
])
def test_bad_or_odd_documents_read_as_the_pure_loader_reads_them(text):
    assert outcome(load_bounded_yaml, text) == outcome(pure, text)


def _random_document(rng, depth: int, anchors: list[str], aliases: bool) -> str:
    """Flow-style YAML of nested lists and mappings, with anchors and aliases if asked
    (an alias only to a node already closed, so there are no cycles)."""
    r = rng.random()
    if depth > 0 and r < 0.6:
        items = [_random_document(rng, depth - 1, anchors, aliases)
                 for _ in range(rng.randint(0, 4))]
        text = ("[" + ", ".join(items) + "]" if r < 0.35 else
                "{" + ", ".join(f"k{i}: {v}" for i, v in enumerate(items)) + "}")
    elif aliases and anchors and r < 0.75:
        return "*" + rng.choice(anchors)
    else:
        text = str(rng.randint(0, 9))
    if aliases and rng.random() < 0.3:
        anchors.append(f"a{len(anchors)}")
        return f"&{anchors[-1]} {text}"
    return text


def _expanded(node) -> tuple[int, int]:
    """(values, depth) of a composed document with its aliases expanded, by plain recursion
    (only for small documents)."""
    if isinstance(node, yaml.ScalarNode):
        return 1, 0
    kids = [n for kv in node.value for n in kv] if isinstance(node, yaml.MappingNode) \
        else list(node.value)
    sized = [_expanded(k) for k in kids]
    return 1 + sum(s for s, _ in sized), 1 + max((d for _, d in sized), default=-1)


@pytest.mark.parametrize("aliases", [False, True])
def test_expanded_size_counts_every_value_once_per_use(monkeypatch, aliases):
    """The bounded walk (memoised, scalars counted where they sit) against plain recursion:
    the same count of values with every alias expanded; without aliases, refused exactly
    when the nesting (values included) is deeper than MAX_DEPTH."""
    import random

    rng = random.Random(7)
    seen = {"ok": 0, "deep": 0}
    for _ in range(1500):
        limit = rng.choice([2, 3, 4, 64])
        monkeypatch.setattr(safe_yaml, "MAX_DEPTH", limit)
        node = yaml.compose("x: " + _random_document(rng, rng.randint(1, 6), [], aliases),
                            Loader=yaml.SafeLoader)
        size, depth = _expanded(node)
        try:
            got = safe_yaml._expanded_size(node)
        except safe_yaml.YamlSizeError as e:
            assert "levels deep" in e.problem
            assert depth > limit
            seen["deep"] += 1
            continue
        assert got == size
        if not aliases:
            assert depth <= limit
        seen["ok"] += 1
    assert seen["ok"] > 300 and seen["deep"] > 100  # both ways were exercised
