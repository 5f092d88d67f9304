"""``Piecewise((value, condition), …)`` written directly in specs: the grammar, its errors,
derivatives and descent through the pieces, and checks at kinks.

Expected values are written out by hand here (plain Python), never taken from derive.
"""

import math

import numpy as np
import pytest
import sympy as sp
import yaml
from testkit import run_cli, solve_json

from derive.core.errors import SpecError
from derive.core.expressions import parse_spec_expr
from derive.core.functions import NAMESPACE
from derive.core.numeric import gradient_sided

X, D = sp.Symbol("x", real=True), sp.Symbol("d", real=True)
NS = {**NAMESPACE, "x": X, "d": D}


def read(text: str):
    return parse_spec_expr("p.yaml", "define.f(x).expr", text, NS)


# -- the grammar -------------------------------------------------------------------------

@pytest.mark.parametrize("text,pieces", [
    ("Piecewise((x, x > 0), (0, True))", [(X, X > 0), (0, True)]),
    ("Piecewise((x, x > 0), (0, otherwise))", [(X, X > 0), (0, True)]),
    # a chain is both comparisons; and binds before or, as in Python
    ("Piecewise((1, -1 < x <= 2), (0, True))", [(1, (X > -1) & (X <= 2)), (0, True)]),
    ("Piecewise((1, x < -1 or x > 0 and x < 1), (0, True))",
     [(1, (X < -1) | ((X > 0) & (X < 1))), (0, True)]),
    # pieces that cover the line need no otherwise-piece (decided exactly)
    ("Piecewise((-1, x < 0), (1, x >= 0))", [(-1, X < 0), (1, True)]),
    ("Piecewise((x**2/2, abs(x) <= 1), (abs(x) - 1/2, abs(x) > 1))",
     [(X**2 / 2, abs(X) <= 1), (abs(X) - sp.Rational(1, 2), True)]),
    ("Piecewise((-1, x < d), (1, x >= d))", [(-1, X < D), (1, True)]),
    ("Piecewise((Piecewise((x, x > 1), (1, True)), x > 0), (0, True))",
     [(sp.Piecewise((X, X > 1), (1, True)), X > 0), (0, True)]),
    # cases(…): one value per case, the last without 'if' for every other value
    ("cases(0.1*x if x < 0, x if 0 <= x <= 1, 1 + (x - 1)/2)",
     [(X / 10, X < 0), (X, (X >= 0) & (X <= 1)), (1 + (X - 1) / 2, True)]),
    ("cases(-1 if x < 0, 1 if x >= 0)", [(-1, X < 0), (1, True)]),
    ("cases(x if x > 0, cases(1 if x < -1, 2))",
     [(X, X > 0), (sp.Piecewise((1, X < -1), (2, True)), True)]),
])
def test_pieces_and_conditions_are_read(text, pieces):
    got = read(text)
    want = sp.Piecewise(*pieces)
    for p in (-3, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3):  # the same function, pointwise
        at = {X: sp.nsimplify(p), D: sp.Rational(1, 3)}
        assert got.xreplace(at) == want.xreplace(at), (text, p)


