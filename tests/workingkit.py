"""Hand-marked chains (tests/data/working) checked the way ``derive check`` checks them.

Each chain is marked as a submission of its own: the student's answers to the problem
(from the transcribed sheet it comes from, and the chain's own ``answers``) with the
working attached to its answer, so that the student's own earlier values, follow-through
and the answer's declared mistakes are what marking would use. Used by
``benchmarks/working_agreement.py`` and ``tests/test_working_agreement.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from derive.check.mark.answers import Submission, read_answer_file
from derive.check.mark.marking import Marker


@dataclass(frozen=True)
class Outcome:
    chain: dict[str, Any]
    first_error: int | None
    diagnosis: str | None
    steps: tuple[Any, ...]

    @property
    def expected(self) -> int | None:
        return self.chain.get("first_error")

    @property
    def agrees(self) -> bool:
        return self.first_error == self.expected


def load_chains(directory: Path) -> list[dict[str, Any]]:
    """Every chain of every ``*.yaml`` in the directory, in file order."""
    chains: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for c in data["chains"]:
            chains.append({**c, "file": path.name})
    return chains


def check_chain(marker: Marker, chain: dict[str, Any], sheets: Path) -> Outcome:
    """Mark one chain as ``derive check`` would; the working of its answer."""
    pid, aid = chain["problem"], chain["answer"]
    answers: dict[str, Any] = {}
    notation: dict[str, str] = {}
    if chain.get("sheet"):
        sheet = read_answer_file(sheets / f"{chain['sheet']}.yaml")
        answers.update(sheet.answers.get(pid, {}))
        notation = dict(sheet.notation)  # the sheet's declared names (001: δ for σ)
    answers.update({k: str(v) for k, v in (chain.get("answers") or {}).items()})
    sub = Submission(chain["id"], chain["id"], {pid: answers},
                     working={(pid, aid): chain["working"]}, notation=notation)
    marked = marker.mark(sub)
    if marked.error:
        raise RuntimeError(f"{chain['id']}: {marked.error}")
    result = next(r for r in marked.results if r.problem == pid and r.answer == aid)
    w = result.working
    first = w.first_error
    code = w.steps[first - 1].diagnosis if first else None
    return Outcome(chain, first, code, w.steps)


def scores(outcomes: list[Outcome]) -> dict[str, Any]:
    """Agreement of the first wrong step, valid chains called wrong, ProcessBench F1."""
    n = len(outcomes)
    agree = sum(o.agrees for o in outcomes)
    wrong = [o for o in outcomes if o.expected is not None]
    right = [o for o in outcomes if o.expected is None]
    acc_wrong = sum(o.agrees for o in wrong) / len(wrong) if wrong else 1.0
    acc_right = sum(o.first_error is None for o in right) / len(right) if right else 1.0
    f1 = 2 * acc_wrong * acc_right / (acc_wrong + acc_right) if acc_wrong + acc_right else 0
    named = [o for o in outcomes if o.chain.get("diagnosis")]
    return {"chains": n, "agree": agree, "erroneous": len(wrong), "valid": len(right),
            "valid_called_wrong": sum(o.first_error is not None for o in right),
            "acc_erroneous": acc_wrong, "acc_valid": acc_right, "f1": f1,
            "diagnoses": len(named),
            "diagnoses_agree": sum(o.diagnosis == o.chain["diagnosis"] for o in named)}
