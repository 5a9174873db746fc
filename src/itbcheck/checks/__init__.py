"""The registry of checks. Every check runs on every record; none stops at the first problem."""

from __future__ import annotations

from itbcheck.checks import (
    alarm,
    bridge,
    concentration,
    delivery,
    dose,
    fill,
    history,
    patient,
    reservoir,
    residual,
    restart,
    schedule,
    titration,
    volumes,
)
from itbcheck.checks._registry import Check, CheckContext, CodeInfo
from itbcheck.findings import Finding

CHECKS: tuple[Check, ...] = (
    *dose.CHECKS,
    *titration.CHECKS,
    *concentration.CHECKS,
    *fill.CHECKS,
    *volumes.CHECKS,
    *residual.CHECKS,
    *alarm.CHECKS,
    *reservoir.CHECKS,
    *schedule.CHECKS,
    *delivery.CHECKS,
    *bridge.CHECKS,
    *restart.CHECKS,
    *history.CHECKS,
    *patient.CHECKS,
)


def run_checks(context: CheckContext) -> list[Finding]:
    """All findings of all checks, worst first, then in registry order."""
    findings = [found for check in CHECKS for found in check.run(context)]
    return sorted(findings, key=lambda found: -found.severity)


def catalogue() -> dict[str, CodeInfo]:
    """Every finding code itbcheck can report, by code."""
    return {info.code: info for check in CHECKS for info in check.codes}


__all__ = ["CHECKS", "Check", "CheckContext", "CodeInfo", "catalogue", "run_checks"]