@pytest.mark.parametrize("text,message", [
    ("Piecewise((-1, x < 0), (1, x > 0))",
     "the pieces leave x in {0} uncovered; end with an otherwise-piece"),
    ("Piecewise((-1, x < d), (1, x > d))",
     "cannot tell that the conditions cover every case; end with an otherwise-piece"),
    ("Piecewise((1, x < 0), (2, x > 1))", "leave x in [0, 1] uncovered"),
    ("Piecewise((1, x**2 < 1))", "leave x in (-oo, -1] ∪ [1, oo) uncovered"),
    ("Piecewise((x, x), (0, True))", "piece 1's condition is not a comparison"),
    ("Piecewise((x, x + 1), (0, True))", "piece 1's condition is not a comparison"),
    ("Piecewise((x, x > 0, 1), (0, True))", "piece 1 has more than two items"),
    ("Piecewise((x), (0, True))", "piece 1 has one item"),
    ("Piecewise(x, x > 0)", "piece 1 is written (value, condition)"),
    ("Piecewise((x, True), (0, x > 1))", "piece 2 follows the otherwise-piece"),
    ("Piecewise((x, 1 > 2))", "no piece's condition can hold"),
    ("Piecewise((x, x > [1, 2]), (0, True))", "compares two numbers or scalar expressions"),
    ("Piecewise((x, x > 0), (0, True)) < 1", "a comparison is only a condition of Piecewise"),
    ("x < 1", "a comparison is only a condition of Piecewise"),
    ("Piecewise((" * 5 + "x, x > 0), (0, True))" + ", x > 0), (0, True))" * 4,
     "Piecewise nested more than 4 deep"),
    ("Piecewise(" + ", ".join(f"({k}, x < {k})" for k in range(21)) + ", (0, True))",
     "at most 20 pieces"),
    ("Piecewise((x, " + " < ".join(["x"] * 14) + "), (0, True))", "more than 12 comparisons"),
    ("cases(-1 if x < 0, 1 if x > 0)", "cases(…): the pieces leave x in {0} uncovered"),
    ("cases(x if x, 0)", "cases(…): case 1's condition is not a comparison"),
    ("cases(x, 0 if x > 1)", "piece 2 follows the otherwise-piece"),
    ("cases(x if x > 0 0)", "case 1 is written 'value if condition'"),
])
def test_malformed_pieces_are_one_line_spec_errors(text, message):
    with pytest.raises(SpecError) as e:
        read(text)
    assert message in str(e.value)
    assert str(e.value).startswith("p.yaml: define.f(x).expr: ")


def test_a_malformed_piecewise_in_a_spec_file_exits_2_with_one_line(tmp_path):
    spec = {"id": "t", "title": "t", "symbols": ["x"],
            "define": {"f(x)": "Piecewise((-x, x < 0), (x, x > 0))"},
            "answers": {"a.d": {"kind": "expression", "vars": ["x"]}},
            "parts": {"a": {"derive": [{"use": "derivative", "f": "f", "wrt": "x",
                                        "answer": "a.d"}]}}}
    p = tmp_path / "t.yaml"
    p.write_text(yaml.safe_dump(spec))
    r = run_cli("solve", str(p))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert f"{p}: define.f(x)" in r.stderr and "leave x in {0} uncovered" in r.stderr


# -- the library problem, by hand --------------------------------------------------------

def phi(z, a, c):
    return a * z if z < 0 else (z if z <= 1 else 1 + c * (z - 1))


def dphi(z, a, c):  # at 0 and at 1 the middle piece (0 <= z <= 1) holds
    return a if z < 0 else (1.0 if z <= 1 else c)


def loss(r, beta):
    return r * r / (2 * beta) if abs(r) < beta else abs(r) - beta / 2


def dloss(r, beta):
    return r / beta if abs(r) < beta else math.copysign(1.0, r)


@pytest.mark.parametrize("sets,a,c,beta,u,t,w0,eta,steps", [
    ((), 0.1, 0.5, 1, 2, 1.5, -0.5, 1, 4),
    # starts on the kink at w = 0: the middle piece decides, g0 = -2 (not the average)
    (("w0=0", "a=0.2", "c=0.25"), 0.2, 0.25, 1, 2, 1.5, 0, 1, 4),
    (("beta=0.5", "steps=3", "eta=0.5", "t=1"), 0.1, 0.5, 0.5, 2, 1, -0.5, 0.5, 3),
    # starts where the loss turns linear (|r| = beta): smooth there, but not twice
    (("w0=2",), 0.1, 0.5, 1, 2, 1.5, 2, 1, 4),
])
def test_piecewise_by_cases(sets, a, c, beta, u, t, w0, eta, steps):
    ans = solve_json("piecewise-by-cases", *sets)["answers"]
    for i, z in enumerate((-1, 0, 1, 2), start=1):
        assert ans[f"a.d{i}"]["value"] == pytest.approx(dphi(z, a, c), rel=1e-12)
    for i, r in enumerate((-2, 0.25), start=1):
        assert ans[f"b.d{i}"]["value"] == pytest.approx(dloss(r, beta), rel=1e-12)
    w = float(w0)
    for k in range(steps):
        g = dloss(phi(w * u, a, c) - t, beta) * dphi(w * u, a, c) * u
        assert ans[f"c.g{k}"]["value"] == pytest.approx(g, rel=1e-12)
        w -= eta * g
        assert ans[f"c.w{k + 1}"]["value"] == pytest.approx(w, rel=1e-12)
        assert ans[f"c.L{k + 1}"]["value"] == pytest.approx(loss(phi(w * u, a, c) - t, beta),
                                                             rel=1e-9)
    assert f"c.g{steps}" not in ans


