"""Hostile working is bounded like answers: size, lines, nesting, and the worker's clock."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

from solvekit import solution

from derive.check.mark.batch import BatchOptions, run_batch
from derive.check.working import check_working
from derive.check.working.lines import MAX_LINES, MAX_WORKING_CHARS, read_lines


@functools.cache
def _problem() -> tuple[Any, dict[str, Any]]:
    s = solution("gelu-descent")
    return s.problem, {a: v.value for a, v in s.answers.items()}


def run(text: str) -> Any:
    p, right = _problem()
    return check_working(p, "a.x1", text, right, {})


def test_ten_thousand_lines_are_refused_by_size_in_one_step() -> None:
    text = " \\\\\n".join("x_1 = 0 - 0.1 (0.5)" for _ in range(10_000))
    assert len(text) > MAX_WORKING_CHARS
    start = time.monotonic()
    w = run(text)
    assert time.monotonic() - start < 5
    assert len(w.steps) == 1 and w.steps[0].verdict == "unreadable"
    assert "characters long" in w.steps[0].feedback and w.first_error is None


def test_lines_past_the_limit_are_one_unread_step() -> None:
    text = " \\\\ ".join("= -0.05" for _ in range(1_000))
    assert len(text) < MAX_WORKING_CHARS
    lines = read_lines("x_1 = 0 - 0.1 (0.5) \\\\ " + text)
    assert len(lines) == MAX_LINES + 1
    assert "are not read" in lines[-1].problem


def test_deep_nesting_is_unreadable_not_a_crash() -> None:
    deep = "(" * 500 + "1" + ")" * 500
    w = run(f"x_1 = {deep} \\\\ = -0.05")
    assert w.steps[0].verdict == "unreadable"
    assert "nested" in w.steps[0].feedback
    braces = "{" * 3000 + "}" * 3000
    w = run(f"x_1 = \\frac{braces}{{1}} = 2")
    assert all(s.verdict in ("unreadable", "unchecked", "invalid") for s in w.steps)


def test_huge_numbers_and_exponents_are_refused() -> None:
    w = run("x_1 = 10^{10^{10}} = 9" + "9" * 200)
    assert all(s.verdict != "valid" for s in w.steps)


def test_a_hostile_working_in_a_batch_costs_only_itself(tmp_path: Path) -> None:
    term = "&= \\frac{{1}}{{1 + e^{{-{i}.5}}}} + \\sigma'(\\sigma'(\\sigma'({i}x)))"
    lines = " \\\\\n".join(term.format(i=i) for i in range(55))
    hostile = tmp_path / "h.yaml"
    hostile.write_text("answers:\n  gelu-descent:\n    a.derivative:\n      answer: 'x'\n"
                       "      working: |\n        f'(x) " + lines.replace("\n", "\n        ")
                       + "\n    a.x1: '-0.05'\n")
    start = time.monotonic()
    (m,) = run_batch([str(hostile)], BatchOptions(jobs=1, answer_seconds=0.5))
    assert m.error is None
    results = {r.answer: r for r in m.results}
    assert results["a.x1"].verdict == "correct"
    w = results["a.derivative"].working
    assert w is not None and w.steps  # checked, or cut off by the worker's clock
    assert time.monotonic() - start < 120


def test_a_matrix_product_beside_a_number_keeps_the_working() -> None:
    # [1 2][1; 2] = [[5]], a 1×1 matrix, then a number: wrong steps, not a lost working
    # (its diagnosis subtracted the matrix from the number: TypeError)
    p, right = _problem()
    w = check_working(p, "a.f2", r"f_2 = \begin{bmatrix} 1 & 2 \end{bmatrix} "
                      r"\begin{bmatrix} 1 \\ 2 \end{bmatrix} = -0.044", right, {})
    assert len(w.steps) == 2
    assert w.steps[0].verdict == "invalid"  # 5 is not f_2 = -0.044


def test_a_power_tower_of_the_problems_quantities_is_refused_quickly() -> None:
    # part c: x_0 - eta g_0 = -3 + 0.1 * 0.0245 = -2.9975, and 2.9975^100 is about 5e47:
    # an exponent that large is refused, as a written one beyond 1000 is
    p, right = _problem()
    start = time.monotonic()
    w = check_working(p, "c.gd.x1", r"x_1 = (x_0 - \eta g_0)^{(x_0 - \eta g_0)^{(x_0 - "
                      r"\eta g_0)^{100}}}", right, {})
    assert time.monotonic() - start < 10  # it took the worker's whole 30 s clock
    assert [s.verdict for s in w.steps] == ["unreadable"]
    assert "too large" in w.steps[0].feedback


def test_sides_without_a_value_are_unreadable_not_a_lost_working() -> None:
    # 0/0 is nan (its comparison raised TypeError: the whole working was lost); log 0
    # has no value, so "log(0) = 3" was *valid*; √-1 is no real number
    p, right = _problem()
    w = check_working(p, "a.x1", r"x_1 = -0.05 = \frac{0}{0} = \log(0) = \sqrt{-1} = 3",
                      right, {})
    assert [s.verdict for s in w.steps] == ["valid", "unreadable", "unreadable",
                                            "unreadable", "invalid"]
    assert "no value" in w.steps[1].feedback and "real" in w.steps[3].feedback
