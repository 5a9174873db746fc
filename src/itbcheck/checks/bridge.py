"""A change of concentration: the old drug still in the pump tubing and catheter (the dead
volume) reaches the patient at the new flow, unless a bridge bolus clears it at its own rate."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.catheter import trusted_catheter_volume
from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.profiles import trusted
from itbcheck.rounding import typed_quantity
from itbcheck.units import format_number, format_quantity

_SOURCE = (
    "Best-practice panel on concentration changes ([6] Saulino 2016); dead volume = pump tubing "
    "(0.140 mL for SynchroMed II after [14] FDA 2013 priming-bolus recall) + catheter volume."
)

BRIDGE_MISSING = CodeInfo(
    code="BRIDGE_MISSING",
    severity=Severity.STOP,
    hazard=Hazard.EITHER,
    title="Concentration change without a bridge bolus",
    meaning="The concentration changes at this refill and no bridge bolus is programmed. Until "
    "the dead volume clears, the patient receives dose x C_old / C_new: too little when the new "
    "drug is stronger (withdrawal), too much when it is weaker (overdose).",
    why="500 -> 2000 mcg/mL gives a quarter of the dose for days; 2000 -> 500 gives four times.",
    source=_SOURCE,
    example="500 -> 2000 mcg/mL, 0.14 mL tubing + 0.26 mL catheter, 400 mcg/day: 100 mcg/day for "
    "2 days: STOP.",
)
BRIDGE_INCORRECT = CodeInfo(
    code="BRIDGE_INCORRECT",
    severity=Severity.STOP,
    hazard=Hazard.EITHER,
    title="Bridge bolus does not clear the dead volume at the old drug's rate",
    meaning="The bridge bolus volume differs from the dead volume, or its flow from dose / C_old, "
    "by more than the policy's tolerance (5 % by default); or a bridge is programmed with no "
    "concentration change (CAUTION).",
    why="A bridge that is too fast overdoses with the old drug; one too small leaves old drug to "
    "run at the new flow; one too large runs new drug at the old drug's flow.",
    source=_SOURCE,
    example="Dead volume 0.4 mL, bridge 0.4 mL over 24 h at 400 mcg/day and 500 mcg/mL old "
    "(needs 0.8 mL/day, runs 0.4 mL/day): STOP.",
)
BRIDGE_UNCHECKABLE = CodeInfo(
    code="BRIDGE_UNCHECKABLE",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Concentration change with an unknown dead volume",
    meaning="The concentration changes, but the catheter volume is not in the record or is "
    "implausible (CATHETER_VOLUME_IMPLAUSIBLE), or the profile has no verified pump tubing "
    "volume, so the dead volume is unknown. The shipped Prometra II profiles have none (no "
    "public figure confirmed): a strength change there needs a clinic's verified profile.",
    why="Without the dead volume the under- or overdose while it clears cannot be computed.",
    source=_SOURCE + " Prometra catheter volume: 0.0026 mL/cm of implanted length ([18] "
    "Prometra II labelling); the Prometra pump fluid-pathway volume is listed in [30] Prometra "
    "calculations guide but was not confirmed from a public copy, so it ships without a value.",
    example="500 -> 2000 mcg/mL, no pump.catheter_volume: STOP.",
)


def check_bridge(context: CheckContext) -> Iterator[Finding]:
    old = context.record.refill.previous_concentration.value
    new = context.dose.dispensed_concentration_mcg_per_ml
    flow = context.dose.pump_daily_volume_ml_per_day
    dose = context.dose.prescribed_daily_dose_mcg_per_day
    if old == new or flow == 0:
        return
    concentrations = [
        Figure("old_concentration", old, "mcg/mL"),
        Figure("new_concentration", new, "mcg/mL"),
    ]
    tubing = trusted(context.profile.pump_tubing_volume)
    catheter = trusted_catheter_volume(context.record, context.profile)  # None if implausible
    if tubing is None or catheter is None:
        missing = (
            "a plausible pump.catheter_volume in the record"
            if catheter is None
            else (f"a verified pump_tubing_volume in profile {context.profile.name}")
        )
        action = (
            "Enter the catheter volume from the implant record (Prometra: 0.0026 mL per cm "
            "implanted) and check again; do not program the change until the bridge is known."
            if catheter is None
            else "Do not program the strength change at this refill: keep the current strength. "
            "The pump's own fluid-pathway volume is not a verified figure in this profile; the "
            "clinic's engineer enters it from the manufacturer's labelling (for a Prometra, its "
            "calculations guide) in a verified copy of the profile among the site profiles "
            "(docs/profiles.md), checked with 'itbcheck profiles validate', and the record names "
            "that profile."
        )
        yield finding(
            BRIDGE_UNCHECKABLE,
            message=f"The concentration changes from {format_quantity(old, 'mcg/mL')} to "
            f"{format_quantity(new, 'mcg/mL')}, but the dead volume is unknown: missing "
            f"{missing}.",
            action=action,
            figures=concentrations,
        )
        return
    dead = tubing.value + catheter.value
    clearing_days = dead / flow
    clearing_dose = flow * old
    figures = [
        *concentrations,
        Figure("dead_volume", dead, "mL"),
        Figure("prescribed_daily_dose", dose, "mcg/day"),
        Figure("dose_while_clearing", clearing_dose, "mcg/day"),
        Figure("clearing_time", clearing_days, "day"),
    ]
    bridge = context.record.dosing.bridge_bolus
    if bridge is None:
        yield finding(
            BRIDGE_MISSING,
            hazard=Hazard.WITHDRAWAL if new > old else Hazard.OVERDOSE,
            message=f"{format_quantity(old, 'mcg/mL')} -> {format_quantity(new, 'mcg/mL')} with "
            f"{format_quantity(dead, 'mL')} dead volume and no bridge bolus: the patient gets "
            f"{format_quantity(clearing_dose, 'mcg/day')} instead of "
            f"{format_quantity(dose, 'mcg/day')} for {format_number(clearing_days, 1)} days.",
            action=f"Program a bridge bolus of {typed_quantity(dead, 'mL', context.profile)} at "
            f"{typed_quantity(dose / old, 'mL/day', context.profile)} (the old concentration's "
            "rate), then check again.",
            figures=figures,
        )
        return
    needed = dose / old
    volume = bridge.volume.value
    runs = volume * 24 / bridge.duration.value
    tolerance = Decimal(context.policy.bridge.rate_tolerance_percent)
    problems: list[tuple[str, Hazard]] = []
    if (runs - needed).copy_abs() * 100 > needed * tolerance:
        problems.append(
            (
                f"it runs {format_quantity(runs, 'mL/day')} where "
                f"{format_quantity(needed, 'mL/day')} (dose / old concentration) is needed",
                Hazard.OVERDOSE if runs > needed else Hazard.WITHDRAWAL,
            )
        )
    if (volume - dead).copy_abs() * 100 > dead * tolerance:
        # Too small: old drug stays in the line and runs at the new flow. Too large: once the
        # old drug is out, new drug runs at the old drug's flow.
        small = volume < dead
        left = format_quantity((dead - volume) if small else (volume - dead), "mL")
        stronger = old > new if small else new > old
        what = (
            f"leaves {left} of the old drug to run at the new flow"
            if small
            else f"then runs {left} of the new drug at the old drug's flow"
        )
        problems.append(
            (
                f"its {format_quantity(volume, 'mL')} for a {format_quantity(dead, 'mL')} "
                f"dead volume {what}",
                Hazard.OVERDOSE if stronger else Hazard.WITHDRAWAL,
            )
        )
    if problems:
        hazards = {hazard for _, hazard in problems}
        yield finding(
            BRIDGE_INCORRECT,
            hazard=Hazard.OVERDOSE if Hazard.OVERDOSE in hazards else Hazard.WITHDRAWAL,
            message="The bridge bolus is wrong: "
            + "; and ".join(text for text, _ in problems)
            + ".",
            action=f"Reprogram the bridge: {typed_quantity(dead, 'mL', context.profile)} at "
            f"{typed_quantity(needed, 'mL/day', context.profile)}, then check again.",
            figures=[
                *figures,
                Figure("bridge_volume", volume, "mL"),
                Figure("bridge_flow", runs, "mL/day"),
                Figure("needed_flow", needed, "mL/day"),
            ],
        )


def check_unneeded_bridge(context: CheckContext) -> Iterator[Finding]:
    old = context.record.refill.previous_concentration.value
    new = context.dose.dispensed_concentration_mcg_per_ml
    bridge = context.record.dosing.bridge_bolus
    if bridge is None or old != new:
        return
    yield finding(
        BRIDGE_INCORRECT,
        severity=Severity.CAUTION,
        hazard=Hazard.OVERDOSE,  # the same drug given as an extra bolus: only ever more
        message=f"A bridge bolus of {format_quantity(bridge.volume.value, 'mL')} is programmed, "
        f"but the concentration does not change ({format_quantity(new, 'mcg/mL')}).",
        action="A bridge is only for a concentration change: remove it unless the physician "
        "ordered this bolus, and then program it as a bolus.",
        figures=[
            Figure("bridge_volume", bridge.volume.value, "mL"),
            Figure("concentration", new, "mcg/mL"),
        ],
    )


CHECKS = (
    Check("bridge", check_bridge, (BRIDGE_MISSING, BRIDGE_INCORRECT, BRIDGE_UNCHECKABLE)),
    Check("unneeded_bridge", check_unneeded_bridge, (BRIDGE_INCORRECT,)),
)
