"""Exact convolution arithmetic: padding, cross-correlation, pooling and output sizes.

A "convolution" in a CNN is a cross-correlation (the kernel is not flipped); the true
convolution flips the kernel by 180° first. Values are SymPy numbers (exact where the
inputs are exact); every output entry comes with the window that produced it, so a
block can write ``O[0, 0] = 0·(−1) + … = 15.5`` as a student does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sympy as sp

#: padding per side: top, bottom, left, right
Pad4 = tuple[int, int, int, int]


class ConvError(ValueError):
    """Arguments that cannot be convolved (the message says why, for a SpecError)."""


def pad4(padding: int | Pad4) -> Pad4:
    """Padding per side from one number (the same on every side) or four."""
    if isinstance(padding, tuple):
        return padding
    return (padding, padding, padding, padding)


def zero_pad(x: sp.MatrixBase, padding: int | Pad4) -> sp.ImmutableMatrix:
    """``x`` surrounded by rows and columns of zeros."""
    top, bottom, left, right = pad4(padding)
    rows, cols = x.shape
    out = sp.zeros(rows + top + bottom, cols + left + right)
    out[top:top + rows, left:left + cols] = x
    return sp.ImmutableMatrix(out)


def output_size(n: int, k: int, pad_total: int, stride: int) -> int:
    """⌊(n + 2p − k)/s⌋ + 1 for a total padding ``pad_total`` (= 2p when symmetric)."""
    span = n + pad_total - k
    if span < 0:
        raise ConvError(f"the window ({k}) is larger than the padded input ({n + pad_total})")
    return span // stride + 1


def same_padding(n: int, k: int, stride: int) -> tuple[int, int, int]:
    """'same' padding as Keras does it: output ⌈n/s⌉; returns (output, before, after).

    With stride 1 and an odd window this is p = (k − 1)/2 on each side.
    """
    out = -(-n // stride)
    total = max((out - 1) * stride + k - n, 0)
    return out, total // 2, total - total // 2


def padding_for_size(n: int, k: int, stride: Any, target: int) -> sp.Rational:
    """The p solving (n + 2p − k)/s + 1 = target exactly (may not be a whole number)."""
    return sp.Rational((target - 1) * sp.nsimplify(stride) - n + k, 2)


def stride_for_size(n: int, k: int, padding: int, target: int) -> sp.Rational:
    """The s solving (n + 2p − k)/s + 1 = target exactly (may not be a whole number)."""
    if target < 2:
        raise ConvError("a target size of 1 does not determine the stride")
    return sp.Rational(n + 2 * padding - k, target - 1)


@dataclass(frozen=True)
class Window:
    """How one output entry was computed."""

    position: tuple[int, int]
    """(row, column) of the output entry"""
    origin: tuple[int, int]
    """(row, column) of the window's top-left corner in the padded input"""
    terms: tuple[tuple[Any, Any], ...]
    """(input entry, kernel entry) pairs, channel by channel, row by row"""
    bias: Any
    value: Any


def flip(kernel: sp.MatrixBase) -> sp.ImmutableMatrix:
    """The kernel rotated by 180° (what true convolution slides)."""
    rows, cols = kernel.shape
    return sp.ImmutableMatrix(rows, cols, lambda i, j: kernel[rows - 1 - i, cols - 1 - j])


def correlate(channels: list[sp.MatrixBase], kernels: list[sp.MatrixBase], *,
              stride: int = 1, padding: int | Pad4 = 0, bias: Any = 0,
              true_convolution: bool = False) -> tuple[sp.ImmutableMatrix, list[Window]]:
    """One filter over a multi-channel input: Σ_c (x_c ⋆ k_c) + b, with its windows.

    Args:
        channels: the input, one matrix per channel (all the same shape).
        kernels: the filter, one matrix per channel (all the same shape).
        stride: the step between windows (rows and columns).
        padding: zeros added per side (one number, or top, bottom, left, right).
        bias: added to every entry.
        true_convolution: flip each kernel by 180° first.

    >>> out, _ = correlate([sp.Matrix([[1, 2], [3, 4]])], [sp.Matrix([[1, 0], [0, 1]])])
    >>> out
    Matrix([[5]])
    """
    if len(channels) != len(kernels):
        raise ConvError(f"the input has {len(channels)} channel(s) but the filter has "
                        f"{len(kernels)}")
    if len({c.shape for c in channels}) != 1 or len({k.shape for k in kernels}) != 1:
        raise ConvError("all channels (and all kernel slices) must have the same shape")
    if stride < 1:
        raise ConvError(f"the stride must be a whole number ≥ 1, not {stride}")
    if true_convolution:
        kernels = [flip(k) for k in kernels]
    padded = [zero_pad(c, padding) for c in channels]
    rows, cols = padded[0].shape
    kr, kc = kernels[0].shape
    top, bottom, left, right = pad4(padding)
    out_r = output_size(channels[0].rows, kr, top + bottom, stride)
    out_c = output_size(channels[0].cols, kc, left + right, stride)
    bias = sp.sympify(bias)
    windows = []
    values = []
    for i in range(out_r):
        for j in range(out_c):
            r0, c0 = i * stride, j * stride
            terms = tuple((x[r0 + a, c0 + b], k[a, b])
                          for x, k in zip(padded, kernels, strict=True)
                          for a in range(kr) for b in range(kc))
            value = sp.Add(*[x * w for x, w in terms]) + bias
            windows.append(Window((i, j), (r0, c0), terms, bias, value))
            values.append(value)
    return sp.ImmutableMatrix(out_r, out_c, values), windows


def pool(x: sp.MatrixBase, size: int, stride: int, mode: str,
         ) -> tuple[sp.ImmutableMatrix, list[Window]]:
    """Max or average pooling (no padding); each window's ``terms`` are (entry, 1) pairs."""
    if mode not in ("max", "average"):
        raise ConvError(f"unknown pooling '{mode}' (expected max or average)")
    if stride < 1 or size < 1:
        raise ConvError("the pooling size and stride must be whole numbers ≥ 1")
    out_r = output_size(x.rows, size, 0, stride)
    out_c = output_size(x.cols, size, 0, stride)
    windows, values = [], []
    for i in range(out_r):
        for j in range(out_c):
            r0, c0 = i * stride, j * stride
            entries = [x[r0 + a, c0 + b] for a in range(size) for b in range(size)]
            value = sp.Max(*entries) if mode == "max" else sp.Add(*entries) / len(entries)
            windows.append(Window((i, j), (r0, c0), tuple((e, sp.S.One) for e in entries),
                                  sp.S.Zero, value))
            values.append(value)
    return sp.ImmutableMatrix(out_r, out_c, values), windows


def conv_params(k_rows: int, k_cols: int, depth: int, filters: int, bias: bool = True) -> int:
    """Trainable parameters of a convolution layer: (k·k·D + 1)·F with biases."""
    return (k_rows * k_cols * depth + (1 if bias else 0)) * filters


def dense_params(inputs: int, units: int, bias: bool = True) -> int:
    """Trainable parameters of a dense layer: (n_in + 1)·n_out with biases."""
    return (inputs + (1 if bias else 0)) * units


def flat_size(shape: tuple[int, ...]) -> int:
    return math.prod(shape)
