"""The ``derive`` command: thin Click subcommands over the library (interface.md).

Exit codes: 0 success (marking wrong answers included), 1 a verification failure,
2 a usage error or a bad spec (one line naming the file, the field and what was expected).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from derive.core.errors import (
    BatchIncomplete,
    BatchSkips,
    DeriveError,
    SpecError,
    UsageError,
    VerificationError,
)
from derive.core.lifetime import import_maths


def _fail(message: str, code: int) -> None:
    click.echo(f"derive: {message}", err=True)
    sys.exit(code)


def reports_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one-line messages and the interface's exit codes."""

    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        from derive.core.lifetime import signals_interrupt

        try:
            with signals_interrupt(), warnings.catch_warnings():
                # SIGTERM like Ctrl-C: cleanups run, one line. Overflow in a float64
                # check is judged by the check itself (non-finite: it fails), so numpy's
                # RuntimeWarning would only add lines to a one-line message
                warnings.simplefilter("ignore", RuntimeWarning)
                return fn(*args, **kwargs)
        except KeyboardInterrupt:
            _fail("interrupted; no output was left half-written", 130)
        except (SpecError, UsageError) as e:
            _fail(str(e), 2)
        except BatchIncomplete as e:
            _fail(str(e), e.code)
        except VerificationError as e:
            _fail(str(e), 1)
        except DeriveError as e:
            _fail(str(e), 1)

    return run


def no_cache_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--no-cache``: derive everything again (``core.result_cache``; also DERIVE_CACHE=off)."""
    return click.option("--no-cache", is_flag=True, help="Derive and verify again instead "
                        "of reusing results kept for unchanged specs and code "
                        "(DERIVE_CACHE=off does the same).")(fn)


def _parse_sets(items: tuple[str, ...]) -> dict[str, Any]:
    """``--set NAME=VALUE`` items as name -> the value's text: the spec reads it
    (``givens.build_givens``), so that a value it cannot read is said with the file and
    the given it was meant for, as every other --set message is."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"--set {item}: expected NAME=VALUE, e.g. --set eta=0.5")
        name, _, value = item.partition("=")
        out[name.strip()] = value
    return out


class _Program(click.Group):
    """The ``derive`` group: Click's standalone run, but a usage error Click finds (an
    unknown option or command, a missing argument, a bad choice) is one line and exit 2,
    as the interface says of every usage error; Click's own shows the usage, a hint and
    the error on three."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as e:  # a bare `derive`: the help
            e.show()
            sys.exit(e.exit_code)
        except click.UsageError as e:
            where = e.ctx.command_path if e.ctx is not None else (prog_name or "derive")
            click.echo(f"{where}: {e.format_message().rstrip('.')} (`{where} -h` for help)",
                       err=True)
            sys.exit(2)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)  # --help and --version give 0


@click.group(cls=_Program, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="derive")
def cli() -> None:
    """Derive, verify, explain and check neural-network course problems."""


@cli.command("list")
@reports_errors
def list_cmd() -> None:
    """One line per problem: its id, then its title."""
    # titles only (no SymPy): `derive verify` is what validates every spec
    from derive.core.catalogue import problem_paths, read_title

    paths = problem_paths()
    width = max((len(p) for p in paths), default=0)
    for pid, path in paths.items():
        try:
            title = read_title(path)
        except SpecError as e:  # listed all the same: `derive verify` says the rest
            unreadable = e.message.startswith(("invalid YAML", "cannot read"))
            title = f"({'unreadable' if unreadable else 'invalid'} spec: " \
                    f"{e.field + ': ' if e.field else ''}{e.message})"
        click.echo(f"{pid.ljust(width)}  {title}")


@cli.command()
@click.argument("problem")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Override a given: a number (0.5, -3, 4/3) or a list ([[1,2],[3,4]]).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "latex"]), default="text",
              show_default=True)
@click.option("--no-steps", is_flag=True, help="Text format: answers only.")
@no_cache_option
@reports_errors
def solve(problem: str, sets: tuple[str, ...], fmt: str, no_steps: bool,
          no_cache: bool) -> None:
    """Derive and verify every answer of PROBLEM (an id or a spec file)."""
    from derive.core import result_cache
    from derive.core.catalogue import find_problem

    # a verified solution of these very bytes, options and code prints as it did
    key = None if no_cache else result_cache.key("solve", find_problem(problem),
                                                 [list(sets), fmt, no_steps])
    shown = result_cache.load(key)
    if not isinstance(shown, str):
        shown = _solve_text(problem, sets, fmt, no_steps)
        result_cache.store(key, shown)
    click.echo(shown, nl=False)


def _solve_text(problem: str, sets: tuple[str, ...], fmt: str, no_steps: bool) -> str:
    """``derive solve``'s output: the problem derived and verified, rendered."""
    import_maths()
    from derive.core.spec import load_problem
    from derive.render import render_json, render_latex, render_text

    overrides = _parse_sets(sets)
    try:
        solution = load_problem(problem, overrides).solve()
    except VerificationError as e:
        if not overrides:
            raise
        # the float64 checks have limits (a saturated sigmoid, a tiny ŷ): say so
        shown = " ".join(f"--set {s}" for s in sets)
        raise VerificationError(e.problem, [*e.failures[:1], f"the numeric checks cannot "
                                f"confirm the answers at {shown}; try values nearer the "
                                "spec's"]) from None
    if fmt == "json":
        return render_json(solution) + "\n"
    if fmt == "latex":
        return render_latex(solution)
    return render_text(solution, steps=not no_steps)


