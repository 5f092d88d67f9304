"""An update rule reads in the statement's names: a part whose learning rate is the given
eta_b shows η_b in its rule, and RMSProp's decay given as rho shows ρ, never the rule's
own η or β (a student would read η = the learning rate of part a)."""

import re

import pytest

from derive.core.derivation import Step
from derive.render.latex import steps_tex


def _rule_lines(s, part):
    """The update lines (left side x_{t+1}, v_{t+1} or s_{t+1}) of one part, as LaTeX."""
    sec = next(x for x in s.sections if x.part == part)
    steps = [s.items[i] for i in sec.items if isinstance(s.items[i], Step)]
    out = steps_tex(steps)
    return [ln for ln in out.splitlines() if re.match(r"\s*[xvsw]_\{t\+1\} &=", ln)]


@pytest.mark.parametrize("pid,part,want,not_want", [
    # the statement: part b "the same with learning rate \eta_b"; c "learning rate \eta_c"
    ("gelu-descent", "a", r"\eta g_{t}", r"\eta_{"),
    ("gelu-descent", "b", r"\eta_{b}", r"\eta g"),
    ("gelu-descent", "c", r"\eta_{c}", r"\eta g"),
    # the statement: RMSProp "s_{t+1} = \rho s_t + (1 - \rho) g_t^2"
    ("adagrad-rmsprop", "b", r"\rho", r"\beta"),
])
def test_an_update_rule_uses_the_given_passed_for_its_rate(solved, pid, part, want, not_want):
    lines = _rule_lines(solved(pid), part)
    assert lines and any(want in ln for ln in lines), lines
    assert not any(not_want in ln for ln in lines), lines


def _params_line(s, layer):
    """The parameter count of one layer (any part), as LaTeX."""
    steps = [i for i in s.items if isinstance(i, Step)]
    return next(ln for ln in steps_tex(steps).splitlines()
                if ln.lstrip().startswith(r"\mathrm{params}_{%s}" % layer))


def test_a_layer_s_parameter_count_is_written_in_the_givens_it_uses(solved):
    s = solved("conv-layer-shapes")
    # part d's input is W x H x D_d (D_d = 1, grayscale): the count's depth is D_d, not the
    # D = 3 of the givens; the filters are the given `filters` (the statement has no F)
    line = _params_line(s, "d")
    assert r"D_{d}" in line and r"\mathrm{filters}" in line and " F" not in line, line
    assert "filters filters" not in s.problem.statement
    # the second convolution of cnn-architecture takes the first one's filters as its depth
    line = _params_line(solved("cnn-architecture"), r"\mathrm{conv2}")
    assert r"\mathrm{filters}_{1}" in line and "D +" not in line, line


def test_an_optimizer_steps_f_s_own_variable_and_names_its_method_in_words(solved):
    # l1-descent minimises f(w) from w_0: its rule, table and figure are about w, not x
    from derive.core.derivation import Figure, Table
    from derive.render.text import render_text, rule_name

    s = solved("l1-descent")
    lines = _rule_lines(s, "b")
    assert any(ln.lstrip().startswith("w_{t+1} &=") for ln in lines), steps_tex(
        [i for i in s.items if isinstance(i, Step)])
    tables = [i for i in s.items if isinstance(i, Table)]
    assert [str(c) for c in tables[-1].columns][1] == "w_t"
    assert rule_name(tables[-1].rule) == "gradient descent"
    figs = [i for i in s.items if isinstance(i, Figure)]
    assert figs and "gd" not in figs[-1].caption.split()
    assert "lam·" not in render_text(s) and "λ·" in render_text(s)  # the given lam is λ


def test_a_parameter_vector_theta_is_the_greek_letter(solved):
    import sympy as sp

    from derive.render.printing import tex

    assert tex(sp.Symbol("theta_{t+1}")) == r"\theta_{t+1}"
    s = solved("minibatch-regression")
    out = steps_tex([i for i in s.items if isinstance(i, Step)])
    assert r"\theta_{t+1} &=" in out and "theta_" not in out.replace(r"\theta_", ""), out
