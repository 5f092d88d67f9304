"""The result cache (derive.core.result_cache): a hit prints exactly what deriving prints,
anything changed or untrustworthy is a miss, and it is never used when turned off.

conftest turns the cache off for the suite; these tests turn it on in a folder of their own
and run the commands in this process (Click's runner)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from derive.cli import cli
from derive.core import result_cache

PROBLEM = "conv-valid"  # a problem that solves in milliseconds


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVE_CACHE", "on")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "derive"


def run(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/*.json"))


def no_deriving(monkeypatch):
    """Make any derivation fail loudly: output after this came from the cache."""
    import derive.core.spec as spec

    def refuse(*a, **k):
        raise AssertionError("derived although the result was cached")

    monkeypatch.setattr(spec, "load_problem", refuse)


def test_solve_hit_prints_exactly_what_deriving_printed(cache_home, monkeypatch):
    cold = run("solve", PROBLEM, "--no-cache")
    assert not cache_home.exists() or not entries(cache_home)
    first = run("solve", PROBLEM)
    assert first == cold
    assert len(entries(cache_home)) == 1
    no_deriving(monkeypatch)
    assert run("solve", PROBLEM) == cold
    for fmt in ("json", "latex"):  # another format is another key: derived, not reused
        with pytest.raises(AssertionError, match="derived although"):
            run("solve", PROBLEM, "--format", fmt)


def test_off_means_neither_read_nor_written(cache_home, monkeypatch):
    run("solve", PROBLEM)
    no_deriving(monkeypatch)
    monkeypatch.setenv("DERIVE_CACHE", "off")
    with pytest.raises(AssertionError, match="derived although"):
        run("solve", PROBLEM)
    monkeypatch.setenv("DERIVE_CACHE", "on")
    with pytest.raises(AssertionError, match="derived although"):
        run("solve", PROBLEM, "--no-cache")
    assert len(entries(cache_home)) == 1


def test_changed_spec_or_overrides_is_a_miss(cache_home, tmp_path):
    spec = tmp_path / f"{PROBLEM}.yaml"
    shutil.copy(Path(__file__).parent.parent / "problems" / f"{PROBLEM}.yaml", spec)
    before = run("solve", str(spec))
    text = spec.read_text()
    spec.write_text(text + "\n# a comment changes the bytes, not the maths\n")
    assert run("solve", str(spec)) == before
    assert len(entries(cache_home)) == 2
    other = run("solve", str(spec), "--set", "filters=3")
    assert other != before
    assert len(entries(cache_home)) == 3


@pytest.mark.parametrize("garbage", [b"", b"\x00\xff not json", b'{"format": 1}',
                                     b"[1, 2, 3]", b'"a string, not an entry"'])
def test_a_corrupt_entry_is_rebuilt(cache_home, garbage):
    cold = run("solve", PROBLEM)
    (entry,) = entries(cache_home)
    entry.write_bytes(garbage)
    assert run("solve", PROBLEM) == cold
    assert json.loads(entry.read_text())["value"] == cold


def test_an_entry_under_another_key_is_not_believed(cache_home):
    cold = run("solve", PROBLEM)
    (entry,) = entries(cache_home)
    data = json.loads(entry.read_text())
    data["key"] = "0" * 64
    data["value"] = "forged\n"
    entry.write_text(json.dumps(data))
    assert run("solve", PROBLEM) == cold


def test_a_folder_others_may_write_is_not_used(cache_home, monkeypatch):
    run("solve", PROBLEM)
    os.chmod(cache_home, 0o777)
    try:
        assert result_cache.cache_dir() is None
        no_deriving(monkeypatch)
        with pytest.raises(AssertionError, match="derived although"):
            run("solve", PROBLEM)
    finally:
        os.chmod(cache_home, 0o700)


def test_entries_are_private(cache_home):
    run("solve", PROBLEM)
    (entry,) = entries(cache_home)
    assert cache_home.stat().st_mode & 0o777 == 0o700
    assert entry.stat().st_mode & 0o777 == 0o600


def test_verify_and_sheet_hits_equal_their_cold_output(cache_home, tmp_path, monkeypatch):
    problems = [PROBLEM, "conv-layer-shapes"]
    cold_verify = run("verify", *problems, "--no-cache")
    run("sheet", *problems, "-o", str(tmp_path / "cold.tex"), "--no-cache")
    assert run("verify", *problems) == cold_verify
    run("sheet", *problems, "-o", str(tmp_path / "first.tex"))
    no_deriving(monkeypatch)
    assert run("verify", *problems) == cold_verify
    run("sheet", *problems, "-o", str(tmp_path / "warm.tex"))
    cold = (tmp_path / "cold.tex").read_text()
    assert (tmp_path / "first.tex").read_text() == cold
    assert (tmp_path / "warm.tex").read_text() == cold


def test_a_cold_sheet_leaves_verify_warm(cache_home, tmp_path, monkeypatch):
    problems = [PROBLEM, "softmax-shift"]
    cold = {v: run("verify", *problems, *v, "--no-cache") for v in ((), ("-v",))}
    run("sheet", *problems, "-o", str(tmp_path / "s.tex"))
    no_deriving(monkeypatch)  # verify now prints what the sheet's checks left
    for v, text in cold.items():
        assert run("verify", *problems, *v) == text
    with pytest.raises(AssertionError, match="derived although"):
        run("verify", "conv-layer-shapes")  # a problem the sheet did not show


def test_a_code_change_changes_every_key(cache_home, monkeypatch):
    spec = Path(__file__).parent.parent / "problems" / f"{PROBLEM}.yaml"
    before = result_cache.key("solve", spec)
    monkeypatch.setattr(result_cache, "code_fingerprint", lambda: "other code")
    assert result_cache.key("solve", spec) != before


def test_a_failed_verification_is_not_kept(cache_home, monkeypatch):
    from derive.core import verify

    real = verify.run_checks

    def failing(s):
        return tuple(dataclasses.replace(r, ok=False) for r in real(s))

    monkeypatch.setattr(verify, "run_checks", failing)
    r = CliRunner().invoke(cli, ["verify", PROBLEM])
    assert r.exit_code == 1 and "FAIL" in r.stdout
    assert not cache_home.exists() or not entries(cache_home)


def test_entries_unused_for_a_month_are_pruned(cache_home):
    run("solve", PROBLEM)
    run("solve", "conv-layer-shapes")
    old, new = entries(cache_home)
    month = result_cache.UNUSED_SECONDS
    os.utime(old, (0, 1_000_000))
    assert result_cache.prune(cache_home, now=1_000_000 + month + 1) == 1
    assert entries(cache_home) == [new]


def test_a_spec_too_large_to_load_is_not_read_for_a_key(cache_home, tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (result_cache.MAX_SPEC_BYTES + 1))
    assert result_cache.key("solve", big) is None
    r = CliRunner().invoke(cli, ["solve", str(big)])
    assert r.exit_code == 2 and "larger than" in r.output
