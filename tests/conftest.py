"""Shared fixtures: golden files (``pytest --update-goldens`` rewrites them) and ``solved``
(each problem solved once per test run, see solvekit.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed set of examples (reproducible); locally they
# explore new examples on every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The result cache (derive.core.result_cache) is off for every test and the commands
# they start: tests break the maths on purpose, which its key (the files) cannot see.
# tests/test_result_cache.py turns it on in a folder of its own.
os.environ["DERIVE_CACHE"] = "off"

#: `-n auto` (pyproject's addopts) asks pytest_xdist_auto_num_workers how many workers
WORKERS = 2
#: workers only while the other jobs leave at least this much of a core free
SPARE_CORE = 0.5


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Two workers (pytest-xdist, whole files each: module fixtures run once) for the whole
    suite when the machine has cores to spare, else none: the tests run in this process.

    Measured on the shared 2-core machine: at a load average of about 6, two workers took
    as long as one process or longer (385 s and 461 s against 404 s) and a quarter more CPU
    (each worker imports and solves for itself); at a load of 1.1 they took 77 s against
    131 s in one process. A run of a few named files would give one worker all of a file.
    ``-n 0`` or ``-n 2`` on the command line decides instead.
    """
    whole_suite = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    cores = os.cpu_count() or 1
    spare = os.getloadavg()[0] <= cores - SPARE_CORE
    return WORKERS if whole_suite and spare and cores >= WORKERS else 0


GOLDEN = Path(__file__).parent / "golden"
OUTPUT = Path(__file__).parent.parent / "test_output"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite tests/golden/* from the current output")


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """golden(name, text): compare with tests/golden/name (or rewrite it)."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if not update:
                pytest.fail(f"golden {name} did not exist; written, check it and rerun")
            return
        want = path.read_text(encoding="utf-8")
        if text != want:
            OUTPUT.mkdir(exist_ok=True)
            (OUTPUT / name).write_text(text, encoding="utf-8")
            pytest.fail(f"{name} differs from its golden; new output in test_output/{name} "
                        "(pytest --update-goldens accepts it)")

    return check


@pytest.fixture(scope="session")
def solved():
    """solved(pid, **givens): the verified solution of a problem with these given
    overrides, solved once per test run and shared (``solvekit.solution``; read its
    docstring: a test must not change it)."""
    from solvekit import solution

    return solution
