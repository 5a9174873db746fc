"""The registry of checks. Every check that can run at the record's stage (`Check.stages`) runs;
none stops at the first problem."""

from __future__ import annotations

from dataclasses import replace

from itbcheck.checks import (
    alarm,
    bolus,
    bridge,
    calendar,
    concentration,
    delivery,
    dose,
    drug,
    fill,
    history,
    history_dose,
    history_residual,
    history_window,
    labelling,
    patient,
    patient_bolus,
    reservoir,
    residual,
    restart,
    restart_fields,
    schedule,
    since_visit,
    titration,
    volumes,
)
from itbcheck.checks._registry import Check, CheckContext, CodeInfo
from itbcheck.findings import Finding, Severity
from itbcheck.stages import Stage, staged_action

CHECKS: tuple[Check, ...] = (
    *dose.CHECKS,
    *titration.CHECKS,
    *concentration.CHECKS,
    *fill.CHECKS,
    *volumes.CHECKS,
    *residual.CHECKS,
    *calendar.CHECKS,
    *alarm.CHECKS,
    *reservoir.CHECKS,
    *schedule.CHECKS,
    *bolus.CHECKS,
    *delivery.CHECKS,
    *bridge.CHECKS,
    *restart.CHECKS,
    *restart_fields.CHECKS,
    *history.CHECKS,
    *history_residual.CHECKS,
    *history_dose.CHECKS,
    *history_window.CHECKS,
    *patient.CHECKS,
    *labelling.CHECKS,
    *drug.CHECKS,
    *patient_bolus.CHECKS,
    *since_visit.CHECKS,
)


def run_checks(context: CheckContext) -> list[Finding]:
    """All findings of the checks that run at the context's stage, worst first, then in
    registry order; each linked to the STOP it follows from, and its action worded for the
    stage."""
    findings: list[Finding] = []
    for check in CHECKS:
        if context.stage in check.stages:
            findings.extend(check.run(context))
    linked = link_consequences(findings, _CAUSES)
    staged = []
    for found in linked:
        action = staged_action(context.stage, found.severity.name, _action(found, context))
        # Most findings keep their action word for word (after programming, always): a copy
        # equal to the finding would only cost a `replace`.
        staged.append(found if action == found.action else replace(found, action=action))
    return sorted(staged, key=lambda found: -found.severity)


def _action(found: Finding, context: CheckContext) -> str:
    """The finding's action, or its code's own words for the stage before the fill."""
    written = _BEFORE_FILL_ACTIONS.get(found.code)
    return written if written and context.stage is Stage.BEFORE_FILL else found.action


def link_consequences(
    findings: list[Finding], causes_of: dict[str, tuple[str, ...]]
) -> list[Finding]:
    """Each finding whose code follows from a code that is a STOP here, marked as that STOP's
    consequence (the first such cause in registry order). Severity is never changed."""
    stops = [found.code for found in findings if found.severity is Severity.STOP]
    if not stops:
        return list(findings)  # nothing follows from a STOP that is not there
    linked = []
    for found in findings:
        causes = causes_of.get(found.code, ())
        cause = next((code for code in stops if code in causes and code != found.code), None)
        linked.append(found if cause is None else replace(found, consequence_of=cause))
    return linked


def catalogue() -> dict[str, CodeInfo]:
    """Every finding code itbcheck can report, by code."""
    return {info.code: info for check in CHECKS for info in check.codes}


# The codes each code follows from (`CodeInfo.follows_from`), read once.
_CAUSES = {code: info.follows_from for code, info in catalogue().items() if info.follows_from}
_BEFORE_FILL_ACTIONS = {
    code: info.before_fill_action
    for code, info in catalogue().items()
    if info.before_fill_action is not None
}


__all__ = [
    "CHECKS",
    "Check",
    "CheckContext",
    "CodeInfo",
    "catalogue",
    "link_consequences",
    "run_checks",
]
