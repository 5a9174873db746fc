"""Restart facts that were written down but that nothing used.

`dosing.pump_off_for` and `dosing.dose_before_interruption` describe an interruption
(`checks/restart.py`). On a visit that restarts nothing, or where the restart is judged from
another figure, they would be read by no check: a nurse who wrote "off for 30 hours" on a pump
recorded as running at its old dose would get a verdict that never considered it. The record
contradicts itself, so it is not CLEAR (fail closed), and the finding says which figure was
used instead. Issue 11's review.
"""

from __future__ import annotations

from collections.abc import Iterator

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Finding, Hazard, Severity
from itbcheck.units import format_quantity

RESTART_FIELDS_NOT_USED = CodeInfo(
    code="RESTART_FIELDS_NOT_USED",
    severity=Severity.CAUTION,
    hazard=Hazard.RECORD,
    title="Interruption recorded, but this visit is not judged as a restart from it",
    meaning="dosing.pump_off_for or dosing.dose_before_interruption is recorded, but the record "
    "otherwise describes no interruption they could apply to: the pump was running on arrival at "
    "a dose above 0 mcg/day, or the pump is being set to 0 mcg/day, or (for a stopped, stalled or "
    "empty pump) the restart is judged from previous_daily_dose. The restart rules were not "
    "applied to the recorded figures.",
    why="The record contradicts itself: either the pump was interrupted and the status or "
    "previous dose is wrong (a restart at the full old dose after a long stop can overdose), or "
    "the interruption fields are left over from another visit.",
    source="[1] Lioresal label; [2] Gablofen label (re-introduction after an interruption in "
    "therapy). Reporting a recorded fact that no check used is itbcheck's choice: a record that "
    "cannot be fully understood is never CLEAR.",
    example="Pump running on arrival at 400 mcg/day, dosing.pump_off_for '30 h': CAUTION.",
)


def check_restart_fields(context: CheckContext) -> Iterator[Finding]:
    record, dose = context.record, context.dose
    dosing, status = record.dosing, record.pump.status_at_arrival
    written = [
        name
        for name in ("pump_off_for", "dose_before_interruption")
        if getattr(dosing, name) is not None
    ]
    previous, new = dose.previous_daily_dose_mcg_per_day, dose.prescribed_daily_dose_mcg_per_day
    if not written or (previous == 0 and new > 0):
        # A restart from 0 uses both; with one missing the titration check names the other.
        return
    used = {"pump_off_for"} if status != "running" and new > 0 else set()
    unused = [name for name in written if name not in used]
    if not unused:
        return
    if new == 0:
        why = "the pump is being set to 0 mcg/day, so nothing restarts"
    elif status == "running":
        why = (
            f"the pump was running on arrival at {format_quantity(previous, 'mcg/day')}, so "
            "nothing restarts"
        )
    else:
        why = (
            f"the pump was {status} on arrival, and the restart is judged from "
            f"previous_daily_dose ({format_quantity(previous, 'mcg/day')})"
        )
    names = " and ".join(f"dosing.{name}" for name in unused)
    yield finding(
        RESTART_FIELDS_NOT_USED,
        message=f"{names} {'are' if len(unused) > 1 else 'is'} recorded, but {why}.",
        action="Check the record with the pump's interrogation: if the pump was interrupted, "
        "correct pump.status_at_arrival or dosing.previous_daily_dose (0 mcg/day when it was "
        "set to zero) so the restart rules apply; otherwise remove the interruption fields.",
    )


CHECKS = (Check("restart_fields", check_restart_fields, (RESTART_FIELDS_NOT_USED,)),)