@cli.command()
@click.argument("problems", nargs=-1)
@click.option("-v", "--verbose", is_flag=True, help="List every check with its error.")
@no_cache_option
@reports_errors
def verify(problems: tuple[str, ...], verbose: bool, no_cache: bool) -> None:
    """Check every derived result numerically (all problems when none is named)."""
    from derive.core import result_cache
    from derive.core.catalogue import find_problem, problem_paths

    known = problem_paths()
    ids = list(problems) or list(known)
    failed = 0
    unread = BatchSkips(len(ids), lambda m: click.echo(m, err=True))
    for pid in ids:
        try:  # a bad spec is reported on its line and the others are still verified
            path = find_problem(pid, known)
            # a problem whose every check passed for these bytes and code reports the same
            key = None if no_cache else result_cache.key("verify", path, [verbose])
            lines = result_cache.load(key)
            if not (isinstance(lines, list) and all(isinstance(ln, str) for ln in lines)):
                lines, bad = _verify_lines(path, verbose)
                if not bad:
                    result_cache.store(key, lines)
                failed += bad
        except (SpecError, UsageError) as e:
            unread.skip(pid, e)
            continue
        for line in lines:
            click.echo(line)
    failures = f"{failed} problem(s) failed verification" if failed else ""
    if unread.skipped:
        raise BatchIncomplete(f"{len(unread.skipped)} of {len(ids)} problems not verified "
                              f"(said above): {unread.ids()}" + (f"; {failures}" if failed
                                                                 else ""), 2)
    if failed:
        _fail(failures, 1)


def _verify_lines(path: Path, verbose: bool) -> tuple[list[str], bool]:
    """``derive verify``'s lines for the problem at ``path``, and whether a check failed
    (a SpecError when the spec is bad)."""
    import_maths()
    from derive.core.spec import load_problem
    from derive.core.verify import report_lines, run_checks

    s = load_problem(path).solve(verify=False)
    return report_lines(s, run_checks(s), verbose)


