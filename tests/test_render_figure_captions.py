"""A figure's caption names what it shows as the steps write it: a convolution's window of
the first output entry is O_{0,0} in every step, so its caption says $O_{0,0}$, not the
program's O[0, 0]."""

import re

import pytest

from derive.core.derivation import Figure, Step
from derive.render.latex import steps_tex


@pytest.mark.parametrize("pid", ["conv-valid", "cnn-padding-pooling"])
def test_a_convolution_window_s_caption_is_written_as_its_steps(solved, pid):
    s = solved(pid)
    caps = [i.caption for i in s.items if isinstance(i, Figure) and i.kind == "conv-window"]
    steps = steps_tex([i for i in s.items if isinstance(i, Step)])
    assert caps and re.search(r"\{?O'?\}?_\{0,0\} &=", steps)
    for cap in caps:
        assert "[" not in cap and re.search(r"O'?_\{0,0\}", cap), cap


def test_a_trajectory_s_axis_and_legend_name_the_function_minimised(solved):
    from derive.render.figures import figure_tex

    # leaky-unit-descent minimises L(w): the plot's axis and legend say L(w), not f(w)
    s = solved("leaky-unit-descent")
    figs = [i for i in s.items if isinstance(i, Figure) and i.kind == "trajectory"]
    out = figure_tex(figs[0].kind, figs[0].data)
    assert "ylabel={$L(w)$}" in out and "{$L(w)$}" in out.split("addlegendentry", 1)[1]
    assert "f(w)" not in out


def test_the_size_equation_names_the_output_size_as_the_size_steps_do(solved):
    # cnn-padding-pooling (a): the padding that keeps the output 4 wide is solved from
    # (n + 2p - k)/s + 1 = n_out, the n_out of the output-size steps; a bare t is named nowhere
    s = solved("cnn-padding-pooling")
    out = steps_tex([i for i in s.items if isinstance(i, Step)])
    eq = next(ln for ln in out.splitlines() if "size equation" in ln)
    assert r"n_{\mathrm{out}}" in eq and "= t " not in eq, eq


def test_a_designed_filter_s_output_is_not_named_as_its_input(solved):
    # cnn-padding-pooling (d) filters the output O of (a): its own entries are O', so the
    # line reads O'_{0,0} = 15.5·0.25 + …, not O_{0,0} = 15.5·0.25 + … after O_{0,0} = 15.5
    s = solved("cnn-padding-pooling")
    sec = next(x for x in s.sections if x.part == "d")
    out = steps_tex([s.items[i] for i in sec.items if isinstance(s.items[i], Step)])
    assert "{O'}_{0,0} &=" in out and "{O}_{0,0}" not in out, out
