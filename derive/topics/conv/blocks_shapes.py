"""Layer-by-layer shapes and trainable parameters of a CNN, and the output activation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from derive.core.derivation import Context
from derive.core.notation import Minus, Product, Quotient, Shape, Sum
from derive.core.numeric import rng
from derive.core.registry import Param, block
from derive.topics.conv import maths as conv
from derive.topics.conv.oracle import count_positions
from derive.topics.conv.windows import K, raw_value, rows_cols, size_step, whole

LAYER_TYPES = ("conv", "maxpool", "avgpool", "flatten", "dense")
_LAYER_KEYS = {
    "conv": ("filters", "kernel", "stride", "padding", "bias"),
    "maxpool": ("size", "stride", "padding"),
    "avgpool": ("size", "stride", "padding"),
    "flatten": (),
    "dense": ("units", "bias"),
}
_COMMON_KEYS = ("name", "type", "shape", "params")
D_IN, FILTERS, N_IN, UNITS = sp.symbols("D F n_in n_out")
K_H, K_W = sp.symbols("k_h k_w")


@dataclass(frozen=True)
class _Layer:
    """What the independent check needs to recompute one layer."""

    name: str
    type: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    params: int
    kernel: tuple[int, int] = (1, 1)
    stride: int = 1
    pads: tuple[int, int] = (0, 0)
    """total padding along each spatial dimension"""
    same: bool = False
    filters: int = 0
    bias: bool = True


def _input_shape(ctx: Context, v: Any) -> tuple[int, ...]:
    if isinstance(v, list) and not any(isinstance(x, list) for x in v):
        dims = tuple(whole(ctx, f"input[{i}]", x, low=1) for i, x in enumerate(v))
        if not 1 <= len(dims) <= 3:
            raise ctx.fail("input", "expected [W, H, D], [W, H] or [n]")
        return dims
    m = raw_value(ctx, "input", v)
    if isinstance(m, sp.MatrixBase):
        return (m.rows, m.cols, 1)
    raise ctx.fail("input", f"expected a shape such as [W, H, D] or a matrix, found {m}")


def _given_names(ctx: Context, raw: dict[sp.Symbol, Any]) -> dict[sp.Symbol, sp.Symbol]:
    """A rule's symbol -> the given a layer's field names (``filters: filters``)."""
    out = {}
    for sym, name in raw.items():
        if isinstance(name, str) and name in ctx.problem.givens:
            given = ctx.symbol(name)
            if isinstance(given, sp.Symbol) and given != sym:
                out[sym] = given
    return out


def _flag(ctx: Context, field: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise ctx.fail(field, f"expected true or false, found {v!r}")
    return v


def _answer(ctx: Context, layer: dict[str, Any], where: str, key: str) -> str | None:
    """The answer a layer's shape/params goes to: explicit, else <name>.<key> if declared."""
    if key in layer:
        aid = str(layer[key])
        if aid not in ctx.problem.answers:
            raise ctx.fail(f"{where}.{key}", f"'{aid}' is not a declared answer")
        return aid
    aid = f"{layer['name']}.{key}"
    return aid if aid in ctx.problem.answers else None


@dataclass(frozen=True)
class _Window:
    """Where a sliding window lands: per-dimension outputs and (before, after) pads."""

    shape: tuple[int, ...]
    k: tuple[int, int]
    stride: int
    outs: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    same: bool