@cli.command()
@click.argument("block", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="markdown: the whole reference as docs/blocks.md.")
@reports_errors
def blocks(block: str | None, fmt: str) -> None:
    """The spec language's blocks: arguments (kind, required or default, meaning) and an
    example each; BLOCK alone in full."""
    from derive.render.reference import (
        block_text,
        find_block,
        reference_markdown,
        reference_text,
    )

    if fmt == "markdown":
        click.echo(block_text(find_block(block)) if block else reference_markdown(), nl=False)
    else:
        click.echo(reference_text(block), nl=False)


# Commands added by later features go below, each a thin wrapper over its module:
# sheet (derive.render.sheet), check and template (derive.check).


@cli.command()
@click.argument("problems", nargs=-1)
@click.option("-o", "--output", "out", default="output/solutions.tex", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write the LaTeX document.")
@click.option("--pdf", is_flag=True,
              help="Also compile it (pdflatex) into a PDF next to the .tex.")
@click.option("--force", is_flag=True, help="Replace FILE even if it holds a student's "
              "answers (a filled \\answer).")
@no_cache_option
@reports_errors
def sheet(problems: tuple[str, ...], out: str, pdf: bool, force: bool, no_cache: bool) -> None:
    """A worked-solution sheet of PROBLEMS (all when none is named) as LaTeX, or PDF."""
    from derive.core.lifetime import imports_frozen

    with imports_frozen():  # the renderers bring SymPy
        from derive.render.sheet import make_sheet

    make_sheet(problems, Path(out), pdf=pdf, echo=click.echo,
               warn=lambda m: click.echo(m, err=True), force=force, cache=not no_cache)


@cli.command()
@click.argument("answers", nargs=-1, required=True, metavar="ANSWERS…")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE, not stdout.")
@click.option("--summary", is_flag=True, help="Text format: one line per file only.")
@click.option("--gradescope", metavar="FILE", help="Also write Gradescope's results.json "
              "(one answer file).")
@click.option("--gradescope-expected", "gs_expected", type=click.Choice(
              ["after_due_date", "after_published", "hidden", "visible"]),
              help="With --gradescope: when students see the tests that show an expected "
              "answer (every answer not marked correct)  [default: after_due_date]")
@click.option("--csv", "csv_path", metavar="FILE", help="Also write a gradebook: one row per "
              "file, a column per answer.")
@click.option("--feedback", metavar="DIR", help="Also write a feedback document per file "
              "(LaTeX, and PDF when TeX is installed).")
@click.option("--no-pdf", is_flag=True, help="With --feedback: write the .tex only.")
@click.option("--jobs", "-j", type=click.IntRange(0), default=0, show_default=True,
              help="Worker processes (0: one per core).")
@click.option("--timeout", type=click.FloatRange(0.1), default=5.0, show_default=True,
              help="Seconds one answer may take to be read and compared.")
@click.option("--memory", type=click.IntRange(64), default=1024, show_default=True,
              help="MB of memory a worker may use for marking.")
@click.option("--follow-through-credit", type=float, default=1.0, show_default=True,
              help="Points for a follow-through answer (1 for a correct one).")
@click.option("--assignment", metavar="FILE", help="Mark each file against its student's "
              "own variant of this assignment (derive assign), out of its points.")
@click.option("--roster", metavar="FILE", help="With --assignment: the class (CSV with a "
              "'student' column); --csv then has a row per roster student.")
@click.option("--lms", metavar="FILE", help="With --assignment: also write student,total "
              "(a CSV an LMS imports).")
@click.option("--working-credit", type=float, default=0.0, show_default=True,
              help="Points for a wrong answer whose working is right up to a late slip "
              "(not with --assignment).")
@click.option("--force", is_flag=True, help="Replace an output that looks like a student's "
              "answers (.yaml, or .tex with a filled \\answer); inputs never.")
@reports_errors
def check(answers: tuple[str, ...], fmt: str, output: str | None, summary: bool,
          gradescope: str | None, csv_path: str | None, feedback: str | None, no_pdf: bool,
          jobs: int, timeout: float, memory: int, follow_through_credit: float,
          assignment: str | None, roster: str | None, lms: str | None,
          working_credit: float, force: bool, gs_expected: str | None) -> None:
    """Mark answer files (YAML or LaTeX; folders are searched with their subfolders)
    against the derivations.

    Exit 0 when every file was marked (wrong answers are not errors), 1 when some file
    could not be marked (the others are), 2 for a usage error or a path that could not
    be marked (the others are).
    """
    from derive.core.lifetime import imports_frozen

    with imports_frozen():  # workers are forked from this process
        from derive.check.command import CheckRequest, run_check
        from derive.check.mark.batch import BatchOptions

    req = CheckRequest(answers, fmt, output, summary, gradescope, csv_path, feedback,
                       not no_pdf, follow_through_credit,
                       BatchOptions(jobs=jobs, answer_seconds=timeout, memory_mb=memory),
                       working_credit=working_credit, force=force,
                       gradescope_expected=gs_expected or "after_due_date")
    if gs_expected and not gradescope:
        raise UsageError("--gradescope-expected goes with --gradescope FILE")
    if assignment and working_credit:  # its outputs score points per answer, without it
        raise UsageError("--working-credit does not go with --assignment (an assignment's "
                         "points are per answer)")
    if assignment:
        from derive.assign.grading import assignment_request

        req = assignment_request(req, assignment, roster, lms)
    elif roster or lms:
        raise UsageError("--roster and --lms go with --assignment FILE")
    sys.exit(run_check(req))


@cli.command()
@click.argument("problems", nargs=-1)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (default: stdout).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@reports_errors
def template(problems: tuple[str, ...], output: str | None, force: bool) -> None:
    """A LaTeX answer sheet with an \\answer slot for every answer of PROBLEMS (all when
    none is named), ready for `derive check`."""
    from derive.check.command import run_template

    run_template(problems, output, force)


@cli.command()
@click.argument("assignment", metavar="ASSIGNMENT")
@click.option("--roster", metavar="FILE", help="The class: a CSV whose 'student' column "
              "holds the ids.")
@click.option("--students", type=int, metavar="N", help="Without a roster: ids s001…")
@click.option("-o", "--output", metavar="DIR", help="Where to write (default: "
              "output/<assignment name>/).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="stdout: a summary of the variants, or each "
              "student's givens as JSON.")
@click.option("--no-pdf", is_flag=True, help="Write the .tex files only (no PDFs).")
@click.option("--jobs", "-j", type=click.IntRange(0), default=0, show_default=True,
              help="Worker processes (0: one per core).")
@click.option("--force", is_flag=True, help="Replace earlier output, answer sheets "
              "included.")
@reports_errors
def assign(assignment: str, roster: str | None, students: int | None, output: str | None,
           fmt: str, no_pdf: bool, jobs: int, force: bool) -> None:
    """Per-student variants of ASSIGNMENT: questions, answer sheet and worked solutions with
    each student's own numbers, and the instructor's key. Every variant is solved and
    verified before anything is written."""
    from derive.assign.command import AssignRequest, run_assign

    sys.exit(run_assign(AssignRequest(assignment, roster, students, output, fmt, not no_pdf,
                                      jobs, force)))


def main() -> None:
    """The ``derive`` program (``python -m derive``, the installed script): ``cli``, with
    OpenBLAS on one thread unless the user chose a count (``blas.one_thread_unless_chosen``);
    then the process ends without tearing the interpreter down (``lifetime.exit_now``).

    Tearing down frees every SymPy object one by one: a tenth of a second of CPU at the
    end of every command, more than a one-file ``derive check`` spends marking. Tests run
    ``cli`` itself (Click's runner), never this."""
    from derive.core.blas import one_thread_unless_chosen
    from derive.core.lifetime import exit_now, program_started

    one_thread_unless_chosen()  # before NumPy is imported
    program_started()
    try:
        cli(prog_name="derive")
    except SystemExit as e:
        exit_now(e.code)
    exit_now(0)
