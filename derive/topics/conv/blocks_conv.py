"""Convolution blocks: convolve, pool, the padding or stride for a size, pooling as a filter."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import sympy as sp

from derive.core.derivation import Context
from derive.core.notation import Maximum, Minus, Product, Quotient, Shape, Sum, written_sum
from derive.core.numeric import rel_error
from derive.core.registry import Param, block
from derive.topics.conv import maths as conv
from derive.topics.conv.oracle import count_positions, np_correlate, np_pool, to_array
from derive.topics.conv.windows import (
    MAX_WRITTEN,
    K,
    N,
    P,
    S,
    matrix_arg,
    matrix_list,
    raw_value,
    rows_cols,
    size_check,
    size_step,
    whole,
)
from derive.topics.design import design_spec, evaluate_design

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
T = sp.Symbol("n_out")  # the output size asked for, written as the size steps write it


def _name(v: Any, default: str) -> str:
    return v if isinstance(v, str) and _IDENT.match(v) else default


#: largest zero-padded input (entries) a convolution works out: a huge stride or padding
#: (a --set of 9999) would otherwise build a matrix of hundreds of millions of zeros
MAX_PADDED_ENTRIES = 250_000


def _padding(ctx: Context, v: Any, n: tuple[int, int], k: tuple[int, int],
             stride: int) -> conv.Pad4:
    """Padding per side from 0, 3, 'valid', 'same' or an expression such as '{a.padding}'."""
    if v in ("valid", None):
        return (0, 0, 0, 0)
    if v == "same":
        _, top, bottom = conv.same_padding(n[0], k[0], stride)
        _, left, right = conv.same_padding(n[1], k[1], stride)
        pad = (top, bottom, left, right)
    else:
        p = whole(ctx, "padding", v)
        pad = (p, p, p, p)
    rows, cols = n[0] + pad[0] + pad[1], n[1] + pad[2] + pad[3]
    if rows * cols > MAX_PADDED_ENTRIES:  # the padded input is written out entry by entry
        raise ctx.fail("padding", f"padding {max(pad)} (stride {stride}) makes the padded "
                       f"input {rows}×{cols}; at most {MAX_PADDED_ENTRIES:,} entries are "
                       "worked out (a padding wider than the kernel adds only zeros)")
    return pad


def write_windows(ctx: Context, name: str, windows: list[conv.Window], rule: str) -> list[int]:
    """``O[i, j] = x·k + … (+ b) = value`` per entry (the first and last when many)."""
    shown = windows if len(windows) <= MAX_WRITTEN else [windows[0], windows[-1]]
    base = sp.IndexedBase(name)
    out = []
    for w in shown:
        terms = [Product(x, k) for x, k in w.terms]
        if w.bias != 0:
            terms.append(w.bias)
        out.append(ctx.step(rule, w.value, lhs=base[w.position], before=written_sum(terms)))
    return out


def _size_steps(ctx: Context, n: tuple[int, int], k: tuple[int, int], pad: conv.Pad4,
                stride: int, out: tuple[int, int]) -> list[int]:
    rows = (n[0], k[0], (pad[0], pad[1]), stride, out[0])
    cols = (n[1], k[1], (pad[2], pad[3]), stride, out[1])
    if rows == cols:
        return [size_step(ctx, "n_out", *rows)]
    return [size_step(ctx, "rows_out", *rows), size_step(ctx, "cols_out", *cols)]


def _numpy_check(ctx: Context, name: str, answers: list[str], got: sp.MatrixBase,
                 want: Any, what: str) -> None:
    exact = to_array(got)

    def run() -> tuple[bool, float, str]:
        err = rel_error(exact, want())
        return err < 1e-9, err, what

    ctx.check(name, answers, "numpy-recompute", run)


@block(
    "convolve",
    input=Param("raw", doc="a matrix (a given, '{a.output}' or [[…]]) or a list of channels"),
    kernel=Param("raw", required=False, doc="one filter: a matrix or one matrix per channel"),
    kernels=Param("raw", required=False, doc="several filters, each like kernel"),
    bias=Param("raw", required=False, default=0, doc="a number, or a list with one per filter"),
    stride=Param("expr", takes="scalar", required=False, default=1, doc="the step between windows"),
    padding=Param("raw", required=False, default=0,
                  doc="zeros per side: a whole number, 'valid' (none) or 'same'"),
    operation=Param("text", required=False, default="cross-correlation",
                    choices=("cross-correlation", "convolution"),
                    doc="convolution flips the kernel by 180° first"),
    answer=Param("answer", required=False, doc="the output matrix (one filter)"),
    answers=Param("strings", required=False, doc="the output matrices, one per filter"),
    shape=Param("answer", required=False, doc="the output shape: rows × columns × filters"),
    label=Param("text", required=False, default="O", doc="the output's name in the steps"),
)
def convolve(ctx: Context, input: Any, kernel: Any, kernels: Any, bias: Any, stride: Any,
             padding: Any, operation: str, answer: str | None, answers: list[str] | None,
             shape: str | None, label: str) -> None:
    """Slide each filter over the (zero-padded) input: one output matrix per filter."""
    channels = matrix_list(ctx, "input", input)
    if (kernel is None) == (kernels is None):
        raise ctx.fail("kernel", "give either kernel (one filter) or kernels (a list)")
    if kernel is not None:
        filters = [matrix_list(ctx, "kernel", kernel)]
    else:
        if not isinstance(kernels, list) or not kernels:
            raise ctx.fail("kernels", "expected a list of filters")
        filters = [matrix_list(ctx, f"kernels[{i}]", f) for i, f in enumerate(kernels)]
    biases = bias if isinstance(bias, list) else [bias] * len(filters)
    if len(biases) != len(filters):
        raise ctx.fail("bias", f"expected one bias per filter ({len(filters)}), "
                               f"found {len(biases)}")
    bias_values = [raw_value(ctx, f"bias[{i}]" if isinstance(bias, list) else "bias", b)
                   for i, b in enumerate(biases)]
    outputs = answers or ([answer] if answer else [])
    if outputs and len(outputs) != len(filters):
        raise ctx.fail("answers", f"expected one answer per filter ({len(filters)})")
    for aid in outputs:
        if aid not in ctx.problem.answers:
            raise ctx.fail("answers", f"'{aid}' is not a declared answer")
    s = whole(ctx, "stride", stride, low=1)
    n = channels[0].shape
    for f, ks in enumerate(filters):
        if len(ks) != len(channels):
            where = "kernel" if kernel is not None else f"kernels[{f}]"
            raise ctx.fail(where, f"the filter has {len(ks)} channel(s) but the input has "
                                  f"{len(channels)}")
    k = filters[0][0].shape
    if any(m.shape != k for ks in filters for m in ks):
        raise ctx.fail("kernels", "all filters must have the same size")
    pad = _padding(ctx, padding, n, k, s)
    flip = operation == "convolution"
    multi = len(filters) > 1
    xname = _name(input, "X")
    if len(channels) == 1 and any(pad):
        ctx.step("zero-padding", conv.zero_pad(channels[0], pad), lhs=sp.Symbol(f"{xname}_pad"),
                 facts=(sp.Eq(P, pad[0]),) if len(set(pad)) == 1 else ())
    results = []
    for f, ks in enumerate(filters):
        try:
            out, windows = conv.correlate(channels, ks, stride=s, padding=pad,
                                          bias=bias_values[f], true_convolution=flip)
        except conv.ConvError as e:
            raise ctx.fail("kernel" if kernel is not None else "kernels", str(e)) from None
        if f == 0:
            _size_steps(ctx, n, k, pad, s, out.shape)
            if flip:
                ctx.step("flip-kernel", conv.flip(ks[0]), lhs=sp.Symbol("K_flipped"),
                         before=ks[0])
        oname = f"{label}{f + 1}" if multi else label
        write_windows(ctx, oname, windows, operation)
        idx = ctx.step("output", out, lhs=sp.Symbol(oname))
        if outputs:
            out = ctx.emit(outputs[f], out, idx)
        results.append(out)
        if f == 0 and len(channels) == 1:
            ctx.figure("conv-window", caption=f"the window of ${oname}_{{0,0}}$",
                       input=conv.zero_pad(channels[0], pad), kernel=ks[0], stride=s,
                       position=(0, 0), output=out, padding=pad[0])
    if shape:
        dims = (results[0].rows, results[0].cols, len(filters))
        ctx.emit(shape, dims, ctx.step("output-shape", Shape(*dims), lhs=sp.Symbol("shape")))
        size_check(ctx, f"{shape}: output size", [shape],
                   [(n[0], k[0], pad[0] + pad[1], s, dims[0]),
                    (n[1], k[1], pad[2] + pad[3], s, dims[1])])
    arrays = [np.stack([to_array(c) for c in channels])]
    for f, ks in enumerate(filters):
        if not outputs:
            continue
        kf = np.stack([to_array(m) for m in ks])
        bf = float(bias_values[f])
        _numpy_check(ctx, f"{outputs[f]}: {operation} recomputed", [outputs[f]],
                     results[f],
                     lambda kf=kf, bf=bf: np_correlate(arrays[0], kf, s, pad, bf, flip),
                     "float64 sliding window over np.pad")


@block(
    "pool",
    input=Param("raw", doc="the matrix pooled (a given, '{a.output}' or [[…]])"),
    size=Param("expr", takes="scalar", doc="the window is size × size"),
    stride=Param("expr", takes="scalar", required=False,
                 doc="the step between windows (default: size)"),
    mode=Param("text", choices=("max", "average"), doc="the largest entry or the mean"),
    answer=Param("answer", doc="a matrix answer: the pooled output"),
    label=Param("text", required=False, default="P", doc="the output's name in the steps"),
)
def pool(ctx: Context, input: Any, size: Any, stride: Any, mode: str, answer: str,
         label: str) -> None:
    """Max or average pooling, each output entry written out from its window."""
    x = matrix_arg(ctx, "input", input)
    k = whole(ctx, "size", size, low=1)
    s = whole(ctx, "stride", stride, low=1) if stride is not None else k
    try:
        out, windows = conv.pool(x, k, s, mode)
    except conv.ConvError as e:
        raise ctx.fail("size", str(e)) from None
    _size_steps(ctx, x.shape, (k, k), (0, 0, 0, 0), s, out.shape)
    base = sp.IndexedBase(label)
    shown = windows if len(windows) <= MAX_WRITTEN else [windows[0], windows[-1]]
    for w in shown:
        entries = [e for e, _ in w.terms]
        written = Maximum(*entries) if mode == "max" else Quotient(Sum(*entries), len(entries))
        ctx.step(f"{mode}-pooling", w.value, lhs=base[w.position], before=written)
    idx = ctx.step("output", out, lhs=sp.Symbol(label))
    ctx.emit(answer, out, idx)
    xa = to_array(x)
    _numpy_check(ctx, f"{answer}: {mode} pooling recomputed", [answer], out,
                 lambda: np_pool(xa, k, s, mode), "float64 window reductions")


def _square(ctx: Context, field: str, dims: tuple[int, int]) -> int:
    if dims[0] != dims[1]:
        raise ctx.fail(field, f"expected a square matrix, found {dims[0]}×{dims[1]}")
    return dims[0]


def _size_equation(n: Any, p: Any, k: Any, s: Any, t: Any) -> sp.Eq:
    """(n + 2p − k)/s + 1 = t, as a student writes it before solving."""
    return sp.Eq(Sum(Quotient(Sum(n, Product(2, p), Minus(k)), s), 1), t, evaluate=False)


@block(
    "padding-for-size",
    input=Param("raw", doc="the input matrix (or its size)"),
    kernel=Param("raw", doc="the kernel (or its size)"),
    stride=Param("expr", takes="scalar", required=False, default=1, doc="the convolution's stride"),
    target=Param("expr", takes="scalar", required=False,
                 doc="the output size wanted (default: the input's)"),
    answer=Param("answer", doc="the padding per side (exact)"),
)
def padding_for_size(ctx: Context, input: Any, kernel: Any, stride: Any, target: Any,
                     answer: str) -> None:
    """The zero padding p with ⌊(n + 2p − k)/s⌋ + 1 = target (the smallest that works)."""
    n = _square(ctx, "input", rows_cols(ctx, "input", input))
    k = _square(ctx, "kernel", rows_cols(ctx, "kernel", kernel))
    s = whole(ctx, "stride", stride, low=1)
    t = whole(ctx, "target", target, low=1) if target is not None else n
    eq = ctx.step("size-equation", _size_equation(N, P, K, S, T))
    exact = conv.padding_for_size(n, k, s, t)
    idx = ctx.step("solve-for-padding", exact, lhs=P,
                   before=Quotient(Sum(Product(Sum(T, Minus(1)), S), Minus(N), K), 2),
                   subs={T: t, S: s, N: n, K: k}, uses=[eq])
    if not (exact.is_integer and exact >= 0):
        whole_p = [p for p in range(0, n + k + 1)
                   if n + 2 * p >= k and conv.output_size(n, k, 2 * p, s) == t]
        if not whole_p:
            raise ctx.fail("target", f"no zero padding gives a {t}×{t} output: the equation "
                                     f"needs p = {exact}, and no whole p works with the floor")
        exact = sp.Integer(whole_p[0])
        idx = size_step(ctx, "n_out", n, k, (whole_p[0], whole_p[0]), s, t)
    p = ctx.emit(answer, exact, idx)

    def run() -> tuple[bool, float, str]:
        counts = [count_positions(n, k, 2 * q, s)[0] for q in range(0, int(p) + 1)]
        ok = counts[-1] == t and t not in counts[:-1]
        return ok, 0.0 if ok else float("inf"), \
            f"window positions for p = 0…{p}: {counts}"

    ctx.check(f"{answer}: smallest padding giving size {t}", [answer], "brute-force", run)


@block(
    "stride-for-size",
    input=Param("raw", doc="the input matrix (or its size)"),
    kernel=Param("raw", doc="the kernel (or its size)"),
    padding=Param("expr", takes="scalar", required=False, default=0, doc="zeros per side"),
    target=Param("expr", takes="scalar", required=False,
                 doc="the output size wanted (default: the input's)"),
    answer=Param("answer", doc="the stride solving the size equation (exact)"),
    possible=Param("answer", required=False, doc="choice yes/no: is it a whole number"),
)
def stride_for_size(ctx: Context, input: Any, kernel: Any, padding: Any, target: Any,
                    answer: str, possible: str | None) -> None:
    """The stride s with (n + 2p − k)/s + 1 = target, and whether it is usable."""
    n = _square(ctx, "input", rows_cols(ctx, "input", input))
    k = _square(ctx, "kernel", rows_cols(ctx, "kernel", kernel))
    p = whole(ctx, "padding", padding)
    t = whole(ctx, "target", target, low=1) if target is not None else n
    if t < 2:
        raise ctx.fail("target", "a target size of 1 does not determine the stride")
    if n + 2 * p < k:
        raise ctx.fail("kernel", f"the {k}×{k} kernel does not fit the padded input "
                                 f"({n + 2 * p}×{n + 2 * p})")
    eq = ctx.step("size-equation", _size_equation(N, P, K, S, T))
    s_exact = conv.stride_for_size(n, k, p, t)
    idx = ctx.step("solve-for-stride", s_exact, lhs=S,
                   before=Quotient(Sum(N, Product(2, P), Minus(K)), Sum(T, Minus(1))),
                   subs={N: n, P: p, K: k, T: t}, uses=[eq])
    s = ctx.emit(answer, s_exact, idx)
    usable = bool(sp.sympify(s).is_integer and s >= 1)
    if possible:
        word = "yes" if usable else "no"
        facts: tuple[Any, ...] = (sp.Eq(S, s), "a whole number" if usable
                                  else "not a whole number of cells")
        if not usable:
            floor_ok = [q for q in range(1, n + 2 * p + 1)
                        if conv.output_size(n, k, 2 * p, q) == t]
            if floor_ok:
                facts += (f"stride {floor_ok[0]} gives size {t} only by leaving cells "
                          f"uncovered",)
        pidx = ctx.step("whole-stride", sp.Symbol(word), lhs=sp.Symbol("possible"),
                        facts=facts)
        ctx.emit(possible, word, pidx)

    def run_stride() -> tuple[bool, float, str]:
        count, fits = count_positions(n, k, 2 * p, s)
        return count == t and fits, 0.0 if count == t and fits else float("inf"), \
            f"{count} windows with step {s}, last one {'ends' if fits else 'does not end'} " \
            f"at the edge"

    ctx.check(f"{answer}: windows with stride {s}", [answer], "brute-force", run_stride)
    if possible:
        def run_possible() -> tuple[bool, float, str]:
            whole_strides = [q for q in range(1, n + 2 * p + 1)
                             if count_positions(n, k, 2 * p, q) == (t, True)]
            ok = bool(whole_strides) == (ctx.answers[possible].computed == "yes")
            return ok, 0.0 if ok else float("inf"), \
                f"whole strides giving exactly {t} windows: {whole_strides or 'none'}"

        ctx.check(f"{possible}: whole strides tried one by one", [possible], "brute-force",
                  run_possible)


@block(
    "pooling-as-convolution",
    answer=Param("answer", doc="the design answer of the filter (its group gives stride "
                               "and padding, its property the input and target)"),
    size=Param("expr", takes="scalar", doc="the pooling window is size × size"),
    stride=Param("expr", takes="scalar", required=False, doc="the pooling stride (default: size)"),
    mode=Param("text", required=False, default="average", choices=("average", "max"),
               doc="the pooling reproduced (only average pooling is a convolution)"),
)
def pooling_as_convolution(ctx: Context, answer: str, size: Any, stride: Any,
                           mode: str) -> None:
    """A filter, stride and padding whose convolution equals an average pooling."""
    spec = design_spec(ctx.problem, answer)
    if spec.property != "convolution-gives":
        raise ctx.fail("answer", f"'{answer}' must declare property: convolution-gives")
    if mode == "max":
        raise ctx.fail("mode", "max pooling is not linear, so no convolution filter "
                               "reproduces it; use average pooling")
    k = whole(ctx, "size", size, low=1)
    s = whole(ctx, "stride", stride, low=1) if stride is not None else k
    roles = spec.options["roles"]

    def lookup(ref: str) -> Any:
        return ctx.answer_value(ref) if ref in ctx.problem.answers else ctx.value(
            ctx.symbol(ref))

    x = lookup(spec.options["input"])
    target = lookup(spec.options["target"])
    kernel = sp.ImmutableMatrix(k, k, [sp.Rational(1, k * k)] * (k * k))
    if spec.options["flip"]:
        kernel = conv.flip(kernel)  # symmetric, kept for clarity of the rule
    fidx = ctx.step("average-as-filter", kernel, lhs=sp.Symbol("K"),
                    facts=(f"an average of {k * k} entries is their sum times 1/{k * k}",))
    kernel = ctx.emit(roles["filter"], kernel, fidx)
    s_used = ctx.emit(roles["stride"], sp.Integer(s),
                      ctx.step("same-stride", sp.Integer(s), lhs=S,
                               facts=("the windows move as the pooling windows do",)))
    p_used = ctx.emit(roles["padding"], sp.Integer(0),
                      ctx.step("no-padding", sp.Integer(0), lhs=P,
                               facts=("pooling adds no zeros",)))
    try:
        sv, pv = int(s_used), int(p_used)
        out, windows = conv.correlate([x], [kernel], stride=sv, padding=pv,
                                      true_convolution=spec.options["flip"])
    except (conv.ConvError, TypeError, ValueError) as e:
        raise ctx.fail("answer", f"the design cannot be applied: {e}") from None
    _size_steps(ctx, x.shape, kernel.shape, (pv,) * 4, sv, out.shape)
    # O′: the input is often an earlier part's O, whose O_{0,0} = 15.5 would read as
    # "O_{0,0} = 15.5·0.25 + …" with the same name on both sides
    write_windows(ctx, "O'", windows, "cross-correlation")
    relation = "=" if out == target else "differs from"
    ctx.step("output", out, lhs=sp.Symbol("O'"),
             facts=(f"O' {relation} {_ref_words(spec.options['target'])}",))
    ctx.figure("conv-window", caption="the window of $O'_{0,0}$", input=conv.zero_pad(x, pv),
               kernel=kernel, stride=sv, position=(0, 0), output=out, padding=pv)
    xa, ka, ta = to_array(x), to_array(kernel), to_array(target)
    group = list(spec.group)

    def run() -> tuple[bool, float, str]:
        got = np_correlate(xa, ka, sv, (pv,) * 4, 0.0, spec.options["flip"])
        err = rel_error(got, ta)
        return err < 1e-9, err, "the design applied in float64 equals the target"

    ctx.check(f"{', '.join(group)}: filter applied to {spec.options['input']}", group,
              "numpy-recompute", run)
    values = {roles["filter"]: kernel, roles["stride"]: s_used, roles["padding"]: p_used}

    def run_property() -> tuple[bool, float, str]:
        r = evaluate_design(spec, values, lookup)
        return r.ok, 0.0 if r.ok else float("inf"), r.feedback or "accepted by its property"

    ctx.check(f"{', '.join(group)}: accepted by the marking property", group,
              "design-property", run_property)


def _ref_words(ref: str) -> str:
    """An answer id as readers name it (``c.output`` -> 'the output of (c)')."""
    part, dot, name = ref.partition(".")
    return f"the {name.replace('_', ' ')} of ({part})" if dot else ref
