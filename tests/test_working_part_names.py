"""A working may use the names its part defines (loss-gradients part b: y = σ(z) and
L = ½(y − t)², declared by the part's graph and the answer's ``names``): a step is
judged with each such name replaced by its definition, and ``y(1 - y)`` stays a product.

Expected verdicts are the hand marking of each line (the algebra is in the comments).
"""

from __future__ import annotations

import functools

from solvekit import solution

from derive.check.working import check_working


@functools.cache
def _problem(pid: str):  # type: ignore[no-untyped-def]
    s = solution(pid)
    return s.problem, {a: v.value for a, v in s.answers.items()}


def run(pid: str, aid: str, text: str, own: dict | None = None):  # type: ignore[no-untyped-def]
    p, right = _problem(pid)
    return check_working(p, aid, text, right, own or {})


def verdicts(w) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.verdict for s in w.steps]


def test_sigmoid_output_chain_written_with_y_is_valid() -> None:
    # L = (y - t)^2/2, y = σ(z): dL/dy = y - t, dy/dz = σ'(z) = σ(z)(1 - σ(z)) = y(1 - y)
    w = run("loss-gradients", "b.dL_dz", r"""
        \frac{\partial L}{\partial z} &= \frac{\partial L}{\partial y} \cdot
            \frac{\partial y}{\partial z} \\
        &= (y - t) \cdot \sigma'(z) \\
        &= (y - t) \sigma(z)(1 - \sigma(z)) \\
        &= (y - t) y (1 - y)""")
    assert verdicts(w) == ["valid"] * 4 and w.first_error is None


def test_y_then_bracket_is_a_product_not_a_call() -> None:
    # y(1 - y)(y - t) is y·(1 - y)·(y - t), the answer; y(y - t) alone drops 1 - y
    ok = run("loss-gradients", "b.dL_dz", r"\frac{\partial L}{\partial z} = y(1 - y)(y - t)")
    assert verdicts(ok) == ["valid"]
    bad = run("loss-gradients", "b.dL_dz",
              r"\frac{\partial L}{\partial z} = (y - t)\sigma'(z) = y(y - t)")
    assert verdicts(bad) == ["valid", "invalid"] and bad.first_error == 2


def test_identity_output_y_is_z() -> None:
    # part a: y = z, so dL/dz = dL/dy = y - t = z - t
    w = run("loss-gradients", "a.dL_dz",
            r"\frac{\partial L}{\partial z} = \frac{\partial L}{\partial y} = y - t = z - t")
    assert verdicts(w) == ["valid"] * 3


def test_f_written_for_tanh_in_terms_of_itself() -> None:
    # f = tanh x: f'(x) = 1 - tanh^2 x = 1 - f^2
    w = run("tanh-derivative", "a.in_terms_of_f", r"f'(x) = 1 - \tanh^2(x) = 1 - f^2")
    assert verdicts(w) == ["valid"] * 2
    # 1 + f^2 is 1 + tanh^2 x, not the derivative
    bad = run("tanh-derivative", "a.in_terms_of_f", r"f'(x) = 1 - \tanh^2(x) = 1 + f^2")
    assert verdicts(bad) == ["valid", "invalid"]


def test_loss_written_as_a_plain_word() -> None:
    # Loss in italic letters is the loss L = (y - t)^2/2, not L·o·s·s: dLoss/dz =
    # dLoss/dy · dy/dz, and Loss = ½(y - t)² restates it
    w = run("loss-gradients", "b.dL_dz", r"""
        Loss = \frac{1}{2}(y - t)^2 \\
        \frac{\partial Loss}{\partial z} = \frac{\partial Loss}{\partial y} \times
            \frac{\partial y}{\partial z} = (y - t) \times y(1 - y)""")
    assert verdicts(w) == ["valid"] * 3
