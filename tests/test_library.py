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


def test_the_network_blocks_on_a_batch_and_their_penalties_have_library_problems():
    """Issue 10 item 4: a batch inside the net-* blocks and L1/L2 penalties as part of the
    network loss, each used by a shipped library problem."""
    from derive.core.safe_yaml import load_bounded_yaml

    uses: dict[str, set[str]] = {}
    for pid in ("mlp-batch-mse", "ridge-logistic-batch", "softmax-mlp-weight-decay"):
        assert pid in LIBRARY
        spec = load_bounded_yaml((ROOT / "problems" / "library" / f"{pid}.yaml").read_text())
        calls = [c for part in spec["parts"].values() for c in part["derive"]]
        uses[pid] = {k for c in calls for k in c if k in ("batch", "over_batch", "penalty")}
    assert all("batch" in u and "over_batch" in u for u in uses.values())
    assert {"penalty"} <= uses["ridge-logistic-batch"] & uses["softmax-mlp-weight-decay"]


def test_piecewise_written_out_in_a_spec_has_a_library_problem():
    """Issue 10 item 2: cases written directly as Piecewise((value, condition), …), its
    derivative asked at points on both sides of a kink, and a descent step through it."""
    from derive.core.safe_yaml import load_bounded_yaml

    assert "piecewise-by-cases" in LIBRARY
    spec = load_bounded_yaml((ROOT / "problems" / "library" /
                              "piecewise-by-cases.yaml").read_text())
    assert any(str(e).startswith("Piecewise((") for e in spec["define"].values())
    calls = [c for part in spec["parts"].values() for c in part["derive"]]
    assert any(c["use"] == "derivative" and len(c.get("at", [])) >= 2 for c in calls)
    assert any(c["use"] in ("optimize", "descent") for c in calls)
