"""CNN, threshold and separability blocks: helpers against plain routes, spec errors, checks."""

import copy
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
import sympy as sp
import yaml

import derive
from derive.core.errors import SpecError
from derive.core.notation import Floor, Minus, Product, Quotient, Shape, Sum
from derive.render.printing import latex, text
from derive.topics.conv import maths as conv
from derive.topics.threshold.separability import separate

R = sp.Rational


def loops(x, k, stride, pad, bias=0.0):
    """Multi-channel cross-correlation (C, H, W) by explicit loops."""
    x, k = np.asarray(x, float), np.asarray(k, float)
    c, n_r, n_c = x.shape
    _, k_r, k_c = k.shape
    out = np.zeros(((n_r + 2 * pad - k_r) // stride + 1, (n_c + 2 * pad - k_c) // stride + 1))
    for i, j in product(range(out.shape[0]), range(out.shape[1])):
        total = bias
        for ch, a, b in product(range(c), range(k_r), range(k_c)):
            r, q = i * stride + a - pad, j * stride + b - pad
            if 0 <= r < n_r and 0 <= q < n_c:
                total += x[ch, r, q] * k[ch, a, b]
        out[i, j] = total
    return out


def to_sympy(a):
    return sp.ImmutableMatrix([[sp.nsimplify(v) for v in row] for row in a])


@pytest.mark.parametrize("seed", range(6))
def test_correlate_matches_loops_with_channels_stride_padding_bias(seed):
    rng = np.random.default_rng(seed)
    c, n, k = int(rng.integers(1, 4)), int(rng.integers(4, 8)), int(rng.integers(1, 4))
    stride, pad = int(rng.integers(1, 3)), int(rng.integers(0, 3))
    x = rng.integers(-5, 6, size=(c, n, n + 1))
    w = rng.integers(-3, 4, size=(c, k, k)) / 2
    out, windows = conv.correlate([to_sympy(ch) for ch in x], [to_sympy(ch) for ch in w],
                                  stride=stride, padding=pad, bias=R(1, 4))
    want = loops(x, w, stride, pad, 0.25)
    assert np.allclose(np.array(out.tolist(), dtype=float), want)
    assert len(windows) == want.size
    # every recorded window sums to its entry
    for win in windows:
        assert sum(a * b for a, b in win.terms) + win.bias == out[win.position]


def test_true_convolution_flips_the_kernel():
    x = sp.ImmutableMatrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    k = sp.ImmutableMatrix([[1, 0], [0, 2]])
    out, _ = conv.correlate([x], [k], true_convolution=True)
    # by hand: flipped kernel [[2, 0], [0, 1]] -> 2·x[i, j] + x[i+1, j+1]
    assert out == sp.ImmutableMatrix([[2 * 1 + 5, 2 * 2 + 6], [2 * 4 + 8, 2 * 5 + 9]])


def test_pool_by_hand():
    x = sp.ImmutableMatrix([[1, 3, 2, 0], [5, 7, 1, 1], [0, 0, 4, 4], [2, 6, 4, 8]])
    out, _ = conv.pool(x, 2, 2, "max")
    assert out == sp.ImmutableMatrix([[7, 2], [6, 8]])
    out, _ = conv.pool(x, 2, 2, "average")
    assert out == sp.ImmutableMatrix([[4, 1], [2, 5]])
    out, _ = conv.pool(x, 3, 1, "max")
    assert out == sp.ImmutableMatrix([[7, 7], [7, 8]])


@pytest.mark.parametrize("n,k,s", [(21, 5, 2), (4, 3, 1), (7, 2, 3), (10, 4, 4), (5, 5, 2)])
def test_same_padding_keeps_ceil_n_over_s(n, k, s):
    out, before, after = conv.same_padding(n, k, s)
    assert out == -(-n // s)
    # count the windows by hand on the padded line
    assert len(range(0, n + before + after - k + 1, s)) == out


def test_exact_padding_and_stride_equations():
    assert conv.padding_for_size(4, 3, 1, 4) == 1
    assert conv.stride_for_size(4, 2, 1, 4) == R(4, 3)
    assert conv.padding_for_size(4, 2, 1, 4) == R(1, 2)


@pytest.mark.parametrize("seed", range(40))
def test_separation_is_always_proved(seed):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(2, 7)), int(rng.integers(1, 4))
    pts = [tuple(int(v) for v in rng.integers(-3, 4, size=d)) for _ in range(n)]
    labels = [int(v) for v in rng.integers(0, 2, size=n)]
    sep = separate(pts, labels)
    rows = [[Fraction(1)] + [Fraction(v) for v in p] for p in pts]
    if sep.separable:
        w = [Fraction(int(c)) for c in sep.weights]
        outs = [int(sum(a * b for a, b in zip(w, r, strict=True)) > 0) for r in rows]
        assert outs == labels
    else:
        lam = [Fraction(str(c)) for c in sep.certificate]
        assert all(v >= 0 for v in lam) and sum(lam) > 0
        for j in range(d + 1):
            signed = zip(lam, labels, rows, strict=True)
            assert sum((1 if y else -1) * v * r[j] for v, y, r in signed) == 0


def test_xor_needs_a_certificate_and_x1x2_separates_it():
    pts = [(0, 0), (0, 1), (1, 0), (1, 1)]
    sep = separate(pts, [0, 1, 1, 0])
    assert not sep.separable and sep.common_point == (R(1, 2), R(1, 2))
    sep = separate([p + (p[0] * p[1],) for p in pts], [0, 1, 1, 0])
    assert sep.separable


def test_written_expressions_print_in_order():
    n, p, k, s = sp.symbols("n p k s")
    f = Sum(Floor(Quotient(Sum(n, Product(2, p), Minus(k)), s)), 1)
    assert text(f) == "⌊(n + 2·p - k)/s⌋ + 1"
    assert latex(f) == r"\left\lfloor \frac{n + 2 \cdot p - k}{s} \right\rfloor + 1"
    assert f.xreplace({n: 21, p: 0, k: 5, s: 2}).value() == 9
    w = Sum(Product(0, -1), Product(3, R(1, 2)), R(-5, 2))
    assert text(w) == "0·(-1) + 3·0.5 - 2.5" and w.value() == -1
    assert text(Product(Sum(Product(5, 5, 3), 1), 6)) == "(5·5·3 + 1)·6"
    assert text(Shape(9, 9, 6)) == "9 × 9 × 6" and latex(Shape(9, 9, 6)) == r"9 \times 9 \times 6"


# -- verification catches a broken block --------------------------------------------------------

def test_a_wrong_convolution_fails_verification(monkeypatch):
    real = conv.correlate

    def off_by_one(*args, **kwargs):
        out, windows = real(*args, **kwargs)
        return out.applyfunc(lambda v: v + 1), windows

    monkeypatch.setattr(conv, "correlate", off_by_one)
    with pytest.raises(derive.VerificationError, match="a.output: cross-correlation"):
        derive.load("conv-valid").solve()


def test_a_wrong_parameter_count_fails_verification(monkeypatch):
    monkeypatch.setattr(conv, "dense_params", lambda n, u, bias=True: n * u)  # bias forgotten
    with pytest.raises(derive.VerificationError, match="dense.params"):
        derive.load("cnn-architecture").solve()


def test_a_wrong_size_formula_fails_verification(monkeypatch):
    monkeypatch.setattr(conv, "output_size", lambda n, k, pad, s: (n + pad - k) // s)  # no +1
    with pytest.raises(derive.VerificationError, match="conv1.shape"):
        derive.load("cnn-architecture").solve()


# -- spec errors name the field -----------------------------------------------------------------

ARCH = {
    "id": "arch",
    "answers": {"c.shape": "shape", "c.params": {"kind": "number"}},
    "parts": {"c": {"derive": [{"use": "architecture", "input": [8, 8, 3], "layers": [
        {"name": "c", "type": "conv", "filters": 4, "kernel": 3}]}]}},
}
CONV = {
    "id": "cv",
    "givens": {"X": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "K": [[1, 0], [0, 1]]},
    "answers": {"a.out": "matrix"},
    "parts": {"a": {"derive": [{"use": "convolve", "input": "X", "kernel": "K",
                                "answer": "a.out"}]}},
}


def load_spec(tmp_path, spec):
    p = tmp_path / f"{spec['id']}.yaml"
    p.write_text(yaml.safe_dump(spec))
    return derive.load(str(p))


def layer(**changes):
    spec = copy.deepcopy(ARCH)
    spec["parts"]["c"]["derive"][0]["layers"][0].update(changes)
    return spec


def call(base, **changes):
    spec = copy.deepcopy(base)
    spec["parts"][next(iter(spec["parts"]))]["derive"][0].update(changes)
    return spec


@pytest.mark.parametrize("spec,field,message", [
    (layer(type="pool2"), "parts.c.derive[0].layers[0].type",
     "unknown layer type 'pool2' (expected one of: conv, maxpool, avgpool, flatten, dense)"),
    (layer(kernel=11), "parts.c.derive[0].layers[0]",
     "the 11-wide window does not fit the input of size 8 with padding 0"),
    (layer(strides=2), "parts.c.derive[0].layers[0].strides",
     "unknown field of a conv layer (expected one of: filters, kernel, stride, padding, bias)"),
    (layer(filters=0), "parts.c.derive[0].layers[0].filters",
     "expected a whole number ≥ 1, found 0"),
    (layer(stride="1/2"), "parts.c.derive[0].layers[0].stride",
     "expected a whole number ≥ 1, found 1/2"),
    (layer(type="dense", units=3), "parts.c.derive[0].layers[0].filters",
     "unknown field of a dense layer (expected one of: units, bias)"),
    (layer(bias="yes"), "parts.c.derive[0].layers[0].bias", "expected true or false"),
    (call(CONV, kernel="K +"), "parts.a.derive[0].kernel", "cannot read expression"),
    (call(CONV, kernel="[[1, 2, 3, 4]]"), "parts.a.derive[0].kernel",
     "the window (4) is larger than the padded input (3)"),
    (call(CONV, kernel=[[1, 2, 3, 4]]), "parts.a.derive[0].kernel",
     "the window (4) is larger than the padded input (3)"),
    (call(CONV, kernel=["K", "K"]), "parts.a.derive[0].kernel",
     "the filter has 2 channel(s) but the input has 1"),
    (call(CONV, kernel=None), "parts.a.derive[0].kernel",
     "give either kernel (one filter) or kernels (a list)"),
    (call(CONV, padding="half"), "parts.a.derive[0].padding", "unknown name 'half'"),
    (call(CONV, padding=-1), "parts.a.derive[0].padding", "expected a whole number ≥ 0"),
    (call(CONV, input="{a.nope}"), "parts.a.derive[0].input",
     "refers to {a.nope}, which is not a declared answer"),
])
def test_block_arguments_are_spec_errors_naming_the_field(tmp_path, spec, field, message):
    with pytest.raises(SpecError) as e:
        load_spec(tmp_path, spec).solve()
    assert e.value.field == field
    assert message in e.value.message


def test_dense_without_flatten_says_what_to_do(tmp_path):
    spec = copy.deepcopy(ARCH)
    spec["parts"]["c"]["derive"][0]["layers"].append({"name": "d", "type": "dense", "units": 2})
    with pytest.raises(SpecError, match=r"layers\[1\]: a dense layer needs a flat input, found "
                                        r"6 × 6 × 4: add a flatten layer"):
        load_spec(tmp_path, spec).solve()


def test_separability_spec_errors(tmp_path):
    spec = {"id": "sep", "givens": {"X": [[0, 0], [1, 1]], "z": [1, 0, 1]},
            "answers": {"a.s": {"kind": "choice", "choices": ["yes", "no"]}},
            "parts": {"a": {"derive": [{"use": "separability", "points": ["X"],
                                        "labels": ["z"], "answer": "a.s"}]}}}
    with pytest.raises(SpecError) as e:
        load_spec(tmp_path, spec).solve()
    assert e.value.field == "parts.a.derive[0].labels"
    assert e.value.message.startswith("expected one label per point (2), found 3")
    assert "derive blocks separability" in e.value.message
    spec["givens"]["z"] = [1, 2]
    with pytest.raises(SpecError, match="labels must be 0 or 1"):
        load_spec(tmp_path, spec).solve()


def test_set_with_an_even_kernel_cannot_keep_the_size():
    with pytest.raises(SpecError) as e:
        derive.load("cnn-padding-pooling", K1="[[1,2],[3,4]]").solve()
    assert e.value.field == "parts.a.derive[0].target"
    assert "no zero padding gives a 4×4 output: the equation needs p = 1/2" in e.value.message


def test_cli_reports_a_bad_layer_in_one_line(tmp_path):
    from testkit import run_cli

    p = tmp_path / "arch.yaml"
    p.write_text(yaml.safe_dump(layer(type="pool2")))
    r = run_cli("solve", str(p))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "layers[0].type: unknown layer type 'pool2'" in r.stderr