def test_the_derivative_expressions_hold_on_every_piece():
    ans = solve_json("piecewise-by-cases")["answers"]
    z, r = sp.Symbol("z", real=True), sp.Symbol("r", real=True)
    fz = sp.lambdify(z, sp.sympify(ans["a.dphi"]["value"], locals={"z": z}))
    fr = sp.lambdify(r, sp.sympify(ans["b.dl"]["value"], locals={"r": r}))
    for p in (-2.0, -0.3, 0.0, 0.4, 1.0, 1.7, 3.0):
        assert fz(p) == pytest.approx(dphi(p, 0.1, 0.5))
        assert fr(p) == pytest.approx(dloss(p, 1))


# -- checks at kinks ----------------------------------------------------------------------

def test_a_sided_gradient_picks_a_slope_f_has_and_never_another():
    f = lambda v: abs(v[0]) + 3 * v[1]  # noqa: E731 - a kink at v[0] = 0
    assert gradient_sided(f, np.array([0.0, 1.0]), near=np.array([1.0, 3.0]))[0] == \
        pytest.approx(1.0)
    assert gradient_sided(f, np.array([0.0, 1.0]), near=np.array([-0.9, 3.0]))[0] == \
        pytest.approx(-1.0)
    # |x|'(0) = sign(0) = 0 by convention: the mean of the two slopes
    assert gradient_sided(f, np.array([0.0, 1.0]), near=np.array([0.0, 3.0]))[0] == \
        pytest.approx(0.0, abs=1e-9)
    # 0.6 is none of -1, 1 and their mean 0: the nearest (1) still disagrees with it
    assert gradient_sided(f, np.array([0.0, 1.0]), near=np.array([0.6, 3.0]))[0] == \
        pytest.approx(1.0)
    assert gradient_sided(f, np.array([0.5, 1.0]), near=np.array([9.0, 9.0])) == \
        pytest.approx([1.0, 3.0])


def test_where_pieces_meet_smoothly_the_sided_gradient_is_the_slope():
    from derive.core.numeric import gradient_fd

    def f(v):  # v²/2 turning into v − 1/2 at v = 1: f' = 1 there, f'' jumps
        return v[0] ** 2 / 2 if v[0] < 1 else v[0] - 0.5

    assert abs(gradient_fd(f, np.array([1.0]))[0] - 1) > 1e-5  # the stencil straddles
    assert gradient_sided(f, np.array([1.0]))[0] == pytest.approx(1.0, rel=1e-9)
    assert gradient_sided(f, np.array([0.3]))[0] == pytest.approx(0.3, rel=1e-9)


def test_descent_from_a_kink_follows_the_piece_that_holds(tmp_path):
    spec = {"id": "k", "title": "k", "symbols": ["x"],
            "define": {"f(x)": "Piecewise((-x/2, x < 0), (2*x, True)) + x**2"},
            "answers": {"a.x1": "number", "a.x2": "number"},
            "parts": {"a": {"derive": [{"use": "descent", "f": "f", "wrt": "x", "x0": 0,
                                        "eta": 0.25, "steps": 2, "x": "a.x"}]}}}
    p = tmp_path / "k.yaml"
    p.write_text(yaml.safe_dump(spec))
    ans = solve_json(str(p))["answers"]
    # f'(0) = 2 (the otherwise-piece holds at 0): x1 = -0.5; f'(-0.5) = -1/2 - 1: x2 = -0.125
    assert ans["a.x1"]["value"] == pytest.approx(-0.5)
    assert ans["a.x2"]["value"] == pytest.approx(-0.5 + 0.25 * 1.5)


def test_the_abs_convention_at_its_kink_verifies(tmp_path):
    """QA: |x|'(0) = sign(0) = 0, the README's convention, lies between the one-sided
    slopes -1 and 1, and the checks accepted only those: asking f'(0) of |x|, or L1
    descent from w0 = 0, failed verification. By hand: f'(0) = 0; l1-descent's
    f(w) = (w - 3)² + 2|w| from 0 with η = 0.05: g = -6, -3.4, -3.06."""
    spec = {"id": "a", "title": "a", "symbols": ["x"], "define": {"f(x)": "abs(x)"},
            "answers": {"a.d1": "number"},
            "parts": {"a": {"derive": [{"use": "derivative", "f": "f", "wrt": "x",
                                        "at": [0], "values": "a.d"}]}}}
    p = tmp_path / "a.yaml"
    p.write_text(yaml.safe_dump(spec))
    assert solve_json(str(p))["answers"]["a.d1"]["value"] == 0
    ans = solve_json("l1-descent", "w0=0")["answers"]
    w, got = 0.0, []
    for _ in range(3):
        w -= 0.05 * (2 * (w - 3) + 2 * np.sign(w))
        got.append(w)
    assert [ans[f"b.w{t}"]["value"] for t in (1, 2, 3)] == pytest.approx(got, rel=1e-12)


