"""config_for: a problem spec and an answer spec -> the ParseConfig an answer is read with."""

import textwrap

import sympy as sp

from derive.check.judge.equivalence import judge
from derive.check.read.parse import config_for, parse_answer
from derive.core.functions import sigmoid
from derive.core.spec import load_problem

SPEC = textwrap.dedent("""\
    id: mini-backprop
    title: a test spec
    statement: matrix symbols, names, aliases, a function
    givens:
      eta: {value: 0.5, latex: '\\eta'}
    symbols:
      x: {shape: [1, N]}
      W_1: {shape: [N, M]}
      b_1: {shape: [1, M]}
      t: {}
      w_c: {latex: 'w_{c}'}
      yhat: {latex: '\\hat{y}'}
    define:
      f_1: {expr: x*W_1 + b_1, latex: 'f_1'}
      c: {expr: sigmoid(w_c*t), latex: c}
      g(t): {expr: eta*t**2}
    answers:
      a.grad: {kind: matrix-expression, shape: [1, M], names: [f_1]}
      b.expr: {kind: expression, vars: [t, w_c, yhat], names: [c]}
      c.shape: {kind: shape}
    parts:
      a: {text: test, derive: []}
    """)


def load(tmp_path):
    path = tmp_path / "mini-backprop.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return load_problem(str(path))


def test_scalar_answer_config(tmp_path):
    p = load(tmp_path)
    cfg = config_for(p, p.answers["b.expr"])
    t, w_c, yhat = (sp.Symbol(n, real=True) for n in ("t", "w_c", "yhat"))
    assert set(cfg.symbols) == {"t", "w_c", "yhat"}
    assert cfg.names["c"] == sigmoid(w_c * t)            # the definition, by name
    assert cfg.constants == {"eta": sp.Rational(1, 2)}   # givens usable by name
    assert cfg.aliases["hat(y)"] == "yhat"               # from the symbol's LaTeX
    # \hat{y} is yhat, \eta is 1/2, g is the problem's function (η t²)
    v = parse_answer(r"\hat{y} t + \eta + g(2)", "expression", cfg)
    assert sp.expand(v - (yhat * t + sp.Rational(1, 2) + 2)) == 0
    # c may be used for its definition
    gold = sigmoid(w_c * t) * t
    assert judge(gold, p.answers["b.expr"], "c t", cfg).verdict == "correct"
    assert judge(gold, p.answers["b.expr"], r"\sigma(w_{c} t) t", cfg).verdict == "correct"
    j = judge(gold, p.answers["b.expr"], r"c x", cfg)
    assert j.feedback == "your answer uses x, which is not a variable of this problem"


def test_matrix_answer_config(tmp_path):
    p = load(tmp_path)
    spec = p.answers["a.grad"]
    cfg = config_for(p, spec)
    N, M = (sp.Symbol(n, integer=True, positive=True) for n in ("N", "M"))
    x, W_1, b_1 = (sp.MatrixSymbol(n, *s) for n, s in
                   (("x", (1, N)), ("W_1", (N, M)), ("b_1", (1, M))))
    assert cfg.symbols["W_1"] == W_1 and cfg.shape == (1, M)
    assert cfg.symbols["f_1"].shape == (1, M)       # the name as a MatrixSymbol
    assert set(cfg.sizes) == {"N", "M"}
    f_1 = sp.MatrixSymbol("f_1", 1, M)
    gold = sp.HadamardProduct(f_1, f_1)
    assert judge(gold, spec, r"(x W_1 + b_1) \odot f_1", cfg).verdict == "correct"
    assert judge(gold, spec, r"f_1 \odot x W_1", cfg).verdict == "incorrect"
    j = judge(gold, spec, r"x^T W_1", cfg)
    assert j.verdict == "incorrect" and "N×1 times N×M" in j.feedback


def test_shape_answer_config(tmp_path):
    p = load(tmp_path)
    cfg = config_for(p, p.answers["c.shape"])
    M = sp.Symbol("M", integer=True, positive=True)
    assert parse_answer(r"1 \times M", "shape", cfg) == (1, M)


def test_gelu_descent_end_to_end(solved):
    sol = solved("gelu-descent")
    p = sol.problem
    spec = p.answers["a.derivative"]
    cfg = config_for(p, spec)
    gold = sol.answers["a.derivative"]
    for text, verdict in [
        (r"\sigma(1.702x)[1 + 1.702x - 1.702x\sigma(1.702x)]", "correct"),       # sheet 0
        (r"\sigma(\alpha x)\left[1 + \alpha x\left(1 - \sigma(\alpha x)\right)\right]",
         "correct"),
        (r"\delta(1.702x)[1 + 1.702x(1 - \delta(1.702x))]", "unparsable"),     # sheet 1
        (r"\sigma(1.702x)", "incorrect"),
    ]:
        assert judge(gold, spec, text, cfg).verdict == verdict, text
    for aid, text, verdict in [("a.x1", r"\boxed{-0.05}", "correct"),
                               ("a.x3", "-0.138", "correct"),                       # sheet 0
                               ("a.f1", "-0.024", "correct"),
                               ("b.x2", "-0.62", "correct"),
                               ("c.faster", r"\text{Momentum}", "correct"),
                               ("c.faster", "gd", "incorrect")]:
        spec = p.answers[aid]
        j = judge(sol.answers[aid], spec, text, config_for(p, spec))
        assert j.verdict == verdict, (aid, text, j)


def test_indexed_names_from_the_answer_spec(tmp_path):
    path = tmp_path / "mini-sums.yaml"
    path.write_text(textwrap.dedent("""\
        id: mini-sums
        title: sums
        statement: softmax and a squared error
        symbols: [z]
        answers:
          d.dL_dz: {kind: expression, indexed: [p, t], bound: K}
        parts:
          d: {text: test, derive: []}
        """), encoding="utf-8")
    p = load_problem(str(path))
    spec = p.answers["d.dL_dz"]
    cfg = config_for(p, spec)
    P, T = sp.IndexedBase("p"), sp.IndexedBase("t")
    i, k = sp.Symbol("i", integer=True), sp.Symbol("k", integer=True)
    K = sp.Symbol("K", integer=True, positive=True)
    gold = P[i] * (P[i] - T[i]) - P[i] * sp.Sum((P[k] - T[k]) * P[k], (k, 1, K))
    text = r"(p_i - t_i) p_i (1 - p_i) + \sum_{k \neq i} (p_k - t_k)(-p_i p_k)"
    assert judge(gold, spec, text, cfg).verdict == "correct"
    assert judge(gold, spec, "p_i - t_i", cfg).verdict == "incorrect"
