"""A check's name may be a function that makes it (``derivation.Label``): it is made only
when shown, never while the checks of a solve run, and reads as the eager name did."""

from __future__ import annotations

from types import SimpleNamespace

from derive.core.derivation import Check, CheckResult, label_text
from derive.core.verify import report_lines, run_checks


def _counted(text: str) -> tuple[list[int], object]:
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        return text

    return calls, make


def test_label_made_only_when_read() -> None:
    calls, make = _counted("a.x: rule 2*u")
    check = Check(make, ("a.x",), "identity", lambda: (True, 0.0, "fine"))
    (result,) = run_checks(SimpleNamespace(checks=(check,)))
    assert calls == []  # running the check does not print its name
    assert result.ok and result.name == "a.x: rule 2*u"
    assert check.name == "a.x: rule 2*u"
    assert len(calls) == 2


def test_plain_string_label() -> None:
    assert label_text("b.y: value") == "b.y: value"
    r = CheckResult("b.y: value", ("b.y",), "numpy-recompute", True, 0.0)
    assert r.name == "b.y: value"


def test_failing_check_reports_the_made_name() -> None:
    calls, make = _counted("a.x: rule 2*u")
    check = Check(make, ("a.x",), "identity", lambda: (False, 0.5, "at 3 random sizes"))
    solution = SimpleNamespace(checks=(check,), answers={"a.x": None},
                               problem=SimpleNamespace(id="p"))
    results = run_checks(solution)
    lines, bad = report_lines(solution, results, verbose=False)
    assert bad
    assert lines[1] == "  FAIL a.x: rule 2*u [identity] error 5.0e-01 at 3 random sizes"
    assert calls == [1]


def test_identity_check_named_with_its_expression() -> None:
    """The network identity checks name the simplified expression, as before the name
    was made lazily (the line ``derive verify -v softmax-backprop`` printed then)."""
    from derive.core.spec import load_problem

    s = load_problem("softmax-backprop").solve()
    names = [r.name for r in s.results if r.method == "identity"]
    assert "a.dE_df2: expand -(y ⊘ o)*diag(o) + (y ⊘ o)*o.T*o" in names
    assert "a.dE_df2: one-hot o - y" in names


def test_results_compare_and_print_by_name_text() -> None:
    """Two runs of the same check give equal results, whose repr shows the name, not the
    function that makes it."""
    runs = [run_checks(SimpleNamespace(checks=(Check(lambda: "a.x: rule 2*u", ("a.x",),
                                                     "identity",
                                                     lambda: (True, 0.0, "")),)))[0]
            for _ in range(2)]
    assert runs[0].label is not runs[1].label
    assert runs[0] == runs[1] and hash(runs[0]) == hash(runs[1])
    assert "name='a.x: rule 2*u'" in repr(runs[0]) and "function" not in repr(runs[0])
    other = CheckResult("a.x: rule 2*u", ("a.x",), "identity", False, 0.5, "")
    assert runs[0] != other
