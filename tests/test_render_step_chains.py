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
