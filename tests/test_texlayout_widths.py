"""tex_width by hand: the width tables of texlayout summed token by token, for the ways a
text is read (white space, arguments as written, nested and unclosed groups, scripts,
delimiters, matrix cells)."""

import pytest

from derive.render.texlayout import tex_width


# letters 0.55, digits 0.5, + 1.22, a Greek letter 0.6, \quad 1.0, \, 0.17,
# a delimiter after \left or \right 0.42 (none for "."), \text: 0.5 per character
@pytest.mark.parametrize("text,want", [
    ("x  +\ny", 0.55 + 1.22 + 0.55),  # white space between tokens counts nothing
    (r"\,x\quad", 0.17 + 0.55 + 1.0),
    (r"\text{a b}", 0.5 * 3),  # an argument's spaces are characters
    (r"\text{ a  b }", 0.5 * 6),
    (r"\text{a b ", 0.5 * 4),  # never closed: the rest of the text, its last space too
    (r"\operatorname{ab}", 0.5 * 2 + 0.17),
    (r"\frac{a+b}{c}", (0.55 + 1.22 + 0.55) + 0.35),
    (r"\frac{\frac{x}{y}+1}{2}", (0.55 + 0.35) + 1.22 + 0.5 + 0.35),  # groups nest
    (r"\sqrt[3]{x}", 0.55 + 0.85),
    (r"\textcolor{red}{x}", 0.55),
    (r"\left. x \right)", 0.0 + 0.55 + 0.42),
    (r"x^{2}_{i}y", 0.55 + 0.7 * 0.55 + 0.55),  # sub and superscript overlap: the wider
    (r"\alpha\alpha", 0.6 + 0.6),
    ("x\\", 0.55 + 0.6),  # a lone backslash at the end is a symbol
    # columns as wide as their widest cell, 0.9 between columns and 0.9 for the brackets
    (r"\begin{bmatrix} a & {b} \\ 10 & c \end{bmatrix}",
     max(0.55, 1.0) + max(0.55, 0.55) + 0.9 + 0.9),
])
def test_width_is_the_sum_of_the_tokens_widths(text, want):
    assert tex_width(text) == pytest.approx(want)
