"""A given's note is prose like the statement: its maths is set as maths in the sheet and
read plainly in a terminal, and no program name (x1) shows in it."""

from derive.render.latex import givens_tex
from derive.render.text import render_text


def test_a_given_s_note_writes_its_coordinates_as_maths(solved):
    s = solved("separability")
    assert "(x_1, x_2)" in givens_tex(s)
    givens = render_text(s).split("Givens", 1)[1].split("\n\n", 1)[0]
    assert "(x_1, x_2)" in givens and "$" not in givens and "x1" not in givens, givens


def test_no_statement_writes_a_given_by_its_program_name():
    """``$xs$`` in a statement sets the letters x s, where the given xs is written x."""
    import re

    from derive.core.spec import load_problem, problem_paths

    bad = []
    for pid in problem_paths():
        p = load_problem(pid)
        texts = [p.statement] + [part.text for part in p.parts]
        for seg in re.findall(r"\$([^$]+)\$", " ".join(texts)):
            g = p.givens.get(seg.strip())
            if g is not None and g.latex and g.latex != seg.strip() and len(seg.strip()) > 1:
                bad.append(f"{pid}: ${seg}$ (written {g.latex})")
    assert not bad, bad


def test_a_tiny_given_is_listed_in_powers_of_ten_as_the_statement_writes_it(solved):
    s = solved("adagrad-rmsprop")  # statement: "\epsilon = 10^{-8}"
    given = givens_tex(s)
    assert r"\epsilon = 10^{-8}$" in given and "0.00000001" not in given, given


def test_quoted_words_in_prose_open_and_close():
    from derive.render.prose import prose_tex

    # TeX sets a straight " as a closing quote: "activation" printed as ”activation”
    assert prose_tex('the identity "activation", so') == "the identity ``activation'', so"
