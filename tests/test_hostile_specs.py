"""Specs are untrusted data: their expressions never run code, their sizes are bounded.

Each hostile expression would create a marker file if any of it ran as Python; the test
asserts the load fails with a one-line SpecError naming the field and that the marker
never appears.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import sympy as sp
import yaml
from testkit import run_cli, tiny_spec

from derive.core.errors import SpecError
from derive.core.spec import load_problem
from derive.core.spec_grammar import SpecExprError, read_spec_expression

GOOD = tiny_spec()


def _payloads(marker: Path) -> list[str]:
    cmd = f"touch {marker}"
    return [
        # the chain that escaped parse_expr's empty builtins
        f"Symbol.__new__.__globals__['__builtins__']['__import__']('os').system('{cmd}')",
        f"__import__('os').system('{cmd}')",
        f"(lambda: __import__('os').system('{cmd}'))()",
        f"x.__class__.__init__.__globals__['os'].system('{cmd}')",
        f"getattr(__import__('os'), 'system')('{cmd}')",
        f"exec('import os; os.system(\"{cmd}\")')",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        f"Rational.__new__.__globals__['__builtins__']['eval']('__import__(\"os\").system(\"{cmd}\")')",
        f"sigmoid.__init__.__globals__['sp'].sympify('__import__(\"os\").system(\"{cmd}\")')",
        f"a if __import__('os').system('{cmd}') else a",
        "x*Sum.func.__globals__",
    ]


def _write(tmp_path: Path, spec: dict) -> Path:
    p = tmp_path / f"{spec['id']}.yaml"
    p.write_text(yaml.safe_dump(spec))
    return p


@pytest.mark.parametrize("i", range(11))
def test_hostile_definition_never_runs(tmp_path, i):
    marker = tmp_path / "PWNED"
    spec = copy.deepcopy(GOOD)
    spec["define"] = {"f(x)": _payloads(marker)[i]}
    with pytest.raises(SpecError) as e:
        load_problem(_write(tmp_path, spec)).solve()
    assert e.value.field == "define.f(x).expr"
    assert "\n" not in str(e.value)
    assert not marker.exists()


@pytest.mark.parametrize("i", range(11))
def test_hostile_block_argument_and_mistake_never_run(tmp_path, i):
    from derive.check.judge import diagnoses as dg

    marker = tmp_path / "PWNED"
    payload = _payloads(marker)[i]
    spec = copy.deepcopy(GOOD)
    spec["parts"]["a"]["derive"][0]["f"] = payload
    with pytest.raises(SpecError):
        load_problem(_write(tmp_path, spec)).solve()
    spec = copy.deepcopy(GOOD)
    spec["answers"]["a.d"]["mistakes"] = {"my-code": {"expr": payload, "feedback": "no"}}
    path = _write(tmp_path, spec)
    with pytest.raises(SpecError):
        problem = load_problem(path)
        dg.read_mistakes(problem, yaml.safe_load(path.read_text()))
    assert not marker.exists()


def test_hostile_design_feature_never_runs(tmp_path):
    """A design answer's `features:` used to go through sympify(str(...))."""
    marker = tmp_path / "PWNED"
    text = (Path(__file__).parent.parent / "problems" / "separability.yaml").read_text()
    hostile = text.replace("features: ['x1*x2']",
                           f"features: [\"__import__('os').system('touch {marker}')\"]", 1)
    assert hostile != text
    (tmp_path / "separability.yaml").write_text(hostile)
    with pytest.raises(SpecError) as e:
        load_problem(tmp_path / "separability.yaml").solve()
    assert "features" in str(e.value)
    assert not marker.exists()


def test_derive_list_and_solve_report_a_hostile_spec_in_one_line(tmp_path):
    marker = tmp_path / "PWNED"
    spec = copy.deepcopy(GOOD)
    spec["define"] = {"f(x)": _payloads(marker)[0]}
    folder = tmp_path / "specs"
    folder.mkdir()
    _write(folder, spec)
    import os
    import subprocess
    import sys

    from testkit import ROOT

    env = {**os.environ, "DERIVE_PROBLEMS": str(folder)}
    listed = subprocess.run([sys.executable, "-m", "derive", "list"], capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=300)
    assert listed.returncode == 0
    assert "tiny" in listed.stdout and "Traceback" not in listed.stderr
    solved = run_cli("solve", str(folder / "tiny.yaml"))
    assert solved.returncode == 2
    assert solved.stderr.count("\n") == 1 and "define.f(x).expr" in solved.stderr
    assert "Traceback" not in solved.stderr
    assert not marker.exists()


# -- sizes --------------------------------------------------------------------------------

