#!/usr/bin/env python3
"""Reference values for the hand marking of the five transcribed student sheets.

Standalone and independent of derive: plain Python (fractions), mpmath at 50 digits
and numpy (finite differences for the expression answers).
``python tests/data/student-sheets/reference_values.py`` prints every value the marking
in ``*.expected.yaml`` relies on. Importable too: ``REFERENCE`` (the correct values),
``FOLLOW_THROUGH`` (what the right method gives from each student's own earlier answers),
``EXACT`` (answers that must be exact), ``number_ok`` (the problem set's number rule),
``gate_table`` / ``separates`` / ``conv2d`` (to check designs).
"""

from __future__ import annotations

import re
from fractions import Fraction as Fr

import mpmath as mp
import numpy as np

mp.mp.dps = 50

# ---------------------------------------------------------------- the number rule


def parse_number(text: str) -> tuple[Fr, int | None]:
    """'-0.0239' -> (value, 4 decimals); '\\frac{1}{2}' / '4/3' -> (value, None: exact form)."""
    s = str(text).strip().replace(" ", "")
    m = re.fullmatch(r"(-?)\\frac\{(-?\d+)\}\{(\d+)\}", s) or re.fullmatch(r"(-?)(\d+)/(\d+)", s)
    if m:
        return Fr(int(m.group(2)), int(m.group(3))) * (-1 if m.group(1) else 1), None
    if not re.fullmatch(r"-?\d+(\.\d+)?", s):
        raise ValueError(f"not a plain number: {text!r}")
    return Fr(s), len(s.split(".")[1]) if "." in s else 0


def to_mpf(v) -> mp.mpf:
    if isinstance(v, Fr):
        return mp.mpf(v.numerator) / v.denominator
    return mp.mpf(v)


def number_ok(given: str, exact, exact_only: bool = False) -> bool:
    """Correct iff within one unit of the last written decimal place AND within 5%;
    a number written with 12 or more significant digits iff within 1e-9 relative.

    A fraction written as a fraction, and every size / count / padding / stride
    (``exact_only``), must equal the exact value.
    """
    value, decimals = parse_number(given)
    if decimals is None or exact_only:
        if isinstance(exact, (int, Fr)):
            return value == Fr(exact)
        return abs(to_mpf(value) - to_mpf(exact)) < mp.mpf(10) ** -40
    g, e = to_mpf(value), to_mpf(exact)
    digits = given.strip().lstrip("+-").split("e")[0].split("E")[0].replace(".", "").lstrip("0")
    if len(digits) >= 12:
        # the lead's decision: 12+ significant digits is script (float64) output, correct
        # within 1e-9 relative (the last-place rule is about rounding, not float noise)
        return abs(g - e) <= mp.mpf("1e-9") * abs(e)
    unit = mp.mpf(10) ** -decimals
    slack = mp.mpf(10) ** -40  # exact ties (e.g. 0.0114 vs 0.0114625 is not a tie) stay ties
    return abs(g - e) <= unit + slack and abs(g - e) <= mp.mpf("0.05") * abs(e) + slack


# ---------------------------------------------------------------- gelu-descent

ALPHA = mp.mpf("1.702")


def sigmoid(z):
    return 1 / (1 + mp.exp(-z))


def gelu(x):
    return x * sigmoid(ALPHA * x)


def gelu_prime(x):
    s = sigmoid(ALPHA * x)
    return s * (1 + ALPHA * x * (1 - s))  # product rule, by hand


def descent(x0, eta, steps=3, beta=None):
    """[(g_t, v_{t+1}, x_{t+1}, f(x_{t+1}))]; momentum v_{t+1} = beta v_t + g_t."""
    x, v, rows = mp.mpf(x0), mp.mpf(0), []
    for _ in range(steps):
        g = gelu_prime(x)
        v = (beta * v + g) if beta is not None else g
        x = x - eta * v
        rows.append((g, v, x, gelu(x)))
    return rows


