"""Follow-through along a chain of shapes (``architecture``): a wrong early shape, and every
later layer computed right from it, as the spec's ``depends:`` declare (QA: marker finding
4, instructor finding 3). Expected shapes and counts come from the textbook formulas
written out here, ⌊(n + 2p − k)/s⌋ + 1 and (k·k·D + 1)·F, never from derive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from checkkit import make_marker, mark, run_cli

from derive.check.mark.marking import Marker

CNN = "cnn-architecture"
SMALL = "small-cnn"
SHAPE_SPECS = Path(__file__).resolve().parent / "data" / "check-shapes"

# cnn-architecture's givens (problems/cnn-architecture.yaml)
SIZE, DEPTH, FILTERS1, K1, S1 = 21, 3, 6, 5, 2
POOL, POOL_STRIDE, FILTERS2, K2, UNITS = 3, 2, 10, 3, 10


def out(n: int, k: int, s: int = 1, p: int = 0) -> int:
    """Output size of a sliding window: ⌊(n + 2p − k)/s⌋ + 1."""
    return (n + 2 * p - k) // s + 1


def same(n: int, s: int) -> int:
    """'same' padding keeps ⌈n/s⌉ outputs."""
    return -(-n // s)


def conv_params(k: int, depth: int, filters: int) -> int:
    return (k * k * depth + 1) * filters


def dense_params(n_in: int, units: int) -> int:
    return n_in * units + units


def times(*dims: int) -> str:
    return " \\times ".join(str(d) for d in dims)


def chain_from_conv1(c1: int) -> dict[str, str]:
    """Every later answer computed right from the student's conv1 c1 × c1 × 6."""
    p = out(c1, POOL, POOL_STRIDE)
    c2 = same(p, 1)
    flat = c2 * c2 * FILTERS2
    return {"conv1.shape": times(c1, c1, FILTERS1), "pool.shape": times(p, p, FILTERS1),
            "conv2.shape": times(c2, c2, FILTERS2), "flatten.shape": str(flat),
            "dense.params": str(dense_params(flat, UNITS))}


@pytest.fixture(scope="module")
def marker():
    return make_marker()


@pytest.fixture(scope="module")
def small_marker():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DERIVE_PROBLEMS", str(SHAPE_SPECS))
        return Marker()


def verdicts(r, pid: str) -> dict[str, str]:
    return {a: res.verdict for (p, a), res in r.items() if p == pid
            and res.verdict != "missing"}


def test_right_answers_stay_correct(marker):
    c1 = out(SIZE, K1, S1)
    p = out(c1, POOL, POOL_STRIDE)
    flat = p * p * FILTERS2
    params = [conv_params(K1, DEPTH, FILTERS1), 0, conv_params(K2, FILTERS1, FILTERS2), 0,
              dense_params(flat, UNITS)]
    answers = {"conv1.shape": times(c1, c1, FILTERS1), "conv1.params": str(params[0]),
               "pool.shape": times(p, p, FILTERS1), "pool.params": "0",
               "conv2.shape": times(p, p, FILTERS2), "conv2.params": str(params[2]),
               "flatten.shape": f"{flat} \\times 1", "flatten.params": "0",
               "dense.shape": str(UNITS), "dense.params": str(params[4]),
               "total.params": str(sum(params))}
    r = mark(marker, {CNN: answers})
    assert verdicts(r, CNN) == dict.fromkeys(answers, "correct")


@pytest.mark.parametrize("c1", [7, 8, 11, out(SIZE, K1, 1)])  # 8: forgot the +1; 17: stride 1
def test_every_layer_follows_from_a_wrong_conv1(marker, c1):
    assert c1 != out(SIZE, K1, S1)
    answers = chain_from_conv1(c1)
    r = mark(marker, {CNN: answers})
    assert verdicts(r, CNN) == {"conv1.shape": "incorrect", "pool.shape": "follow-through",
                                "conv2.shape": "follow-through",
                                "flatten.shape": "follow-through",
                                "dense.params": "follow-through"}
    right_pool = out(out(SIZE, K1, S1), POOL, POOL_STRIDE)
    assert r[CNN, "pool.shape"].feedback == (
        f"correct from your conv1.shape = {answers['conv1.shape']} (the answer is "
        f"{right_pool} × {right_pool} × {FILTERS1})")
    assert r[CNN, "dense.params"].feedback.startswith(
        f"correct from your flatten.shape = {answers['flatten.shape']} ")


