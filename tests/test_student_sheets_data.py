"""The transcribed student sheets and their hand marking (tests/data/student-sheets/).

Validates the data only: every file loads, uses the problem set's ids, marks every
answer it transcribes and lists the rest as missing, uses known verdicts and diagnosis
codes; and the hand verdicts of plain numbers, matrices and designs agree with the
problem set's number rule applied to reference_values.py (an independent computation
that does not import derive). Comparing derive's own verdicts is not done here.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).parent / "data" / "student-sheets"
STEMS = ["000_cd27d2c3d9ccafdb", "001_2d2c8e84d615a37a", "002_1f83e4d9556acbe0",
         "003_6c13d2aa68a8a4ca", "004_79f611fb4391be53"]
VERDICTS = {"correct", "follow-through", "incorrect", "unparsable"}
ISSUE_CODES = {"log-base", "bias-omitted", "input-depth-omitted", "momentum-convention",
               "learning-rate", "kernel-flipped", "size-formula", "transpose", "sign",
               "half-factor", "sigma-prime-argument", "missing-activation-derivative",
               "rounding"}


def _seq(prefix: str, names: str, start: int, stop: int) -> list[str]:
    return [f"{prefix}{n}{i}" for n in names.split() for i in range(start, stop + 1)]


# The answer ids of /work/shared/problem-set.md (hard-coded: not every problem has a
# spec under problems/ yet).
PROBLEM_ANSWERS: dict[str, list[str]] = {
    "gelu-descent": ["a.derivative", *_seq("a.", "g", 0, 2), *_seq("a.", "x f", 1, 3),
                     *_seq("b.", "g", 0, 2), *_seq("b.", "x f", 1, 3),
                     *_seq("c.gd.", "x f", 1, 3), *_seq("c.mom.", "v x f", 1, 3), "c.faster"],
    "logic-gates": ["a.weights", "b.weights", "c.hidden", "c.output", "d.hidden", "d.output",
                    "e.table"],
    "softmax-backprop": ["a.dE_df2", "b.dE_dx", "c.dE_dW2", "c.dE_db2", "d.dE_dW1",
                         "d.dE_db1", "e.o", "e.loss", "e.dE_dx"],
    "cnn-padding-pooling": ["a.padding", "a.output", "b.stride", "b.possible", "c.output",
                            "d.filter", "d.stride", "d.padding"],
    "tanh-derivative": ["a.derivative", "a.in_terms_of_f"],
    "mlp-forward-backward": ["a.h1", "a.h2", "a.yhat", "b.loss", *_seq("c.", "dE_dw", 1, 9),
                             *_seq("d.", "w", 1, 9), "e.h1", "e.h2", "e.yhat", "e.loss"],
    "conv-layer-shapes": ["a.shape", "b.params", "c.shape", "d.params", "e.activation"],
    "softmax-shift": ["b.probs"],
    "perceptron-bce": ["a.z", "a.yhat", "b.loss", "b.dE_dyhat", "b.dE_dz", "b.dE_dw",
                       "b.dE_db", "c.sigma0"],
    "conv-valid": ["a.shape", "a.output", "b.shape"],
    "cnn-architecture": [f"{layer}.{what}" for layer in ("conv1", "pool", "conv2", "flatten",
                                                         "dense")
                         for what in ("shape", "params")] + ["total.params"],
    "conv-sigmoid-backprop": ["a.dE_dwf", "b.dE_dbf", "c.dE_dwc", "d.dE_dbc", "e.o", "e.loss",
                              "e.dE_dwc", "e.wc_new"],
    "separability": ["a.separable", "b.weights", "c.separable", "d.weights"],
    "jacobian-chain": ["a.J_x", "b.shape", "c.dL_dx", "d.J_x"],
    "loss-gradients": ["a.dL_dz", "b.dL_dz", "c.dL_dz", "d.dL_dz", "e.y", "e.dL_dz",
                       "f.dL_dz", "g.choice"],
    "rnn-vanishing": [*_seq("a.", "h", 1, 4), "b.dh4_dh1", "c.dc4_dc1"],
}


def _load_reference():
    spec = importlib.util.spec_from_file_location("student_sheet_reference",
                                                  DATA / "reference_values.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REF = _load_reference()


def load(name: str) -> dict:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def diagnosis_codes() -> dict[str, str]:
    """code -> its 'seen in' cell, from the table of DIAGNOSES.md."""
    rows = {}
    for line in (DATA / "DIAGNOSES.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| `([a-z0-9]+(?:-[a-z0-9]+)*)` \|(.*)\|\s*$", line)
        if m:
            cells = [c.strip() for c in m.group(2).split(" | ")]
            assert len(cells) == 3, f"DIAGNOSES.md row {m.group(1)} needs 4 cells"
            rows[m.group(1)] = cells[-1]
    return rows


def marks(stem: str):
    """(problem, answer id, given LaTeX, mark) for every transcribed answer."""
    answers, expected = load(f"{stem}.yaml"), load(f"{stem}.expected.yaml")
    for problem, items in answers["answers"].items():
        for answer_id, given in items.items():
            yield problem, answer_id, given, expected["marks"][problem][answer_id]


def test_the_data_folder_holds_exactly_the_five_sheets():
    names = sorted(p.name for p in DATA.iterdir() if p.suffix == ".yaml")
    assert names == sorted([f"{s}.yaml" for s in STEMS] + [f"{s}.expected.yaml" for s in STEMS])
    assert (DATA / "README.md").is_file()


@pytest.mark.parametrize("stem", STEMS)
def test_answer_file_uses_the_problem_set_ids(stem):
    data = load(f"{stem}.yaml")
    assert set(data) - {"notation"} == {"student", "answers"} and data["student"] == stem
    assert data["answers"], "an answer file names at least one problem"
    for problem, items in data["answers"].items():
        assert problem in PROBLEM_ANSWERS, f"{stem}: unknown problem {problem}"
        assert items, f"{stem}: {problem} is named but has no answers"
        for answer_id, given in items.items():
            assert answer_id in PROBLEM_ANSWERS[problem], f"{stem}: {problem}/{answer_id}"
            assert isinstance(given, str) and given.strip(), f"{stem}: {problem}/{answer_id}"


@pytest.mark.parametrize("stem", STEMS)
def test_expected_file_marks_every_answer_and_lists_the_rest_as_missing(stem):
    answers, expected = load(f"{stem}.yaml"), load(f"{stem}.expected.yaml")
    assert set(expected) == {"student", "marks", "missing"} and expected["student"] == stem
    assert set(expected["marks"]) == set(answers["answers"]) == set(expected["missing"])
    for problem, items in answers["answers"].items():
        assert set(expected["marks"][problem]) == set(items), f"{stem}: {problem}"
        missing = expected["missing"][problem]
        assert len(missing) == len(set(missing))
        assert set(missing) == set(PROBLEM_ANSWERS[problem]) - set(items), f"{stem}: {problem}"


@pytest.mark.parametrize("stem", STEMS)
def test_every_mark_has_a_verdict_a_known_diagnosis_and_a_reason(stem):
    codes = diagnosis_codes()
    for problem, answer_id, _, mark in marks(stem):
        where = f"{stem}: {problem}/{answer_id}"
        assert set(mark) <= {"verdict", "diagnosis", "also", "why"}, where
        assert mark["verdict"] in VERDICTS, where
        assert isinstance(mark.get("why"), str) and len(mark["why"]) > 10, where
        used = ([mark["diagnosis"]] if "diagnosis" in mark else []) + mark.get("also", [])
        if mark["verdict"] == "correct":
            assert not used, f"{where}: a correct answer carries no diagnosis"
        if "also" in mark:
            assert "diagnosis" in mark, f"{where}: 'also' without a main diagnosis"
        for code in used:
            assert code in codes, f"{where}: {code} is not in DIAGNOSES.md"
            assert not codes[code].startswith("none"), f"{where}: {code} says 'seen in none'"


def test_diagnoses_catalogue_has_the_issue_codes_and_only_codes_in_use_or_listed():
    codes = diagnosis_codes()
    assert ISSUE_CODES <= set(codes)
    used = {code for stem in STEMS for *_, mark in marks(stem)
            for code in ([mark["diagnosis"]] if "diagnosis" in mark else [])
            + mark.get("also", [])}
    for code, seen in codes.items():
        assert (code in used) == (not seen.startswith("none")), code


def test_reference_values_script_runs_standalone():
    r = subprocess.run([sys.executable, str(DATA / "reference_values.py")],
                       capture_output=True, text=True, timeout=120, cwd=DATA)
    assert r.returncode == 0, r.stderr
    assert "== gelu-descent" in r.stdout and "== expression answers" in r.stdout
    assert "import derive" not in (DATA / "reference_values.py").read_text(encoding="utf-8")


# --------------------------------------------------------------- verdicts against the rule


def parse_matrix(latex: str) -> list[list[str]]:
    body = re.fullmatch(r"\\begin\{bmatrix\}(.*)\\end\{bmatrix\}", latex.strip(), re.S)
    assert body, latex
    return [[cell.strip() for cell in row.split("&")] for row in body.group(1).split(r"\\")]


def rule_verdict(given, exact, own, exact_only: bool) -> str:
    """What the problem set's number rule says: correct, follow-through or incorrect."""
    def ok(target) -> bool:
        if isinstance(given, list):
            return (len(given) == len(target)
                    and all(len(g) == len(t) for g, t in zip(given, target, strict=True))
                    and all(REF.number_ok(gc, tc, exact_only)
                            for g, t in zip(given, target, strict=True)
                            for gc, tc in zip(g, t, strict=True)))
        return REF.number_ok(given, target, exact_only)

    if ok(exact):
        return "correct"
    return "follow-through" if own is not None and ok(own) else "incorrect"