def gelu_reference() -> dict:
    out: dict = {"a.derivative": "sigma(1.702x)(1 + 1.702x(1 - sigma(1.702x)))"}
    for part, eta in (("a", mp.mpf("0.1")), ("b", mp.mpf(1))):
        for t, (g, _, x, f) in enumerate(descent(0, eta)):
            out[f"{part}.g{t}"], out[f"{part}.x{t + 1}"], out[f"{part}.f{t + 1}"] = g, x, f
    for t, (_, _, x, f) in enumerate(descent(-3, mp.mpf("0.1"))):
        out[f"c.gd.x{t + 1}"], out[f"c.gd.f{t + 1}"] = x, f
    for t, (_, v, x, f) in enumerate(descent(-3, mp.mpf("0.1"), beta=mp.mpf("0.9"))):
        out[f"c.mom.v{t + 1}"], out[f"c.mom.x{t + 1}"], out[f"c.mom.f{t + 1}"] = v, x, f
    out["c.faster"] = "momentum" if out["c.mom.f3"] < out["c.gd.f3"] else "gd"
    return out


def averaged_momentum(x0, eta, beta, v0=0, steps=3):
    """The other convention v_{t+1} = beta v_t + (1 - beta) g_t (for diagnoses)."""
    x, v, rows = mp.mpf(x0), mp.mpf(v0), []
    for _ in range(steps):
        v = beta * v + (1 - beta) * gelu_prime(x)
        x = x - eta * v
        rows.append((v, x, gelu(x)))
    return rows


# ---------------------------------------------------------------- logic gates / separability


def unit(w, inputs) -> int:
    """Threshold unit: 1 when w . inputs + bias > 0 (strictly), exact arithmetic."""
    *ws, b = (Fr(str(v)) for v in w)
    return int(sum(wi * Fr(xi) for wi, xi in zip(ws, inputs, strict=True)) + b > 0)


def gate_table(hidden, output=None) -> list[int]:
    """Outputs for AB = 00, 01, 10, 11 of one unit, or of a hidden layer + output unit."""
    rows = []
    for a, b in ((0, 0), (0, 1), (1, 0), (1, 1)):
        if output is None:
            rows.append(unit(hidden, (a, b)))
        else:
            rows.append(unit(output, [unit(h, (a, b)) for h in hidden]))
    return rows


def separates(w, points) -> bool:
    """w = [w0, w1, ...]: 1 when w0 + w1 x1 + ... > 0 must reproduce every label."""
    w0, *rest = (Fr(str(v)) for v in w)
    return all(int(w0 + sum(wi * xi for wi, xi in zip(rest, x, strict=True)) > 0) == z
               for x, z in points)


SEPARABILITY_POINTS = [((0, 0), 1), ((1, 1), 1), ((1, 0), 0)]

# ---------------------------------------------------------------- convolutions


def conv2d(image, kernel, padding=0, stride=1, flip=False):
    """Cross-correlation (flip=False, the course's convolution) with zero padding, exact."""
    img = [[Fr(str(v)) for v in row] for row in image]
    k = [[Fr(str(v)) for v in row] for row in kernel]
    if flip:
        k = [row[::-1] for row in k[::-1]]
    n, kh, kw = len(img), len(k), len(k[0])
    p = padding
    padded = [[Fr(0)] * (n + 2 * p) for _ in range(p)] + \
        [[Fr(0)] * p + row + [Fr(0)] * p for row in img] + \
        [[Fr(0)] * (n + 2 * p) for _ in range(p)]
    out_h = (len(padded) - kh) // stride + 1
    out_w = (len(padded[0]) - kw) // stride + 1
    return [[sum(padded[i * stride + a][j * stride + b] * k[a][b]
                 for a in range(kh) for b in range(kw)) for j in range(out_w)]
            for i in range(out_h)]


def avg_pool(m, size=2, stride=2):
    h, w = len(m), len(m[0])
    return [[sum(m[i + a][j + b] for a in range(size) for b in range(size)) / (size * size)
             for j in range(0, w - size + 1, stride)] for i in range(0, h - size + 1, stride)]


F = [[3, 5, 2, 3], [9, 1, 8, 4], [6, 4, 3, 7], [7, 0, 2, 4]]
K1 = [[-1, 0.5, -2], [2, 0, 1], [0, 1, 1.5]]
M = [[1, 0, 0, 2], [0, 1, 0, 1], [0, 0, 1, 2], [0, 0, 0, 1]]
K_VALID = [[0, 0], [1, 1]]


def size_out(n, k, p, s) -> Fr:
    return Fr(n + 2 * p - k, s) + 1


# ---------------------------------------------------------------- mlp-forward-backward

