"""The problem library beside the reference set: listed, in YAML only, each tested."""

from pathlib import Path

from testkit import ROOT, run_cli

LIBRARY = sorted(p.stem for p in (ROOT / "problems" / "library").glob("*.yaml"))


def test_at_least_fifteen_problems_are_listed_by_derive_list():
    assert len(LIBRARY) >= 15
    r = run_cli("list")
    assert r.returncode == 0, r.stderr
    listed = {ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()}
    assert set(LIBRARY) <= listed


def test_every_library_problem_has_a_test_with_a_set_variant():
    """Each id appears in a test module next to a --set variant (values computed there)."""
    tests = {p: p.read_text() for p in Path(ROOT / "tests").glob("test_*.py")
             if p.name != "test_library.py"}
    for pid in LIBRARY:
        owners = [t for t in tests.values() if f'"{pid}"' in t]
        assert owners, f"{pid}: no test solves it"
        assert any('=' in t.split(f'"{pid}"')[0][-400:] or "sets" in t for t in owners), pid
