"""`derive blocks` and docs/blocks.md: every block documented, with a working example."""

import functools
from pathlib import Path

import pytest
import yaml
from testkit import ROOT, run_cli, run_process

from derive.core.registry import registry
from derive.render.reference import BlockDoc, block_docs

BLOCKS = sorted(registry())


@functools.cache
def docs() -> dict[str, BlockDoc]:
    """The reference of every block, read once for the module (it reads every shipped spec
    for the examples: half a second a call)."""
    return {d.name: d for d in block_docs()}


def test_docs_blocks_md_is_current():
    """Regenerate with: derive blocks --format markdown > docs/blocks.md

    In a fresh process: a test module's own blocks (sheetkit's ``sheet-test-demo``) are
    in this one's registry when xdist gives it the same worker."""
    r = run_process("blocks", "--format", "markdown")
    assert r.returncode == 0, r.stderr
    assert (ROOT / "docs" / "blocks.md").read_text(encoding="utf-8") == r.stdout


@pytest.mark.parametrize("name", BLOCKS)
def test_every_block_has_documentation_and_an_example(name):
    b = registry()[name]
    assert b.doc.strip(), f"block {name} has no docstring"
    undocumented = [p for p, spec in b.params.items() if not spec.doc.strip()]
    assert not undocumented, f"block {name}: arguments without doc: {undocumented}"
    doc = docs()[name]
    assert doc.example, f"block {name}: no shipped problem uses it, so it has no example"


@pytest.mark.parametrize("name", BLOCKS)
def test_every_example_is_a_valid_call_of_its_block(name):
    doc = docs()[name]
    call = yaml.safe_load(doc.example)
    assert call["use"] == name
    params = registry()[name].params
    assert set(call) - {"use"} <= set(params)
    assert {p for p, spec in params.items() if spec.required} <= set(call)
    # the example's file really exists and uses the block
    assert f"use: {name}" in (ROOT / doc.example_source).read_text(encoding="utf-8") or \
        f"'use': '{name}'" in str(yaml.safe_load((ROOT / doc.example_source).read_text()))


def test_cli_one_block_in_full():
    r = run_cli("blocks", "descent")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("descent  [scalar]")
    for word in ("argument", "x0", "required", "default: sum", "sum | average", "example ("):
        assert word in out
    assert "- {use: descent," in out


def test_cli_all_blocks_then_unknown_block_is_a_usage_error():
    r = run_cli("blocks")
    assert r.returncode == 0
    for name in BLOCKS:
        assert f"\n{name}  [" in r.stdout
    bad = run_cli("blocks", "desent")
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("derive: unknown block 'desent'; did you mean 'descent'? "
                                  "(`derive blocks` lists them)")


def _spec(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "t.yaml"
    p.write_text("id: t\ntitle: t\n" + text)
    return p


@pytest.mark.parametrize("body,expected", [
    # a misspelt block: the nearest name and where the reference is
    ("answers: {a.x: number}\nparts: {a: {derive: [{use: evalute, answer: a.x, expr: 1}]}}",
     "parts.a.derive[0].use: unknown block 'evalute'; did you mean 'evaluate'? "
     "(`derive blocks` lists every block with its arguments)"),
    # an unknown argument: the accepted ones and the block's reference
    ("answers: {a.x: number}\nparts: {a: {derive: [{use: evaluate, answer: a.x, expr: 1, "
     "value: 2}]}}", "see `derive blocks evaluate`"),
    # a defined quantity listed under vars says where it belongs
    ("symbols: [z]\ndefine: {yhat: sigmoid(z)}\nanswers: {a.d: {kind: expression, "
     "vars: [yhat]}}\nparts: {a: {derive: []}}", "goes under names:"),
    # YAML flow style splits f(x, y) at its comma
    ("symbols: [x, y]\ndefine: {f(x, y): x*y}\nanswers: {a.x: number}\nparts: {}",
     "quote it, {'f(x, y)': …}"),
])
def test_spec_errors_say_what_to_do(tmp_path, body, expected):
    r = run_cli("solve", str(_spec(tmp_path, body)))
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert expected in r.stderr, r.stderr