I1, I2, Y, LR = Fr("0.7"), Fr("0.5"), Fr("0.5"), Fr("0.03")
W0 = [Fr(v) for v in ("-0.3", "0.8", "0.15", "0.2", "0.9", "-0.14", "0.7", "0.25", "-0.1")]


def mlp_forward(w):
    h1 = w[0] * I1 + w[2] * I2 + w[4]
    h2 = w[1] * I1 + w[3] * I2 + w[5]
    yhat = w[6] * h1 + w[7] * h2 + w[8]
    return h1, h2, yhat, (Y - yhat) ** 2 / 2


def mlp_grads(w):
    h1, h2, yhat, _ = mlp_forward(w)
    d = yhat - Y
    return [d * w[6] * I1, d * w[7] * I1, d * w[6] * I2, d * w[7] * I2,
            d * w[6], d * w[7], d * h1, d * h2, d]


def mlp_reference() -> dict:
    h1, h2, yhat, loss = mlp_forward(W0)
    out = {"a.h1": h1, "a.h2": h2, "a.yhat": yhat, "b.loss": loss}
    grads = mlp_grads(W0)
    new = [w - LR * g for w, g in zip(W0, grads, strict=True)]
    for k in range(9):
        out[f"c.dE_dw{k + 1}"], out[f"d.w{k + 1}"] = grads[k], new[k]
    h1, h2, yhat, loss = mlp_forward(new)
    out.update({"e.h1": h1, "e.h2": h2, "e.yhat": yhat, "e.loss": loss})
    return out


# ---------------------------------------------------------------- the reference

def build_reference() -> dict:
    ref: dict = {"gelu-descent": gelu_reference()}
    ref["logic-gates"] = {"a": [0, 0, 0, 1], "b": [0, 1, 1, 1], "c": [0, 1, 1, 0],
                          "d": [1, 0, 0, 1]}  # the truth tables the designs must have
    out_a = conv2d(F, K1, padding=1)
    ref["cnn-padding-pooling"] = {
        "a.padding": 1, "a.output": out_a, "b.stride": size_solve_stride(),
        "b.possible": "no", "c.output": avg_pool(out_a)}
    ref["tanh-derivative"] = {"a.derivative": "sech^2 x", "a.in_terms_of_f": "1 - f^2"}
    ref["mlp-forward-backward"] = mlp_reference()
    ref["conv-layer-shapes"] = {
        "a.shape": (int(size_out(32, 5, 0, 1)),) * 2 + (10,),
        "b.params": (5 * 5 * 3 + 1) * 10,
        "c.shape": (int(size_out(32, 5, 1, 1)),) * 2 + (10,),
        "d.params": (5 * 5 * 1 + 1) * 10, "e.activation": "softmax"}
    z = Fr("0.2") * 2 + Fr("0.3") * 1 + Fr("0.1")
    yhat = sigmoid(to_mpf(z))
    ref["perceptron-bce"] = {
        "a.z": z, "a.yhat": yhat, "b.loss": -mp.log(yhat), "b.dE_dyhat": -1 / yhat,
        "b.dE_dz": yhat - 1, "b.dE_dw": [[(yhat - 1) * 2, (yhat - 1) * 1]],
        "b.dE_db": yhat - 1, "c.sigma0": Fr(1, 2)}
    ref["conv-valid"] = {"a.shape": (3, 3), "a.output": conv2d(M, K_VALID), "b.shape": (3, 3, 2)}
    ref["cnn-architecture"] = cnn_architecture()
    ref["separability"] = {"a.separable": "yes", "c.separable": "no"}
    ref["jacobian-chain"] = {"b.shape": ("k", "n")}
    y = sigmoid(mp.mpf(-5))
    ref["loss-gradients"] = {"e.y": y, "e.dL_dz": (y - 1) * y * (1 - y), "f.dL_dz": y - 1,
                             "g.choice": "cross-entropy"}
    return ref


def size_solve_stride() -> Fr:
    # 4 = (4 + 2*1 - 2)/s + 1  =>  s = 4/3
    return Fr(4 + 2 * 1 - 2, 4 - 1)


