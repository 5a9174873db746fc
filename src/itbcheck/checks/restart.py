"""Restarting a pump that stopped, stalled or ran empty: the dose must come down by the
policy's margin, or an override with approver and reason must cover it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.records import Override
from itbcheck.units import format_number, format_quantity

_SOURCE = (
    "[10] Restart overdose 1991 (restarts at the full prior dose after an interruption caused "
    "overdoses about 6 h later); [1] Lioresal label (overdose on reintroduction after an "
    "interruption); [21] Sgouros 2010. The 20 % default margin is itbcheck's choice (policy "
    "[restart])."
)

RESTART_AT_FULL_DOSE = CodeInfo(
    code="RESTART_AT_FULL_DOSE",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Restart at the full previous dose after an interruption",
    meaning="The pump was stopped, stalled or empty on arrival, and the new daily dose is at or "
    "above the dose before the interruption. STOP, unless an override (rule restart_dose) with "
    "approver, reason and an approved limit at or above the new dose covers it; then CAUTION.",
    why="Tolerance falls during an interruption; the old dose can now be an overdose.",
    source=_SOURCE,
    example="Pump empty on arrival, 480 mcg/day before, restarted at 480 mcg/day: STOP.",
)
RESTART_NOT_REDUCED = CodeInfo(
    code="RESTART_NOT_REDUCED",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Restart after an interruption not reduced by the policy's margin",
    meaning="The pump was stopped, stalled or empty on arrival, and the new daily dose is below "
    "the dose before the interruption but above it less the policy's margin (20 % by default). "
    "STOP, unless an override (rule restart_dose) with approver, reason and an approved limit at "
    "or above the new dose covers it; then CAUTION.",
    why="A restart at 99 % of the old dose is a restart at the full dose in all but name.",
    source=_SOURCE,
    example="Pump stalled, 500 mcg/day before, restarted at 495 mcg/day (above 400): STOP.",
)
RESTART_AFTER_INTERRUPTION = CodeInfo(
    code="RESTART_AFTER_INTERRUPTION",
    severity=Severity.CAUTION,
    hazard=Hazard.WITHDRAWAL,
    title="Restart after an interruption, reduced by at least the policy's margin",
    meaning="The pump was stopped, stalled or empty on arrival and restarts at or below the dose "
    "before the interruption less the policy's margin.",
    why="The patient may already be in withdrawal, and re-titration needs close watching both "
    "ways.",
    source=_SOURCE,
    example="Pump stalled on arrival, 480 mcg/day before, restarted at 200 mcg/day: CAUTION.",
)


def _covering(overrides: tuple[Override, ...], dose: Decimal) -> Override | None:
    for override in overrides:
        if override.rule == "restart_dose" and override.approved_limit.value >= dose:
            return override
    return None


def check_restart(context: CheckContext) -> Iterator[Finding]:
    status = context.record.pump.status_at_arrival
    new = context.dose.prescribed_daily_dose_mcg_per_day
    previous = context.dose.previous_daily_dose_mcg_per_day
    if status == "running" or new == 0:
        return
    margin = Decimal(context.policy.restart.reduction_percent)
    highest = previous * (100 - margin) / 100
    figures = [
        Figure("previous_daily_dose", previous, "mcg/day"),
        Figure("prescribed_daily_dose", new, "mcg/day"),
        Figure("reduction_required", margin, "%"),
        Figure("highest_restart_dose", highest, "mcg/day"),
    ]
    was = format_quantity(previous, "mcg/day")
    if new <= highest:
        yield finding(
            RESTART_AFTER_INTERRUPTION,
            message=f"The pump was {status} on arrival and restarts at "
            f"{format_quantity(new, 'mcg/day')} (was {was}).",
            action="Assess for withdrawal now; re-titrate under physician supervision and watch "
            "for both withdrawal and overdose.",
            figures=figures,
        )
        return
    info = RESTART_AT_FULL_DOSE if new >= previous else RESTART_NOT_REDUCED
    how = "not below" if new >= previous else f"less than {format_number(margin)} % below"
    message = (
        f"The pump was {status} on arrival and restarts at {format_quantity(new, 'mcg/day')}, "
        f"{how} the {was} before the interruption; at most "
        f"{format_quantity(highest, 'mcg/day')} without an override."
    )
    override = _covering(context.record.overrides, new)
    if override is None:
        yield finding(
            info,
            message=message,
            action=f"Do not restart at this dose: restart at or below "
            f"{format_quantity(highest, 'mcg/day')} and re-titrate under physician supervision, "
            "or record an override (rule restart_dose) with approver, reason and approved limit.",
            figures=figures,
        )
        return
    approved = override.approved_limit.value
    yield finding(
        info,
        severity=Severity.CAUTION,
        message=f"{message} Override approved to {format_quantity(approved, 'mcg/day')} by "
        f"{override.approver} ({override.reason}).",
        action="Proceed only as approved; watch breathing and consciousness for 24 h, and for "
        "returning spasticity, itching and fever.",
        figures=[*figures, Figure("approved_limit", approved, "mcg/day")],
    )


CHECKS = (
    Check(
        "restart",
        check_restart,
        (RESTART_AT_FULL_DOSE, RESTART_NOT_REDUCED, RESTART_AFTER_INTERRUPTION),
    ),
)
