"""Checks of the dose across visits: the previous strength, dose and patient boluses the record
states against the last visit on file, and a dose change the record places between that visit
and this one (a titration at a visit with no refill). The increase added up over the policy's
window is checks/history_window.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.checks.history import (
    RECORD_SOURCE,
    last_visit_of_patient,
    last_visit_on_pump,
)
from itbcheck.checks.titration import increase_limit_percent
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.history.model import PastVisit
from itbcheck.units import format_number, format_quantity

HISTORY_PREVIOUS_MISMATCH = CodeInfo(
    code="HISTORY_PREVIOUS_MISMATCH",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Previous strength or dose differs from the last visit on file",
    meaning="The record's previous concentration differs from the concentration dispensed at "
    "the last visit with this pump, or its previous daily dose (to the places it is written in) "
    "from the dose prescribed at the "
    "patient's last visit (with any serial, unless a pump replacement is recorded since: the "
    "dose is the patient's) and the record does not place a change after that visit; or the "
    "previous patient boluses it states (their most per day) from those the last visit "
    "allowed: a CAUTION when the most per day, basal included, differs by no more than one "
    "titration step (a change at a clinic visit with no refill), else a STOP.",
    why="The concentration-change, bridge and titration checks all start from these values.",
    source=RECORD_SOURCE,
    example="Last visit dispensed 2000 mcg/mL, this record says previous 500 mcg/mL: STOP.",
)
HISTORY_DOSE_CHANGED_SINCE = CodeInfo(
    code="HISTORY_DOSE_CHANGED_SINCE",
    severity=Severity.NOTE,
    hazard=Hazard.RECORD,
    title="Daily dose changed since the last visit on file, at a visit not on file",
    meaning="The record's previous daily dose differs from the dose prescribed at the last visit "
    "on file, and its previous_dose_changed_at is after that visit: a titration programmed at "
    "a visit with no refill. A NOTE; a CAUTION when that change rose by more than one "
    "titration step's limit or fell by more than the policy's decrease caution. The residual "
    "carried forward counts each flow for its own time.",
    why="Titration steps are weekly or fortnightly and refills months apart, so most doses "
    "change between refills; the change itself was not checked by itbcheck.",
    source=RECORD_SOURCE + " Titration limits per step: [1] Lioresal label; [2] Gablofen "
    "label; [6] Saulino 2016.",
    example="480 mcg/day at the last refill, 576 mcg/day since 2026-11-29 (+20 %, within the "
    "30 % spinal step): NOTE. 480 to 720 mcg/day (+50 %): CAUTION, overdose.",
)
HISTORY_CHANGE_TIME = CodeInfo(
    code="HISTORY_CHANGE_TIME",
    severity=Severity.CAUTION,
    hazard=Hazard.RECORD,
    title="Last dose change earlier than the last visit that changed the dose",
    meaning="The last visit on file changed the daily dose, yet the record says the dose last "
    "changed on a day before that visit's (a time earlier on the same day is the same visit). "
    "A STOP when this visit changes the dose again within the "
    "policy's change window ([changes] window, 24 h) of that visit: the record's earlier time "
    "hid a second change, which SECOND_CHANGE_IN_WINDOW would have stopped.",
    why="The 24-hour change check counts from this time.",
    source=RECORD_SOURCE,
    example="Last visit changed the dose on 2026-11-27; the record says 2026-10-01: CAUTION. The "
    "same record 23 h after that visit, changing the dose again: STOP.",
)


def check_previous_values(context: CheckContext) -> Iterator[Finding]:
    same_pump = last_visit_on_pump(context)
    strength = context.record.refill.previous_concentration
    if same_pump is not None and strength.value != same_pump.dispensed_mcg_per_ml:
        yield finding(
            HISTORY_PREVIOUS_MISMATCH,
            message=f"Previous concentration {strength.text}, but "
            f"{format_quantity(same_pump.dispensed_mcg_per_ml, 'mcg/mL')} was dispensed last "
            "time.",
            action="Confirm what the pump holds; correct the record before programming.",
            figures=[
                Figure("previous_concentration", strength.value, "mcg/mL"),
                Figure("last_dispensed", same_pump.dispensed_mcg_per_ml, "mcg/mL"),
            ],
        )
    # The dose is the patient's: a new serial with no replacement recorded (HISTORY_PUMP_CHANGED)
    # does not switch its comparison off.
    last = last_visit_of_patient(context)
    if last is None:
        return
    dose, dosing = context.dose, context.record.dosing
    if not _same_as_written(dose.previous_daily_dose_mcg_per_day, last.prescribed_mcg_per_day):
        if dosing.previous_dose_changed_at > last.visit_time:
            yield _changed_since(context, last)
        else:
            yield finding(
                HISTORY_PREVIOUS_MISMATCH,
                message=f"Previous daily dose {dosing.previous_daily_dose.text}, but "
                f"{format_quantity(last.prescribed_mcg_per_day, 'mcg/day')} was prescribed "
                "last time.",
                action="Confirm the dose the pump runs; correct the record before programming.",
                figures=[
                    Figure("previous_daily_dose", dose.previous_daily_dose_mcg_per_day, "mcg/day"),
                    Figure("last_prescribed", last.prescribed_mcg_per_day, "mcg/day"),
                ],
            )
    changed_at = dosing.previous_dose_changed_at
    # Programmed during that visit, a few minutes before the time written for it, is no error:
    # only a change dated a day before that visit's own day contradicts it.
    visit_day = last.visit_time.astimezone(changed_at.tzinfo).date()
    if last.dose_changed and changed_at.date() < visit_day:
        yield _change_time(context, last)
    yield from _patient_bolus_then(context, last)


def _patient_bolus_then(context: CheckContext, last: PastVisit) -> Iterator[Finding]:
    """The previous patient boluses the record states against those the last visit allowed:
    a new bolus written as a previous one hides its increase from every check."""
    history, dose = context.previous, context.dose
    allowed = None if history is None else history.last_patient_bolus_mcg_per_day
    claimed = dose.previous_patient_bolus_mcg_per_day
    changed_since = context.record.dosing.previous_dose_changed_at > last.visit_time
    if allowed is None or claimed == allowed or changed_since:
        return
    # Changed at a clinic visit with no refill (never on file), the difference is small; written
    # to hide a new bolus, it is large. Judged as a step of the most per day, basal included.
    before = last.prescribed_mcg_per_day + allowed
    now = dose.previous_daily_dose_mcg_per_day + claimed
    change, _, beyond = _step(context, before, now)
    within = change is not None and beyond is None
    yield finding(
        HISTORY_PREVIOUS_MISMATCH,
        severity=Severity.CAUTION if within else None,
        message=f"Previous patient boluses up to {format_quantity(claimed, 'mcg/day')}, but the "
        f"last visit on file allowed {format_quantity(allowed, 'mcg/day')}"
        + (
            f": the most per day differs by {format_number(change, 1)} %, within one step, as a "
            "change at a visit with no refill would."
            if within and change is not None
            else "."
        ),
        action="Confirm the patient boluses the pump allowed before this visit (interrogation, "
        "the last refill sheet); correct dosing.previous_patient_bolus before programming.",
        figures=[
            Figure("previous_patient_bolus_daily_max", claimed, "mcg/day"),
            Figure("last_patient_bolus_daily_max", allowed, "mcg/day"),
            *(
                [Figure("change", change.quantize(Decimal("0.1")), "%")]
                if change is not None
                else []
            ),
        ],
    )


def _step(
    context: CheckContext, before: Decimal, after: Decimal
) -> tuple[Decimal | None, Decimal | None, Hazard | None]:
    """A change judged as one titration step: its percent (None from zero), the step's limit
    (the increase limit, or the policy's decrease caution), and the hazard when beyond it."""
    if not before:
        return None, None, None
    change = (after - before) * 100 / before
    if change > 0:
        limit = increase_limit_percent(context)[0]
        return change, limit, Hazard.OVERDOSE if change > limit else None
    limit = Decimal(context.policy.decrease.caution_above_percent)
    return change, limit, Hazard.WITHDRAWAL if -change > limit else None


def _same_as_written(written: Decimal, on_file: Decimal) -> bool:
    """True when the dose on file, rounded to the places the record writes, is the record's: a
    flex total such as 10600/24 = 441.666... mcg/day is written 441.7 or 441.67, as the
    programmer shows it, and no value a nurse can type equals it exactly."""
    exponent = written.as_tuple().exponent
    if written == on_file or not isinstance(exponent, int):
        return written == on_file
    return on_file.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP) == written


