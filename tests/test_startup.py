"""Start-up: `derive list` reads titles without SymPy; heavy modules load when used."""

from __future__ import annotations

import os
import subprocess
import sys

from testkit import ROOT

from derive.core.catalogue import read_title


def _modules_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    r = subprocess.run([sys.executable, "-c", code + "\nimport sys\n"
                        "print(' '.join(sorted(sys.modules)))"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split())


def test_derive_list_imports_neither_sympy_nor_numpy():
    mods = _modules_after("from click.testing import CliRunner\n"
                          "from derive.cli import cli\n"
                          "r = CliRunner().invoke(cli, ['list'])\n"
                          "assert r.exit_code == 0 and 'gelu-descent' in r.output, r.output")
    assert "sympy" not in mods and "numpy" not in mods


def test_import_derive_is_light_until_a_name_is_used():
    mods = _modules_after("import derive")
    assert "sympy" not in mods
    mods = _modules_after("import derive\nderive.render_text")
    assert "sympy" in mods


def test_titles_are_read_from_their_line_or_from_the_whole_yaml(tmp_path):
    one = tmp_path / "one.yaml"
    one.write_text("id: one\ntitle: 'Softmax: shift invariance'  # a comment\nparts: {a: [\n")
    assert read_title(one) == "Softmax: shift invariance"  # the broken rest is not read
    block = tmp_path / "block.yaml"
    block.write_text("id: block\ntitle: >\n  Folded\n  title\n")
    assert read_title(block) == "Folded title"


def test_a_spec_without_a_title_is_listed_as_invalid(tmp_path, monkeypatch):
    (tmp_path / "untitled.yaml").write_text("id: untitled\n")
    monkeypatch.setenv("DERIVE_PROBLEMS", str(tmp_path))
    r = subprocess.run([sys.executable, "-m", "derive", "list"], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("untitled"))
    assert line.split(None, 1)[1] == "(invalid spec: title: missing (expected one line of text))"


def test_marking_plain_numbers_does_not_import_latex2sympy2(tmp_path):
    """latex2sympy2 parses two formulas as it is imported: only an answer that needs it
    (an expression outside the plain arithmetic ``read.core_arithmetic`` reads: here
    ``|x|``) pays for that."""
    numbers = tmp_path / "numbers.yaml"
    numbers.write_text("student: s1\nanswers:\n  gelu-descent:\n    a.x1: '-0.05'\n")
    formula = tmp_path / "formula.yaml"
    formula.write_text("student: s1\nanswers:\n  gelu-descent:\n"
                       "    a.derivative: '|x| \\sigma(\\alpha x)'\n")
    code = ("from derive.check.mark.marking import Marker\n"
            "m = Marker(phase=lambda key, seconds: None)\n"
            f"assert not m.mark_file({str(numbers)!r}).error\n")
    assert "latex2sympy2" not in _modules_after(code)
    code += f"assert not m.mark_file({str(formula)!r}).error\n"
    assert "latex2sympy2" in _modules_after(code)


def test_a_warm_sheet_imports_neither_sympy_nor_numpy(tmp_path):
    """Every block of a sheet comes from the result cache: the document is assembled
    without deriving, so without SymPy (the cold run, which derives, does import it)."""
    env = {**os.environ, "DERIVE_CACHE": "on", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code = ("from click.testing import CliRunner\n"
            "from derive.cli import cli\n"
            f"r = CliRunner().invoke(cli, ['sheet', 'conv-valid', 'tanh-derivative', "
            f"'-o', {str(tmp_path / 's.tex')!r}])\n"
            "assert r.exit_code == 0, r.output\n")
    cold = _modules_after(code, env)
    first = (tmp_path / "s.tex").read_text()
    warm = _modules_after(code, env)
    assert "sympy" in cold
    assert "sympy" not in warm and "numpy" not in warm
    assert (tmp_path / "s.tex").read_text() == first
