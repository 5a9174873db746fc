"""What a check reports: findings with stable codes, and the verdict they add up to."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


class Severity(enum.IntEnum):
    """How much a finding matters. Ordered, so the verdict is simply the worst one."""

    NOTE = 1
    CAUTION = 2
    STOP = 3


class Hazard(enum.StrEnum):
    """What may happen to the patient. EITHER: the error can go both ways (more or less drug
    than intended), and which one is not known from the record."""

    OVERDOSE = "overdose"
    WITHDRAWAL = "withdrawal"
    DEVICE = "device"
    RECORD = "record"
    EITHER = "either"


class Verdict(enum.StrEnum):
    CLEAR = "CLEAR"
    CAUTION = "CAUTION"
    STOP = "STOP"


@dataclass(frozen=True)
class Figure:
    """One number a finding used, with its unit, so the reader can redo the arithmetic."""

    name: str
    value: Decimal
    unit: str


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    hazard: Hazard
    message: str
    action: str
    figures: tuple[Figure, ...] = ()


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    worst = max((finding.severity for finding in findings), default=Severity.NOTE)
    if worst is Severity.STOP:
        return Verdict.STOP
    if worst is Severity.CAUTION:
        return Verdict.CAUTION
    return Verdict.CLEAR