def _change_time(context: CheckContext, last: PastVisit) -> Finding:
    """HISTORY_CHANGE_TIME; a STOP when the change on file is within the policy's window of a
    change made at this visit: the record's earlier time hid a second change."""
    dose, stated = context.dose, context.record.dosing.previous_dose_changed_at
    seconds = (context.record.visit_time - last.visit_time) // dt.timedelta(seconds=1)
    hours = Decimal(seconds) / 3600
    window = context.policy.changes.window.value
    again = dose.prescribed_daily_dose_mcg_per_day != dose.previous_daily_dose_mcg_per_day
    message = (
        f"The dose last changed at the visit of {last.visit_time.isoformat()}, but the record "
        f"says {stated.isoformat()}."
    )
    if not again or hours >= window:
        return finding(
            HISTORY_CHANGE_TIME, message=message, action="Correct the time of the last dose change."
        )
    lower = dose.prescribed_daily_dose_mcg_per_day < dose.previous_daily_dose_mcg_per_day
    return finding(
        HISTORY_CHANGE_TIME,
        severity=Severity.STOP,
        hazard=Hazard.WITHDRAWAL if lower else Hazard.OVERDOSE,
        message=f"{message} This visit changes the dose again {format_number(hours, 1)} h "
        f"after it: at most one change per {format_number(window)} h.",
        action="Keep the current dose; correct the time of the last dose change, and make the "
        f"change once {format_number(window)} h have passed since the last one.",
        figures=[
            Figure("hours_since_last_change", hours.quantize(Decimal("0.1")), "h"),
            Figure("window", window, "h"),
        ],
    )


