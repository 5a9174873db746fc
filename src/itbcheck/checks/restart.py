"""Restarting a pump that stopped, stalled or ran empty."""

from __future__ import annotations

from collections.abc import Iterator

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.units import format_quantity

_SOURCE = (
    "[10] Restart overdose 1991: restarts at the full prior dose after an interruption caused "
    "overdoses about 6 h later; [21] Sgouros 2010."
)

RESTART_AT_FULL_DOSE = CodeInfo(
    code="RESTART_AT_FULL_DOSE",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Restart at the full previous dose after an interruption",
    meaning="The pump was stopped, stalled or empty on arrival, and the new daily dose is at or "
    "above the dose before the interruption.",
    why="Tolerance falls during an interruption; the old dose can now be an overdose.",
    source=_SOURCE,
    example="Pump empty on arrival, 480 mcg/day before, restarted at 480 mcg/day: STOP.",
)
RESTART_AFTER_INTERRUPTION = CodeInfo(
    code="RESTART_AFTER_INTERRUPTION",
    severity=Severity.CAUTION,
    hazard=Hazard.WITHDRAWAL,
    title="Restart after an interruption, below the previous dose",
    meaning="The pump was stopped, stalled or empty on arrival and restarts at a reduced dose.",
    why="The patient may already be in withdrawal, and re-titration needs close watching both "
    "ways.",
    source=_SOURCE,
    example="Pump stalled on arrival, 480 mcg/day before, restarted at 200 mcg/day: CAUTION.",
)


def check_restart(context: CheckContext) -> Iterator[Finding]:
    status = context.record.pump.status_at_arrival
    new = context.dose.prescribed_daily_dose_mcg_per_day
    previous = context.dose.previous_daily_dose_mcg_per_day
    if status == "running" or new == 0:
        return
    figures = [
        Figure("previous_daily_dose", previous, "mcg/day"),
        Figure("prescribed_daily_dose", new, "mcg/day"),
    ]
    if new >= previous:
        yield finding(
            RESTART_AT_FULL_DOSE,
            message=f"The pump was {status} on arrival and restarts at "
            f"{format_quantity(new, 'mcg/day')}, not below the "
            f"{format_quantity(previous, 'mcg/day')} before the interruption.",
            action="Do not restart at this dose. Re-titrate from a low dose under physician "
            "supervision and watch breathing and consciousness for 24 h.",
            figures=figures,
        )
    else:
        yield finding(
            RESTART_AFTER_INTERRUPTION,
            message=f"The pump was {status} on arrival and restarts at "
            f"{format_quantity(new, 'mcg/day')} (was {format_quantity(previous, 'mcg/day')}).",
            action="Assess for withdrawal now; re-titrate under physician supervision and watch "
            "for both withdrawal and overdose.",
            figures=figures,
        )


CHECKS = (Check("restart", check_restart, (RESTART_AT_FULL_DOSE, RESTART_AFTER_INTERRUPTION)),)
