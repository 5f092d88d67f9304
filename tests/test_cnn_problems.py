"""The six CNN / threshold problems against routes written here (numpy loops, fractions).

Nothing in this file calls derive's convolution, shape or separability code to get an
expected value: the CLI's JSON is compared with plain computations.
"""

from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from testkit import solve_json


def corr2d(x, k, stride=1, pad=0):
    """Cross-correlation by explicit loops (no np.pad, no slicing)."""
    x, k = np.asarray(x, float), np.asarray(k, float)
    n_r, n_c = x.shape
    k_r, k_c = k.shape
    out_r = (n_r + 2 * pad - k_r) // stride + 1
    out_c = (n_c + 2 * pad - k_c) // stride + 1
    out = np.zeros((out_r, out_c))
    for i in range(out_r):
        for j in range(out_c):
            total = 0.0
            for a in range(k_r):
                for b in range(k_c):
                    r, c = i * stride + a - pad, j * stride + b - pad
                    if 0 <= r < n_r and 0 <= c < n_c:
                        total += x[r, c] * k[a, b]
            out[i, j] = total
    return out


def avgpool(x, size, stride):
    x = np.asarray(x, float)
    out_r = (x.shape[0] - size) // stride + 1
    out_c = (x.shape[1] - size) // stride + 1
    return np.array([[x[i * stride:i * stride + size, j * stride:j * stride + size].mean()
                      for j in range(out_c)] for i in range(out_r)])


def fmt(m):
    return "[" + ",".join("[" + ",".join(str(v) for v in row) + "]" for row in m) + "]"


# -- cnn-padding-pooling -------------------------------------------------------------------

F = [[3, 5, 2, 3], [9, 1, 8, 4], [6, 4, 3, 7], [7, 0, 2, 4]]
K1 = [[-1, 0.5, -2], [2, 0, 1], [0, 1, 1.5]]
K2 = [[-1, 0.5], [2, 0]]


def test_padding_pooling_reference_values():
    a = solve_json("cnn-padding-pooling")["answers"]
    # the value the students' sheets agree on, and our loop route
    sheet = [[15.5, 21, 27, 8], [4.5, 30, 9.5, 22.5], [13.5, -6.5, 18, 4], [-5, 6, -12.5, 4.5]]
    assert np.allclose(corr2d(F, K1, 1, 1), sheet)
    assert a["a.output"]["value"] == sheet
    assert a["a.padding"] == {"kind": "number", "value": 1, "latex": "1"}
    assert a["b.stride"]["exact"] == "4/3" and a["b.stride"]["value"] == pytest.approx(4 / 3)
    assert a["b.possible"]["value"] == "no"
    assert np.allclose(a["c.output"]["value"], [[17.75, 16.75], [2, 3.5]])


@pytest.mark.parametrize("f,k1,k2,pool", [
    (F, K1, K2, 2),
    ([[1, 2, 0, 1, 3], [0, 1, 4, 2, 2], [5, 1, 0, 1, 0], [2, 2, 3, 0, 1], [1, 0, 1, 2, 6]],
     [[0.25, -1, 0], [1, 2, -0.5], [0, 1, 1]], [[1, 2], [3, 4]], 2),
    ([[2, -1, 0, 3, 1, 1], [0, 0, 2, 2, 1, 4], [1, 3, -2, 0, 0, 1], [4, 1, 1, 1, 2, 0],
      [0, 2, 0, 5, 1, 1], [1, 1, 1, 0, 0, 2]],
     [[1, 0, 0, 0, -1], [0, 2, 0, 1, 0], [0, 0, 1, 0, 0], [0, 1, 0, 2, 0], [-1, 0, 0, 0, 1]],
     [[1, 0, 1], [0, 1, 0], [1, 0, 1]], 3),
])
def test_padding_pooling_variants(f, k1, k2, pool):
    out = solve_json("cnn-padding-pooling", f"F={fmt(f)}", f"K1={fmt(k1)}", f"K2={fmt(k2)}",
                     f"pool={pool}", f"pool_stride={pool}")
    a = out["answers"]
    n, k = len(f), len(k1)
    p = (k - 1) // 2  # stride 1: (n + 2p - k) + 1 = n
    assert a["a.padding"]["value"] == p
    want = corr2d(f, k1, 1, p)
    assert want.shape == (n, n)
    assert np.allclose(a["a.output"]["value"], want, rtol=1e-12)
    s = Fraction(n + 2 * 1 - len(k2), n - 1)
    got = Fraction(a["b.stride"].get("exact", str(a["b.stride"]["value"])))
    assert got == s
    assert a["b.possible"]["value"] == ("yes" if s.denominator == 1 else "no")
    pooled = avgpool(want, pool, pool)
    assert np.allclose(a["c.output"]["value"], pooled, rtol=1e-12)
    # the engine's design, applied by our loop route, gives the pooled output
    design = corr2d(want, a["d.filter"]["value"], a["d.stride"]["value"],
                    a["d.padding"]["value"])
    assert np.allclose(design, pooled, rtol=1e-12)