def test_a_count_follows_from_a_wrong_flatten_size(marker):
    r = mark(marker, {CNN: {"flatten.shape": "150",
                            "dense.params": str(dense_params(150, UNITS))}})
    assert r[CNN, "flatten.shape"].verdict == "incorrect"
    assert r[CNN, "dense.params"].verdict == "follow-through"


def test_a_flat_size_written_with_a_trailing_one_is_followed(marker):
    """90 × 1 is read as the flat 90 (as the judge reads 160 × 1), and pinned so."""
    r = mark(marker, {CNN: {"conv2.shape": times(3, 3, FILTERS2),
                            "flatten.shape": f"{3 * 3 * FILTERS2} \\times 1",
                            "dense.params": str(dense_params(3 * 3 * FILTERS2, UNITS))}})
    assert r[CNN, "conv2.shape"].verdict == "incorrect"
    assert r[CNN, "flatten.shape"].verdict == "follow-through"
    assert r[CNN, "dense.params"].verdict == "follow-through"


def test_later_answers_that_do_not_follow_stay_incorrect(marker):
    c1 = 7
    wrong_pool = out(c1, POOL, POOL_STRIDE) - 1  # neither from 7 × 7 × 6 nor the right one
    assert wrong_pool != out(out(SIZE, K1, S1), POOL, POOL_STRIDE)
    flat = wrong_pool * wrong_pool * FILTERS2
    r = mark(marker, {CNN: {"conv1.shape": times(c1, c1, FILTERS1),
                            "pool.shape": times(wrong_pool, wrong_pool, FILTERS1),
                            "conv2.shape": times(wrong_pool, wrong_pool, FILTERS2),
                            "flatten.shape": str(flat + 1),   # off by one from their own
                            "dense.params": str(flat * UNITS)}})  # the bias left out
    assert verdicts(r, CNN) == {"conv1.shape": "incorrect", "pool.shape": "incorrect",
                                "conv2.shape": "follow-through", "flatten.shape": "incorrect",
                                "dense.params": "incorrect"}


def test_a_wrong_pool_the_rest_follows_and_a_total_not_from_own_counts_does_not(marker):
    """The QA file ft-pool: conv1 right, pool 3 × 3 × 6 wrong; the total 2610 is the
    student's 450 plus the *right* dense count, not their own 910: incorrect."""
    c1 = out(SIZE, K1, S1)
    own = [450, 0, conv_params(K2, FILTERS1, FILTERS2), 0, dense_params(90, UNITS)]
    total = 450 + conv_params(K2, FILTERS1, FILTERS2) + dense_params(160, UNITS)
    assert total != sum(own)
    r = mark(marker, {CNN: {"conv1.shape": times(c1, c1, FILTERS1), "conv1.params": "450",
                            "pool.shape": times(3, 3, FILTERS1), "pool.params": "0",
                            "conv2.shape": times(3, 3, FILTERS2), "conv2.params": str(own[2]),
                            "flatten.shape": "90", "flatten.params": "0",
                            "dense.shape": str(UNITS), "dense.params": str(own[4]),
                            "total.params": str(total)}})
    v = verdicts(r, CNN)
    assert v["pool.shape"] == "incorrect"
    assert v["conv2.shape"] == v["flatten.shape"] == v["dense.params"] == "follow-through"
    assert v["total.params"] == "incorrect"
    r = mark(marker, {CNN: {"conv1.params": "450", "pool.params": "0",
                            "conv2.params": str(own[2]), "flatten.params": "0",
                            "dense.params": str(own[4]), "flatten.shape": "90",
                            "total.params": str(sum(own))}})
    assert r[CNN, "total.params"].verdict == "follow-through"


