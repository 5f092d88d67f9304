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
