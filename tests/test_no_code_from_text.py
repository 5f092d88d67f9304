"""No text is ever turned into code: the package is walked for the calls that would.

``eval``/``exec``/``compile`` and SymPy's ``parse_expr`` run Python; ``sympify`` of a
string calls ``parse_expr``. None may appear in the package; ``sympify`` only with
``strict=True`` (which refuses strings), except at the reviewed call sites listed
below, whose arguments are SymPy objects or numbers built by derive. A new non-strict
``sympify`` fails this test: pass ``strict=True``, or read text with
``derive.core.spec_grammar`` (specs) or ``derive.check.read`` (answers).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "derive"

#: calls that run text as code, banned outright (bare names and attributes alike)
BANNED = {"eval", "exec", "compile", "parse_expr", "__import__", "parse_latex_lark"}
#: modules whose import brings a text-to-code route
BANNED_IMPORTS = {"sympy.parsing.sympy_parser", "sympy.parsing.ast_parser"}

#: module -> non-strict sympify calls reviewed: each converts a SymPy object or a number
REVIEWED_SYMPIFY = Counter({
    "core/notation.py": 2,
    "core/local_names.py": 1,
    "render/printing.py": 2,
    "render/latex.py": 1,
    "topics/conv/blocks_conv.py": 1,
    "topics/conv/maths.py": 1,
    "topics/identities/blocks_identity.py": 6,
    "topics/networks/matrix_calculus.py": 8,
    "topics/networks/oracle.py": 1,
    "topics/scalar/calculus.py": 1,
    "topics/threshold/separability.py": 4,
})


def _called_name(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def _is_text(node: ast.AST) -> bool:
    """A string literal, an f-string, str(...), '...'.format(...) or a concatenation."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call):
        name = _called_name(node)
        return name in ("str", "format", "join", "repr") or (
            isinstance(node.func, ast.Attribute) and _is_text(node.func.value))
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    return False


def _strict(call: ast.Call) -> bool:
    return any(k.arg == "strict" and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in call.keywords)


def _scan() -> tuple[list[str], Counter[str]]:
    problems: list[str] = []
    loose: Counter[str] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in BANNED_IMPORTS:
                problems.append(f"{rel}:{node.lineno}: imports {node.module}")
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name in BANNED_IMPORTS:
                        problems.append(f"{rel}:{node.lineno}: imports {a.name}")
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            # re.compile and friends are methods of a module object, not the builtin
            if name in BANNED and not (name == "compile" and isinstance(node.func,
                                                                        ast.Attribute)):
                problems.append(f"{rel}:{node.lineno}: calls {name}()")
            # sp.S("…") sympifies; a local alias S = sp.Symbol does not
            sympifies = name == "sympify" or (name == "S" and isinstance(node.func,
                                                                       ast.Attribute))
            if sympifies and node.args and _is_text(node.args[0]):
                problems.append(f"{rel}:{node.lineno}: {name}() of text")
            if name == "sympify" and not _strict(node):
                loose[rel] += 1
    return problems, loose


def test_nothing_turns_text_into_code():
    problems, _ = _scan()
    assert not problems, "text turned into code:\n" + "\n".join(problems)


def test_no_new_non_strict_sympify():
    _, loose = _scan()
    new = {m: n for m, n in loose.items() if n > REVIEWED_SYMPIFY.get(m, 0)}
    assert not new, (f"new sympify() without strict=True in {new}: pass strict=True (it "
                     "refuses strings) or read text with the spec grammar / answer reader")


def test_the_walker_finds_what_it_looks_for(tmp_path):
    """The scan itself: planted calls are found (the test could fail)."""
    planted = ast.parse("import sympy as sp\nsp.sympify(str(x))\nsp.sympify(f'{y}')\n"
                        "eval(t)\nsp.sympify(e, strict=True)\nre.compile('a')\n")
    calls = [n for n in ast.walk(planted) if isinstance(n, ast.Call)]
    texts = [c for c in calls if _called_name(c) == "sympify" and _is_text(c.args[0])]
    assert len(texts) == 2
    assert [_strict(c) for c in calls if _called_name(c) == "sympify"] == [False, False, True]
    assert {_called_name(c) for c in calls} >= {"eval", "compile"}
