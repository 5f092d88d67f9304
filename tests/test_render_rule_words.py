"""Rule names as the course writes them: Jacobian, Hadamard, Farkas, Adam, RMSProp are
names (capitalised), cross-entropy and cross-correlation are hyphenated, as the
statements write them."""

import pytest

from derive.render.text import rule_name


@pytest.mark.parametrize("rule,want", [
    ("dense-jacobian", "dense Jacobian"),
    ("farkas-multipliers", "Farkas multipliers"),
    ("rmsprop-update", "RMSProp update"),
    ("adagrad-update", "AdaGrad update"),
    ("softmax-cross-entropy-gradient", "softmax cross-entropy gradient"),
    ("cross-correlation", "cross-correlation"),
    ("diag-as-hadamard", "diag as Hadamard"),
    ("chain-rule", "chain rule"),
])
def test_rule_names_are_written_as_the_course_writes_them(rule, want):
    assert rule_name(rule) == want


def test_a_reason_in_words_follows_a_colon_an_equation_follows_using():
    import sympy as sp

    from derive.core.derivation import Step
    from derive.render.latex import step_note
    from derive.render.text import step_text

    words = Step("threshold-unit", sp.Symbol("C"), None, None, (), (),
                 ("fires only for A=0, B=1",))
    assert step_note(words) == "threshold unit: fires only for A=0, B=1"
    assert step_text(words).endswith("(fires only for A=0, B=1)")
    eq = Step("gd-update", sp.Symbol("x"), None, None, (), (),
              (sp.Eq(sp.Symbol("eta"), sp.Rational(1, 10)),))
    assert step_note(eq) == r"gradient-descent update, using $\eta = 0.1$"
