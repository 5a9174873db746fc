"""The programmed schedule: per-step flow against the pump's range, and bolus sizes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.profiles import trusted
from itbcheck.units import format_quantity

STEP_RATE_OUT_OF_RANGE = CodeInfo(
    code="STEP_RATE_OUT_OF_RANGE",
    severity=Severity.STOP,
    hazard=Hazard.DEVICE,
    title="Flow outside the pump's programmable range",
    meaning="A step's flow (dose rate / programmed concentration) is below the pump's minimum or "
    "above its maximum programmable rate.",
    why="The pump cannot deliver it as written; what it does instead is not what was prescribed.",
    source="Pump profile min_rate and max_rate (device manual: [17] SynchroMed II labelling; "
    "[18] Prometra II labelling).",
    example="A flex step needing 30 mL/day in a pump whose maximum is 24 mL/day: STOP.",
    # The flow is the dose over the programmed strength: a wrong strength makes a wrong flow.
    follows_from=("CONCENTRATION_MISMATCH",),
)
RATE_RANGE_UNCHECKED = CodeInfo(
    code="RATE_RANGE_UNCHECKED",
    severity=Severity.NOTE,
    hazard=Hazard.DEVICE,
    title="Pump's programmable rate range unknown",
    meaning="The pump profile has no verified minimum or maximum rate, so the flows were not "
    "checked against them.",
    why="itbcheck says what it could not check rather than assume a number.",
    source="Minimum and maximum programmable rates UNVERIFIED: not yet confirmed against [17] "
    "SynchroMed II labelling or [18] Prometra II labelling.",
    example="Every shipped profile today: NOTE.",
)
BOLUS_LARGE = CodeInfo(
    code="BOLUS_LARGE",
    severity=Severity.CAUTION,
    hazard=Hazard.OVERDOSE,
    title="Large single bolus",
    meaning="A scheduled bolus delivers at least the policy's amount (25 mcg by default), counted "
    "as volume x the concentration actually in the reservoir.",
    why="A sensitive adult reacted to a 25 mcg bolus; there is no antidote.",
    source="Baclofen intrathecal labels, overdose section: [1] Lioresal label; [2] Gablofen "
    "label. The 25 mcg level is itbcheck's choice.",
    example="A 0.025 mL bolus of 2000 mcg/mL = 50 mcg: CAUTION.",
)


def _flows(context: CheckContext) -> list[tuple[str, Decimal]]:
    """Each flow the pump runs, named for the reader, in mL/day."""
    programmed = context.dose.programmed_concentration_mcg_per_ml
    if context.dose.steps:
        return [
            (
                f"step {share.index + 1} from {share.start.strftime('%H:%M')}",
                share.rate_mcg_per_day / programmed,
            )
            for share in context.dose.steps
        ]
    return [("continuous flow", context.dose.basal_daily_dose_mcg_per_day / programmed)]


def check_rate_range(context: CheckContext) -> Iterator[Finding]:
    low = trusted(context.profile.min_rate)
    high = trusted(context.profile.max_rate)
    if low is None or high is None:
        yield finding(
            RATE_RANGE_UNCHECKED,
            message=f"Profile {context.profile.name} has no verified programmable rate range; "
            "flows were not checked against it.",
            action="The programmer will refuse a rate it cannot run; have biomedical engineering "
            "verify the profile's range.",
        )
        return
    for name, flow in _flows(context):
        if flow == 0 or low.value <= flow <= high.value:
            continue
        yield finding(
            STEP_RATE_OUT_OF_RANGE,
            message=f"{name.capitalize()} needs {format_quantity(flow, 'mL/day')}, outside the "
            f"pump's {format_quantity(low.value, 'mL/day')} to "
            f"{format_quantity(high.value, 'mL/day')}.",
            action="Check the step's rate and units against the prescription and reprogram.",
            figures=[
                Figure("flow", flow, "mL/day"),
                Figure("min_rate", low.value, "mL/day"),
                Figure("max_rate", high.value, "mL/day"),
            ],
        )


def check_boluses(context: CheckContext) -> Iterator[Finding]:
    limit = context.policy.bolus.caution_at.value
    dispensed = context.dose.dispensed_concentration_mcg_per_ml
    for share in context.dose.boluses:
        if share.delivered_mcg < limit:
            continue
        when = f" at {share.time.strftime('%H:%M')}" if share.time else ""
        yield finding(
            BOLUS_LARGE,
            message=f"Bolus {share.index + 1}{when} gives {format_quantity(share.volume_ml, 'mL')}"
            f" x {format_quantity(dispensed, 'mcg/mL')} = "
            f"{format_quantity(share.delivered_mcg, 'mcg')}, at or above "
            f"{format_quantity(limit, 'mcg')}.",
            action="Confirm the bolus with the prescriber; watch breathing and consciousness for "
            "several hours after it.",
            figures=[
                Figure("bolus_volume", share.volume_ml, "mL"),
                Figure("dispensed_concentration", dispensed, "mcg/mL"),
                Figure("bolus_dose", share.delivered_mcg, "mcg"),
                Figure("caution_at", limit, "mcg"),
            ],
        )


CHECKS = (
    Check("rate_range", check_rate_range, (STEP_RATE_OUT_OF_RANGE, RATE_RANGE_UNCHECKED)),
    Check("boluses", check_boluses, (BOLUS_LARGE,)),
)