# -- cases written as one list ------------------------------------------------------------

def test_dl_dw_is_one_list_of_cases_that_agrees_everywhere_with_the_chain_rule_by_hand():
    ans = solve_json("piecewise-by-cases")["answers"]
    w = sp.Symbol("w", real=True)
    shown = sp.sympify(ans["c.dL"]["value"], locals={"w": w})
    assert isinstance(shown, sp.Piecewise)
    assert not any(a.has(sp.Piecewise) for a in shown.args)  # no cases inside cases
    for p in (-1, -0.2, 0, 0.1, 0.25, 0.3, 0.5, 1, 1.9, 2, 3):  # kinks at 0, 1/4, 1/2, 2
        want = dloss(phi(2 * p, 0.1, 0.5) - 1.5, 1) * dphi(2 * p, 0.1, 0.5) * 2
        assert float(shown.xreplace({w: sp.nsimplify(p)})) == pytest.approx(want), p


def test_folding_keeps_the_function_and_the_first_piece_wins():
    from derive.core.folded_cases import fold_cases

    p = sp.Piecewise((2 * X, X > 0), (X / 5, True))
    nested = sp.Piecewise((sp.Abs(p - 1), p < 3), (p, True))
    for e in ((p - 2) * sp.Piecewise((2, X > 0), (sp.Rational(1, 5), True)), nested,
              sp.sign(1 - p) * p):
        folded = fold_cases(e)
        assert isinstance(folded, sp.Piecewise)
        assert not any(a.has(sp.Piecewise) for a in folded.args)
        for q in np.linspace(-3, 3, 49):  # every kink (0, 1/2, 3/2) is on this grid
            at = {X: sp.nsimplify(round(q, 3))}
            assert folded.xreplace(at) == e.xreplace(at), (e, q)
    assert fold_cases(X + 1) is None
    assert fold_cases(sp.Piecewise((X, X > D), (0, True))) is None  # two variables


def test_condition_sets_agree_with_the_conditions_pointwise():
    from derive.core.intervals import cheap_condition, condition_set

    for cond in ((X > 1) | (X < -1), sp.Abs(2 * X - 1) <= 3, X**2 - 2 > 0,
                 sp.And(sp.Abs(X) < 2, X**2 >= 1), sp.ITE(X < 0, X > -1, X > 2)):
        assert cheap_condition(cond, X)
        s = condition_set(cond, X)
        for q in np.linspace(-4, 4, 81).tolist() + [math.sqrt(2), -math.sqrt(2)]:
            v = sp.nsimplify(round(q, 4)) if abs(abs(q) - math.sqrt(2)) > 1e-9 else \
                sp.sqrt(2) * (1 if q > 0 else -1)
            assert bool(s.contains(v)) == bool(cond.xreplace({X: v})), (cond, v)
    assert not cheap_condition(sp.exp(X) > 1, X)
    assert not cheap_condition(X**3 > 1, X)


# -- marking answers written as cases -----------------------------------------------------

def test_cases_conditions_are_evaluated_pointwise():
    from derive.core import pointwise

    e = sp.Piecewise((1, (X >= 0) & (X <= 1)), (2, (X < -1) | ~(X < 3)), (0, True))
    for q, want in ((0.5, 1), (-2, 2), (4, 2), (2, 0), (-0.5, 0)):
        assert pointwise.evaluate(e, lambda name, q=q: {"x": q}[name]) == want


