"""Dose changes: how much, how soon after the last one, and stopping a pump."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding, step_note
from itbcheck.checks.interruption import is_documented_restart_from_zero
from itbcheck.checks.refill_increase import (
    REFILL_INCREASE_ABOVE_TITRATION,
    refill_band,
    refill_limit,
)
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.units import format_number, format_quantity

_TITRATION_SOURCE = (
    "US labels ([1] Lioresal label; [2] Gablofen label): increase 10-30 % per 24 h for spinal "
    "origin, 5-15 % for cerebral origin and children; at most one change per 24 h; at periodic "
    "refills 10-40 % spinal, 5-20 % cerebral ([29] ITB dosing compendia). [6] Saulino "
    "2016. The limits, the top of each label range, are itbcheck's choice."
)
_WITHDRAWAL_SOURCE = (
    "Boxed warning of the baclofen intrathecal labels ([1] Lioresal label; [2] Gablofen label): "
    "abrupt interruption has caused high fever, rhabdomyolysis, multi-organ failure and death."
)

INCREASE_ABOVE_LIMIT = CodeInfo(
    code="INCREASE_ABOVE_LIMIT",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Dose increase above the 24-hour limit",
    meaning="The new daily dose is more above the previous one than the policy allows in one "
    "24-hour step: 30 % for spinal origin, 15 % for cerebral origin or age under 18 by default; "
    "at a periodic refill (policy [refill_increase]) more than the refill limit: 40 % spinal, "
    "20 % cerebral, 15 % under 18. An increase from 0 mcg/day is a restart: without "
    "dosing.dose_before_interruption and dosing.pump_off_for it cannot be checked.",
    why="Larger steps risk overdose; at high doses even 20 % can be too much.",
    source=_TITRATION_SOURCE,
    example="400 -> 560 mcg/day (+40 %) for spinal origin, last change 7 days ago: STOP. "
    "400 -> 500 mcg/day (+25 %): CLEAR for spinal origin, STOP for cerebral origin. At a "
    "periodic refill: 400 -> 580 mcg/day (+45 %) spinal: STOP.",
)
SECOND_CHANGE_IN_WINDOW = CodeInfo(
    code="SECOND_CHANGE_IN_WINDOW",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Second dose change within 24 hours",
    meaning="The dose changes now, and the previous change was less than the policy's window "
    "(24 h) before this visit. Hazard is overdose for an increase, withdrawal for a decrease.",
    why="A change needs 24 h to show its full effect; stacking changes stacks the risk.",
    source=_TITRATION_SOURCE,
    example="Dose changed yesterday at 14:00, changed again today at 10:00: STOP.",
)
RECORD_TIMES_OUT_OF_ORDER = CodeInfo(
    code="RECORD_TIMES_OUT_OF_ORDER",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Last dose change is after the visit",
    meaning="The record says the dose last changed after this visit's time, so the time since "
    "the last change cannot be known.",
    why="A record that contradicts itself cannot be checked; it is never CLEAR.",
    source="itbcheck safety principle 1 (fail closed); one change per 24 h: [1] Lioresal label.",
    example="visit_time 2026-11-27T10:00Z, previous_dose_changed_at 2026-11-28T09:00Z: STOP.",
)
DECREASE_LARGE = CodeInfo(
    code="DECREASE_LARGE",
    severity=Severity.CAUTION,
    hazard=Hazard.WITHDRAWAL,
    title="Large dose decrease",
    meaning="The new daily dose is more than the policy's percentage (20 %) below the previous.",
    why="A large reduction can bring back spasticity and start withdrawal.",
    source=_WITHDRAWAL_SOURCE,
    example="500 -> 350 mcg/day (-30 %): CAUTION.",
)
PUMP_STOP_WITHOUT_REASON = CodeInfo(
    code="PUMP_STOP_WITHOUT_REASON",
    severity=Severity.STOP,
    hazard=Hazard.WITHDRAWAL,
    title="Pump stopped without a recorded reason",
    meaning="The new daily dose is zero and the record gives no change_reason.",
    why="Stopping intrathecal baclofen abruptly can kill within days; a zero dose must be a "
    "decision, never a slip.",
    source=_WITHDRAWAL_SOURCE,
    example="480 -> 0 mcg/day, no change_reason: STOP.",
)
PUMP_STOPPED = CodeInfo(
    code="PUMP_STOPPED",
    severity=Severity.CAUTION,
    hazard=Hazard.WITHDRAWAL,
    title="Pump stopped, with a recorded reason",
    meaning="The new daily dose is zero and the record says why.",
    why="Withdrawal signs can start within hours; the patient needs a plan to watch for them.",
    source=_WITHDRAWAL_SOURCE,
    example="480 -> 0 mcg/day, change_reason 'pump explant scheduled': CAUTION.",
)


def _percent(value: Decimal) -> Figure:
    return Figure("change", value, "%")


def _doses(previous: Decimal, new: Decimal) -> list[Figure]:
    # Built only for a finding: most rows change the dose within every limit.
    return [
        Figure("previous_daily_dose", previous, "mcg/day"),
        Figure("prescribed_daily_dose", new, "mcg/day"),
    ]


def increase_limit_percent(context: CheckContext) -> tuple[Decimal, str]:
    """The allowed increase for this patient, and why that limit applies."""
    policy = context.policy.increase
    patient = context.record.patient
    if patient.age_years < policy.paediatric_below_age_years:
        return Decimal(
            policy.max_percent_paediatric
        ), f"age under {policy.paediatric_below_age_years}"
    if patient.origin == "cerebral":
        return Decimal(policy.max_percent_cerebral), "cerebral origin"
    return Decimal(policy.max_percent_spinal), "spinal origin"


def check_increase(context: CheckContext) -> Iterator[Finding]:
    new = context.dose.prescribed_daily_dose_mcg_per_day
    previous = context.dose.previous_daily_dose_mcg_per_day
    if new <= previous:
        return
    limit, basis = increase_limit_percent(context)
    change = context.dose.change_percent
    if change is not None and change <= limit:
        return  # most increases: within the limit, so no figures to build
    doses = [*_doses(previous, new), Figure("limit", limit, "%")]
    if change is None:
        if is_documented_restart_from_zero(context):
            return  # the restart check judges it against the dose before the interruption
        yield finding(
            INCREASE_ABOVE_LIMIT,
            message=f"Restart from 0 mcg/day to {format_quantity(new, 'mcg/day')}: the limit is "
            f"{format_number(limit)} % per 24 h ({basis}).",
            action="Do not restart at this dose. Record the dose before the interruption "
            "(dosing.dose_before_interruption) and how long the pump delivered nothing "
            "(dosing.pump_off_for) and check again, or re-titrate from a low dose under "
            "physician supervision: restarts at a full dose have caused overdose within hours.",
            figures=doses,
        )
        return
    refill = refill_limit(context)
    if refill is not None and change <= refill.percent:
        yield from refill_band(context, change, limit, refill)
        return
    if refill is not None:
        highest = previous * (100 + refill.percent) / 100
        yield finding(
            INCREASE_ABOVE_LIMIT,
            message=f"{format_quantity(previous, 'mcg/day')} -> {format_quantity(new, 'mcg/day')}"
            f" is +{format_number(change, 1)} %, above the {format_number(refill.percent)} % "
            f"allowed at a periodic refill for {refill.basis}." + step_note(context.dose),
            action=f"Program at most {format_quantity(highest, 'mcg/day')} at this refill and "
            "reach the target in further steps; no override lifts this limit.",
            figures=[*doses[:2], Figure("limit", refill.percent, "%"), _percent(change)],
        )
        return
    yield finding(
        INCREASE_ABOVE_LIMIT,
        message=f"{format_quantity(previous, 'mcg/day')} -> {format_quantity(new, 'mcg/day')}"
        f" is +{format_number(change, 1)} %, above the {format_number(limit)} % limit per "
        f"24 h for {basis}." + step_note(context.dose),
        action=f"Program at most {format_quantity(previous * (100 + limit) / 100, 'mcg/day')} "
        "today and reach the target in further steps, one per 24 h.",
        figures=[*doses, _percent(change)],
    )


def check_change_window(context: CheckContext) -> Iterator[Finding]:
    dose = context.dose
    hours = dose.hours_since_last_change
    window = context.policy.changes.window.value
    record = context.record
    if hours < 0:
        yield finding(
            RECORD_TIMES_OUT_OF_ORDER,
            message=f"previous_dose_changed_at is {format_number(-hours, 1)} h after visit_time.",
            action="Correct the visit time or the time of the last dose change, then check again.",
            figures=[Figure("hours_since_last_change", hours, "h")],
        )
        return
    changes = (
        context.dose.prescribed_daily_dose_mcg_per_day
        != context.dose.previous_daily_dose_mcg_per_day
    )
    # A documented restart from zero resumes a dose rather than changing it: making the patient
    # wait 24 h after the stop would force a withdrawal (the restart check judges the dose).
    if changes and hours < window and not is_documented_restart_from_zero(context):
        lower = dose.prescribed_daily_dose_mcg_per_day < dose.previous_daily_dose_mcg_per_day
        yield finding(
            SECOND_CHANGE_IN_WINDOW,
            hazard=Hazard.WITHDRAWAL if lower else Hazard.OVERDOSE,
            message=f"The dose last changed {format_number(hours, 1)} h ago "
            f"({record.dosing.previous_dose_changed_at.isoformat()}); at most one change per "
            f"{format_number(window)} h.",
            action="Keep the current dose; make the change once "
            f"{format_number(window)} h have passed since the last one.",
            figures=[Figure("hours_since_last_change", hours, "h"), Figure("window", window, "h")],
        )


def check_decrease(context: CheckContext) -> Iterator[Finding]:
    new = context.dose.prescribed_daily_dose_mcg_per_day
    previous = context.dose.previous_daily_dose_mcg_per_day
    if new == 0:
        doses = _doses(previous, new)
        reason = context.record.dosing.change_reason
        was = format_quantity(previous, "mcg/day")
        if reason is None:
            yield finding(
                PUMP_STOP_WITHOUT_REASON,
                message=f"The new daily dose is 0 mcg/day (was {was}) and no change_reason is "
                "recorded.",
                action="Do not stop the pump unless the physician ordered it; record the reason "
                "in dosing.change_reason and plan withdrawal monitoring.",
                figures=doses,
            )
        else:
            yield finding(
                PUMP_STOPPED,
                message=f"The pump is set to 0 mcg/day (was {was}): {reason}.",
                action="Arrange oral baclofen cover as ordered and tell the patient and carers "
                "the early signs of withdrawal: returning spasticity, itching, fever, low blood "
                "pressure.",
                figures=doses,
            )
        return
    change = context.dose.change_percent
    limit = Decimal(context.policy.decrease.caution_above_percent)
    if change is not None and -change > limit:
        yield finding(
            DECREASE_LARGE,
            message=f"{format_quantity(previous, 'mcg/day')} -> {format_quantity(new, 'mcg/day')} "
            f"is {format_number(change, 1)} %, a larger decrease than {format_number(limit)} %.",
            action="Confirm the decrease with the prescriber and watch for withdrawal signs: "
            "returning spasticity, itching, fever, low blood pressure.",
            figures=[*_doses(previous, new), _percent(change), Figure("limit", limit, "%")],
        )


CHECKS = (
    Check(
        "increase_limit", check_increase, (INCREASE_ABOVE_LIMIT, REFILL_INCREASE_ABOVE_TITRATION)
    ),
    Check(
        "change_window", check_change_window, (SECOND_CHANGE_IN_WINDOW, RECORD_TIMES_OUT_OF_ORDER)
    ),
    Check(
        "decrease_and_stop",
        check_decrease,
        (DECREASE_LARGE, PUMP_STOP_WITHOUT_REASON, PUMP_STOPPED),
    ),
)
