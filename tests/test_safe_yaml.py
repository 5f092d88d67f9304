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