def _spatial(ctx: Context, shape: tuple[int, ...], k: tuple[int, int], stride: int,
             padding: Any, where: str) -> _Window:
    """Output (W, H) of a sliding window (no steps: see :func:`_spatial_steps`)."""
    if len(shape) not in (2, 3):
        raise ctx.fail(where, f"needs a W×H(×D) input, found {' × '.join(map(str, shape))} "
                              "(a flatten layer comes after the convolutions)")
    same = padding == "same"
    pads = []
    outs = []
    for n, kk in zip(shape[:2], k, strict=True):
        if same:
            out, before, after = conv.same_padding(n, kk, stride)
        else:
            p = 0 if padding in ("valid", None) else whole(ctx, f"{where}.padding", padding)
            before = after = p
            if n + 2 * p < kk:
                raise ctx.fail(where, f"the {kk}-wide window does not fit the input of size "
                                      f"{n} with padding {p}")
            out = conv.output_size(n, kk, 2 * p, stride)
        pads.append((before, after))
        outs.append(out)
    return _Window(shape, k, stride, (outs[0], outs[1]), (pads[0], pads[1]), same)


def _spatial_steps(ctx: Context, name: str, w: _Window) -> None:
    """The padding and output-size steps of a sliding window."""
    shape, k, stride, outs, pads, same = w.shape, w.k, w.stride, w.outs, w.pads, w.same
    if same:
        if stride == 1 and k[0] == k[1] and k[0] % 2 == 1:
            ctx.step("same-padding", sp.Integer(pads[0][0]), lhs=sp.Symbol("p"),
                     before=Quotient(Sum(K, Minus(1)), 2), subs={K: k[0]})
        else:
            ctx.step("same-padding", Shape(*outs), lhs=sp.Symbol(f"{name}_size"),
                     facts=(f"'same' keeps ceil(n/s) outputs, padding {pads[0][0] + pads[0][1]}"
                            " zeros in all",))
    labels = ("W_out", "H_out")
    if shape[0] == shape[1] and k[0] == k[1] and pads[0] == pads[1]:
        both = sp.Eq(sp.Symbol("W_out"), sp.Symbol("H_out"), evaluate=False)
        size_step(ctx, both, shape[0], k[0], pads[0], stride, outs[0])
    else:
        for i in range(2):
            size_step(ctx, labels[i], shape[i], k[i], pads[i], stride, outs[i])


def _totals(w: _Window) -> tuple[int, int]:
    return sum(w.pads[0]), sum(w.pads[1])


def _shape_step(ctx: Context, name: str, kind: str, window: _Window | None,
                new_shape: tuple[int, ...]) -> int:
    """The output shape of a layer; a window layer whose shape an earlier part derived
    from the same window and output refers to that part instead of repeating its steps."""
    lhs = sp.Symbol(f"shape_{name}")
    key = None
    if window is not None:
        dims = window.shape[:2] if kind == "conv" else window.shape  # pools keep the depth
        key = ("layer-shape", kind, dims, window.k, window.stride, window.pads, new_shape)
        earlier = ctx.cache.get(key)
        if earlier is not None and earlier[0] != ctx.part:
            return ctx.step(f"from-part-{earlier[0]}", Shape(*new_shape), lhs=lhs,
                            uses=[earlier[1]])
        _spatial_steps(ctx, name, window)
    idx = ctx.step("layer-shape", Shape(*new_shape), lhs=lhs)
    if key is not None:
        ctx.cache.setdefault(key, (ctx.part, idx))
    return idx


