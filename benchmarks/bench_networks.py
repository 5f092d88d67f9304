"""Benchmark: matrix-form backprop (symbolic widths) vs per-weight sympy.diff.

Run on demand from the repository root:

    python benchmarks/bench_networks.py

It times, for the two-layer softmax/cross-entropy network of softmax-backprop:

1. the matrix-form derivation of ∂E/∂x, ∂E/∂W_1, ∂E/∂b_1, ∂E/∂W_2, ∂E/∂b_2 with symbolic
   widths N, M, K (SymPy's cache cleared before every run);
2. that derivation plus its numerical verification at widths N = M = K = 2, 8, 64, 1024
   (one random instance; every entry of a gradient by central differences up to 400
   entries, one random direction with Richardson extrapolation beyond);
3. the baseline it replaces: the loss written out entry by entry and differentiated
   with ``sympy.diff`` once per weight, for widths 2, 4, 8.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import sympy as sp
from sympy.core.cache import clear_cache

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from derive.core.functions import sigmoid  # noqa: E402
from derive.topics.networks.backprop import back_through, loss_gradient, param_line  # noqa: E402
from derive.topics.networks.blocks_gradients import numeric_gold  # noqa: E402
from derive.topics.networks.layers import Activation, Dense, Loss, Network, Node, Softmax  # noqa: E402
from derive.topics.networks.matrix_calculus import size  # noqa: E402
from derive.topics.networks.oracle import trial_sizes, verify_gradients  # noqa: E402


def build(n: object = None, m: object = None, k: object = None) -> Network:
    N, M, K = (n or size("N")), (m or size("M")), (k or size("K"))
    x = sp.MatrixSymbol("x", 1, N)
    W1, b1 = sp.MatrixSymbol("W_1", N, M), sp.MatrixSymbol("b_1", 1, M)
    W2, b2 = sp.MatrixSymbol("W_2", M, K), sp.MatrixSymbol("b_2", 1, K)
    nodes = [Node(sp.MatrixSymbol(name, 1, d), name)
             for name, d in (("f_1", M), ("a", M), ("f_2", K), ("o", K))]
    net = Network("row", Node(x, "x"))
    net.layers = [Dense(net.input, nodes[0], W1, b1, "row"),
                  Activation(nodes[0], nodes[1], "sigmoid"),
                  Dense(nodes[1], nodes[2], W2, b2, "row"),
                  Softmax(nodes[2], nodes[3], "row")]
    net.end = Loss(nodes[3], sp.MatrixSymbol("y", 1, K), "cross-entropy")
    return net


def derive_all(net: Network) -> dict[str, object]:
    """∂E/∂(x, W_1, b_1, W_2, b_2) by the block rules, as the net-gradient block does."""
    g, _ = loss_gradient(net)
    grads = {net.output.key: g}
    for layer in reversed(net.layers):
        grads[layer.inp.key], _ = back_through(net, layer, grads[layer.out.key])
    out = {"x": grads["x"].value}
    for p in net.params():
        out[p.name] = param_line(net, p, grads[net.owner(p).out.key]).after
    return out


def time_it(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        clear_cache()
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def explicit_baseline(n: int) -> float:
    """Seconds to differentiate the entry-by-entry loss once per weight (and x)."""
    def mat(name: str, r: int, c: int) -> sp.Matrix:
        return sp.Matrix(r, c, lambda i, j: sp.Symbol(f"{name}_{i}{j}", real=True))

    x, W1, b1, W2, b2 = mat("x", 1, n), mat("W1", n, n), mat("b1", 1, n), \
        mat("W2", n, n), mat("b2", 1, n)
    t = time.perf_counter()
    a = (x * W1 + b1).applyfunc(sigmoid)
    f2 = a * W2 + b2
    e = f2.applyfunc(sp.exp)
    o = e / sum(e)
    E = -sp.log(o[0])  # y = e_1
    for s in list(x) + list(W1) + list(b1) + list(W2) + list(b2):
        sp.diff(E, s)
    return time.perf_counter() - t


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} at start")
    net = build()
    t_derive = time_it(lambda: derive_all(net), 20)
    print(f"derivation, symbolic widths N, M, K: {t_derive * 1e3:.1f} ms (median of 20)")
    print()
    print(" width  derive+verify  (of which verify)  max rel. error   (median of 3 runs)")
    for w in (2, 8, 64, 1024):
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            clear_cache()
            grads = derive_all(net)
            t1 = time.perf_counter()
            golds = {k: numeric_gold(v) for k, v in grads.items()}
            errors = verify_gradients(net, golds, trial_sizes(net, (w, w, w)), salt=1)
            runs.append((time.perf_counter() - t0, time.perf_counter() - t1))
        total, verify = statistics.median(r[0] for r in runs), statistics.median(
            r[1] for r in runs)
        print(f"{w:6d}  {total:10.3f} s  {verify:13.3f} s  {max(errors.values()):16.1e}")
    print()
    print(" width  per-weight sympy.diff (baseline)")
    for n in (2, 4, 8):
        print(f"{n:6d}  {explicit_baseline(n):10.3f} s")


if __name__ == "__main__":
    main()