def cnn_architecture() -> dict:
    c1 = int(size_out(21, 5, 0, 2))                 # 9
    p = int(size_out(c1, 3, 0, 2))                  # 4
    out = {"conv1.shape": (c1, c1, 6), "conv1.params": (5 * 5 * 3 + 1) * 6,
           "pool.shape": (p, p, 6), "pool.params": 0,
           "conv2.shape": (p, p, 10), "conv2.params": (3 * 3 * 6 + 1) * 10,
           "flatten.shape": (p * p * 10,), "flatten.params": 0,
           "dense.shape": (10,), "dense.params": p * p * 10 * 10 + 10}
    out["total.params"] = sum(v for k, v in out.items() if k.endswith(".params"))
    return out


REFERENCE = build_reference()

# answers that must be exact (sizes, counts, paddings, strides)
EXACT = {("cnn-padding-pooling", "a.padding"), ("cnn-padding-pooling", "b.stride"),
         ("cnn-padding-pooling", "d.stride"), ("cnn-padding-pooling", "d.padding"),
         ("conv-layer-shapes", "b.params"), ("conv-layer-shapes", "d.params")} | {
    ("cnn-architecture", k) for k in REFERENCE["cnn-architecture"] if k.endswith(".params")}


# ---------------------------------------------------------------- follow-through


def gelu_follow_through(student: dict, eta, part: str, beta=None) -> dict:
    """Recompute each id of one descent run from the student's own earlier answers
    (an earlier answer they did not give is taken at its correct value)."""
    ref = REFERENCE["gelu-descent"]

    def own(key):
        return to_mpf(parse_number(student[key])[0]) if key in student else ref[key]

    out = {}
    x_prev = mp.mpf(-3 if part.startswith("c.") else 0)
    v_prev = mp.mpf(0)
    for t in range(3):
        x_t = x_prev if t == 0 else own(f"{part}x{t}")
        if beta is None and not part.startswith("c."):
            out[f"{part}g{t}"] = gelu_prime(x_t)
            g = own(f"{part}g{t}")
            out[f"{part}x{t + 1}"] = x_t - eta * g
        elif beta is None:
            out[f"{part}x{t + 1}"] = x_t - eta * gelu_prime(x_t)
        else:
            v_t = v_prev if t == 0 else own(f"{part}v{t}")
            out[f"{part}v{t + 1}"] = beta * v_t + gelu_prime(x_t)
            out[f"{part}x{t + 1}"] = x_t - eta * own(f"{part}v{t + 1}")
        out[f"{part}f{t + 1}"] = gelu(own(f"{part}x{t + 1}"))
    return out


def gelu_ft_for(answers: dict) -> dict:
    out = {}
    out.update(gelu_follow_through(answers, mp.mpf("0.1"), "a."))
    out.update(gelu_follow_through(answers, mp.mpf(1), "b."))
    out.update(gelu_follow_through(answers, mp.mpf("0.1"), "c.gd."))
    out.update(gelu_follow_through(answers, mp.mpf("0.1"), "c.mom.", beta=mp.mpf("0.9")))
    return out


# the students' own numbers (as transcribed in the answer files), for follow-through
OWN_GELU = {
    "000_cd27d2c3d9ccafdb": {
        "a.g0": "1/2", "a.x1": "-0.05", "a.x2": "-0.096", "a.x3": "-0.138",
        "b.g0": "1/2", "b.g1": "0.12", "b.g2": "0.056", "b.x1": "-0.5", "b.x2": "-0.62",
        "b.x3": "-0.68", "c.gd.x1": "-2.997", "c.gd.x2": "-2.9951", "c.gd.x3": "-2.993",
        "c.mom.v1": "-0.0245", "c.mom.v2": "-0.0246", "c.mom.v3": "-0.0246",
        "c.mom.x1": "-2.997", "c.mom.x2": "-2.995", "c.mom.x3": "-2.9926"},
    "001_2d2c8e84d615a37a": {
        "a.g0": "0.5", "a.g2": "0.45935", "a.x1": "-0.05", "a.x2": "-0.09575",
        "a.x3": "-0.137637", "b.x1": "-0.5", "b.x2": "-0.6206", "b.x3": "-0.6764",
        "c.gd.x1": "-2.997545167609435", "c.gd.x2": "-2.995082708753491",
        "c.gd.x3": "-2.9926125791343785", "c.mom.x1": "-2.997545167609435",
        "c.mom.x2": "-2.9928733596019823", "c.mom.x3": "-2.986191702877126"},
}


