"""The networks oracle's complex-step derivatives, against gradients worked by hand.

The complex step is the check that needs every digit (tolerance 1e-9 where central
differences allow 1e-6): it must agree with a hand-written numpy backward pass to
rounding, through the non-analytic pieces too (ReLU, an L1 penalty), and it must see a
relative error far below what central differences can.
"""

from __future__ import annotations

import numpy as np
import pytest
from testkit import softmax_backprop_by_hand

import derive
from derive.topics.networks.blocks_gradients import network_of
from derive.topics.networks.oracle import (
    complex_step_gradient,
    complex_step_jacobian,
    fd_gradient,
    random_instance,
    trial_sizes,
)


def _softmax_backprop(seed: int, n: int = 3, m: int = 4, k: int = 2) -> tuple:
    r = np.random.default_rng(seed)
    g = {"x": r.normal(size=(1, n)), "W1": r.normal(size=(n, m)),
         "b1": r.normal(size=(1, m)), "W2": r.normal(size=(m, k)),
         "b2": r.normal(size=(1, k)), "y": np.eye(k)[[r.integers(k)]]}
    net = network_of(derive.load("softmax-backprop"))
    env = {"x": g["x"], "W_1": g["W1"], "b_1": g["b1"], "W_2": g["W2"], "b_2": g["b2"],
           "y": g["y"]}
    return net, env, g


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_by_the_input_equals_backprop_by_hand(seed: int) -> None:
    net, env, g = _softmax_backprop(seed)
    want = softmax_backprop_by_hand(g)["e.dE_dx"]
    got = complex_step_gradient(net, env, "x")
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_gradient_by_a_weight_equals_backprop_by_hand() -> None:
    net, env, g = _softmax_backprop(5)
    a = 1 / (1 + np.exp(-(g["x"] @ g["W1"] + g["b1"])))
    f2 = a @ g["W2"] + g["b2"]
    o = np.exp(f2) / np.exp(f2).sum()
    np.testing.assert_allclose(complex_step_gradient(net, env, "W_2"), a.T @ (o - g["y"]),
                               rtol=1e-13, atol=1e-15)
    d1 = ((o - g["y"]) @ g["W2"].T) * a * (1 - a)
    np.testing.assert_allclose(complex_step_gradient(net, env, "W_1"), g["x"].T @ d1,
                               rtol=1e-13, atol=1e-15)


def test_jacobian_of_the_softmax_equals_its_formula() -> None:
    net, env, g = _softmax_backprop(7)
    a = 1 / (1 + np.exp(-(g["x"] @ g["W1"] + g["b1"])))
    f2 = a @ g["W2"] + g["b2"]
    o = (np.exp(f2) / np.exp(f2).sum()).reshape(-1)
    want = np.diag(o) - np.outer(o, o)
    np.testing.assert_allclose(complex_step_jacobian(net, env, "o", "f_2"), want,
                               rtol=1e-13, atol=1e-15)


LAYERS = """
id: t
answers:
  a.dW1: {{kind: matrix-expression}}
parts:
  a:
    derive:
      - {{use: net-input, vector: x, shape: [1, N], convention: row}}
      - {{use: net-dense, W: W_1, shape: [N, M], b: b_1, out: z}}
      - {{use: net-activation, fn: {act}, out: h}}
      - {{use: net-dense, W: W_2, shape: [M, K], b: b_2, out: o}}
      - {{use: net-loss, kind: squared-error, target: t{penalty}}}
      - {{use: net-gradient, wrt: W_1, answer: a.dW1}}
"""


def _layers_net(tmp_path, act: str, penalty: str):  # noqa: ANN001, ANN202
    p = tmp_path / "t.yaml"
    p.write_text(LAYERS.format(act=act, penalty=penalty.format()))
    return network_of(derive.load(str(p)))


@pytest.mark.parametrize("act,penalty", [("relu", ""),
                                         ("tanh", ", penalty: {{l1: 0.3}}"),
                                         ("sigmoid", ", penalty: {{l2: 0.5}}")])
def test_relu_and_penalties_against_a_hand_backward_pass(tmp_path, act, penalty) -> None:
    net = _layers_net(tmp_path, act, penalty)
    env = random_instance(net, trial_sizes(net, (3, 4, 2)), salt=3)
    x, W1, b1, W2, b2, t = (env[k] for k in ("x", "W_1", "b_1", "W_2", "b_2", "t"))
    z1 = x @ W1 + b1
    h, dh = {"relu": (np.maximum(z1, 0), (z1 > 0) * 1.0),
             "tanh": (np.tanh(z1), 1 - np.tanh(z1) ** 2),
             "sigmoid": (1 / (1 + np.exp(-z1)), None)}[act]
    if dh is None:
        dh = h * (1 - h)
    o = h @ W2 + b2
    want = x.T @ (((o - t) @ W2.T) * dh)  # ½ Σ (o − t)²: the default

    if "l1" in penalty:
        want = want + 0.3 * np.sign(W1)
    if "l2" in penalty:
        want = want + 0.5 * W1
    np.testing.assert_allclose(complex_step_gradient(net, env, "W_1"), want,
                               rtol=1e-12, atol=1e-14)


def test_it_sees_an_error_central_differences_cannot() -> None:
    """An error of one part in 10⁷ is below central differences' noise (the FD check
    allows 1e-6) and 10⁶ times the complex step's."""
    net, env, g = _softmax_backprop(11)
    right = softmax_backprop_by_hand(g)["e.dE_dx"]
    slightly = right * (1 + 1e-7)
    cs = complex_step_gradient(net, env, "x")
    fd = fd_gradient(net, env, "x")
    assert np.max(np.abs(cs - right) / np.abs(right)) < 1e-13
    assert np.max(np.abs(cs - slightly) / np.abs(right)) > 5e-8
    assert np.max(np.abs(fd - right) / np.abs(right)) > 1e-13  # FD is noisier than that


def test_one_instance_serves_every_gradient_of_a_network() -> None:
    """compare_with_oracle keeps the random instance and its contract values where it is
    told to: the second gradient compared there gets the error it gets on its own, and a
    wrong gold (o instead of o − y) is still seen, at the same instance."""
    from derive.topics.networks import oracle
    from derive.topics.networks.golds import contract_gold

    net = network_of(derive.load("softmax-backprop"))
    names = net.matrix_names()
    o, y = names["o"], names["y"]
    right, wrong = contract_gold(o - y), contract_gold(o)
    alone = [oracle.compare_with_oracle(net, g, "f_2", salt=7) for g in (right, wrong)]
    kept: dict[object, object] = {}
    shared = [oracle.compare_with_oracle(net, g, "f_2", salt=7, instances=kept)
              for g in (right, wrong)]
    assert shared == alone and len(kept) == 1
    assert alone[0] < 1e-12 < 1e-3 < alone[1]
