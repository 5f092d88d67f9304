"""How often derive finds the first wrong step that was marked by hand.

    python benchmarks/working_agreement.py [-v]

Marks every chain of tests/data/working (chains transcribed from the five real sheets,
and planted errors and valid rewritings) as ``derive check`` marks working, and prints:
the agreement of the first wrong step with the hand marking, the number of valid chains
called wrong, the ProcessBench-style F1 (the harmonic mean of the accuracy on chains with
an error -- the exact first wrong step -- and on chains without one), and the agreement
of the diagnoses planted, and how many steps got each verdict. ``-v`` lists every chain.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from workingkit import check_chain, load_chains, scores  # noqa: E402

from derive.check.mark.marking import Marker  # noqa: E402

DATA = ROOT / "tests" / "data" / "working"
SHEETS = ROOT / "tests" / "data" / "student-sheets"


def main() -> None:
    verbose = "-v" in sys.argv
    start = time.monotonic()
    marker = Marker()
    outcomes = []
    for chain in load_chains(DATA):
        o = check_chain(marker, chain, SHEETS)
        outcomes.append(o)
        if verbose or not o.agrees:
            mark = "  " if o.agrees else "≠ "
            print(f"{mark}{chain['id']:42} hand {o.expected!s:5} derive {o.first_error!s:5}"
                  + (f" {o.diagnosis}" if o.diagnosis else ""))
    s = scores(outcomes)
    sheets = sum(1 for o in outcomes if o.chain.get("sheet"))
    print(f"{s['chains']} chains ({sheets} from the five sheets, {s['chains'] - sheets} "
          f"written), {s['erroneous']} with an error marked by hand, {s['valid']} without")
    print(f"first wrong step agrees with the hand marking: {s['agree']}/{s['chains']} "
          f"({100 * s['agree'] / s['chains']:.1f}%)")
    print(f"valid chains called wrong: {s['valid_called_wrong']}/{s['valid']}")
    print(f"ProcessBench-style F1: {100 * s['f1']:.1f} (erroneous {100 * s['acc_erroneous']:.1f}%"
          f", valid {100 * s['acc_valid']:.1f}%)")
    print(f"planted diagnoses named: {s['diagnoses_agree']}/{s['diagnoses']}")
    steps = Counter(step.verdict for o in outcomes for step in o.steps)
    print(f"steps: {sum(steps.values())}, " + ", ".join(
        f"{steps[v]} {v}" for v in ("valid", "invalid", "unreadable", "unchecked")))
    print(f"({time.monotonic() - start:.0f} s)")


if __name__ == "__main__":
    main()
