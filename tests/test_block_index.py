"""The block index (derive/topics/blocks_index.json) that lets a problem import only the
block modules it uses: it must equal what importing every block module registers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from derive.core import registry

INDEX = Path(registry.__file__).resolve().parent.parent / "topics" / registry.INDEX_FILE


def test_index_equals_what_loading_everything_registers():
    written = json.loads(INDEX.read_text(encoding="utf-8"))
    # derive's own blocks: a test helper may have registered a demo block in this process
    loaded = {name: b.fn.__module__ for name, b in registry.registry().items()
              if b.fn.__module__.startswith("derive.")}
    assert written == loaded, ("derive/topics/blocks_index.json is stale: rewrite it with "
                               "python -m derive.core.registry")


def test_a_problem_imports_only_the_block_modules_it_uses():
    code = """
import json, sys
from derive.core.spec import load_problem
load_problem("gelu-descent").solve()
print(json.dumps(sorted(m for m in sys.modules if m.startswith("derive.topics.")
             and m.rsplit(".", 1)[-1].startswith("blocks"))))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300, check=True)
    used = json.loads(r.stdout)
    assert used == ["derive.topics.scalar.blocks"]


def test_a_name_the_index_lacks_still_loads(monkeypatch):
    monkeypatch.setattr(registry, "_index", lambda: {})
    name, block = next(iter(registry.registry().items()))
    assert registry.registered(name) is block
    assert registry.registered("no-such-block") is None
    assert registry.registered(["not", "a", "name"]) is None
