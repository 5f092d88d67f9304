"""Fuzzing the untrusted inputs: `--set` values, spec fields and answer texts.

Derandomised (the same examples on every run, CI included). For each example: no
exception other than derive's own one-line errors, a bounded time (an alarm fails the
example), no code run (a marker file never appears) and no file written anywhere (the
tests run in an empty folder that must stay empty).
"""

from __future__ import annotations

import copy
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from checkkit import SPECS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testkit import tiny_spec

from derive.check.mark.answers import (
    AnswerFileError,
    Submission,
    parse_latex_answers,
    parse_yaml_answers,
)
from derive.check.mark.marking import Marker
from derive.core.errors import DeriveError
from derive.core.spec import load_problem
from derive.core.values import ValueError_, parse_set_value

#: seconds one example may take (generous: the machine is shared)
LIMIT = 30
FUZZ = settings(derandomize=True, max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


class Overran(Exception):
    pass


@contextmanager
def bounded(seconds: int = LIMIT) -> Iterator[None]:
    """Fail the example (Overran) if it runs longer than ``seconds``."""
    def alarm(signum, frame):
        raise Overran(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture
def empty_cwd(tmp_path, monkeypatch):
    """Run in an empty folder and check that nothing was written into it."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    assert list(tmp_path.iterdir()) == [], "a fuzz example wrote a file"


# -- --set values --------------------------------------------------------------------------

_SET_ALPHABET = "0123456789[],.-+eE/ x_()*'\"\\\x00n"
set_texts = st.one_of(
    st.text(alphabet=_SET_ALPHABET, max_size=40),
    st.builds(lambda d, n: "[" * d + "1" + ",1" * n + "]" * d,
              st.integers(0, 3000), st.integers(0, 50)),
    st.builds(lambda e: f"1e{e}", st.integers(-10**9, 10**9)),
    st.builds(lambda a, b: f"{a}/{b}", st.integers(-10**50, 10**50), st.integers(-3, 3)),
    st.recursive(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                 lambda inner: st.lists(inner, max_size=4).map(lambda xs: f"[{','.join(xs)}]"),
                 max_leaves=12),
)


@FUZZ
@given(name=st.sampled_from(["eta", "x0", "steps", "alpha", "beta"]), text=set_texts)
def test_set_values_give_one_line_errors(empty_cwd, name, text):
    with bounded():
        try:
            parse_set_value(text)
        except ValueError_ as e:
            assert "\n" not in str(e)
        try:
            load_problem("gelu-descent", {name: text})
        except DeriveError as e:
            assert "\n" not in str(e)


@FUZZ
@given(text=set_texts, problem=st.sampled_from(["mlp-forward-backward", "rnn-vanishing",
                                                "conv-valid", "perceptron-bce"]))
def test_list_givens_give_one_line_errors(empty_cwd, text, problem):
    name = {"mlp-forward-backward": "w", "rnn-vanishing": "xs", "conv-valid": "K",
            "perceptron-bce": "x"}[problem]
    with bounded():
        try:
            load_problem(problem, {name: text})
        except DeriveError as e:
            assert "\n" not in str(e)


# -- spec fields ---------------------------------------------------------------------------

GOOD = tiny_spec("fuzz", "Fuzz")

_PIECES = ["x", "a", "f", "(", ")", "[", "]", "**", "*", "+", "-", "/", "!", "^", ",", ".",
           "__class__", "__import__('os').system('touch MARKER')", "sigmoid", "Sum",
           "(k, 1, 3)", "{a.d}", "1e999", "10**10**10", "0.5", "9", "lambda", "'", "\\",
           "exp", "log(0)", "1/0", "Symbol", "Rational", "dot", "\x00", " "]
expressions = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)
yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
              st.floats(allow_nan=True, allow_infinity=True), expressions),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["value", "kind", "expr", "min",
                                                             "max", "use", "x"]),
                                            inner, max_size=3)),
    max_leaves=10)


@FUZZ
@given(expr=expressions, value=yaml_values,
       field=st.sampled_from(["define", "given", "answer", "block", "choices"]))
def test_spec_fields_never_run_and_give_one_line_errors(empty_cwd, expr, value, field):
    spec = copy.deepcopy(GOOD)
    if field == "define":
        spec["define"] = {"f(x)": expr}
    elif field == "given":
        spec["givens"] = {"a": value}
    elif field == "answer":
        spec["answers"] = {"a.d": value}
    elif field == "block":
        spec["parts"]["a"]["derive"][0]["f"] = value if value is not None else expr
    else:
        spec["answers"]["a.c"] = {"kind": "choice", "choices": value}
    folder = empty_cwd.parent / f"{empty_cwd.name}-specs"
    folder.mkdir(exist_ok=True)
    path = folder / "fuzz.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with bounded():
        try:
            load_problem(path).solve()
        except DeriveError as e:
            assert "\n" not in str(e)
    assert not Path("MARKER").exists() and not (folder / "MARKER").exists()


# -- answer texts --------------------------------------------------------------------------

_ANSWER_PIECES = ["0.7", "-0.05", "x", "\\sigma", "(", ")", "{", "}", "\\frac{1}{2}", "^",
                  "_", "\\sum_{k=1}^{1000}", "(x+k)^{999}", "\\left(", "\\right)", "e^{x}",
                  "\\begin{bmatrix}", "\\end{bmatrix}", "&", "\\\\", "\\ldots", "1e308",
                  "\\input{/etc/passwd}", "__import__('os')", "9^{9^{9}}", "!", "\x00",
                  "\\text{", "$", "%", "\\sqrt[", "\\ln", "\\cdot", ",", " "]
answer_texts = st.one_of(st.lists(st.sampled_from(_ANSWER_PIECES), max_size=14).map("".join),
                         st.text(max_size=60))


@pytest.fixture(scope="module")
def marker():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DERIVE_PROBLEMS", str(SPECS))
        return Marker(answer_seconds=5)


@FUZZ
@given(text=answer_texts, aid=st.sampled_from(["a.z", "a.yhat", "b.loss", "c.dE_dz",
                                               "c.faster"]))
def test_answer_texts_are_marked_without_exceptions(empty_cwd, marker, text, aid):
    with bounded():
        marked = marker.mark(Submission("s.yaml", "s", {"check-unit": {aid: text}}))
    assert marked.error is None, marked.error
    verdicts = {r.answer: r.verdict for r in marked.results}
    assert verdicts[aid] in ("correct", "follow-through", "incorrect", "unparsable",
                             "missing")


@FUZZ
@given(text=st.text(max_size=200))
def test_answer_files_are_read_or_refused_in_one_line(empty_cwd, text):
    with bounded():
        for parse in (parse_yaml_answers, parse_latex_answers):
            try:
                parse(text, "s.yaml")
            except AnswerFileError as e:
                assert "\n" not in str(e)
    assert os.listdir(empty_cwd) == []


# -- findings, kept as examples ----------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    (r"\sum_{i=1}^{3}\sum_{j=1}^{3} 2", 18),      # 9 terms of 2, by hand
    (r"\sum_{i=1}^{3}\sum_{j=1}^{i} j", 10),      # 1 + (1+2) + (1+2+3)
])
def test_nested_sums_in_an_answer_are_read(text, value):
    from derive.check.read.config import ParseConfig
    from derive.check.read.parse import parse_answer

    assert parse_answer(text, "number", ParseConfig()).doit() == value


def test_a_student_name_with_a_blank_line_stays_one_heading():
    from derive.check.report.feedback import feedback_latex
    from derive.check.results import Marked

    tex = feedback_latex(Marked("s.yaml", "Ann\n\nLee"), {})
    heading = next(line for line in tex.splitlines() if "Feedback for" in line)
    assert "Ann Lee" in heading and heading.count("{") == heading.count("}")
