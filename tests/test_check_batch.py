"""Batches: worker processes, a wall-clock limit per answer, a memory limit, crashes,
deterministic order. A stand-in judge misbehaves on purpose (workers are forked, so
they run the patched function)."""

import os
import random
import time

import pytest
from checkkit import SPECS

import derive.check.mark.marking as marking
from derive.check.mark.batch import BatchOptions, run_batch
from derive.check.report.formats import report_dict

real_judge = marking.judge


def misbehaving(gold, spec, text, config):
    if text == "HANG":
        time.sleep(600)
    if text == "HOG":
        blocks = []
        while True:                        # until the worker's memory limit stops it
            blocks.append(bytearray(50 * 2**20))
    if text == "CRASH":
        os._exit(3)
    if text.startswith("SLEEP"):
        time.sleep(float(text[5:]))
        text = "0.7"
    return real_judge(gold, spec, text, config)


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVE_PROBLEMS", str(SPECS))
    monkeypatch.setattr(marking, "judge", misbehaving)

    def write(name, **answers):
        body = "".join(f"    {k}: '{v}'\n" for k, v in answers.items())
        p = tmp_path / name
        p.write_text(f"answers:\n  check-unit:\n{body}")
        return str(p)

    return write


def verdicts(marked):
    return {r.answer: r.verdict for r in marked.results if r.verdict != "missing"}


def test_an_answer_that_hangs_is_unparsable_and_the_rest_is_marked(files):
    hang = files("hang.yaml", **{"a.z": "0.7", "a.yhat": "HANG", "b.mse": "0.0551"})
    ok = files("ok.yaml", **{"a.z": "0.7"})
    t = time.monotonic()
    out = run_batch([hang, ok], BatchOptions(jobs=2, answer_seconds=1))
    assert time.monotonic() - t < 60
    assert verdicts(out[0]) == {"a.z": "correct", "a.yhat": "unparsable", "b.mse": "correct"}
    yhat = next(r for r in out[0].results if r.answer == "a.yhat")
    assert yhat.feedback == "could not be read: took longer than 1 s"
    assert verdicts(out[1]) == {"a.z": "correct"}


def test_an_answer_that_eats_memory_is_stopped_by_the_limit(files):
    hog = files("hog.yaml", **{"a.z": "HOG", "a.yhat": "0.668"})
    t = time.monotonic()
    out = run_batch([hog], BatchOptions(jobs=1, memory_mb=300, answer_seconds=30))
    assert time.monotonic() - t < 60
    assert verdicts(out[0]) == {"a.z": "unparsable", "a.yhat": "correct"}
    z = next(r for r in out[0].results if r.answer == "a.z")
    assert "memory" in z.feedback


def test_an_answer_that_crashes_the_worker_costs_only_itself(files):
    crash = files("crash.yaml", **{"a.z": "CRASH", "a.yhat": "0.668"})
    ok = files("ok.yaml", **{"a.z": "0.7"})
    out = run_batch([crash, ok], BatchOptions(jobs=1))
    assert verdicts(out[0]) == {"a.z": "unparsable", "a.yhat": "correct"}
    assert next(r for r in out[0].results if r.answer == "a.z").feedback == \
        "could not be read: crashed the marker"
    assert verdicts(out[1]) == {"a.z": "correct"}


def test_a_file_that_crashes_the_worker_is_reported_and_the_others_are_marked(
        files, monkeypatch):
    real_read = marking.read_answer_file

    def read(path, max_bytes):
        if path.endswith("bomb.yaml"):
            os._exit(9)
        return real_read(path, max_bytes)

    monkeypatch.setattr(marking, "read_answer_file", read)
    paths = [files("a.yaml", **{"a.z": "0.7"}), files("bomb.yaml", **{"a.z": "0.7"}),
             files("c.yaml", **{"a.z": "0.6"})]
    out = run_batch(paths, BatchOptions(jobs=2))
    assert [m.file for m in out] == paths
    assert out[1].error == f"{paths[1]}: reading the file crashed the marker"
    assert verdicts(out[0]) == {"a.z": "correct"}
    assert verdicts(out[2]) == {"a.z": "incorrect"}


def test_output_order_does_not_depend_on_worker_timing(files):
    rng = random.Random(7)
    paths = [files(f"s{i:02d}.yaml", **{"a.z": f"SLEEP{rng.random() * 0.3:.2f}",
                                        "a.yhat": f"0.{rng.randint(60, 70)}"})
             for i in range(12)]
    one = report_dict(run_batch(paths, BatchOptions(jobs=1)))
    three = report_dict(run_batch(paths, BatchOptions(jobs=3)))
    assert one == three
    assert [s["file"] for s in one["submissions"]] == paths