def mlp_follow_through_002() -> dict:
    """Sheet 002: each id recomputed from the student's own earlier answers."""
    grads = [Fr(v) for v in ("0.032095", "0.0114", "0.022", "0.008", "0.045", "0.016",
                             "0.0501", "0.0340", "0.0655")]
    new = [Fr(v) for v in ("-0.30096285", "0.299658", "0.14934", "0.19976", "0.89865",
                           "-0.14048", "0.698497", "0.24898", "-0.101")]
    h1, h2, yhat = Fr("0.765"), Fr("0.52"), Fr("0.5655")
    out = {"a.yhat": W0[6] * h1 + W0[7] * h2 + W0[8], "b.loss": (Y - yhat) ** 2 / 2}
    d = yhat - Y
    own_grads = [d * W0[6] * I1, d * W0[7] * I1, d * W0[6] * I2, d * W0[7] * I2,
                 d * W0[6], d * W0[7], d * h1, d * h2, d]
    for k in range(9):
        out[f"c.dE_dw{k + 1}"] = own_grads[k]
        out[f"d.w{k + 1}"] = W0[k] - LR * grads[k]
    e_h1 = new[0] * I1 + new[2] * I2 + new[4]
    e_h2 = new[1] * I1 + new[3] * I2 + new[5]
    out["e.h1"], out["e.h2"] = e_h1, e_h2
    out["e.yhat"] = Fr("0.7626") * new[6] + Fr("0.519") * new[7] + new[8]
    out["e.loss"] = (Fr("0.56089") - Y) ** 2 / 2
    return out


def build_follow_through() -> dict:
    ft = {stem: {"gelu-descent": gelu_ft_for(own)} for stem, own in OWN_GELU.items()}
    # sheet 000 pools its own (correct) a.output, sheet 001 its own (one entry wrong) one
    own_a_001 = [row[:] for row in REFERENCE["cnn-padding-pooling"]["a.output"]]
    own_a_001[3][2] = Fr("-2.5")
    ft["000_cd27d2c3d9ccafdb"]["cnn-padding-pooling"] = {
        "c.output": avg_pool(REFERENCE["cnn-padding-pooling"]["a.output"])}
    ft["001_2d2c8e84d615a37a"]["cnn-padding-pooling"] = {"c.output": avg_pool(own_a_001)}
    ft["002_1f83e4d9556acbe0"] = {"mlp-forward-backward": mlp_follow_through_002()}
    ft["003_6c13d2aa68a8a4ca"] = {"perceptron-bce": {
        "a.yhat": sigmoid(mp.mpf("0.8")), "b.loss": -mp.log(mp.mpf("0.68997"))},
        "cnn-architecture": {"dense.params": 160 * 10 + 10}}
    return ft


FOLLOW_THROUGH = build_follow_through()

# ---------------------------------------------------------------- expression checks (numeric)


def fd(fun, x, h=1e-6):
    return (fun(x + h) - fun(x - h)) / (2 * h)


