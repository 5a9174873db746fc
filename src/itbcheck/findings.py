"""What a check reports: findings with stable codes, and the verdict they add up to."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Rounding = Literal["down", "up", "nearest"]


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
    # How a person is shown the value, rounded to what the pump's programmer accepts: "down"
    # or "up" where one direction is the safe one (a highest dose rounds down), else "nearest".
    rounding: Rounding = "nearest"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    hazard: Hazard
    message: str
    action: str
    figures: tuple[Figure, ...] = ()
    # The code of the STOP finding this one follows from (its numbers were computed from the
    # error that finding names), or None. A consequence keeps its own severity and counts.
    consequence_of: str | None = None


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    worst = max((finding.severity for finding in findings), default=Severity.NOTE)
    if worst is Severity.STOP:
        return Verdict.STOP
    if worst is Severity.CAUTION:
        return Verdict.CAUTION
    return Verdict.CLEAR
