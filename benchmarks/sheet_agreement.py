"""How often derive's marking of the five real student sheets agrees with the TA's.

    python benchmarks/sheet_agreement.py

Counts verdicts over every hand-marked answer, and diagnoses over those the TA named
with a code a program can recognise (tests/data/student-sheets/DIAGNOSES.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import test_student_sheets_marking as sheets  # noqa: E402


def main() -> None:
    total = agree = named = named_agree = 0
    for stem in sheets.STEMS:
        expected = sheets._expected(stem)["marks"]
        results = {(r.problem, r.answer): r for r in sheets._marked(stem).results}
        for pid, items in expected.items():
            for aid, want in items.items():
                if aid == "missing":
                    continue
                got = results.get((pid, aid))
                total += 1
                agree += got is not None and got.verdict == want["verdict"]
                code = want.get("diagnosis")
                if code and code not in sheets.HUMAN_CODES:
                    named += 1
                    named_agree += got is not None and got.diagnosis == code
    print(f"verdicts agree: {agree}/{total}; diagnoses agree: {named_agree}/{named}")


if __name__ == "__main__":
    main()
