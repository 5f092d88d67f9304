"""An evaluation that uses a defined quantity no earlier step of the part has worked out
shows that quantity's value first and substitutes it: o = σ(w_f c + b_f) must not stop at
σ(0.1 + c·0.7) with c worked out nowhere in the part."""

import math

from derive.core.derivation import Step
from derive.render.latex import steps_tex


def _part_tex(s, part):
    sec = next(x for x in s.sections if x.part == part)
    return steps_tex([s.items[i] for i in sec.items if isinstance(s.items[i], Step)])


def test_the_output_of_two_sigmoid_units_shows_the_hidden_value(solved):
    out = _part_tex(solved("conv-sigmoid-backprop"), "e")
    c = 1 / (1 + math.exp(-(0.4 * 1.5 - 0.2)))  # σ(w_c x + b_c) at the givens
    lines = out.splitlines()
    c_at = next(i for i, ln in enumerate(lines) if ln.startswith("c &="))
    o_at = next(i for i, ln in enumerate(lines) if ln.startswith("o &="))
    assert c_at < o_at, out
    o_lines = "\n".join(lines[o_at:o_at + 3])
    assert f"{c:.6f}" in o_lines and r"c \cdot" not in o_lines, o_lines


def test_a_quantity_worked_out_earlier_in_the_part_is_not_shown_again(solved):
    out = _part_tex(solved("gru-step"), "a")
    assert sum(ln.startswith("r &=") for ln in out.splitlines()) == 1, out


def test_the_scaled_scores_are_named_as_the_part_names_them(solved):
    # part a: "The scaled scores s = qK^T/sqrt(d)": the evaluation reads s = …, not a bare
    # matrix of sums standing left of the first equals sign
    out = _part_tex(solved("attention-scores"), "a")
    assert out.splitlines()[1].startswith("s &="), out