def test_a_shape_the_method_cannot_continue_from_leaves_other_follow_through(marker):
    """A 2 × 2 map that the 3 × 3 pooling window does not fit: nothing follows from it, but
    the total from the student's own conv1 count still does (each answer is then re-derived
    from its own earlier answers alone)."""
    assert 2 < POOL
    params = [450, 0, conv_params(K2, FILTERS1, FILTERS2), 0, dense_params(160, UNITS)]
    r = mark(marker, {CNN: {"conv1.shape": times(2, 2, FILTERS1),
                            "pool.shape": times(1, 1, FILTERS1), "conv1.params": "450",
                            "pool.params": "0", "conv2.params": str(params[2]),
                            "flatten.params": "0", "dense.params": str(params[4]),
                            "total.params": str(sum(params))}})
    assert r[CNN, "pool.shape"].verdict == "incorrect"
    assert r[CNN, "total.params"].verdict == "follow-through"


def test_an_instructors_cnn_same_padding_and_average_pooling(small_marker):
    """The QA sheet c2: 'same' padding forgotten (26 × 26 × 8), a conv2 that follows from
    nothing, and the rest from the student's own shapes."""
    c1 = out(28, 3)                          # 26: valid instead of same
    assert c1 != same(28, 1)
    p1 = out(c1, 2, 2)
    c2_own = out(p1, 3)
    wrong_c2 = 12                            # 12 × 12 × 8: the right size, the depth kept
    right_c2 = out(out(same(28, 1), 2, 2), 3)
    assert (wrong_c2, 8) not in ((c2_own, 16), (right_c2, 16))
    p2 = out(wrong_c2, 2, 2)
    flat = p2 * p2 * 8
    dense = dense_params(flat, 10)
    total = conv_params(3, 1, 8) + conv_params(3, 8, 16) + dense
    r = mark(small_marker, {SMALL: {
        "c.conv1.shape": times(c1, c1, 8), "c.pool1.shape": times(p1, p1, 8),
        "c.conv2.shape": times(wrong_c2, wrong_c2, 8), "c.pool2.shape": times(p2, p2, 8),
        "c.flat.shape": str(flat), "c.dense.params": str(dense), "c.total": str(total)}})
    assert verdicts(r, SMALL) == {
        "c.conv1.shape": "incorrect", "c.pool1.shape": "follow-through",
        "c.conv2.shape": "incorrect", "c.pool2.shape": "follow-through",
        "c.flat.shape": "follow-through", "c.dense.params": "follow-through",
        "c.total": "follow-through"}
    # the same slip, then every layer right from it
    p2 = out(c2_own, 2, 2)
    r = mark(small_marker, {SMALL: {
        "c.conv1.shape": times(c1, c1, 8), "c.pool1.shape": times(p1, p1, 8),
        "c.conv2.shape": times(c2_own, c2_own, 16), "c.pool2.shape": times(p2, p2, 16),
        "c.flat.shape": str(p2 * p2 * 16), "c.dense.params": str(dense_params(p2 * p2 * 16, 10))}})
    assert verdicts(r, SMALL) == {
        "c.conv1.shape": "incorrect", "c.pool1.shape": "follow-through",
        "c.conv2.shape": "follow-through", "c.pool2.shape": "follow-through",
        "c.flat.shape": "follow-through", "c.dense.params": "follow-through"}


def test_check_command_end_to_end(tmp_path):
    """The QA file ft-conv7.yaml through `derive check --format json`."""
    lines = [f"    {k}: '{v}'" for k, v in chain_from_conv1(7).items()]
    (tmp_path / "ft7.yaml").write_text("student: ft7\nanswers:\n  cnn-architecture:\n"
                                       + "\n".join(lines) + "\n")
    r = run_cli("check", "ft7.yaml", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    got = {x["answer"]: x["verdict"] for s in json.loads(r.stdout)["submissions"]
           for x in s["results"] if x["verdict"] != "missing"}
    assert got == {"conv1.shape": "incorrect", "pool.shape": "follow-through",
                   "conv2.shape": "follow-through", "flatten.shape": "follow-through",
                   "dense.params": "follow-through"}
