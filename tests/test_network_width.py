"""softmax-backprop as users run it, at width 64: the numbers of part (e) in float64.

Expected values are computed here with numpy from the problem's definitions
(f1 = x W1 + b1, a = σ(f1), f2 = a W2 + b2, o = softmax(f2), E = −Σ y log o) and the
textbook gradient ∂E/∂x = ((o − y) W2ᵀ ⊙ a ⊙ (1 − a)) W1ᵀ.
"""

from __future__ import annotations

import numpy as np
import pytest
from testkit import assert_answers_close, softmax_backprop_by_hand

import derive


def _givens(width: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def r(*shape: int) -> np.ndarray:
        return np.round(rng.uniform(-1, 1, shape), 3)

    y = np.zeros((1, width), dtype=int)
    y[0, rng.integers(width)] = 1
    return {"x": r(1, width), "W1": r(width, width), "b1": r(1, width),
            "W2": r(width, width), "b2": r(1, width), "y": y}


@pytest.mark.parametrize(("width", "seed"), [(64, 1), (11, 2)])
def test_softmax_backprop_at_width_agrees_with_numpy(width, seed):
    g = _givens(width, seed)
    s = derive.load("softmax-backprop", **{k: v.tolist() for k, v in g.items()}).solve()
    assert s.verified
    assert_answers_close(s, softmax_backprop_by_hand(g))


def test_element_names_of_a_wide_matrix_are_distinct():
    # W_1,11 and W_11,1: with W_111 for both, one given value was silently lost
    from derive.core.givens import given_subs
    from derive.core.model import Given

    w = np.arange(12 * 12).reshape(12, 12)
    g = Given("W", derive.load("softmax-backprop", W1=w.tolist()).givens["W1"].value, "W")
    assert len(given_subs(g)) == 144