def expression_checks() -> list[tuple[str, float, float]]:
    """(what, student's form, finite difference) at a random point: equal iff the form is right."""
    rng = np.random.default_rng(5)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    rows = []
    a, x = 1.702, 0.37
    f = lambda x: x * sig(a * x)  # noqa: E731
    rows.append(("gelu a.derivative (000, 001)",
                 sig(a * x) * (1 + a * x - a * x * sig(a * x)), fd(f, x)))
    rows.append(("tanh a.derivative sech^2 (002)", 1 / np.cosh(x) ** 2, fd(np.tanh, x)))
    rows.append(("tanh a.in_terms_of_f 1 - f^2 (002)", 1 - np.tanh(x) ** 2, fd(np.tanh, x)))
    # conv-sigmoid-backprop, E = (y - o)^2 (no 1/2)
    X, Yt, wc, bc, wf, bf = 1.5, 1.0, 0.4, -0.2, 0.7, 0.1
    dsig = lambda u: np.exp(-u) / (1 + np.exp(-u)) ** 2  # noqa: E731

    def E(wc=wc, bc=bc, wf=wf, bf=bf):
        c = sig(wc * X + bc)
        return (Yt - sig(wf * c + bf)) ** 2

    c = sig(wc * X + bc)
    o = sig(wf * c + bf)
    rows.append(("conv-sigmoid a.dE_dwf (003: sigma' at c w_f)",
                 -2 * (Yt - o) * dsig(c * wf) * c, fd(lambda v: E(wf=v), wf)))
    rows.append(("conv-sigmoid a.dE_dwf right form -2(y-o)o(1-o)c",
                 -2 * (Yt - o) * o * (1 - o) * c, fd(lambda v: E(wf=v), wf)))
    rows.append(("conv-sigmoid b.dE_dbf (003: sigma' at b_f)",
                 -2 * (Yt - o) * dsig(bf), fd(lambda v: E(bf=v), bf)))
    rows.append(("conv-sigmoid c.dE_dwc (003)",
                 -2 * (Yt - o) * dsig(c * wf) * c * dsig(X * wc) * X, fd(lambda v: E(wc=v), wc)))
    rows.append(("conv-sigmoid c.dE_dwc right form",
                 -2 * (Yt - o) * o * (1 - o) * wf * c * (1 - c) * X, fd(lambda v: E(wc=v), wc)))
    rows.append(("conv-sigmoid d.dE_dbc (003)",
                 -2 * (Yt - o) * dsig(c * wf) * c * dsig(bc), fd(lambda v: E(bc=v), bc)))
    # loss-gradients (004): b sigmoid + 1/2 (y-t)^2; c softmax + CE; d softmax + 1/2 sum (p-t)^2
    z, t = 0.3, 1.0
    rows.append(("loss-gradients b (y-t)y(1-y) (004)",
                 (sig(z) - t) * sig(z) * (1 - sig(z)), fd(lambda u: (sig(u) - t) ** 2 / 2, z)))
    zs = rng.normal(size=4)
    ts = np.array([0.0, 1.0, 0.0, 0.0])
    soft = lambda v: np.exp(v - v.max()) / np.exp(v - v.max()).sum()  # noqa: E731
    p = soft(zs)
    for i in range(4):
        e_i = np.eye(4)[i]
        rows.append((f"loss-gradients c p_i - t_i, i={i} (004)", p[i] - ts[i],
                     fd(lambda h, e_i=e_i: -np.sum(ts * np.log(soft(zs + h * e_i))), 0.0)))
        student_d = (p[i] - ts[i]) * p[i] * (1 - p[i]) + sum(
            (p[k] - ts[k]) * (-p[i] * p[k]) for k in range(4) if k != i)
        rows.append((f"loss-gradients d, i={i} (004)", student_d,
                     fd(lambda h, e_i=e_i: np.sum((soft(zs + h * e_i) - ts) ** 2) / 2, 0.0)))
    # softmax-backprop b (001): (o - y) W2^T diag(a(1-a)) W1^T, compared entry by entry
    N, Mh, K = 3, 4, 2
    x0 = rng.normal(size=(1, N))
    W1, b1 = rng.normal(size=(N, Mh)), rng.normal(size=(1, Mh))
    W2, b2 = rng.normal(size=(Mh, K)), rng.normal(size=(1, K))
    yv = np.array([[0.0, 1.0]])

    def loss(xv):
        return -np.sum(yv * np.log(soft((sig(xv @ W1 + b1) @ W2 + b2).ravel())))

    av = sig(x0 @ W1 + b1)
    ov = soft((av @ W2 + b2).ravel())[None, :]
    student = (ov - yv) @ W2.T @ np.diag((av * (1 - av)).ravel()) @ W1.T
    for j in range(N):
        e_j = np.eye(N)[j][None, :]
        rows.append((f"softmax-backprop b.dE_dx[{j}] (001)", student[0, j],
                     fd(lambda h, e_j=e_j: loss(x0 + h * e_j), 0.0)))
    # jacobian-chain a: J_B W_B J_A W_A (k x n) against finite differences, one entry
    WA, WB = rng.normal(size=(2, 3)), rng.normal(size=(2, 2))
    xv = rng.normal(size=3)
    yfun = lambda v: sig(WB @ np.tanh(WA @ v))  # noqa: E731
    hv = np.tanh(WA @ xv)
    JA = np.diag(1 - hv ** 2)
    yy = yfun(xv)
    JB = np.diag(yy * (1 - yy))
    J = JB @ WB @ JA @ WA
    rows.append(("jacobian-chain a J_B W_B J_A W_A [0,2]", J[0, 2],
                 fd(lambda h: yfun(xv + h * np.eye(3)[2])[0], 0.0)))
    return rows