@block(
    "architecture",
    input=Param("raw", doc="the input shape [W, H, D] (numbers or given names) or a matrix"),
    layers=Param("raw", doc="a list of {name, type: conv|maxpool|avgpool|flatten|dense, …}"),
    total=Param("answer", required=False, doc="the total number of trainable parameters"),
)
def architecture(ctx: Context, input: Any, layers: Any, total: str | None) -> None:
    """Output shape and trainable parameters of each layer, and the running total."""
    shape = _input_shape(ctx, input)
    if not isinstance(layers, list) or not layers:
        raise ctx.fail("layers", "expected a list of layers")
    rows: list[tuple[Any, ...]] = [("input", "", Shape(*shape), "", 0, 0)]
    running = sp.Integer(0)
    done: list[_Layer] = []
    emitted: list[tuple[str, str, _Layer]] = []
    # the given the input's depth is (a name such as D_d), kept through pooling
    depth_name = input[2] if isinstance(input, list) and len(input) == 3 else None
    for i, layer in enumerate(layers):
        where = f"layers[{i}]"
        if not isinstance(layer, dict):
            raise ctx.fail(where, "expected a mapping such as {name: conv1, type: conv, …}")
        kind = layer.get("type")
        if kind not in LAYER_TYPES:
            raise ctx.fail(f"{where}.type", f"unknown layer type {kind!r} (expected one of: "
                                            f"{', '.join(LAYER_TYPES)})")
        if not isinstance(layer.get("name"), str):
            raise ctx.fail(f"{where}.name", "missing (expected a name such as conv1)")
        for key in layer:
            if key not in _COMMON_KEYS + _LAYER_KEYS[kind]:
                raise ctx.fail(f"{where}.{key}", f"unknown field of a {kind} layer (expected "
                                                 f"one of: {', '.join(_LAYER_KEYS[kind])})")
        name = layer["name"]
        params_written: Any = 0
        window: _Window | None = None
        if kind == "conv":
            for req in ("filters", "kernel"):
                if req not in layer:
                    raise ctx.fail(f"{where}.{req}", "missing field of a conv layer")
            filters = whole(ctx, f"{where}.filters", layer["filters"], low=1)
            k = rows_cols(ctx, f"{where}.kernel", layer["kernel"])
            stride = whole(ctx, f"{where}.stride", layer.get("stride", 1), low=1)
            bias = _flag(ctx, f"{where}.bias", layer.get("bias", True))
            pad_arg = layer.get("padding", 0)
            window = _spatial(ctx, shape, k, stride, pad_arg, where)
            out, pads, same = window.outs, _totals(window), window.same
            depth = shape[2] if len(shape) == 3 else 1
            new_shape = (out[0], out[1], filters)
            count = conv.conv_params(k[0], k[1], depth, filters, bias)
            square = k[0] == k[1]
            kk = (K, K) if square else (K_H, K_W)
            inner = Product(kk[0], kk[1], D_IN)
            params_written = Product(Sum(inner, 1), FILTERS) if bias else Product(inner, FILTERS)
            subs = {D_IN: depth, FILTERS: filters}
            subs.update({K: k[0]} if square else {K_H: k[0], K_W: k[1]})
            # the rule in the statement's names: filters: filters is written as that given,
            # and the depth as the input's (D_d of a grayscale part, not D) or as the filters
            # of the convolution before
            named = _given_names(ctx, {FILTERS: layer["filters"], K: layer["kernel"],
                                       D_IN: depth_name})
            depth_name = layer["filters"]
            params_written = params_written.xreplace(named)
            subs = {named.get(a, a): v for a, v in subs.items()}
            info = _Layer(name, kind, shape, new_shape, count, k, stride, pads, same, filters,
                          bias)
            rule = "conv-parameters"
        elif kind in ("maxpool", "avgpool"):
            if "size" not in layer:
                raise ctx.fail(f"{where}.size", f"missing field of a {kind} layer")
            size = whole(ctx, f"{where}.size", layer["size"], low=1)
            stride = whole(ctx, f"{where}.stride", layer.get("stride", size), low=1)
            window = _spatial(ctx, shape, (size, size), stride,
                              layer.get("padding", "valid"), where)
            out, pads, same = window.outs, _totals(window), window.same
            new_shape = (out[0], out[1]) + shape[2:]
            count, subs, rule = 0, {}, "no-parameters"
            info = _Layer(name, kind, shape, new_shape, 0, (size, size), stride, pads, same)
        elif kind == "flatten":
            depth_name = None
            n = math.prod(shape)
            new_shape = (n,)
            ctx.step("flatten", sp.Integer(n), lhs=sp.Symbol(f"{name}_size"),
                     before=Product(*shape))
            count, subs, rule = 0, {}, "no-parameters"
            info = _Layer(name, kind, shape, new_shape, 0)
        else:  # dense
            if "units" not in layer:
                raise ctx.fail(f"{where}.units", "missing field of a dense layer")
            if len(shape) != 1:
                raise ctx.fail(where, f"a dense layer needs a flat input, found "
                                      f"{' × '.join(map(str, shape))}: add a flatten layer")
            units = whole(ctx, f"{where}.units", layer["units"], low=1)
            bias = _flag(ctx, f"{where}.bias", layer.get("bias", True))
            new_shape = (units,)
            count = conv.dense_params(shape[0], units, bias)
            params_written = Product(Sum(N_IN, 1), UNITS) if bias else Product(N_IN, UNITS)
            subs = {N_IN: shape[0], UNITS: units}
            named = _given_names(ctx, {UNITS: layer["units"]})
            params_written = params_written.xreplace(named)
            subs = {named.get(a, a): v for a, v in subs.items()}
            rule = "dense-parameters"
            info = _Layer(name, kind, shape, new_shape, count, filters=units, bias=bias)
        sidx = _shape_step(ctx, name, kind, window, new_shape)
        shape_aid = _answer(ctx, layer, where, "shape")
        if shape_aid:
            pinned = ctx.emit(shape_aid, new_shape, sidx)
            new_shape = tuple(int(d) for d in pinned)
            emitted.append((shape_aid, "shape", info))
        if params_written == 0:
            pidx = ctx.step(rule, sp.Integer(0), lhs=sp.Symbol(f"params_{name}"))
        else:
            pidx = ctx.step(rule, sp.Integer(count), lhs=sp.Symbol(f"params_{name}"),
                            before=params_written, subs=subs)
        params_aid = _answer(ctx, layer, where, "params")
        used = sp.Integer(count)
        if params_aid:
            used = ctx.emit(params_aid, sp.Integer(count), pidx)
            emitted.append((params_aid, "params", info))
        running += used
        written_cell = params_written.xreplace(subs) if params_written != 0 else 0
        rows.append((name, kind, Shape(*new_shape), written_cell, sp.Integer(count), running))
        done.append(info)
        shape = new_shape
    if len(layers) > 1 or total:  # one layer: its steps say it all
        tidx = ctx.table("layer-table", ("layer", "type", "output shape", "parameters",
                                         "count", "total"), rows)
        if total:
            ctx.emit(total, running, tidx)
    _register_checks(ctx, done, emitted, total)


