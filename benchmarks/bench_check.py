"""Benchmark of ``derive check``: answers marked per second for a class-sized batch.

Generates a class of answer files for gelu-descent (35 answers each) with realistic
variation: right answers rounded to 3–6 significant figures, answers rounded too
coarsely, wrong ones and sign slips, follow-through chains (a wrong x2 and everything
after it computed from it), the averaged momentum convention, missing answers. The
values come from plain float math here, not from derive.

With ``--mixed``, the class is made of the five real transcribed student sheets
(tests/data/student-sheets: 12 problems, numbers, expressions, matrices, matrix
expressions, shapes, designs) copied to --files files, each number perturbed at random
in a third of the copies, so that most answers are not repeats.

Then marks the batch twice with the worker pool: cold (no judgement cache) and with
the cache of repeated normalised answers. Run on demand (not a test):

    python benchmarks/bench_check.py [--files 300] [--jobs 2] [--mixed]
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from derive.check.mark.batch import BatchOptions, default_jobs, run_batch  # noqa: E402

ALPHA = 1.702
DERIVATIVES = [
    r"\sigma(1.702x)\left[1 + 1.702x\left(1 - \sigma(1.702x)\right)\right]",
    r"\sigma(1.702 x) + 1.702 x \sigma(1.702 x)(1 - \sigma(1.702 x))",
    r"\sigma(\alpha x)(1 + \alpha x (1 - \sigma(\alpha x)))",
    r"x \sigma(1.702x)",
]


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def f(x: float) -> float:
    return x * sigmoid(ALPHA * x)


def fprime(x: float) -> float:
    s = sigmoid(ALPHA * x)
    return s * (1 + ALPHA * x * (1 - s))


def descent(x0: float, eta: float, *, beta: float | None = None, averaged: bool = False,
            wrong_x2: float | None = None) -> dict[str, list[float]]:
    x, v = x0, 0.0
    out: dict[str, list[float]] = {"g": [], "x": [], "f": [], "v": []}
    for t in range(3):
        g = fprime(x)
        if beta is None:
            x = x - eta * g
        else:
            v = beta * v + ((1 - beta) * g if averaged else g)
            x = x - eta * v
        if t == 1 and wrong_x2 is not None:
            x = wrong_x2
        out["g"].append(g)
        out["v"].append(v)
        out["x"].append(x)
        out["f"].append(f(x))
    return out


def written(v: float, rng: random.Random) -> str:
    """How a student writes a number: mostly right, sometimes not."""
    r = rng.random()
    if r < 0.07:
        return ""                                        # missing
    if r < 0.13:
        return f"{v:.1g}"                                # rounded too coarsely
    if r < 0.17:
        return f"{-v:.4g}"                               # sign slip
    if r < 0.21:
        return f"{v * rng.uniform(1.2, 2):.4g}"          # wrong
    digits = rng.choice([3, 4, 4, 5, 6])
    return f"{v:.{digits}g}"


def student(i: int, rng: random.Random) -> str:
    a_wrong = rng.random() < 0.2
    right = descent(0, 0.1)
    a = descent(0, 0.1, wrong_x2=right["x"][1] + rng.uniform(0.004, 0.02) if a_wrong else None)
    b = descent(0, 1)
    gd = descent(-3, 0.1)
    mom = descent(-3, 0.1, beta=0.9, averaged=rng.random() < 0.15)
    answers: dict[str, str] = {"a.derivative": rng.choice(DERIVATIVES)}
    for part, d in (("a", a), ("b", b)):
        for t in range(3):
            answers[f"{part}.g{t}"] = written(d["g"][t], rng)
            answers[f"{part}.x{t + 1}"] = written(d["x"][t], rng)
            answers[f"{part}.f{t + 1}"] = written(d["f"][t], rng)
    if a_wrong:  # the wrong x2 written as computed, the rest followed through
        answers["a.x2"] = f"{a['x'][1]:.4f}"
    for t in range(3):
        answers[f"c.gd.x{t + 1}"] = written(gd["x"][t], rng)
        answers[f"c.gd.f{t + 1}"] = written(gd["f"][t], rng)
        answers[f"c.mom.v{t + 1}"] = written(mom["v"][t], rng)
        answers[f"c.mom.x{t + 1}"] = written(mom["x"][t], rng)
        answers[f"c.mom.f{t + 1}"] = written(mom["f"][t], rng)
    answers["c.faster"] = "momentum" if rng.random() < 0.85 else "gd"
    body = "".join(f"    {k}: '{v}'\n" for k, v in answers.items())
    return f"student: s{i:03d}\nanswers:\n  gelu-descent:\n{body}"


SHEETS = Path(__file__).resolve().parent.parent / "tests" / "data" / "student-sheets"
_NUMBER = re.compile(r"(?<![_^{a-zA-Z])(\d+\.\d+)")


def mixed_student(i: int, rng: random.Random) -> str:
    """A copy of one of the real sheets, its decimals perturbed in a third of the copies."""
    sheets = sorted(p for p in SHEETS.glob("*.yaml") if not p.name.endswith(".expected.yaml"))
    text = sheets[i % len(sheets)].read_text()
    if rng.random() < 1 / 3:
        text = _NUMBER.sub(lambda m: f"{float(m.group(1)) * rng.uniform(0.9, 1.1):.4g}", text)
    return re.sub(r"^student: .*$", f"student: s{i:03d}", text, count=1, flags=re.M)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=default_jobs())
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--mixed", action="store_true",
                    help="copies of the five real student sheets (12 problems, all kinds)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        paths = []
        for i in range(args.files):
            p = Path(tmp) / f"s{i:03d}.yaml"
            p.write_text(mixed_student(i, rng) if args.mixed else student(i, rng))
            paths.append(str(p))
        what = "copies of the real student sheets" if args.mixed else "× 35 answers (gelu-descent)"
        print(f"{args.files} answer files {what}, {args.jobs} workers")
        for label, cache in (("cold (no judgement cache)", False),
                             ("cached (repeated normalised answers)", True)):
            done: list[float] = []
            t = time.perf_counter()
            marked = run_batch(paths, BatchOptions(jobs=args.jobs, cache=cache),
                               on_done=lambda i, m, done=done: done.append(time.perf_counter()))
            dt = time.perf_counter() - t
            n = sum(len(m.results) for m in marked)
            given = sum(1 for m in marked for r in m.results if r.verdict != "missing")
            counts = Counter(r.verdict for m in marked for r in m.results)
            # after the first file of each worker: the problem is solved, workers warm
            warm = sorted(done)[args.jobs:]
            rate = (len(warm) - 1) * n / len(marked) / (warm[-1] - warm[0]) if len(warm) > 1 \
                else float("nan")
            print(f"  {label}: {n} answers ({given} given) in {dt:.1f} s = "
                  f"{n / dt:.0f} answers/s overall (start-up and solving included), "
                  f"{rate:.0f} answers/s once warm")
        print("  verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        print("  diagnoses: " + ", ".join(
            f"{k} {v}" for k, v in Counter(r.diagnosis for m in marked for r in m.results
                                           if r.diagnosis).most_common()))


if __name__ == "__main__":
    main()
