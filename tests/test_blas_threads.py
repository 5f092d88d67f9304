"""The ``derive`` program starts OpenBLAS with one thread unless the user chose a count."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from testkit import ROOT

from derive.core.blas import one_thread_unless_chosen


@pytest.mark.parametrize(("environ", "after"), [
    ({}, {"OPENBLAS_NUM_THREADS": "1"}),
    ({"OPENBLAS_NUM_THREADS": ""}, {"OPENBLAS_NUM_THREADS": "1"}),
    ({"OPENBLAS_NUM_THREADS": "3"}, {"OPENBLAS_NUM_THREADS": "3"}),
    ({"GOTO_NUM_THREADS": "2"}, {"GOTO_NUM_THREADS": "2"}),
    ({"OMP_NUM_THREADS": "4"}, {"OMP_NUM_THREADS": "4"}),
])
def test_one_thread_unless_a_count_is_chosen(environ, after):
    one_thread_unless_chosen(environ)
    assert environ == after


def _program_sees(extra: dict[str, str]) -> str:
    """What the program's own environment holds once it ran (``derive --help``), and
    whether NumPy was imported by then (it must not be, or the setting came too late)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
    code = ("import atexit, os, sys\n"
            "from derive import cli\n"
            "atexit.register(lambda: print(os.environ.get('OPENBLAS_NUM_THREADS'), "
            "'numpy' in sys.modules))\n"
            "sys.argv = ['derive', '--help']\n"
            "cli.main()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT, timeout=120, env={**env, "PYTHONPATH": str(ROOT), **extra})
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()[-1]


def test_the_program_sets_it_before_numpy_and_keeps_the_users_choice():
    assert _program_sees({}) == "1 False"
    assert _program_sees({"OMP_NUM_THREADS": "2"}) == "None False"
    assert _program_sees({"OPENBLAS_NUM_THREADS": "2"}) == "2 False"