# -- conv-valid -----------------------------------------------------------------------------

@pytest.mark.parametrize("m,k,filters", [
    ([[1, 0, 0, 2], [0, 1, 0, 1], [0, 0, 1, 2], [0, 0, 0, 1]], [[0, 0], [1, 1]], 2),
    ([[1, 2, 3, 0, 1], [4, 5, 6, 1, 0], [7, 8, 9, 2, 2], [1, 1, 1, 1, 1]],
     [[1, -1, 0.5], [0, 2, 1]], 3),
])
def test_conv_valid(m, k, filters):
    sets = () if filters == 2 else (f"M={fmt(m)}", f"K={fmt(k)}", f"filters={filters}")
    a = solve_json("conv-valid", *sets)["answers"]
    want = corr2d(m, k)
    assert np.allclose(a["a.output"]["value"], want, rtol=1e-12)
    assert a["a.shape"]["value"] == [want.shape[0], want.shape[1], 1]
    assert a["b.shape"]["value"] == [want.shape[0], want.shape[1], filters]


def test_conv_valid_reference():
    a = solve_json("conv-valid")["answers"]
    assert a["a.output"]["value"] == [[1, 1, 1], [0, 1, 3], [0, 0, 1]]
    assert a["a.shape"]["latex"] == r"3 \times 3 \times 1"


# -- conv-layer-shapes -----------------------------------------------------------------------

def positions(n, k, pad, stride):
    """Count window positions by stepping a cursor."""
    count, start = 0, 0
    while start + k <= n + 2 * pad:
        count, start = count + 1, start + stride
    return count


@pytest.mark.parametrize("w,h,d,filters,k,stride", [
    (32, 32, 3, 10, 5, 1), (64, 48, 3, 16, 3, 1), (28, 20, 5, 4, 3, 2), (7, 9, 2, 3, 2, 3),
])
def test_conv_layer_shapes(w, h, d, filters, k, stride):
    a = solve_json("conv-layer-shapes", f"W={w}", f"H={h}", f"D={d}", f"filters={filters}",
                   f"k={k}", f"stride={stride}")["answers"]
    assert a["a.shape"]["value"] == [positions(w, k, 0, stride), positions(h, k, 0, stride),
                                     filters]
    # a weight tensor k×k×D per filter, plus one bias each
    assert a["b.params"]["value"] == np.zeros((filters, k, k, d)).size + filters
    assert a["c.shape"]["value"] == [positions(w, k, 1, stride), positions(h, k, 1, stride),
                                     filters]
    assert a["d.params"]["value"] == np.zeros((filters, k, k, 1)).size + filters
    assert a["e.activation"]["value"] == "softmax"


# -- cnn-architecture -------------------------------------------------------------------------

def architecture(size, depth=3):
    conv1 = (positions(size, 5, 0, 2),) * 2 + (6,)
    pool = (positions(conv1[0], 3, 0, 2),) * 2 + (6,)
    conv2 = pool[:2] + (10,)  # 'same' with stride 1 keeps the size
    flat = conv2[0] * conv2[1] * conv2[2]
    params = {"conv1": 5 * 5 * depth * 6 + 6, "pool": 0, "conv2": 3 * 3 * 6 * 10 + 10,
              "flatten": 0, "dense": flat * 10 + 10}
    shapes = {"conv1": conv1, "pool": pool, "conv2": conv2, "flatten": (flat,), "dense": (10,)}
    return shapes, params


@pytest.mark.parametrize("size,depth", [(21, 3), (29, 3), (22, 1), (64, 3)])
def test_cnn_architecture(size, depth):
    a = solve_json("cnn-architecture", f"size={size}", f"depth={depth}")["answers"]
    shapes, params = architecture(size, depth)
    for layer in shapes:
        assert a[f"{layer}.shape"]["value"] == list(shapes[layer]), layer
        assert a[f"{layer}.params"]["value"] == params[layer], layer
    assert a["total.params"]["value"] == sum(params.values())


def test_cnn_architecture_reference():
    a = solve_json("cnn-architecture")["answers"]
    assert [a[f"{n}.shape"]["value"] for n in ("conv1", "pool", "conv2", "flatten", "dense")] \
        == [[9, 9, 6], [4, 4, 6], [4, 4, 10], [160], [10]]
    assert [a[f"{n}.params"]["value"] for n in ("conv1", "pool", "conv2", "flatten", "dense")] \
        == [456, 0, 550, 0, 1610]
    assert a["total.params"]["value"] == 2616
    assert a["conv1.shape"]["latex"] == r"9 \times 9 \times 6"


