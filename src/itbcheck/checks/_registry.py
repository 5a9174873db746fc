"""What every check is: a pure function of the visit's context, and the codes it may report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from itbcheck.dosing import DoseSummary
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.policy import Policy
from itbcheck.profiles import PumpProfile
from itbcheck.records import Record


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may look at. No clock: time comes from the record."""

    record: Record
    dose: DoseSummary
    profile: PumpProfile
    policy: Policy


@dataclass(frozen=True)
class CodeInfo:
    """The documentation of one finding code, printed by `itbcheck explain`. Codes are stable:
    once shipped, never renamed or reused."""

    code: str
    severity: Severity
    hazard: Hazard
    title: str
    meaning: str
    why: str
    source: str
    example: str


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[CheckContext], Iterable[Finding]]
    codes: tuple[CodeInfo, ...]


def finding(
    info: CodeInfo,
    *,
    message: str,
    action: str,
    figures: Iterable[Figure] = (),
    severity: Severity | None = None,
    hazard: Hazard | None = None,
) -> Finding:
    """A finding of `info`'s code; severity and hazard default to the code's own."""
    return Finding(
        code=info.code,
        severity=severity or info.severity,
        hazard=hazard or info.hazard,
        message=message,
        action=action,
        figures=tuple(figures),
    )
