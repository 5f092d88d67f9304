"""Steps about the same quantity continue one chain of equals signs, except when the chain
has reached a number and the next step starts again from a formula: ``E = … ≈ 0.37`` then
``= −y log ŷ − …`` would read as 0.37 equal to the formula's next form."""

import sympy as sp

from derive.core.derivation import Step
from derive.render.latex import steps_tex

E, y, yh = sp.symbols("E y yhat")
LOSS = -y * sp.log(yh) - (1 - y) * sp.log(1 - yh)


def _lines(steps):
    return [ln for ln in steps_tex(steps).splitlines() if "&" in ln]


def test_a_formula_after_a_number_names_its_quantity_again():
    value = Step("substitute", sp.Float("0.371101"), E, LOSS.subs({y: 1, yh: sp.Float(0.69)}))
    again = Step("definition", LOSS, E)
    lines = _lines([value, again])
    assert lines[-1].startswith("E &="), lines


def test_a_formula_then_its_value_stay_one_chain():
    formula = Step("definition", LOSS, E)
    value = Step("substitute", sp.Float("0.371101"), E)
    lines = _lines([formula, value])
    assert lines[0].startswith("E &=") and lines[-1].startswith("&"), lines


def test_the_perceptron_rule_is_an_update_not_an_equation(solved):
    # "w = w + η(y − ŷ)x" as an equation says η(y − ŷ)x = 0: the rule names the new weights,
    # and the bias's update (the table's b column) is written too
    from derive.render.latex import steps_tex as _steps

    for pid in ("perceptron-binary", "perceptron-rule"):
        s = solved(pid)
        out = _steps([i for i in s.items if isinstance(i, Step)])
        heads = [ln.split("&=")[0].strip() for ln in out.splitlines() if "&=" in ln]
        assert "w" not in heads and r"w^{\mathrm{new}}" in heads, heads
        assert r"b^{\mathrm{new}}" in heads, heads
