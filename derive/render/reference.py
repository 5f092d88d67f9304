"""The spec language's block reference (`derive blocks`, docs/blocks.md), from the registry.

Everything printed comes from the registered blocks themselves: the block's docstring,
each ``Param`` (kind, required or default, choices, doc), and an example taken from the
shipped problems, so the example is a call that `derive verify` runs. Text and Markdown
are two renderings of the same :class:`BlockDoc` records.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from derive.core.errors import UsageError
from derive.core.registry import Block, Param, registry
from derive.core.safe_yaml import load_bounded_yaml

#: what each parameter type means to a spec author
KIND_WORDS = {
    "expr": "expression",
    "exprs": "mapping name: expression",
    "expr_list": "list of expressions",
    "symbol": "symbol",
    "definition": "defined name",
    "answer": "answer id",
    "answers": "mapping role: answer id",
    "prefix": "answer prefix",
    "text": "word",
    "strings": "list of words",
    "raw": "YAML",
}

KIND_HELP = {
    "expression": "a number, a given's name, or a formula over givens, symbols, "
                  "definitions and earlier answers written '{a.x1}'; between matrices * "
                  "is the matrix product (not numpy's entrywise *), transpose(K) is Kᵀ",
    "symbol": "a name declared under symbols:",
    "defined name": "a name declared under define: (f, or f(x) for a function)",
    "answer id": "an id declared under answers: (part.name, e.g. a.x1)",
    "answer prefix": "the block numbers its answers: prefix a.x gives a.x1, a.x2, … "
                     "(declare the ones asked under answers:)",
    "word": "one of the listed values where a list is shown",
    "YAML": "a list or mapping the block reads itself (see its meaning)",
}

#: what an expression argument must hold (``Param.takes``; checked when a spec is read)
_TAKES_WORDS = {"scalar": " (a number)", "array": " (a vector or matrix)"}

#: where shipped examples come from, in this order (the reference set first)
_SHIPPED = ("problems", "problems/library")


@dataclass(frozen=True)
class ArgDoc:
    """One argument as the reference shows it."""

    name: str
    kind: str
    need: str
    """'required' or 'default: …' / 'optional'"""
    meaning: str


@dataclass(frozen=True)
class BlockDoc:
    """One block as the reference shows it."""

    name: str
    topic: str
    summary: str
    """the first paragraph of the docstring"""
    details: str
    """the rest of the docstring"""
    args: tuple[ArgDoc, ...]
    example: str
    """one YAML line (a flow mapping), or '' when no shipped problem uses the block"""
    example_source: str


def _arg_doc(name: str, p: Param) -> ArgDoc:
    kind = KIND_WORDS.get(p.type, p.type) + _TAKES_WORDS.get(p.takes, "")
    if p.choices:
        kind = " | ".join(p.choices)
    if p.required:
        need = "required"
    elif p.default in (None, "", [], {}):
        need = "optional"
    else:
        need = f"default: {_flow(p.default)}"
    return ArgDoc(name, kind, need, " ".join(p.doc.split()))


def _flow(v: Any) -> str:
    """A value as one line of YAML flow style."""
    out = yaml.safe_dump(v, default_flow_style=True, sort_keys=False, allow_unicode=True,
                         width=10_000).strip()
    return out[:-4].strip() if out.endswith("\n...") or out.endswith("...") else out


def shipped_examples(root: Path | None = None) -> dict[str, tuple[str, str]]:
    """Block name -> (example call, source file): the shortest use in the shipped specs."""
    base = root or Path(__file__).resolve().parent.parent.parent
    found: dict[str, tuple[str, str]] = {}
    for d in _SHIPPED:
        for path in sorted((base / d).glob("*.yaml")):
            try:
                raw = load_bounded_yaml(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                continue  # a broken spec is reported by derive verify, not here
            parts = raw.get("parts") if isinstance(raw, dict) else None
            for part in (parts or {}).values():
                for call in (part or {}).get("derive") or [] if isinstance(part, dict) else []:
                    if not isinstance(call, dict) or not isinstance(call.get("use"), str):
                        continue
                    line = _flow(call)
                    name = call["use"]
                    old = found.get(name)
                    if old is None or len(line) < len(old[0]):
                        found[name] = (line, f"{d}/{path.name}")
    return found


def block_docs(root: Path | None = None) -> list[BlockDoc]:
    """Every registered block, grouped by topic, alphabetically within a topic."""
    examples = shipped_examples(root)
    out = []
    for b in registry().values():
        out.append(_block_doc(b, examples.get(b.name, ("", ""))))
    return sorted(out, key=lambda d: (d.topic, d.name))


def _block_doc(b: Block, example: tuple[str, str]) -> BlockDoc:
    paragraphs = [" ".join(p.split()) for p in b.doc.strip().split("\n\n")] or [""]
    module = b.fn.__module__.split(".")
    topic = module[2] if len(module) > 3 and module[1] == "topics" else module[-1]
    details = " ".join(paragraphs[1:])
    return BlockDoc(b.name, topic, paragraphs[0], details,
                    tuple(_arg_doc(n, p) for n, p in b.params.items()), *example)


def find_block(name: str) -> BlockDoc:
    """One block's reference; a UsageError suggests the nearest name."""
    docs = {d.name: d for d in block_docs()}
    if name in docs:
        return docs[name]
    near = difflib.get_close_matches(name, list(docs), n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    raise UsageError(f"unknown block '{name}'{hint} (`derive blocks` lists them)")


# -- text ----------------------------------------------------------------------------------
def block_text(d: BlockDoc) -> str:
    """One block in full, for a terminal."""
    out = [f"{d.name}  [{d.topic}]", f"  {d.summary}"]
    if d.details:
        out.append(f"  {d.details}")
    if d.args:
        rows = [("argument", "kind", "required/default", "meaning")]
        rows += [(a.name, a.kind, a.need, a.meaning) for a in d.args]
        w = [max(len(r[i]) for r in rows) for i in range(3)]
        out.append("")
        for r in rows:
            out.append("  " + "  ".join(c.ljust(w[i]) for i, c in enumerate(r[:3]))
                       + "  " + r[3])
    if d.example:
        out += ["", f"  example ({d.example_source}):", f"    - {d.example}"]
    return "\n".join(out) + "\n"


def reference_text(name: str | None = None) -> str:
    """`derive blocks [BLOCK]`: every block (or one) with its arguments and an example."""
    if name:
        return block_text(find_block(name))
    docs = block_docs()
    head = [
        "Derivation blocks: each entry of a part's `derive:` list is one block call,",
        "  - {use: BLOCK, argument: value, …}",
        "run in order. Argument kinds:",
    ]
    head += [f"  {k}: {v}" for k, v in KIND_HELP.items()]
    return "\n".join(head) + "\n\n" + "\n".join(block_text(d) for d in docs)


# -- Markdown --------------------------------------------------------------------------------
def _cell(s: str) -> str:
    return s.replace("|", "\\|") if s else ""


def reference_markdown() -> str:
    """docs/blocks.md: the same reference as Markdown (a test keeps the file current)."""
    docs = block_docs()
    out = [
        "# Block reference",
        "",
        "<!-- generated by `derive blocks --format markdown`; do not edit by hand -->",
        "",
        "Each entry of a part's `derive:` list calls one block, "
        "`- {use: BLOCK, argument: value, …}`; blocks run in order and emit the answers "
        "they name. `derive blocks BLOCK` prints one of these entries in a terminal. "
        "Every example below is taken from a shipped problem, where it is verified by "
        "`derive verify`.",
        "",
        "| argument kind | what to write |",
        "|---|---|",
    ]
    out += [f"| {k} | {_cell(v)} |" for k, v in KIND_HELP.items()]
    out += ["", "| block | topic | does |", "|---|---|---|"]
    out += [f"| [`{d.name}`](#{d.name.replace('_', '')}) | {d.topic} | {_cell(d.summary)} |"
            for d in docs]
    for d in docs:
        out += ["", f"## {d.name}", "", f"*{d.topic}*. {d.summary}"]
        if d.details:
            out += ["", d.details]
        if d.args:
            out += ["", "| argument | kind | required/default | meaning |", "|---|---|---|---|"]
            out += [f"| `{a.name}` | {_cell(a.kind)} | {_cell(a.need)} | {_cell(a.meaning)} |"
                    for a in d.args]
        if d.example:
            out += ["", f"Example (from `{d.example_source}`):", "", "```yaml",
                    f"- {d.example}", "```"]
    return "\n".join(out) + "\n"