def numeric_items():
    for stem in STEMS:
        for problem, answer_id, given, mark in marks(stem):
            exact = REF.REFERENCE.get(problem, {}).get(answer_id)
            if exact is None or isinstance(exact, (str, tuple)):
                continue
            if isinstance(exact, list):
                given = parse_matrix(given)
            else:
                try:
                    REF.parse_number(given)
                except ValueError:
                    continue
            own = REF.FOLLOW_THROUGH.get(stem, {}).get(problem, {}).get(answer_id)
            yield (pytest.param(given, exact, own, (problem, answer_id) in REF.EXACT,
                                mark["verdict"], id=f"{stem[:3]}-{problem}-{answer_id}"))


@pytest.mark.parametrize("given,exact,own,exact_only,verdict", list(numeric_items()))
def test_hand_verdict_of_a_number_follows_the_number_rule(given, exact, own, exact_only,
                                                          verdict):
    assert rule_verdict(given, exact, own, exact_only) == verdict


def test_there_are_numeric_items_of_every_verdict():
    seen = {p.values[-1] for p in numeric_items()}
    assert seen == {"correct", "follow-through", "incorrect"}


def design_value(latex: str) -> list[list]:
    return [[REF.parse_number(c)[0] for c in row] for row in parse_matrix(latex)]


