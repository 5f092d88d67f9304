"""Run a problem's derivation blocks in order: Problem -> Solution (verified)."""

from __future__ import annotations

from typing import Any

from derive.core.blas import one_blas_thread
from derive.core.derivation import Context, Solution, range_hint
from derive.core.errors import DerivationError, SpecError, VerificationError
from derive.core.model import BlockCall, Problem
from derive.core.registry import (
    Block,
    expectation_unmet,
    expression_items,
    item_place,
    refers_to_answers,
    registered,
)
from derive.core.verify import run_checks

#: what a block's own arithmetic raises on arguments of the wrong kind
_BLOCK_FAILURES = (TypeError, ValueError, IndexError, KeyError, AttributeError,
                   ArithmeticError, NotImplementedError)


def _first_line(e: BaseException) -> str:
    text = (str(e).strip().splitlines() or [""])[0]
    return text if len(text) <= 100 else text[:97] + "..."


def _referred_answers_checked(ctx: Context, blk: Block, call: BlockCall) -> dict[str, Any]:
    """The call's arguments, those written as an earlier answer (``x0: '{a.output}'``)
    checked against ``Param.takes`` once the answer is known, as the spec reader checks
    the rest: a matrix answer where a number belongs (or a number where a vector does)
    is one line naming the argument, not a TypeError in the block. A vector or matrix
    argument that is an earlier answer is handed to the block as its value (the scores
    of an attention problem are an answer, then softmax's input), as a given would be."""
    args = dict(call.args)
    for name, p in blk.params.items():
        if p.takes == "any":
            continue
        for sub, x in expression_items(p.type, call.args.get(name)):
            if not refers_to_answers(x):
                continue
            value = ctx.resolve(x)
            unmet = expectation_unmet(p, value)
            if unmet:
                at = item_place(f"{call.where}.{name}", sub)
                raise SpecError(ctx.problem.path, at, f"expected {unmet[0]}, found "
                                f"{unmet[1]} (the value of {x})")
            if p.takes == "array" and p.type == "expr":
                args[name] = value
    return args


def solve(problem: Problem, *, pins: dict[str, Any] | None = None,
          verify: bool = True) -> Solution:
    """Derive every answer of ``problem``.

    Args:
        pins: answer id -> value to use instead of the derived one in later steps (the
            checker pins a student's own earlier answers to mark follow-through).
        verify: run every independent check; a failure raises VerificationError, so a
            derivation that fails its check is never returned as an answer.
    """
    ctx = Context(problem, pins)
    for part in problem.parts:
        for call in part.calls:
            ctx.part, ctx.where, ctx.block_name = part.name, call.where, call.block
            blk = registered(call.block)
            if blk is None:  # a Problem built by hand, not from a spec
                raise SpecError(problem.path, call.where, f"unknown block '{call.block}'")
            args = _referred_answers_checked(ctx, blk, call)
            try:
                with one_blas_thread():  # small products: more threads would only spin
                    blk.fn(ctx, **args)
            except DerivationError as e:
                raise SpecError(problem.path, call.where, str(e)) from None
            except _BLOCK_FAILURES as e:
                # the last line of defence: the spec is checked as it is read (each
                # argument's kind, Param.takes), and a block checks what it reads itself;
                # what slips through both is still one line naming the block's place
                raise SpecError(problem.path, call.where, f"block '{call.block}' cannot "
                                f"work with these arguments ({type(e).__name__}: "
                                f"{_first_line(e)}); see `derive blocks {call.block}`") from None
    missing = [a for a in problem.answers if a not in ctx.answers]
    if missing:
        raise SpecError(problem.path, f"answers.{missing[0]}",
                        "declared, but no block derives it"
                        + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else "")
                        + ("; if a count such as steps was lowered, declare the numbered "
                           "answers as a range, e.g. 'a.x{1..steps}'"
                           if range_hint(missing[0]) else ""))
    order = {a: i for i, a in enumerate(problem.answers)}
    answers = dict(sorted(ctx.answers.items(), key=lambda kv: order[kv[0]]))
    solution = Solution(problem, problem.given_values(), tuple(ctx.items), ctx.sections(),
                        answers, tuple(ctx.checks), meanings=dict(ctx.meanings))
    if not verify:
        return solution
    with one_blas_thread():
        results = run_checks(solution)
    failures = [f"{r.name} ({r.method}: {r.detail or f'error {r.error:.2e}'})"
                for r in results if not r.ok]
    if failures:
        raise VerificationError(problem.id, failures)
    return Solution(solution.problem, solution.givens, solution.items, solution.sections,
                    solution.answers, solution.checks, results, solution.meanings)


#: solutions kept by ``solve_once``, keyed by the whole problem (its repr: spec content,
#: givens, block arguments), at most ``_KEEP`` of them
_SOLVED: dict[str, Solution] = {}
_KEEP = 64


def solve_once(problem: Problem) -> Solution:
    """The verified solution of ``problem``, solved once per process.

    The key is the whole problem (``repr``: every given, definition and block argument),
    so a variant with other givens or arguments is solved anew. ``derive check`` solves
    the problems its files name before forking its workers, which then start from them.
    """
    key = repr(problem)
    hit = _SOLVED.get(key)
    if hit is None:
        hit = solve(problem)
        if len(_SOLVED) >= _KEEP:
            _SOLVED.pop(next(iter(_SOLVED)))
        _SOLVED[key] = hit
    return hit
