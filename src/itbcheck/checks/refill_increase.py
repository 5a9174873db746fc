"""Increases at a periodic refill: the labels' maintenance section allows larger steps at a
refill than during titration (spinal 10-40 %, cerebral 5-20 %). Between the titration limit and
the refill limit the increase is a CAUTION, recorded with its override (rule refill_increase)
when one is given; above the refill limit the titration check's STOP stands."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from itbcheck.checks._registry import CheckContext, CodeInfo, covering_override, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.units import format_number, format_quantity

_SOURCE = (
    "Maintenance at periodic refills: spinal origin 10-40 %, cerebral origin 5-20 % "
    "([1] Lioresal label; [2] Gablofen label; confirmed by [29] ITB dosing compendia); titration "
    "per 24 h 10-30 % and 5-15 % ([6] Saulino 2016). The limits and what counts as a periodic "
    "refill (policy [refill_increase]) are itbcheck's choice."
)

REFILL_INCREASE_ABOVE_TITRATION = CodeInfo(
    code="REFILL_INCREASE_ABOVE_TITRATION",
    severity=Severity.CAUTION,
    hazard=Hazard.OVERDOSE,
    title="Increase at a periodic refill above the titration step, within the refill range",
    meaning="The visit is a periodic refill (pump running on arrival, filled, dose unchanged "
    "for at least 28 days by default) and the new daily dose is above the titration limit but "
    "within the labels' refill range: up to 40 % for spinal origin, 20 % for cerebral origin "
    "(children keep 15 %). An override (rule refill_increase) with approver, reason and an "
    "approved daily dose at or above the new dose is recorded with it. Above the refill range: "
    "INCREASE_ABOVE_LIMIT (STOP), which no override lifts.",
    why="The labels allow these steps at refills, but each is a larger dose change than a "
    "titration step and needs the prescriber's decision and a watch for overdose.",
    source=_SOURCE,
    example="Refill, dose unchanged for 99 days, 400 -> 540 mcg/day (+35 %) for spinal "
    "origin: CAUTION; 400 -> 580 mcg/day (+45 %): STOP.",
)


@dataclass(frozen=True)
class RefillLimit:
    """The larger limit of a periodic refill, and what makes the visit one."""

    percent: Decimal
    basis: str
    stable_days: Decimal


def refill_limit(context: CheckContext) -> RefillLimit | None:
    """The refill limit for this patient when the visit is a periodic refill: the pump was
    running on arrival, it is filled, and the dose has been unchanged for the policy's time.
    None for any other visit (a titration step, a restart, a visit without a fill)."""
    record, policy = context.record, context.policy.refill_increase
    stable = policy.stable_for.value  # hours
    if (
        record.pump.status_at_arrival != "running"
        or record.refill.fill_volume.value <= 0
        or context.dose.hours_since_last_change < stable
    ):
        return None
    days = context.dose.hours_since_last_change / 24
    paediatric = context.policy.increase.paediatric_below_age_years
    if record.patient.age_years < paediatric:
        return RefillLimit(Decimal(policy.max_percent_paediatric), f"age under {paediatric}", days)
    if record.patient.origin == "cerebral":
        return RefillLimit(Decimal(policy.max_percent_cerebral), "cerebral origin", days)
    return RefillLimit(Decimal(policy.max_percent_spinal), "spinal origin", days)


def refill_band(
    context: CheckContext, change: Decimal, titration: Decimal, refill: RefillLimit
) -> Iterator[Finding]:
    """The CAUTION for an increase above the titration limit and within the refill limit."""
    new = context.dose.prescribed_daily_dose_mcg_per_day
    previous = context.dose.previous_daily_dose_mcg_per_day
    figures = [
        Figure("previous_daily_dose", previous, "mcg/day"),
        Figure("prescribed_daily_dose", new, "mcg/day"),
        Figure("change", change, "%"),
        Figure("titration_limit", titration, "%"),
        Figure("refill_limit", refill.percent, "%"),
        Figure("days_since_last_change", refill.stable_days.quantize(Decimal("0.1")), "day"),
    ]
    message = (
        f"{format_quantity(previous, 'mcg/day')} -> {format_quantity(new, 'mcg/day')} is "
        f"+{format_number(change, 1)} %: above the {format_number(titration)} % titration step, "
        f"within the {format_number(refill.percent)} % allowed at a periodic refill for "
        f"{refill.basis} (dose unchanged for {format_number(refill.stable_days, 1)} days)."
    )
    override = covering_override(context, "refill_increase", new)
    if override is None:
        yield finding(
            REFILL_INCREASE_ABOVE_TITRATION,
            message=message,
            action="Confirm the increase with the prescriber and record it as an override "
            "(rule refill_increase) with approver, reason and approved limit; watch for "
            "drowsiness, weakness and slowed breathing for 24 h.",
            figures=figures,
        )
        return
    approved = override.approved_limit.value
    yield finding(
        REFILL_INCREASE_ABOVE_TITRATION,
        message=f"{message} Override approved to {format_quantity(approved, 'mcg/day')} by "
        f"{override.approver} ({override.reason}).",
        action="Proceed as approved; watch for drowsiness, weakness and slowed breathing for 24 h.",
        figures=[*figures, Figure("approved_limit", approved, "mcg/day")],
    )