def _verdict(tmp_path, aid: str, answer: str) -> str:
    """``derive check`` of one answer to piecewise-by-cases: its verdict."""
    import json

    sheet = tmp_path / "s.yaml"
    sheet.write_text(yaml.safe_dump({"student": "s",
                                     "answers": {"piecewise-by-cases": {aid: answer}}}))
    r = run_cli("check", str(sheet), "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    results = json.loads(r.stdout)["submissions"][0]["results"]
    return next(a["verdict"] for a in results if a["answer"] == aid)


@pytest.mark.parametrize("answer,verdict", [
    # right: the slopes by hand are 0.1, 1, 0.5 (a = 0.1, c = 0.5)
    (r"\begin{cases} 0.1 & z < 0 \\ 1 & 0 \le z \le 1 \\ 0.5 & z > 1 \end{cases}", "correct"),
    (r"\varphi'(z) = \begin{cases} 0.1 & \text{if } z < 0 \\ 1 & \text{if } z \leq 1 \\"
     r" \frac{1}{2} & \text{otherwise} \end{cases}", "correct"),
    (r"\begin{cases} 0.5 & z < 0 \\ 1 & 0 \le z \le 1 \\ 0.5 & z > 1 \end{cases}", "incorrect"),
    (r"\begin{cases} 0.1 & z < 0 \\ 1 & z > 1 \end{cases}", "incorrect"),
    (r"\begin{cases} 0.1 & z < 0 \\ 1 & z & 1 \end{cases}", "unparsable"),
    (r"\begin{cases} 0.1 & z \\ 1 & \text{otherwise} \end{cases}", "unparsable"),
    (r"\begin{cases} " + r" \\ ".join(["1 & z < 0"] * 21) + r" \end{cases}", "unparsable"),
    (r"\begin{cases} \begin{cases} 1 & z < 0 \end{cases} & z < 0 \end{cases}", "unparsable"),
])
def test_a_cases_answer_is_read_and_judged(tmp_path, answer, verdict):
    assert _verdict(tmp_path, "a.dphi", answer) == verdict


def test_the_folded_dl_dw_written_by_a_student_as_cases_is_correct(tmp_path):
    right = (r"\begin{cases} -0.2 & w < 0 \\ -2 & 0 \le w \le 0.25 \\ 4w - 3 & 0.25 < w \le 0.5"
             r" \\ w - 1 & 0.5 < w < 2 \\ 1 & w \ge 2 \end{cases}")
    assert _verdict(tmp_path, "c.dL", right) == "correct"
    assert _verdict(tmp_path, "c.dL", right.replace("4w - 3", "4w - 2")) == "incorrect"


def test_a_cases_row_for_the_kink_itself_is_read_and_held_to_the_convention(tmp_path):
    """QA: ``1 & x = 1``, the natural way to state a derivative's value at a kink, was
    unparsable ("not a comparison"). It is read, and the value it states is held to the
    problem's convention (random points never land on it): piecewise-by-cases' dL/dw at
    w = 0 is -2, the 0 <= w <= 0.25 piece (by hand, from the spec's cases)."""
    rest = (r" \\ -0.2 & w < 0 \\ -2 & 0 < w \le 0.25 \\ 4w - 3 & 0.25 < w \le 0.5"
            r" \\ w - 1 & 0.5 < w < 2 \\ 1 & w \ge 2 \end{cases}")
    assert _verdict(tmp_path, "c.dL", r"\begin{cases} -2 & w = 0" + rest) == "correct"
    assert _verdict(tmp_path, "c.dL", r"\begin{cases} -0.2 & w = 0" + rest) == "incorrect"


def test_conditions_print_as_a_course_writes_them():
    from derive.render.printing import latex, text

    assert text(sp.Piecewise((1, (X >= 0) & (X <= sp.Rational(1, 2))), (0, True))) == \
        "{1 if 0 <= x <= 0.5; 0 otherwise}"
    assert r"0 \leq x \leq 0.5" in latex(sp.And(X >= 0, X <= sp.Rational(1, 2)))
    assert text(sp.ITE(X < 0, X > -1, X > 2)) == "(if x < 0 then x > -1 else x > 2)"


def test_a_smooth_join_is_found_like_a_kink():
    from derive.core.numeric import kink_near

    def f(v):  # f' = 1 on both sides of 1, f'' jumps from 1 to 0
        return v * v / 2 if v < 1 else v - 0.5

    assert kink_near(f, 1.0) and kink_near(f, 1.0004)
    assert not kink_near(f, 0.5) and not kink_near(f, 1.5)
    assert not kink_near(math.exp, 3.0) and not kink_near(lambda v: 1e6 + v * v, 0.7)
