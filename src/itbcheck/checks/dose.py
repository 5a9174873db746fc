"""The daily dose against the policy's typical range (soft) and ceiling (hard)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding, step_note
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.records import Override
from itbcheck.units import format_quantity

_SOURCE = (
    "itb-reference.md sections 2 and 9: typical range 50-800 mcg/day (multi-centre study); "
    "US labels report limited experience above 1000 mcg/day."
)

DOSE_ABOVE_CEILING = CodeInfo(
    code="DOSE_ABOVE_CEILING",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Daily dose above the hard ceiling",
    meaning="The prescribed 24-hour total is above the policy's hard ceiling. No override in a "
    "record can lift it; only the clinic's policy file can.",
    why="Experience above 1000 mcg/day is limited; overdose causes respiratory depression, "
    "seizures and coma, and there is no antidote.",
    source=_SOURCE,
    example="1100 mcg/day prescribed, ceiling 1000 mcg/day: STOP, even with an override.",
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
    example="900 mcg/day with no override: STOP; with an override approving 950 mcg/day: CAUTION.",
)
DOSE_BELOW_RANGE = CodeInfo(
    code="DOSE_BELOW_RANGE",
    severity=Severity.STOP,
    hazard=Hazard.WITHDRAWAL,
    title="Daily dose below the typical range",
    meaning="The prescribed 24-hour total is above zero but below the typical minimum. STOP, "
    "unless an override approves a minimum at or below this dose; then CAUTION.",
    why="An unintended low dose can start baclofen withdrawal, which can kill within days.",
    source=_SOURCE,
    example="40 mcg/day with no override: STOP.",
)


def _mcg_day(name: str, value: Decimal) -> Figure:
    return Figure(name, value, "mcg/day")


def _covering(overrides: tuple[Override, ...], *, dose: Decimal, above: bool) -> Override | None:
    """The first daily-dose override whose approved limit reaches the dose on its side."""
    for override in overrides:
        limit = override.approved_limit.value
        if override.rule == "daily_dose_range" and (limit >= dose if above else limit <= dose):
            return override
    return None


def check_daily_dose_range(context: CheckContext) -> Iterator[Finding]:
    dose = context.dose.prescribed_daily_dose_mcg_per_day
    limits = context.policy.daily_dose
    low, high, ceiling = (
        limits.typical_min.value,
        limits.typical_max.value,
        limits.hard_ceiling.value,
    )
    shown = format_quantity(dose, "mcg/day")
    if dose == 0:
        return  # a stopped pump is its own finding (PUMP_STOP_*)
    if dose > ceiling:
        yield finding(
            DOSE_ABOVE_CEILING,
            message=f"{shown} prescribed is above the hard ceiling of "
            f"{format_quantity(ceiling, 'mcg/day')}; an override cannot lift it."
            + step_note(context.dose),
            action="Do not program this dose. Confirm the prescription with the prescriber; "
            "the ceiling can only be raised in the clinic's policy.",
            figures=[_mcg_day("prescribed_daily_dose", dose), _mcg_day("hard_ceiling", ceiling)],
        )
        return
    if low <= dose <= high:
        return
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
            message=f"{shown} prescribed is {side} of {format_quantity(bound, 'mcg/day')} "
            "and no override covers it." + step_note(context.dose),
            action="Confirm the dose with the prescriber. To proceed, record an override "
            "(rule daily_dose_range) with approver, reason and approved limit.",
            figures=figures,
        )
        return
    approved = override.approved_limit.value
    yield finding(
        info,
        severity=Severity.CAUTION,
        message=f"{shown} prescribed is {side} of {format_quantity(bound, 'mcg/day')}; "
        f"override approved to {format_quantity(approved, 'mcg/day')} by {override.approver} "
        f"({override.reason}).",
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
        (DOSE_ABOVE_CEILING, DOSE_ABOVE_RANGE, DOSE_BELOW_RANGE),
    ),
)
