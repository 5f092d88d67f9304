"""The ``derive`` program's own process: it ends without the interpreter's teardown
(``lifetime.exit_now``: same status as ``sys.exit``, every stream flushed, atexit handlers
run), and imports a command's modules with the GC paused, then frozen
(``lifetime.imports_frozen``; only in the program, never in a host process)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from testkit import ROOT, run_process


def _run(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", "import sys\n"
                           "from derive.core.lifetime import exit_now\n" + code],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**env, "PYTHONPATH": str(ROOT)})


def test_status_buffered_output_and_atexit_handlers_are_kept(tmp_path):
    r = _run("import atexit, tempfile, pathlib\n"
             f"d = tempfile.TemporaryDirectory(dir={str(tmp_path)!r})\n"
             "pathlib.Path(d.name, 'f').write_text('x')\n"
             "atexit.register(lambda: print('handler ran'))\n"
             "print('x' * 100000, end='')\n"
             "exit_now(3)")
    assert r.returncode == 3
    assert r.stdout == "x" * 100000 + "handler ran\n"
    assert list(tmp_path.iterdir()) == []  # the temporary directory's finalizer ran


def test_a_thread_that_is_not_a_daemon_is_waited_for():
    r = _run("import threading, time\n"
             "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done'))).start()\n"
             "exit_now(0)")
    assert (r.returncode, r.stdout) == (0, "thread done\n")


def test_statuses_are_those_sys_exit_gives():
    for code in ("None", "0", "2", "130", "256", "-1", "'derive: went wrong'"):
        now, plain = _run(f"exit_now({code})"), _run(f"sys.exit({code})")
        assert (now.returncode, now.stderr) == (plain.returncode, plain.stderr), code


def test_a_stdout_that_cannot_be_flushed_exits_as_python_does():
    # a buffered line, then standard output closed under it: the final flush fails
    code = "import os\nsys.stdout.write('x')\nos.close(1)\n"
    for status in (0, 3):
        now, plain = _run(code + f"exit_now({status})"), _run(code + f"sys.exit({status})")
        assert now.returncode == plain.returncode == 120


def test_the_program_keeps_its_exit_codes_and_messages(tmp_path):
    ok = run_process("list")
    assert ok.returncode == 0 and "gelu-descent" in ok.stdout
    bad = run_process("solve", "no-such-problem")
    assert bad.returncode == 2 and bad.stderr.startswith("derive: ")
    assert run_process("--help").returncode == 0
    assert run_process("no-such-command").returncode == 2


def test_imports_frozen_pauses_and_freezes_only_in_the_program():
    code = ("import gc\n"
            "from derive.core import lifetime\n"
            "seen = []\n"
            "with lifetime.imports_frozen():\n"
            "    seen.append(gc.isenabled())\n"
            "    import fractions\n"
            "host = (seen.pop(), gc.isenabled(), gc.get_freeze_count())\n"
            "lifetime.program_started()\n"
            "with lifetime.imports_frozen():\n"
            "    seen.append(gc.isenabled())\n"
            "    import decimal\n"
            "program = (seen.pop(), gc.isenabled(), gc.get_freeze_count() > 0)\n"
            "gc.disable()\n"
            "before = gc.get_freeze_count()\n"
            "with lifetime.imports_frozen():\n"
            "    import statistics\n"
            "paused = (gc.isenabled(), gc.get_freeze_count() == before)\n"
            "print(host, program, paused)\n")
    r = _run(code)
    assert r.returncode == 0, r.stderr
    # a host's GC is left alone; the program's is paused while importing, then frozen
    # and running again; a GC the program paused itself stays paused, nothing frozen
    assert r.stdout.strip() == "(True, True, 0) (False, True, True) (False, True)"


def _in_program_and_host(probe: str) -> tuple[Any, Any]:
    """``probe`` (with ``{start}`` where the program would declare itself) run as the
    ``derive`` program and as a host process that only imports derive."""
    return (_run(probe.format(start="lifetime.program_started()\n")),
            _run(probe.format(start="")))


def test_deriving_commands_import_the_maths_frozen_and_hosts_do_not():
    """``import_maths``: in the program, what SymPy, NumPy and derive's core made while
    being imported is frozen and the GC is on again; in a host process nothing is."""
    probe = ("import gc\n"
             "from derive.core import lifetime\n"
             "{start}"
             "lifetime.import_maths()\n"
             "import sympy\n"
             "print(gc.isenabled(), gc.get_freeze_count() > 100000)\n")
    program, host = _in_program_and_host(probe)
    assert program.stdout.split() == ["True", "True"], program.stderr
    assert host.stdout.split() == ["True", "False"], host.stderr


def test_the_program_loads_sympys_tensor_module_only_when_a_tensor_is_used():
    """``tensor_stand_in``: in the program, deriving (whose sums ask SymPy's ``Add``
    whether a term is a tensor) leaves the tensor module and the permutation groups
    unloaded; asking for a tensor loads the real module, and tensors then add, print
    and answer instance checks as without the stand-in. A host process is left alone."""
    probe = ("import sys\n"
             "from derive.core import lifetime\n"
             "{start}"
             "import derive\n"
             "derive.load('gelu-descent').solve()\n"
             "loaded = 'sympy.combinatorics' in sys.modules\n"
             "from sympy.tensor.tensor import TensorIndexType, TensorHead, tensor_indices\n"
             "import sympy.tensor.tensor as real\n"
             "L = TensorIndexType('L')\n"
             "i = tensor_indices('i', L)\n"
             "A, B = TensorHead('A', [L]), TensorHead('B', [L])\n"
             "s = A(i) + B(i) + A(i)\n"
             "from derive.core import tensor_stand_in as t\n"
             "print(loaded, type(s).__name__, s, isinstance(s, t.TensExpr),\n"
             "      isinstance(s, real.TensAdd), type(real).__name__)\n")
    program, host = _in_program_and_host(probe)
    assert program.returncode == 0, program.stderr
    assert host.returncode == 0, host.stderr
    after = "TensAdd 2*A(i) + B(i) True True module"
    assert program.stdout.strip() == f"False {after}"
    assert host.stdout.strip() == f"True {after}"
