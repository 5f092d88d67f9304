"""A number answer's ``latex`` in ``derive solve --format json`` (also assign's key) is
what the sheet boxes, read back by hand here: a short decimal, a small fraction, or
m × 10^{e}, equal to the answer's float to the 6 significant digits shown; never a
fraction of hundreds of digits (``--set eta=1e-300`` gave one)."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest
from testkit import run_cli

_FRAC = re.compile(r"(-?)\\frac\{(\d+)\}\{(\d+)\}")


def _read(tex: str) -> float:
    """The number a reader sees in ``tex`` (this test's own reading, not derive's)."""
    if m := _FRAC.fullmatch(tex):
        return float((-1 if m[1] else 1) * Fraction(int(m[2]), int(m[3])))
    if m := re.fullmatch(r"(-?)10\^\{(-?\d+)\}", tex):
        return (-1.0 if m[1] else 1.0) * 10.0 ** int(m[2])
    if m := re.fullmatch(r"(-?[\d.]+) \\times 10\^\{(-?\d+)\}", tex):
        return float(m[1]) * 10.0 ** int(m[2])
    assert re.fullmatch(r"-?\d+(\.\d+)?", tex), tex
    return float(tex)


def _numbers(*args: str) -> dict[str, dict]:
    r = run_cli("solve", *args, "--format", "json", "--no-cache")
    assert r.returncode == 0, r.stderr
    return {k: a for k, a in json.loads(r.stdout)["answers"].items() if a["kind"] == "number"}


@pytest.mark.parametrize("args", [
    ("gelu-descent", "--set", "eta=1e-300"),
    ("leaky-unit-descent",),  # terminating decimals of 10 digits were \frac{697540921}{…}
    ("momentum-two-conventions",),
    ("nesterov-lookahead",),
    ("mlp-forward-backward",),
    ("loss-gradients",),
])
def test_number_latex_reads_back_as_its_value(args: tuple[str, ...]) -> None:
    numbers = _numbers(*args)
    assert numbers
    for aid, a in numbers.items():
        assert len(a["latex"]) <= 24, (aid, a["latex"])
        shown, value = _read(a["latex"]), a["value"]
        assert shown == pytest.approx(value, rel=5e-6, abs=0), (aid, a["latex"], value)


def test_tiny_iterate_as_a_power_of_ten() -> None:
    x1 = _numbers("gelu-descent", "--set", "eta=1e-300")["a.x1"]
    # x1 = x0 - eta * g0 with x0 = 0 and GELU'(0) = 1/2: -5e-301, by hand
    assert x1["value"] == pytest.approx(-5e-301, rel=1e-12)
    assert x1["latex"] == r"-5 \times 10^{-301}"