@pytest.mark.parametrize("expr,message", [
    ("10**10**10", "exponents are at most"),
    ("9**9**9**9", "exponents are at most"),
    ("(10**6)!", "factorials are of whole numbers"),
    ("x*1e999999999", "exponents are at most"),
    ("2**(1/1000000)", "exponents are at most"),
    ("x**100000", "exponents are at most"),
    ("123456789012345678901234567890123456789012345678901234567890*x", "characters"),
    ("(" * 200 + "x" + ")" * 200, "nested more than"),
    ("-" * 5000 + "x", "longer than"),
    ("x^2", "write powers with '**'"),
    ("Sum(x, (a, 1, 10**50))", "at most 1000 terms"),
    ("Sum(x, a)", "limits are written (k, 1, K)"),
    ("x(2)", "only functions of the spec language"),
    ("a[0]", "only indexed symbols and given"),
])
def test_sizes_in_spec_expressions_are_bounded(tmp_path, expr, message):
    spec = copy.deepcopy(GOOD)
    spec["define"] = {"f(x)": expr}
    with pytest.raises(SpecError) as e:
        load_problem(_write(tmp_path, spec))
    assert e.value.field == "define.f(x).expr"
    assert message in e.value.message


def test_the_grammar_reads_what_specs_write():
    """The grammar's results against SymPy objects built by hand."""
    x, k, big_k = sp.Symbol("x"), sp.Symbol("k", integer=True), sp.Symbol("K")
    p = sp.IndexedBase("p")
    w = sp.ImmutableMatrix([[sp.Symbol("w_1"), sp.Symbol("w_2")]])
    names = {"x": x, "k": k, "K": big_k, "p": p, "w": w, "Sum": sp.Sum, "log": sp.log,
             "f": sp.Lambda((x,), x**2)}
    read = lambda t: read_spec_expression(t, names, sp.Symbol, (sp.Sum, sp.log))  # noqa: E731
    assert read("-Sum(p[k]*log(p[k]), (k, 1, K))/2") == -sp.Sum(
        p[k] * sp.log(p[k]), (k, 1, big_k)) / 2
    assert read("w[1]*x + w[0]") == sp.Symbol("w_2") * x + sp.Symbol("w_1")
    assert read("0.1 + 2**-1 - 3!") == sp.Rational(1, 10) + sp.Rational(1, 2) - 6
    assert read("-x**2") == -(x**2)
    assert read("2**3**2") == 512
    assert read("f(x + 1)") == (x + 1) ** 2
    assert read("{a.x1}*2") == 2 * sp.Symbol("a.x1")
    assert read("[[1, 2], [3, x]]") == sp.ImmutableMatrix([[1, 2], [3, x]])
    with pytest.raises(SpecExprError):
        read("log")  # a function is not a value
    with pytest.raises(SpecExprError):
        read("(1, 2)")


# -- YAML ---------------------------------------------------------------------------------

def test_alias_bomb_in_a_spec_is_refused(tmp_path):
    lines = ['id: bomb', 'title: Bomb', 'givens: {a: 2}', 'symbols: [x]',
             'define: {f(x): a*x}',
             'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    lines.append("answers: {a.c: {kind: choice, choices: *l8}}")
    p = tmp_path / "bomb.yaml"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError) as e:
        load_problem(p)
    assert "expands to more than" in str(e.value)


def test_recursive_alias_and_nul_byte_are_one_line_errors(tmp_path):
    p = tmp_path / "loop.yaml"
    p.write_text("id: loop\nanswers: &a {x: *a}\n")
    with pytest.raises(SpecError, match="alias refers to a node that contains it"):
        load_problem(p)
    p = tmp_path / "nul.yaml"
    p.write_text("id: nul\ntitle: a\x00b\n")
    with pytest.raises(SpecError, match="invalid YAML"):
        load_problem(p)


def test_shipped_specs_keep_their_aliases():
    """gelu-descent shares its mistakes through anchors; bounded aliases still work."""
    problem = load_problem("gelu-descent")
    assert "c.mom.x1" in problem.answers


def test_every_yaml_reader_bounds_alias_expansion():
    """Specs, the listing, the block reference and assignments read YAML through the one
    bounded loader; no module calls yaml.safe_load/yaml.load itself."""
    import ast

    package = Path(__file__).resolve().parent.parent / "derive"
    direct = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("safe_load", "load", "full_load", "unsafe_load")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "yaml"):
                direct.append(f"{path.relative_to(package)}:{node.lineno}")
    assert not direct, f"YAML read without the bounded loader: {direct}"


def test_an_assignment_alias_bomb_is_refused(tmp_path):
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    lines.append("problems: *l8")
    (tmp_path / "hw.yaml").write_text("\n".join(lines) + "\n")
    r = run_cli("assign", str(tmp_path / "hw.yaml"), "--students", "1")
    assert r.returncode == 2 and "expands to more than" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