def test_hand_verdicts_of_designs_follow_their_property():
    checked = 0
    for stem in STEMS:
        answers = load(f"{stem}.yaml")["answers"]
        expected = load(f"{stem}.expected.yaml")["marks"]
        gates = answers.get("logic-gates", {})
        for part, table in (("c", [0, 1, 1, 0]), ("d", [1, 0, 0, 1])):
            if f"{part}.hidden" in gates:
                works = REF.gate_table(design_value(gates[f"{part}.hidden"]),
                                       design_value(gates[f"{part}.output"])[0]) == table
                for key in (f"{part}.hidden", f"{part}.output"):
                    assert (expected["logic-gates"][key]["verdict"] == "correct") == works
                    checked += 1
        pool = answers.get("cnn-padding-pooling", {})
        if "d.filter" in pool:
            ref = REF.REFERENCE["cnn-padding-pooling"]
            works = REF.conv2d(ref["a.output"], design_value(pool["d.filter"]),
                               padding=int(pool["d.padding"]),
                               stride=int(pool["d.stride"])) == ref["c.output"]
            for key in ("d.filter", "d.stride", "d.padding"):
                assert (expected["cnn-padding-pooling"][key]["verdict"] == "correct") == works
                checked += 1
        sep = answers.get("separability", {})
        if "b.weights" in sep:
            works = REF.separates(design_value(sep["b.weights"])[0], REF.SEPARABILITY_POINTS)
            assert (expected["separability"]["b.weights"]["verdict"] == "correct") == works
            checked += 1
    assert checked == 11


CHOICES = {("gelu-descent", "c.faster"), ("cnn-padding-pooling", "b.possible"),
           ("conv-layer-shapes", "e.activation"), ("separability", "a.separable"),
           ("separability", "c.separable"), ("loss-gradients", "g.choice")}


def parse_shape(latex: str) -> tuple[int, ...] | None:
    parts = [p.strip() for p in latex.split(r"\times")]
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def test_hand_verdicts_of_shapes_and_choices_follow_the_reference():
    """Shapes are exact (a trailing 1 of a flat vector, 160 x 1, is the same shape);
    choices are exact words, case-insensitive."""
    checked = 0
    for stem in STEMS:
        for problem, answer_id, given, mark in marks(stem):
            exact = REF.REFERENCE.get(problem, {}).get(answer_id)
            if isinstance(exact, tuple) and all(isinstance(n, int) for n in exact):
                shape = parse_shape(given)
                assert shape is not None, f"{stem}: {problem}/{answer_id}"
                while len(shape) > len(exact) and shape[-1] == 1:
                    shape = shape[:-1]
                assert (mark["verdict"] == "correct") == (shape == exact), answer_id
            elif (problem, answer_id) in CHOICES:
                assert (mark["verdict"] == "correct") == (given.lower() == exact), answer_id
            else:
                continue
            checked += 1
    assert checked == 15  # 8 shapes, 7 choices
