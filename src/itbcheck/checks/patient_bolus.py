"""Patient-activated boluses (SynchroMed personal therapy manager, Prometra patient therapy
controller): the most the patient can give, counted as given.

The term itself (every allowed activation, `max_per_day x dose`) is computed once, in the dose
summary (`dosing.DoseSummary.most_daily_dose_mcg_per_day`); the daily ceiling, the reservoir
forecast and the delivery curve read it there. This module holds what only patient boluses
have: the rise in the most per day against the previous visit's most, a lockout that cannot
hold the activations allowed, and a NOTE saying how the boluses were counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.checks.refill_increase import refill_limit
from itbcheck.checks.titration import increase_limit_percent
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.units import format_number, format_quantity

_SOURCE = (
    "Titration per 24 h ([1] Lioresal label; [2] Gablofen label); the Prometra patient "
    "therapy controller dates the refill assuming every allotted bolus is given, and allows at "
    "most the allotted boluses within 24 hours with the lockout between two ([34] Prometra PTC "
    "guide). Counting every allowed activation as given is itbcheck's choice, because the "
    "patient, not the programmer, decides whether they are used."
)

PATIENT_BOLUS_INCREASE_ABOVE_LIMIT = CodeInfo(
    code="PATIENT_BOLUS_INCREASE_ABOVE_LIMIT",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="The most per day, with patient boluses, rises above the 24-hour limit",
    meaning="The most the patient can receive per day (the prescribed dose plus every allowed "
    "patient-activated bolus) rises from the previous visit's most (previous daily dose plus "
    "the previous patient boluses; none if dosing.previous_patient_bolus is left out) by more "
    "than the policy's increase limit (30 % spinal, 15 % cerebral or under 18). Reported only "
    "when the prescribed dose alone is within the limit (else INCREASE_ABOVE_LIMIT is the STOP "
    "to act on).",
    why="A patient may give every allowed bolus: a new or larger patient bolus raises the "
    "day's exposure exactly as a larger programmed dose does.",
    source=_SOURCE,
    example="400 mcg/day, unchanged, and a new patient bolus of 4 x 50 mcg: most per day 400 "
    "-> 600 mcg/day (+50 %), above 30 % for spinal origin: STOP. The same patient bolus "
    "recorded as previous_patient_bolus too: 600 -> 600, no finding.",
)
PATIENT_BOLUS_LOCKOUT_INCONSISTENT = CodeInfo(
    code="PATIENT_BOLUS_LOCKOUT_INCONSISTENT",
    severity=Severity.CAUTION,
    hazard=Hazard.RECORD,
    title="Patient-bolus lockout and activations per day do not fit in 24 hours",
    meaning="lockout x max_per_day is more than 24 hours, so the activations allowed per day "
    "could never all be given: one of the two is probably mistyped (a lockout in hours for "
    "minutes, or activations per week). The checks still count max_per_day as written.",
    why="A setting that contradicts itself cannot be what the prescriber meant; the patient "
    "may be allowed more, or less, than intended.",
    source=_SOURCE,
    example="Lockout 8 h and 4 activations per day: 32 h > 24 h: CAUTION.",
)
PATIENT_BOLUS_COUNTED = CodeInfo(
    code="PATIENT_BOLUS_COUNTED",
    severity=Severity.NOTE,
    hazard=Hazard.OVERDOSE,
    title="Patient-activated boluses counted as given",
    meaning="Every allowed patient bolus is counted as given: in the daily ceiling, the rise in "
    "the most per day, the reservoir dates (both pumps) and the delivery curve (the activations "
    "as early as the lockout allows; in the busiest hour, as many as the lockout lets into it).",
    why="The nurse books the refill from dates that assume the worst, as the Prometra "
    "controller does; a patient who uses fewer boluses simply has drug left.",
    source=_SOURCE,
    example="400 mcg/day + 4 x 50 mcg: most 600 mcg/day; at 500 mcg/mL the reservoir is "
    "counted down at 1.2 mL/day, not 0.8: NOTE.",
)


def _mcg_day(name: str, value: Decimal) -> Figure:
    return Figure(name, value, "mcg/day")


def check_patient_bolus(context: CheckContext) -> Iterator[Finding]:
    dose = context.dose
    pb = dose.patient_bolus
    if pb is not None:
        yield finding(
            PATIENT_BOLUS_COUNTED,
            message=f"Up to {pb.max_per_day} patient boluses of "
            f"{format_quantity(pb.programmed_mcg, 'mcg')} a day "
            f"({format_quantity(pb.daily_max_mcg_per_day, 'mcg/day')}) are counted as given: at "
            f"most {format_quantity(dose.most_daily_dose_mcg_per_day, 'mcg/day')}, and "
            f"the reservoir dates count down "
            f"{format_quantity(dose.most_daily_volume_ml_per_day, 'mL/day')}.",
            action="None needed; tell the patient how many boluses a day the refill date allows.",
            figures=[
                Figure("patient_bolus", pb.programmed_mcg, "mcg"),
                Figure("max_per_day", Decimal(pb.max_per_day), "x"),
                _mcg_day("most_daily_dose", dose.most_daily_dose_mcg_per_day),
                Figure("most_daily_volume", dose.most_daily_volume_ml_per_day, "mL/day"),
            ],
        )
        written = context.record.dosing.patient_bolus
        assert written is not None  # the summary has a share only for a written bolus
        span = written.lockout.value * pb.max_per_day
        if span > 24:
            yield finding(
                PATIENT_BOLUS_LOCKOUT_INCONSISTENT,
                message=f"A lockout of {format_quantity(written.lockout.value, 'h')} and "
                f"{pb.max_per_day} activations a day need {format_quantity(span, 'h')}, more "
                "than 24 h: the day's activations cannot all be given. Counted as written.",
                action="Check the lockout and the activations per day against the prescription "
                "and the programmer, correct the one mistyped, and check again.",
                figures=[
                    Figure("lockout", written.lockout.value, "h"),
                    Figure("max_per_day", Decimal(pb.max_per_day), "x"),
                    Figure("lockout_times_max", span, "h"),
                ],
            )
    yield from _most_increase(context)


def _most_increase(context: CheckContext) -> Iterator[Finding]:
    dose = context.dose
    new, previous = dose.prescribed_daily_dose_mcg_per_day, dose.previous_daily_dose_mcg_per_day
    most, before = dose.most_daily_dose_mcg_per_day, dose.previous_most_daily_dose_mcg_per_day
    if (most, before) == (new, previous) or most <= before:
        return  # no patient bolus now or before, or the most does not rise
    limit, basis = increase_limit_percent(context)
    refill = refill_limit(context)
    stop_at = limit if refill is None else refill.percent  # issue 11 point 1
    change = dose.change_percent
    if new > previous and (change is None or change > stop_at):
        return  # INCREASE_ABOVE_LIMIT is the STOP to act on
    rise = None if before == 0 else (most - before) * 100 / before
    if rise is not None and rise <= limit:
        return
    if rise is not None and change is not None and limit < change and rise <= change:
        return  # REFILL_INCREASE_ABOVE_TITRATION covers it: the boluses add no larger step
    pb = dose.patient_bolus
    highest = before * (100 + limit) / 100
    figures = [
        _mcg_day("previous_most_daily_dose", before),
        _mcg_day("most_daily_dose", most),
        Figure("limit", limit, "%"),
        *([] if rise is None else [Figure("change", rise, "%")]),
    ]
    shown = "from nothing" if rise is None else f"+{format_number(rise, 1)} %"
    room = ""
    if pb is not None and highest > new:
        fits = ((highest - new) / pb.programmed_mcg).to_integral_value(rounding=ROUND_FLOOR)
        room = f" At this bolus dose, at most {format_number(fits)} activations a day fit."
    yield finding(
        PATIENT_BOLUS_INCREASE_ABOVE_LIMIT,
        message=f"With patient boluses the most per day rises from "
        f"{format_quantity(before, 'mcg/day')} to {format_quantity(most, 'mcg/day')} ({shown}), "
        f"above the {format_number(limit)} % limit per 24 h for {basis}. If the patient had the "
        "same patient boluses before, record them as dosing.previous_patient_bolus.",
        action=f"Allow at most {format_quantity(highest, 'mcg/day')} a day in all, programmed "
        f"dose and patient boluses together, and raise it in further steps, one per 24 h.{room}",
        figures=figures,
    )


CHECKS = (
    Check(
        "patient_bolus",
        check_patient_bolus,
        (
            PATIENT_BOLUS_INCREASE_ABOVE_LIMIT,
            PATIENT_BOLUS_LOCKOUT_INCONSISTENT,
            PATIENT_BOLUS_COUNTED,
        ),
    ),
)