def _changed_since(context: CheckContext, last: PastVisit) -> Finding:
    """HISTORY_DOSE_CHANGED_SINCE: the dose changed between the last visit and this one."""
    before, after = last.prescribed_mcg_per_day, context.dose.previous_daily_dose_mcg_per_day
    when = context.record.dosing.previous_dose_changed_at.isoformat()
    change, limit, hazard = _step(context, before, after)
    caution = hazard is not None
    sign = "+" if change is not None and change > 0 else ""
    shown = "" if change is None else f" ({sign}{format_number(change, 1)} %)"
    return finding(
        HISTORY_DOSE_CHANGED_SINCE,
        severity=Severity.CAUTION if caution else None,
        hazard=hazard,
        message=f"The daily dose changed on {when}, after the last visit on file, from "
        f"{format_quantity(before, 'mcg/day')} to "
        f"{format_quantity(after, 'mcg/day')}{shown}"
        + (
            f", beyond the {format_number(limit)} % limit of one step."
            if caution and limit is not None
            else "."
        ),
        action="Confirm with the prescriber that this change was intended, and with the pump's "
        "interrogation that it runs this dose, before programming."
        if caution
        else "None beyond the usual interrogation: confirm the pump runs this dose.",
        figures=[
            Figure("last_prescribed", before, "mcg/day"),
            Figure("previous_daily_dose", after, "mcg/day"),
            *(
                [Figure("change", change.quantize(Decimal("0.1")), "%")]
                if change is not None
                else []
            ),
            *([Figure("limit", limit, "%")] if limit is not None else []),
        ],
    )


CHECKS: tuple[Check, ...] = (
    Check(
        "history_previous_values",
        check_previous_values,
        (HISTORY_PREVIOUS_MISMATCH, HISTORY_DOSE_CHANGED_SINCE, HISTORY_CHANGE_TIME),
    ),
)