def _register_checks(ctx: Context, done: list[_Layer], emitted: list[tuple[str, str, _Layer]],
                     total: str | None) -> None:
    for aid, what, layer in emitted:
        value = ctx.answers[aid].computed
        if what == "shape":
            ctx.check(f"{aid}: {layer.type} output counted", [aid], "brute-force",
                      lambda layer=layer, value=value: _check_shape(layer, value))
        else:
            ctx.check(f"{aid}: weight tensors of {layer.name}", [aid], "tensor-count",
                      lambda layer=layer, value=value: _check_params(layer, value))
    if total:
        value = ctx.answers[total].computed

        def run() -> tuple[bool, float, str]:
            want = sum(_tensor_count(layer) for layer in done)
            return int(value) == want, 0.0 if int(value) == want else float("inf"), \
                f"sum of {len(done)} layers' weight tensors = {want}"

        ctx.check(f"{total}: all weight tensors", [total], "tensor-count", run)


def _check_shape(layer: _Layer, value: Any) -> tuple[bool, float, str]:
    got = tuple(int(d) for d in value)
    if layer.type in ("conv", "maxpool", "avgpool"):
        sizes = []
        for n, k, pad in zip(layer.in_shape[:2], layer.kernel, layer.pads, strict=True):
            count, _ = count_positions(n, k, pad, layer.stride)
            if layer.same and count != -(-n // layer.stride):
                return False, float("inf"), f"'same' should keep ⌈{n}/{layer.stride}⌉"
            sizes.append(count)
        depth = layer.filters if layer.type == "conv" else (
            layer.in_shape[2] if len(layer.in_shape) == 3 else None)
        want = tuple(sizes) + ((depth,) if depth is not None else ())
    elif layer.type == "flatten":
        want = (int(np.zeros(layer.in_shape, dtype=np.bool_).size),)
    else:
        want = (layer.filters,)
    return got == want, 0.0 if got == want else float("inf"), f"windows counted: {want}"


def _tensor_count(layer: _Layer) -> int:
    """Parameters as the sizes of the weight and bias tensors a framework allocates."""
    if layer.type == "conv":
        depth = layer.in_shape[2] if len(layer.in_shape) == 3 else 1
        tensors = [(layer.kernel[0], layer.kernel[1], depth, layer.filters)]
        tensors += [(layer.filters,)] if layer.bias else []
    elif layer.type == "dense":
        tensors = [(layer.in_shape[0], layer.filters)]
        tensors += [(layer.filters,)] if layer.bias else []
    else:
        tensors = []
    return sum(math.prod(t) for t in tensors)


def _check_params(layer: _Layer, value: Any) -> tuple[bool, float, str]:
    want = _tensor_count(layer)
    return int(value) == want, 0.0 if int(value) == want else float("inf"), \
        f"weight + bias tensor sizes = {want}"


# -- the output activation ----------------------------------------------------------------

_TASK_ACTIVATION = {"multi-class": "softmax", "binary": "sigmoid", "multi-label": "sigmoid",
                    "regression": "linear"}
_TASK_REASON = {
    "multi-class": "softmax outputs are positive and sum to 1: a distribution over the classes",
    "binary": "sigmoid outputs one probability in (0, 1)",
    "multi-label": "sigmoid outputs an independent probability per label",
    "regression": "a linear output can take any real value",
}
_NUMERIC = {
    "softmax": lambda z: np.exp(z - z.max(axis=1, keepdims=True))
    / np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "linear": lambda z: z,
}


def _fits(task: str, fn: Any) -> bool:
    """Whether an activation's outputs have what the task needs, on seeded logits."""
    z = rng(salt=31).normal(0, 3, size=(50, 4))
    y = fn(z)
    if task == "multi-class":
        return bool(np.all(y >= 0) and np.allclose(y.sum(axis=1), 1))
    if task in ("binary", "multi-label"):
        return bool(np.all((y > 0) & (y < 1)) and not np.allclose(y.sum(axis=1), 1))
    return bool(np.allclose(y, z))  # regression: any real target reachable


@block(
    "output-activation",
    task=Param("text", choices=tuple(_TASK_ACTIVATION), doc="what the network predicts"),
    answer=Param("answer", doc="a choice answer listing the candidate activations"),
)
def output_activation(ctx: Context, task: str, answer: str) -> None:
    """The activation of the output layer for a task (softmax for multi-class)."""
    choices = ctx.problem.answers[answer].choices
    pick = _TASK_ACTIVATION[task]
    if pick not in choices:
        raise ctx.fail("answer", f"'{pick}' is not among the choices of {answer}")
    unknown = [c for c in choices if c not in _NUMERIC]
    if unknown:
        raise ctx.fail("answer", f"unknown activation '{unknown[0]}' among the choices "
                                 f"(expected: {', '.join(_NUMERIC)})")
    idx = ctx.step("output-activation", sp.Symbol(pick), lhs=sp.Symbol("activation"),
                   facts=(_TASK_REASON[task],))
    ctx.emit(answer, pick, idx)

    def run() -> tuple[bool, float, str]:
        fitting = [c for c in choices if _fits(task, _NUMERIC[c])]
        ok = fitting == [pick]
        return ok, 0.0 if ok else float("inf"), f"activations fitting a {task} output: " \
                                                 f"{', '.join(fitting) or 'none'}"

    ctx.check(f"{answer}: outputs of each candidate", [answer], "numpy-recompute", run)
