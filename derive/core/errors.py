"""Errors that reach the user: each says what was wrong, where, and what was expected."""

from __future__ import annotations

from collections.abc import Callable


class DeriveError(Exception):
    """Base class of every error derive reports to a user."""


class SpecError(DeriveError):
    """A problem spec (or a --set override) is malformed.

    Rendered as ``problems/x.yaml: answers.a.x1: unknown kind 'numbr' (expected one of: …)``.
    """

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path = str(path)
        self.field = field
        self.message = message
        where = f"{self.path}: {field}" if field else self.path
        super().__init__(f"{where}: {message}")


class UsageError(DeriveError):
    """A command was called with arguments that cannot be used (exit 2)."""


class BatchIncomplete(DeriveError):
    """A command over several problems finished the others, but some could not be done
    (a bad spec: exit 2; only failed verifications: exit 1). Each was already reported
    on its own line; this is the closing summary."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class BatchSkips:
    """The problems a command over several could not do (a bad spec, an unknown id, a
    failed verification where the command leaves it out): each said on its own line as
    it is met, ``derive: …`` through ``warn``, and kept for the closing line. A problem
    that is the command's only one raises its own error instead."""

    def __init__(self, count: int, warn: Callable[[str], None]) -> None:
        self.alone = count == 1
        self.warn = warn
        self.skipped: list[tuple[str, DeriveError]] = []

    def skip(self, pid: str, e: DeriveError) -> None:
        if self.alone:
            raise e
        self.warn(f"derive: {e}")
        self.skipped.append((pid, e))

    def ids(self) -> str:
        return ", ".join(pid for pid, _ in self.skipped)


class VerificationError(DeriveError):
    """A derived result disagrees with its independent numerical check."""

    def __init__(self, problem: str, failures: list[str]) -> None:
        self.problem = problem
        self.failures = failures
        lines = "; ".join(failures)
        super().__init__(f"{problem}: verification failed, no answer shown: {lines}")


class DerivationError(Exception):
    """No rule applies (an unsupported function); the message names it."""
