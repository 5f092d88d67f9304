"""The step function (ReLU′) is written as the cases it stands for, as the sheet writes
leaky ReLU′: 1 for z > 0, else 0, not SymPy's θ(z, 0), which no statement introduces."""

import sympy as sp

from derive.render.printing import tex, text


def test_relu_s_derivative_is_written_by_cases():
    z = sp.Symbol("z", real=True)
    d = sp.Heaviside(z, 0)  # ReLU′ with ReLU′(0) = 0
    assert r"\theta" not in tex(d) and r"\begin{cases}" in tex(d)
    assert "z > 0" in tex(d) and "otherwise" in tex(d)
    assert text(d) == "{1 if z > 0; 0 otherwise}"
    assert "z >= 0" in text(sp.Heaviside(z, 1))  # the value 1 at 0 takes the bound in


def test_the_sheet_boxes_relu_prime_by_cases(solved):
    from derive.render.latex import answers_tex

    out = answers_tex(solved("activation-derivatives"), ("a.relu",))
    assert r"\theta" not in out and "cases" in out, out


def test_relu_prime_of_a_matrix_is_an_upright_name():
    # ∂E/∂F_1 = ∂E/∂H ⊙ ReLU′(F_1): ReLU is a name, set upright as the statements set it
    out = tex(sp.Function("ReLU'")(sp.Symbol("F_1")))
    assert out.startswith(r"\operatorname{ReLU}'"), out


def test_a_numbered_entry_has_its_indices_apart_in_text():
    # O_{1,10} and O_{11,0} are different entries; O_{110} could be either
    o = sp.IndexedBase("O")
    assert text(o[1, 10]) == "O_{1,10}" and text(o[11, 0]) == "O_{11,0}"
    b, k = sp.symbols("b k")
    assert text(sp.IndexedBase("Y")[b, k]) == "Y_{bk}"  # letters stay together
