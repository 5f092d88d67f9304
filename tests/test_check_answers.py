"""Answer files: YAML and LaTeX, read as written; broken files named with their line."""

import pytest

from derive.check.mark.answers import (
    AnswerFileError,
    answer_text,
    parse_latex_answers,
    parse_yaml_answers,
    read_answer_file,
)


def test_yaml_keeps_numbers_as_written():
    sub = parse_yaml_answers("student: s017\nanswers:\n  gelu-descent:\n    a.x1: 0.10\n"
                             "    a.x2: -5e-2\n    a.x3:\n    c.faster: yes\n", "s.yaml")
    assert sub.student == "s017"
    assert sub.answers == {"gelu-descent": {"a.x1": "0.10", "a.x2": "-5e-2", "a.x3": "",
                                            "c.faster": "yes"}}


def test_yaml_student_defaults_to_the_file_name():
    sub = parse_yaml_answers("answers: {p: {a.x: 1}}", "answers/s042.yaml")
    assert sub.student == "s042"


@pytest.mark.parametrize("text,message", [
    ("answers: [\n", "line 2: invalid YAML"),
    ("- 1\n", "expected a mapping with 'answers'"),
    ("answers: 3\n", "answers: expected a mapping of problem id"),
    ("answers: {p: 3}\n", "answers.p: expected a mapping of answer id"),
    ("studnet: x\nanswers: {p: {a.x: 1}}\n", "studnet: unknown field"),
    ("a: &x [1, 2]\nanswers: {p: {a.x: *x}}\n", "aliases (*name) are not allowed"),
])
def test_broken_yaml_is_a_file_error(text, message):
    with pytest.raises(AnswerFileError) as e:
        parse_yaml_answers(text, "s.yaml")
    assert message in str(e.value) and str(e.value).startswith("s.yaml: ")


def test_yaml_duplicate_answer_is_a_warning_and_the_last_wins():
    sub = parse_yaml_answers("answers:\n  p:\n    a.x: 1\n    a.x: 2\n", "s.yaml")
    assert sub.answers["p"]["a.x"] == "2"
    assert sub.warnings == ["line 4: 'a.x' appears again (first on line 3); the last one "
                            "is marked"]


LATEX = r"""\documentclass{article}
% \answer{gelu-descent/a.g0}{commented out}
\begin{filecontents*}{x.sty}
\answer{gelu-descent/a.g1}{inside filecontents}
\end{filecontents*}
\student{ Ada
  Lovelace }
\begin{document}
\answer{gelu-descent/a.x1}{\frac{-1}{20} % the first step
}
Some text \\answer{not/an.answer}{no}
\answer {gelu-descent/a.x2}
  {\left\{ -0.096 \right\} 50\% }
\newcommand\answer[2]{}
\end{document}
"""


def test_latex_answers_anywhere_with_nested_braces_and_comments():
    sub = parse_latex_answers(LATEX, "hw.tex")
    assert sub.student == "Ada Lovelace"
    assert sub.answers == {"gelu-descent": {"a.x1": r"\frac{-1}{20}",
                                            "a.x2": r"\left\{ -0.096 \right\} 50\%"}}
    assert sub.lines == {("gelu-descent", "a.x1"): 9, ("gelu-descent", "a.x2"): 12}


def test_latex_unbalanced_brace_names_the_line():
    text = "\\documentclass{article}\n\\begin{document}\n\\answer{p/a.x1}{\\frac{1}{2}\n" \
           "\\end{document}\n"
    with pytest.raises(AnswerFileError) as e:
        parse_latex_answers(text, "hw.tex")
    assert str(e.value) == "hw.tex: line 3: the { of this \\answer is never closed " \
                           "(unbalanced braces)"


def test_latex_missing_brace_that_swallows_the_next_answer_names_both_lines():
    # the broken answer is lost (and says why), the next one is still read
    text = "\\answer{p/a.x1}{\\frac{1}{2}\n\n\\answer{p/a.x2}{3}}\n"
    sub = parse_latex_answers(text, "hw.tex")
    assert sub.answers == {"p": {"a.x2": "3", "a.x1": ""}}
    assert sub.broken == {("p", "a.x1"): "line 1: this \\answer runs into the next one "
                                         "(line 3): a } is missing"}


def test_latex_answer_without_problem_and_duplicates_are_warnings():
    sub = parse_latex_answers("\\answer{a.x1}{1}\n\\answer{p/a.x}{1}\n\\answer{p/a.x}{2}\n",
                              "hw.tex")
    assert sub.answers == {"p": {"a.x": "2"}}
    assert sub.warnings == [
        "line 1: \\answer{a.x1} names no problem (expected \\answer{problem/answer}{…}); "
        "ignored",
        "line 3: p/a.x is answered again (first on line 2); the last answer is marked"]


def test_file_size_is_capped(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("answers: {p: {a.x: '" + "1" * 5000 + "'}}\n")
    with pytest.raises(AnswerFileError, match="answer files are at most 1,000 bytes"):
        read_answer_file(p, max_bytes=1000)


def test_not_utf8_names_the_line(tmp_path):
    p = tmp_path / "latin.tex"
    p.write_bytes(b"line one\n\\answer{p/a.x}{caf\xe9}\n")
    with pytest.raises(AnswerFileError, match="line 2: is not UTF-8 text"):
        read_answer_file(p)


def test_yaml_lists_become_the_latex_a_student_writes():
    assert answer_text([["1", "2"], ["3", "4"]], "matrix") == \
        r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"
    assert answer_text(["1", "0.5"], "matrix") == r"\begin{bmatrix} 1 & 0.5 \end{bmatrix}"
    assert answer_text(["9", "9", "6"], "shape") == r"9 \times 9 \times 6"
    with pytest.raises(ValueError):
        answer_text({"a": 1}, "number")


def test_a_latex_file_without_answers_is_a_file_error():
    with pytest.raises(AnswerFileError, match="no \\\\answer"):
        parse_latex_answers("\\documentclass{article}\n% \\answer{p/a.x}{1}\n", "notes.tex")
