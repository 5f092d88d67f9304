"""The hand-marked chains (tests/data/working): the data, and the agreement the issue asks.

``python benchmarks/working_agreement.py`` prints the same figures (and every chain with
``-v``); this test holds them: at least 95% of first wrong steps as marked by hand, and no
valid chain called wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from workingkit import check_chain, load_chains, scores

from derive.check.mark.marking import Marker
from derive.check.working.diagnose import STEP_CODES
from derive.core.catalogue import problem_paths
from derive.core.spec import load_problem

DATA = Path(__file__).resolve().parent / "data" / "working"
SHEETS = Path(__file__).resolve().parent / "data" / "student-sheets"
CHAINS = load_chains(DATA)


def test_the_chains_are_well_formed() -> None:
    ids = [c["id"] for c in CHAINS]
    assert len(ids) == len(set(ids)) and len(ids) >= 90
    paths = problem_paths()
    for c in CHAINS:
        assert c["problem"] in paths, c["id"]
        assert c["answer"] in load_problem(c["problem"]).answers, c["id"]
        assert c["first_error"] is None or (isinstance(c["first_error"], int)
                                            and c["first_error"] >= 1), c["id"]
        assert c.get("why"), c["id"]
        if c.get("sheet"):
            assert (SHEETS / f"{c['sheet']}.yaml").is_file(), c["id"]
        if c.get("diagnosis"):
            assert c["diagnosis"] in STEP_CODES, c["id"]
    # every sheet contributes, and both kinds of chains are there
    assert {c["sheet"][:3] for c in CHAINS if c.get("sheet")} == {"000", "001", "002", "003",
                                                                  "004"}
    assert any(c["first_error"] is None for c in CHAINS)
    assert {c["diagnosis"] for c in CHAINS if c.get("diagnosis")} == set(STEP_CODES)


@pytest.mark.filterwarnings("ignore")
def test_first_wrong_step_agrees_with_the_hand_marking() -> None:
    marker = Marker()
    outcomes = [check_chain(marker, c, SHEETS) for c in CHAINS]
    s = scores(outcomes)
    missed = [(o.chain["id"], o.expected, o.first_error) for o in outcomes if not o.agrees]
    assert s["agree"] >= 0.95 * s["chains"], missed
    assert s["valid_called_wrong"] == 0, missed
    assert s["diagnoses_agree"] == s["diagnoses"]