# ---------------------------------------------------------------- printing


def show(v) -> str:
    if isinstance(v, Fr):
        return str(v) if v.denominator == 1 else f"{v} = {mp.nstr(to_mpf(v), 12)}"
    if isinstance(v, mp.mpf):
        return mp.nstr(v, 17)
    if isinstance(v, list):
        return "[" + ", ".join(show(r) for r in v) + "]"
    return str(v)


def main() -> None:
    for problem, answers in REFERENCE.items():
        print(f"== {problem}")
        for key, v in answers.items():
            print(f"  {key}: {show(v)}")
    print("== diagnoses: what the named mistakes give")
    print("  perceptron-bce b.loss with log2:", show(-mp.log(sigmoid(mp.mpf("0.8")), 2)))
    print("  perceptron-bce b.loss with log10:", show(-mp.log10(sigmoid(mp.mpf("0.8")))))
    print("  cnn-padding-pooling c.output of the flipped kernel (true convolution):",
          show(avg_pool(conv2d(F, K1, padding=1, flip=True))))
    print("  conv-layer-shapes b.params without input depth:", (5 * 5 + 1) * 10)
    print("  conv-layer-shapes a.shape with H = 28 misread:", int(size_out(28, 5, 0, 1)))
    print("  cnn-architecture dense.params without bias:", 160 * 10)
    print("  gelu c.mom averaged convention, v0 = 0, eta 0.1:",
          [[show(c) for c in r] for r in averaged_momentum(-3, mp.mpf("0.1"), mp.mpf("0.9"))])
    print("  gelu c.mom averaged convention, v0 = 0, eta 1 (sheet 001's code):",
          [[show(c) for c in r] for r in averaged_momentum(-3, mp.mpf(1), mp.mpf("0.9"))])
    g0 = gelu_prime(mp.mpf(-3))
    print("  gelu c.mom averaged convention, v0 = g0, eta 0.1 (sheet 000):",
          [[show(c) for c in r] for r in averaged_momentum(-3, mp.mpf("0.1"), mp.mpf("0.9"), g0)])
    print("  gelu a: sigma(1.702 x2) used as g2 (sheet 001):",
          show(sigmoid(ALPHA * mp.mpf("-0.09575"))))
    print("  gelu b: sigma(-0.851) rounded to 0.299 gives x2, f1:",
          show(-mp.mpf("0.5") - mp.mpf("0.299") * (1 - mp.mpf("0.851") * mp.mpf("0.701"))),
          show(-mp.mpf("0.5") * mp.mpf("0.299")))
    print("== follow-through values (from each student's own earlier answers)")
    for stem, problems in FOLLOW_THROUGH.items():
        for problem, answers in problems.items():
            for key, v in answers.items():
                print(f"  {stem} {problem} {key}: {show(v)}")
    print("== designs")
    print("  001 XOR hidden [[1,-1,-0.5],[-1,1,-0.5]] output [1,1,-0.5]:",
          gate_table([[1, -1, -0.5], [-1, 1, -0.5]], [1, 1, -0.5]))
    print("  001 XNOR hidden [[-1,-1,0.5],[1,1,-1]] output [1,1,-0.5]:",
          gate_table([[-1, -1, 0.5], [1, 1, -1]], [1, 1, -0.5]))
    print("  001 cnn d: [[1/4]*2]*2, stride 2, no padding, on a.output:",
          show(conv2d(REFERENCE["cnn-padding-pooling"]["a.output"],
                      [[0.25, 0.25], [0.25, 0.25]], stride=2)))
    print("  004 separability b [1,-1,1]:", separates([1, -1, 1], SEPARABILITY_POINTS))
    print("  separability a: [1,-2,3] separates the three points:",
          separates([1, -2, 3], SEPARABILITY_POINTS))
    print("== expression answers: student's form vs finite differences")
    for what, given, want in expression_checks():
        verdict = "same" if abs(given - want) <= 1e-6 * max(1.0, abs(want)) else "DIFFERENT"
        print(f"  {what}: {given:.9f} vs {want:.9f} {verdict}")


if __name__ == "__main__":
    main()
