"""The few errors itbcheck raises. The CLI turns each into one line per problem and an exit code.

Every error carries the field and the offending value so a nurse can find and fix the entry;
none of them is ever written to the audit log with its value (see `itbcheck.audit.entry`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what was written there, and why it is refused."""

    location: str
    message: str
    value: str | None = None
    kind: str = "invalid"


class ItbcheckError(Exception):
    """Base of every error itbcheck raises on purpose."""


class InvalidRecordError(ItbcheckError, ValueError):
    """The record could not be fully understood, so it is never checked, let alone CLEAR."""

    def __init__(self, problems: list[Problem], source: str = "record") -> None:
        self.problems = tuple(problems)
        self.source = source
        super().__init__(f"{source}: {len(self.problems)} problem(s)")


class ConfigurationError(ItbcheckError, ValueError):
    """A pump profile or policy file is missing, malformed or unknown."""

    def __init__(self, problems: list[Problem], source: str) -> None:
        self.problems = tuple(problems)
        self.source = source
        super().__init__(f"{source}: {len(self.problems)} problem(s)")


class AuditWriteError(ItbcheckError, OSError):
    """The audit entry could not be written durably, so the check must not report success."""


class UnitError(ItbcheckError, ValueError):
    """A quantity's text is not one of the spellings itbcheck accepts. Carries no field name;
    the record layer adds it."""


class ConfigFileError(ItbcheckError, ValueError):
    """The clinic's config file cannot be used: names the file, the key and the value, so
    nothing runs with settings other than the ones the clinic wrote."""

    def __init__(self, path: str, key: str, value: str, reason: str) -> None:
        self.path, self.key, self.value, self.reason = path, key, value, reason
        super().__init__(f"config file {path}: {key} = {value}: {reason}")
