"""Restarting a pump that stopped, stalled or ran empty: the dose must come down by the
policy's margin, or an override with approver and reason must cover it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, covering_override, finding
from itbcheck.checks.interruption import (
    Interruption,
    MostPerDay,
    interruption_restarted,
    most_per_day,
)
from itbcheck.findings import Figure, Finding, Hazard, Severity
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
    meaning="The pump was stopped, stalled or empty on arrival, or restarts from 0 mcg/day with "
    "dosing.dose_before_interruption and dosing.pump_off_for recorded, and the new daily dose is "
    "at or above the dose before the interruption (above it after a short stop). STOP, unless "
    "an override (rule restart_dose) with approver, reason and an approved limit at or above "
    "the new dose covers it; then CAUTION.",
    why="Tolerance falls during an interruption; the old dose can now be an overdose. Patient "
    "boluses count: the most per day (dose plus every allowed patient bolus) is judged against "
    "the most before (the dose before and the patient boluses recorded for before this visit).",
    source=_SOURCE,
    example="Pump empty on arrival, 480 mcg/day before, restarted at 480 mcg/day: STOP.",
)
RESTART_NOT_REDUCED = CodeInfo(
    code="RESTART_NOT_REDUCED",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Restart after an interruption not reduced by the policy's margin",
    meaning="The pump was stopped, stalled or empty on arrival (or restarts from 0 mcg/day, "
    "documented), off for longer than the policy's short stop or for an unrecorded time, and the "
    "new daily dose is below the dose before the interruption but above it less the policy's "
    "margin (20 % by default). "
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

RESTART_AFTER_SHORT_STOP = CodeInfo(
    code="RESTART_AFTER_SHORT_STOP",
    severity=Severity.CAUTION,
    hazard=Hazard.OVERDOSE,
    title="Restart after a documented short stop, at or below the dose before it",
    meaning="dosing.pump_off_for says the pump gave nothing for no longer than the policy's "
    "short stop (restart.short_stop_up_to, 4 h by default) and the restart is at or below the "
    "dose before the stop (dosing.dose_before_interruption when the pump was set to 0 mcg/day, "
    "else the previous dose). Above that dose: RESTART_AT_FULL_DOSE. A longer stop must come "
    "down by the policy's margin (RESTART_NOT_REDUCED).",
    why="A planned stop of a few hours is not a three-day empty pump: tolerance has not fallen, "
    "and a forced re-titration would only risk withdrawal; the labels still ask for a watch "
    "for overdose whenever the drug is re-introduced.",
    source=_SOURCE + " Short stop: [40] CSF baclofen kinetics (half-life 0.9-5 h); 4 h is "
    "itbcheck's choice.",
    example="Set to 0 mcg/day for a 2 h procedure, 480 mcg/day before, restarted at 480 "
    "mcg/day: CAUTION.",
)


def check_restart(context: CheckContext) -> Iterator[Finding]:
    stop = interruption_restarted(context)
    if stop is None:
        return
    most = most_per_day(context, stop)
    new = context.dose.prescribed_daily_dose_mcg_per_day
    previous = stop.before
    short = context.policy.restart.short_stop_up_to
    was = format_quantity(previous, "mcg/day")
    off = "" if stop.off_text is None else f", off for {stop.off_text}"
    if stop.off_hours is not None and stop.off_hours <= short.value:
        yield from _after_short_stop(context, stop, most, format_quantity(short.value, "h"))
        return
    margin = Decimal(context.policy.restart.reduction_percent)
    highest = most.before * (100 - margin) / 100
    figures = [
        Figure(stop.figure, previous, "mcg/day"),
        Figure("prescribed_daily_dose", new, "mcg/day"),
        Figure("reduction_required", margin, "%"),
        Figure("highest_restart_dose", highest, "mcg/day"),
        *most.figures(),
    ]
    if stop.off_hours is not None:
        figures.append(Figure("pump_off_for", stop.off_hours, "h"))
    if most.new <= highest:
        yield finding(
            RESTART_AFTER_INTERRUPTION,
            message=f"The pump {stop.what}{off} and restarts at "
            f"{format_quantity(new, 'mcg/day')} (was {was}).{most.note}",
            action="Assess for withdrawal now; re-titrate under physician supervision and watch "
            "for both withdrawal and overdose.",
            figures=figures,
        )
        return
    info = RESTART_AT_FULL_DOSE if most.new >= most.before else RESTART_NOT_REDUCED
    how = "not below" if most.new >= most.before else f"less than {format_number(margin)} % below"
    message = (
        f"The pump {stop.what}{off} and restarts at {most.restart_text()}, {how} the "
        f"{most.before_text()} before the interruption; at most "
        f"{format_quantity(highest, 'mcg/day')}{most.in_all} without an override."
    )
    yield from _judged(context, info, message, highest, figures, most=most)


def _after_short_stop(
    context: CheckContext, stop: Interruption, most: MostPerDay, short: str
) -> Iterator[Finding]:
    """Off for no longer than the policy's short stop: the dose before it may be resumed."""
    new = context.dose.prescribed_daily_dose_mcg_per_day
    was = format_quantity(stop.before, "mcg/day")
    assert stop.off_hours is not None  # only called for a recorded, short stop
    figures = [
        Figure(stop.figure, stop.before, "mcg/day"),
        Figure("prescribed_daily_dose", new, "mcg/day"),
        Figure("pump_off_for", stop.off_hours, "h"),
        Figure("short_stop_up_to", context.policy.restart.short_stop_up_to.value, "h"),
        *most.figures(),
    ]
    if most.new <= most.before:
        yield finding(
            RESTART_AFTER_SHORT_STOP,
            message=f"The pump {stop.what}, off for {stop.off_text} (a short stop: at most "
            f"{short}), and restarts at {format_quantity(new, 'mcg/day')} (was {was})."
            f"{most.note}",
            action="Restart as planned; watch for drowsiness, weakness and slowed breathing in "
            "the first hours, and for returning spasticity and itching.",
            figures=figures,
        )
        return
    message = (
        f"The pump {stop.what}, off for {stop.off_text} (a short stop), and restarts at "
        f"{most.restart_text()}, above the {most.before_text()} before the stop; at most "
        f"{format_quantity(most.before, 'mcg/day')}{most.in_all} without an override."
    )
    yield from _judged(context, RESTART_AT_FULL_DOSE, message, most.before, figures, most=most)


def _judged(
    context: CheckContext,
    info: CodeInfo,
    message: str,
    highest: Decimal,
    figures: list[Figure],
    *,
    most: MostPerDay,
) -> Iterator[Finding]:
    """A restart above what the policy accepts: STOP, or CAUTION under a covering override
    (one that approves the most per day, patient boluses included)."""
    override = covering_override(context, "restart_dose", most.new)
    if override is None:
        yield finding(
            info,
            message=message,
            action=f"Do not restart at this dose: restart at or below "
            f"{format_quantity(highest, 'mcg/day')}"
            + (" in all, patient boluses included," if most.any_boluses else "")
            + " and re-titrate under physician supervision, "
            "or record an override (rule restart_dose) with approver, reason and approved limit."
            + (
                " If the patient had these boluses before the interruption, record them in "
                "dosing.previous_patient_bolus and check again."
                if most.any_boluses and most.boluses_before == 0
                else ""
            ),
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
        (
            RESTART_AT_FULL_DOSE,
            RESTART_NOT_REDUCED,
            RESTART_AFTER_INTERRUPTION,
            RESTART_AFTER_SHORT_STOP,
        ),
    ),
)