# -- logic-gates ------------------------------------------------------------------------------

def unit(w, xs):
    z = sum(Fraction(str(a)) * x for a, x in zip(w[:-1], xs, strict=True))
    return int(z + Fraction(str(w[-1])) > 0)


def net(hidden, out, xs):
    return unit(out[0], [unit(h, xs) for h in hidden])


ROWS = list(product((0, 1), repeat=2))


def test_logic_gates_designs_compute_their_gates():
    a = solve_json("logic-gates")["answers"]
    assert [unit(a["a.weights"]["value"][0], r) for r in ROWS] == [0, 0, 0, 1]
    assert [unit(a["b.weights"]["value"][0], r) for r in ROWS] == [0, 1, 1, 1]
    assert [net(a["c.hidden"]["value"], a["c.output"]["value"], r) for r in ROWS] \
        == [0, 1, 1, 0]
    assert [net(a["d.hidden"]["value"], a["d.output"]["value"], r) for r in ROWS] \
        == [1, 0, 0, 1]
    assert np.array(a["c.hidden"]["value"]).shape == (2, 3)
    assert np.array(a["c.output"]["value"]).shape == (1, 3)


@pytest.mark.parametrize("hidden,output", [
    ([[1, -1, -0.5], [-1, 1, -0.5]], [[1, 1, -0.5]]),
    ([[1, 1, -1.5], [-1, -1, 0.5]], [[1, 1, -0.5]]),
    ([[1, 1, -0.5], [1, 1, -1.5]], [[1, -2, -0.5]]),
    ([[1, 1, -1], [0, 0, 0]], [[1, 1, -1]]),  # net inputs of exactly 0 do not fire
])
def test_logic_gates_table(hidden, output):
    a = solve_json("logic-gates", f"hidden_e={fmt(hidden)}", f"output_e={fmt(output)}")
    assert a["answers"]["e.table"]["value"] == [[net(hidden, output, r) for r in ROWS]]


# -- separability -----------------------------------------------------------------------------

def classify(w, p):
    z = sum(Fraction(str(a)) * x for a, x in zip(w[1:], p, strict=True))
    return int(Fraction(str(w[0])) + z > 0)


def test_separability_reference():
    a = solve_json("separability")["answers"]
    pts, labels = [(0, 0), (1, 1), (1, 0)], [1, 1, 0]
    assert a["a.separable"]["value"] == "yes"
    assert [classify(a["b.weights"]["value"][0], p) for p in pts] == labels
    assert a["c.separable"]["value"] == "no"
    four = pts + [(0, 1)]
    feats = [(x1, x2, x1 * x2) for x1, x2 in four]
    assert [classify(a["d.weights"]["value"][0], p) for p in feats] == labels + [0]


def test_separability_variant_inseparable_a():
    # a: XOR (not separable); c: one more point keeps it so; d: x1·x2 separates them
    a = solve_json("separability", "X=[[0,0],[1,1],[1,0],[0,1]]", "z=[0,0,1,1]",
                   "X_c=[[2,0]]", "z_c=[1]")["answers"]
    assert a["a.separable"]["value"] == "no"
    assert a["b.weights"]["value"] == "none"
    assert a["c.separable"]["value"] == "no"
    pts = [(0, 0), (1, 1), (1, 0), (0, 1), (2, 0)]
    labels = [0, 0, 1, 1, 1]
    w = a["d.weights"]["value"][0]
    assert [classify(w, (x1, x2, x1 * x2)) for x1, x2 in pts] == labels


def test_separability_variant_inseparable_even_with_the_feature():
    # with (2, 2) labelled 1, w·(1, 2, 2, 4) = 4·w·(1,1,1,1) − 3w0 − 2w1 − 2w2 < 0 always
    a = solve_json("separability", "X=[[0,0],[1,1],[1,0],[0,1]]", "z=[0,0,1,1]",
                   "X_c=[[2,2]]", "z_c=[1]")["answers"]
    assert a["d.weights"]["value"] == "none"


def test_separability_variant_separable_everywhere():
    a = solve_json("separability", "X=[[0,0],[2,1],[3,3]]", "z=[0,0,1]", "X_c=[[1,3]]",
                   "z_c=[1]")["answers"]
    assert a["a.separable"]["value"] == "yes" and a["c.separable"]["value"] == "yes"
    assert [classify(a["b.weights"]["value"][0], p) for p in [(0, 0), (2, 1), (3, 3)]] \
        == [0, 0, 1]
