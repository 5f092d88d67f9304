"""Inverted dropout: y = m ⊙ a / q with a keep mask m (each entry 1 with probability q).

E[y] = a (so nothing changes at test time) and Var[y_i] = a_i² (1 − q)/q, derived from
E[m_i] = E[m_i²] = q; the check enumerates every mask in numpy (``oracle``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from derive.core.blockkit import tame, to_float
from derive.core.derivation import Context
from derive.core.registry import Param, block
from derive.topics.batches import oracle

#: entries enumerated by the check (2^n masks)
MAX_ENTRIES = 12


@block(
    "inverted-dropout",
    a=Param("expr", takes="array", doc="the activations, a row given"),
    keep=Param("expr", takes="scalar", doc="the keep probability q (0 < q ≤ 1)"),
    mask=Param("expr", takes="array", required=False,
               doc="one drawn mask of 0s and 1s, for the output y"),
    answers=Param("answers", doc="role -> answer id; roles: output (y for the mask), "
                                 "expectation (E[y]), variance (Var[y]); all rows"),
)
def inverted_dropout(ctx: Context, a: Any, keep: Any, mask: Any,
                     answers: dict[str, str]) -> None:
    """Inverted dropout y = m ⊙ a / q: one output, its expectation a and its variance."""
    roles = ("output", "expectation", "variance")
    for role in answers:
        if role not in roles:
            raise ctx.fail(f"answers.{role}", f"unknown role ({', '.join(roles)})")
    av = ctx.value(a)
    if not isinstance(av, sp.MatrixBase):
        av = sp.ImmutableMatrix([[av]])
    vals = list(av)
    if len(vals) > MAX_ENTRIES:
        raise ctx.fail("a", f"at most {MAX_ENTRIES} activations (the check enumerates masks)")
    q = ctx.value(keep)
    if not (q.is_number and 0 < q <= 1):
        raise ctx.fail("keep", f"expected a probability in (0, 1], found {q}")
    S = sp.Symbol
    m_s, a_s, q_s = S("m_i"), S("a_i"), S("q")
    rule = ctx.step("inverted-dropout", m_s * a_s / q_s, lhs=S("y_i"),
                    facts=(sp.Eq(S("E[m_i]"), q_s), sp.Eq(S("E[m_i^2]"), q_s)))
    out: dict[str, Any] = {}
    items: dict[str, int] = {}
    if "output" in answers:
        if mask is None:
            raise ctx.fail("mask", "the output needs a mask (a row of 0s and 1s)")
        mv = ctx.value(mask)
        mlist = list(mv) if isinstance(mv, sp.MatrixBase) else [mv]
        if len(mlist) != len(vals) or any(x not in (0, 1) for x in mlist):
            raise ctx.fail("mask", f"expected {len(vals)} entries, each 0 or 1")
        out["output"] = sp.ImmutableMatrix([[tame(mi * ai / q) for mi, ai in
                                             zip(mlist, vals, strict=True)]])
        items["output"] = ctx.step("substitute", out["output"], lhs=S("y"),
                                   before=S("m") * S("a") / q_s, subs={q_s: q}, uses=[rule])
    out["expectation"] = sp.ImmutableMatrix([[tame(q * ai / q) for ai in vals]])
    items["expectation"] = ctx.step("expectation", out["expectation"], lhs=S("E[y_i]"),
                                    before=q_s * a_s / q_s, uses=[rule])
    out["variance"] = sp.ImmutableMatrix([[tame(ai**2 * (1 - q) / q) for ai in vals]])
    items["variance"] = ctx.step("variance", out["variance"], lhs=S("Var[y_i]"),
                                 before=a_s**2 / q_s - a_s**2, uses=[rule])
    for role, aid in answers.items():
        ctx.emit(aid, out[role], items[role])
    af = np.array([float(to_float(v)) for v in vals])
    mf = (np.array([float(to_float(v)) for v in list(out["output"])]) if "output" in out
          else None)

    def check() -> tuple[bool, float, str]:
        mask_f = None
        if mf is not None:
            mv = ctx.value(mask)
            mask_f = np.array([float(to_float(v)) for v in (list(mv) if isinstance(
                mv, sp.MatrixBase) else [mv])])
        want = oracle.dropout_by_enumeration(af, float(to_float(q)), mask_f)
        err = 0.0
        for role in answers:
            got = np.array([float(to_float(v)) for v in list(out[role])])
            err = max(err, float(np.max(np.abs(got - want[role]) /
                                        np.maximum(1e-12, np.abs(want[role])))))
        return err < 1e-9, err, f"all {2 ** len(vals)} masks enumerated in numpy"

    ctx.check(f"{', '.join(answers.values())}: inverted dropout", list(answers.values()),
              "numpy-recompute", check)
