"""Spec validation: each error names the file, the field and what was expected."""

from pathlib import Path

import pytest
import yaml
from testkit import tiny_spec

from derive.core.errors import SpecError
from derive.core.spec import load_problem

GOOD = tiny_spec()


def write(tmp_path: Path, spec: dict | str, name: str = "tiny") -> Path:
    p = tmp_path / f"{name}.yaml"
    p.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec))
    return p


def mutate(**changes) -> dict:
    import copy

    spec = copy.deepcopy(GOOD)
    for path, value in changes.items():
        node = spec
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[keys[-1]] = value
    return spec


def test_good_spec_solves(tmp_path):
    s = load_problem(write(tmp_path, GOOD)).solve()
    assert str(s.answers["a.d"].value) == "4*x"


@pytest.mark.parametrize("spec,field,message", [
    ({**GOOD, "answers": {"a.d": {"kind": "numbr"}}}, "answers.a.d",
     "unknown kind 'numbr' (expected one of: number, expression, matrix"),
    (mutate(parts__a__derive=[{"use": "derivativ", "f": "f"}]), "parts.a.derive[0].use",
     "unknown block 'derivativ'"),
    (mutate(parts__a__derive=[{"use": "derivative", "wrt": "x"}]), "parts.a.derive[0].f",
     "missing argument of block 'derivative'"),
    (mutate(parts__a__derive=[{"use": "derivative", "f": "g", "wrt": "x"}]),
     "parts.a.derive[0].f", "unknown definition 'g' (expected one of: f)"),
    (mutate(parts__a__derive=[{"use": "derivative", "f": "f", "wrt": "x", "speed": 1}]),
     "parts.a.derive[0].speed", "unknown argument of block 'derivative'"),
    (mutate(define={"f(x)": "a*q"}), "define.f(x).expr", "unknown name 'q'"),
    (mutate(define={"f(x)": "a*(x"}), "define.f(x).expr", "cannot read expression"),
    (mutate(givens={"a": "two"}), "givens.a.value", "'two' is not a number"),
    ({**GOOD, "titel": "x"}, "titel", "unknown field; did you mean 'title'?"),
    ({**GOOD, "id": "other"}, "id", "'other' differs from the file name 'tiny'"),
    (mutate(answers={"a.d": {"kind": "expression"}, "a.e": "number"}), "answers.a.e",
     "declared, but no block derives it"),
    (mutate(answers={"ad": "number"}), "answers.ad", "an answer id is part.name"),
    (mutate(answers={"a.d": {"kind": "choice"}}), "answers.a.d.choices", "missing"),
])
def test_messages_name_file_field_and_expectation(tmp_path, spec, field, message):
    path = write(tmp_path, spec)
    with pytest.raises(SpecError) as e:
        load_problem(path).solve()
    assert e.value.field == field
    assert message in e.value.message
    assert str(e.value).startswith(f"{e.value.path}: {field}: ")
    assert e.value.path.endswith("tiny.yaml")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, "id: tiny\nanswers: [a\n  b: c\n")
    with pytest.raises(SpecError) as e:
        load_problem(path)
    assert e.value.field.startswith("line ")
    assert "invalid YAML" in e.value.message


def test_unknown_set_name_lists_the_givens():
    with pytest.raises(SpecError, match=r"--set etaa: unknown given \(expected one of: alpha"):
        load_problem("gelu-descent", {"etaa": "1"})


def test_set_keeps_kinds_apart():
    with pytest.raises(SpecError, match="expected a number"):
        load_problem("gelu-descent", {"eta": "[1,2]"})
    with pytest.raises(SpecError, match="expected a whole number"):
        load_problem("gelu-descent", {"steps": "2.5"})
