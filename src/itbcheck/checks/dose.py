"""The daily dose against the policy's typical range (soft) and ceiling (hard)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import (
    Check,
    CheckContext,
    CodeInfo,
    dose_words,
    finding,
    step_note,
)
from itbcheck.dosing import DoseSummary
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.recordsections import Override
from itbcheck.rounding import typed_quantity
from itbcheck.units import format_number, format_quantity

_SOURCE = (
    "[27] Typical dose range study (50-800 mcg/day); [1] Lioresal label, [2] Gablofen label "
    "(limited experience above 1000 mcg/day)."
)

DOSE_ABOVE_CEILING = CodeInfo(
    code="DOSE_ABOVE_CEILING",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Daily dose above the hard ceiling",
    meaning="The prescribed 24-hour total is above the policy's hard ceiling; or, when the "
    "policy sets ceiling_includes_accuracy_band = true (the default is false), it would be once "
    "the pump runs at the top of its verified accuracy band (SynchroMed II: up to 14.5 % more "
    "than programmed), so the highest dose to program is the ceiling / (1 + band). No override "
    "in a record can lift it; only the clinic's policy file can. With patient-activated "
    "boluses (dosing.patient_bolus) the dose judged is the most per day: the prescribed total "
    "plus max_per_day x the bolus dose.",
    why="Experience above 1000 mcg/day is limited; overdose causes respiratory depression, "
    "seizures and coma, and there is no antidote.",
    source=_SOURCE,
    example="1100 mcg/day prescribed, ceiling 1000 mcg/day: STOP, even with an override. With "
    "ceiling_includes_accuracy_band = true, 900 mcg/day in a SynchroMed II may deliver 1030.5 "
    "mcg/day: STOP; at most 873.3624 mcg/day.",
)
DOSE_WORST_CASE_ABOVE_CEILING = CodeInfo(
    code="DOSE_WORST_CASE_ABOVE_CEILING",
    severity=Severity.CAUTION,
    hazard=Hazard.OVERDOSE,
    title="Worst-case delivered dose above the hard ceiling",
    meaning="The prescribed 24-hour total is within the hard ceiling as programmed, but at the "
    "top of the pump's verified accuracy band (SynchroMed II: 14.5 % more than programmed) the "
    "pump may deliver more than the ceiling. Reported with the worst-case daily dose and the "
    "highest dose that stays under the ceiling in this pump, ceiling / (1 + band). Given when "
    "the policy sets ceiling_includes_accuracy_band = false (the default); with true it is a "
    "DOSE_ABOVE_CEILING STOP instead. With patient-activated boluses the dose judged is the "
    "most per day, every allowed activation given.",
    why="Labels and prescribers express doses as programmed, and a STOP at every refill of a "
    "patient stable on 900 mcg/day would teach staff to ignore the policy; the worst case stays "
    "visible so an over-infusing pump is looked for.",
    source="Ceiling: [1] Lioresal label, [2] Gablofen label (limited experience above 1000 "
    "mcg/day). Band: [16] SynchroMed over-infusion notices (over-infusion is more than 14.5 % "
    "above the programmed rate). The default false is itbcheck's choice (issue 10 point 17).",
    example="900 mcg/day in a SynchroMed II may deliver 900 x 1.145 = 1030.5 mcg/day, above "
    "1000: CAUTION; at most 873.3624 mcg/day stays under it.",
)
DOSE_ABOVE_RANGE = CodeInfo(
    code="DOSE_ABOVE_RANGE",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Daily dose above the typical range",
    meaning="The prescribed 24-hour total is above the typical maximum. STOP, unless an override "
    "with approver and reason approves at least this dose; then CAUTION.",
    why="Doses above the typical range are unusual; a sudden need for them suggests a catheter "
    "or pump problem, and a typing error looks exactly like this.",
    source=_SOURCE,
    example="850 mcg/day with no override: STOP; with an override approving 900 mcg/day: CAUTION.",
)
DOSE_BELOW_RANGE = CodeInfo(
    code="DOSE_BELOW_RANGE",
    severity=Severity.STOP,
    hazard=Hazard.WITHDRAWAL,
    title="Daily dose below the typical range",
    meaning="The prescribed 24-hour total is above zero but below the typical minimum for the "
    "patient's age (policy [age_bands]: 24 mcg/day under 12 by default, 50 mcg/day from 12). "
    "STOP, unless an override approves a minimum at or below this dose; then CAUTION.",
    why="An unintended low dose can start baclofen withdrawal, which can kill within days.",
    source=_SOURCE + " Children under 12: 24-1199 mcg/day ([1] Lioresal label; [2] Gablofen "
    "label); the age bands are itbcheck's choice (policy [age_bands]).",
    example="40 mcg/day with no override, age 42: STOP. 30 mcg/day at age 8: within the "
    "under-12 range (24 mcg/day and up), no finding.",
)


def _mcg_day(name: str, value: Decimal) -> Figure:
    return Figure(name, value, "mcg/day")


def _patient_bolus_figures(dose: DoseSummary) -> list[Figure]:
    if dose.patient_bolus is None:
        return []
    return [
        _mcg_day("patient_bolus_daily_max", dose.patient_bolus_daily_max_mcg_per_day),
        _mcg_day("most_daily_dose", dose.most_daily_dose_mcg_per_day),
    ]


def _covering(overrides: tuple[Override, ...], *, dose: Decimal, above: bool) -> Override | None:
    """The first daily-dose override whose approved limit reaches the dose on its side."""
    for override in overrides:
        limit = override.approved_limit.value
        if override.rule == "daily_dose_range" and (limit >= dose if above else limit <= dose):
            return override
    return None


def _worst_case_above_ceiling(
    context: CheckContext, dose: Decimal, ceiling: Decimal
) -> Iterator[Finding]:
    """A dose within the ceiling as programmed, but not once the pump over-delivers by as much
    as its accuracy band allows. The band is the pump's, so it cancels out of the change from the
    previous dose; against the absolute ceiling it does not."""
    band = context.forecast.accuracy_band_percent
    if band is None or dose * (100 + band) <= ceiling * 100:
        return
    worst = dose * (100 + band) / 100
    highest = ceiling * 100 / (100 + band)
    typed_highest = typed_quantity(highest, "mcg/day", context.profile, "down")
    figures = [
        _mcg_day("prescribed_daily_dose", context.dose.prescribed_daily_dose_mcg_per_day),
        *_patient_bolus_figures(context.dose),
        Figure("accuracy_band", band, "%"),
        Figure("worst_case_daily_dose", worst, "mcg/day", "up"),
        Figure("highest_dose_under_ceiling", highest, "mcg/day", "down"),
        _mcg_day("hard_ceiling", ceiling),
    ]
    if not context.policy.daily_dose.ceiling_includes_accuracy_band:
        yield finding(
            DOSE_WORST_CASE_ABOVE_CEILING,
            message=f"{dose_words(context.dose, dose)} is within the hard ceiling "
            f"of {format_quantity(ceiling, 'mcg/day')} as programmed, but a "
            f"{context.profile.name} pump may deliver up to {format_number(band)} % more: "
            f"{format_quantity(worst, 'mcg/day')} at worst. The highest dose that stays under "
            f"the ceiling in this pump is {typed_highest}." + step_note(context.dose),
            action="Confirm the dose with the prescriber, and watch for drowsiness, slow "
            "breathing and low muscle tone; a residual smaller than expected at the next refill "
            "points to an over-infusing pump.",
            figures=figures,
        )
        return
    yield finding(
        DOSE_ABOVE_CEILING,
        message=f"{dose_words(context.dose, dose)} is within the hard ceiling of "
        f"{format_quantity(ceiling, 'mcg/day')}, but a {context.profile.name} pump may deliver "
        f"up to {format_number(band)} % more: {format_quantity(worst, 'mcg/day')}, above it; "
        "an override cannot lift it." + step_note(context.dose),
        action=f"Do not program this dose: at most {typed_highest} in this "
        "pump. Confirm the prescription with the prescriber; the ceiling can only be raised in "
        "the clinic's policy.",
        figures=figures,
    )


def check_daily_dose_range(context: CheckContext) -> Iterator[Finding]:
    dose = context.dose.prescribed_daily_dose_mcg_per_day
    # The soft range depends on age (issue 11 point 4); the hard ceiling does not.
    typical_min, typical_max, band = context.policy.dose_range(context.record.patient.age_years)
    low, high = typical_min.value, typical_max.value
    ceiling = context.policy.daily_dose.hard_ceiling.value
    # Against the ceiling: the most the patient can receive, every allowed patient bolus given
    # (the same as the prescribed dose without patient boluses).
    most = context.dose.most_daily_dose_mcg_per_day
    if most == 0:
        return  # a stopped pump is its own finding (PUMP_STOP_*)
    if most > ceiling:
        yield finding(
            DOSE_ABOVE_CEILING,
            message=f"{dose_words(context.dose, most)} is above the hard ceiling of "
            f"{format_quantity(ceiling, 'mcg/day')}; an override cannot lift it."
            + step_note(context.dose),
            action="Do not program this dose. Confirm the prescription with the prescriber; "
            "the ceiling can only be raised in the clinic's policy.",
            figures=[
                _mcg_day("prescribed_daily_dose", dose),
                *_patient_bolus_figures(context.dose),
                _mcg_day("hard_ceiling", ceiling),
            ],
        )
        return
    yield from _worst_case_above_ceiling(context, most, ceiling)
    if dose == 0 or low <= dose <= high:
        return  # a stopped pump is its own finding (PUMP_STOP_*)
    band_note = "" if band == "adult" else f" (age band {band})"
    shown = format_quantity(dose, "mcg/day")
    above = dose > high
    info = DOSE_ABOVE_RANGE if above else DOSE_BELOW_RANGE
    bound = high if above else low
    figures = [
        _mcg_day("prescribed_daily_dose", dose),
        _mcg_day("typical_max" if above else "typical_min", bound),
    ]
    side = "above the typical maximum" if above else "below the typical minimum"
    override = _covering(context.record.overrides, dose=dose, above=above)
    if override is None:
        yield finding(
            info,
            message=f"{shown} prescribed is {side} of {format_quantity(bound, 'mcg/day')}"
            f"{band_note} and no override covers it." + step_note(context.dose),
            action="Confirm the dose with the prescriber. To proceed, record an override "
            "(rule daily_dose_range) with approver, reason and approved limit.",
            figures=figures,
        )
        return
    approved = override.approved_limit.value
    yield finding(
        info,
        severity=Severity.CAUTION,
        message=f"{shown} prescribed is {side} of {format_quantity(bound, 'mcg/day')}"
        f"{band_note}; override approved to {format_quantity(approved, 'mcg/day')} by "
        f"{override.approver} ({override.reason}).",
        action="Proceed only as approved; watch for "
        + (
            "drowsiness, slow breathing and low muscle tone."
            if above
            else "returning spasticity, itching, fever and low blood pressure."
        ),
        figures=[*figures, _mcg_day("approved_limit", approved)],
    )


CHECKS = (
    Check(
        "daily_dose_range",
        check_daily_dose_range,
        (DOSE_ABOVE_CEILING, DOSE_WORST_CASE_ABOVE_CEILING, DOSE_ABOVE_RANGE, DOSE_BELOW_RANGE),
    ),
)
