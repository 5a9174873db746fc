"""Volumes that cannot be right: a catheter volume outside what the pump's catheter can hold,
and reservoir volumes that contradict each other or the reservoir's capacity."""

from __future__ import annotations

from collections.abc import Iterator

from itbcheck.catheter import catheter_range, implausible_because
from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.profiles import trusted
from itbcheck.units import format_quantity

CATHETER_VOLUME_IMPLAUSIBLE = CodeInfo(
    code="CATHETER_VOLUME_IMPLAUSIBLE",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Catheter volume outside what the catheter can hold",
    meaning="pump.catheter_volume is outside the profile's verified catheter range (Prometra "
    "II: 0.052 to 0.286 mL, 20 to 110 cm x 0.0026 mL/cm), or at least the reservoir capacity. "
    "No bridge bolus or dead volume is built on it.",
    why="A decimal slip (2.6 mL for 0.26 mL) makes a bridge ten times too large; the bridge "
    "built to match it overdoses with the old drug, or runs new drug at the old drug's flow.",
    source="[18] Prometra II labelling (implanted length = 110 cm minus trimmed length, 0.0026 "
    "mL/cm); [14] FDA 2013 priming-bolus recall (a wrong dead volume programmed a wrong bolus). "
    "The 20 cm shortest length is itbcheck's choice.",
    example="Prometra II, catheter_volume '2.6 mL': STOP; '300 mL' in any 20 mL pump: STOP.",
)
CATHETER_VOLUME_UNCHECKED = CodeInfo(
    code="CATHETER_VOLUME_UNCHECKED",
    severity=Severity.CAUTION,
    hazard=Hazard.DEVICE,
    title="Catheter volume could not be checked for this pump",
    meaning="The concentration changes, so the bridge depends on pump.catheter_volume, but the "
    "pump profile has no verified catheter range to check it against (SynchroMed II today).",
    why="An unconfirmed range is never used as a limit; a decimal slip in the catheter volume "
    "would go through to the bridge, so the nurse checks the number by hand.",
    source="itbcheck safety principle 3 (limits are data, verified against the device manual); "
    "[17] SynchroMed II labelling.",
    example="SynchroMed II, 500 -> 2000 mcg/mL, catheter_volume '0.26 mL': CAUTION.",
)
VOLUMES_CONTRADICTORY = CodeInfo(
    code="VOLUMES_CONTRADICTORY",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Reservoir volumes contradict each other or the capacity",
    meaning="The previous fill volume is above the reservoir capacity or smaller than the "
    "expected or aspirated residual, or the expected or aspirated residual is above the "
    "capacity.",
    why="At least one volume was written wrong, so the residual, the delivery ratio and the "
    "pocket-fill signs built on them cannot be trusted.",
    source="itbcheck safety principle 1 (fail closed); reservoir capacity from the pump "
    "profile ([17] SynchroMed II labelling, [18] Prometra II labelling).",
    example="previous_fill_volume '18 mL' with aspirated_residual '19 mL': STOP.",
)


def check_catheter_volume(context: CheckContext) -> Iterator[Finding]:
    catheter = context.record.pump.catheter_volume
    if catheter is None:
        return  # on a strength change, the bridge check stops for a missing one
    volume = catheter.value
    plausible = catheter_range(context.profile)
    figures = [Figure("catheter_volume", volume, "mL")]
    if plausible is not None:
        figures += [
            Figure("catheter_min", plausible.low_ml, "mL"),
            Figure("catheter_max", plausible.high_ml, "mL"),
        ]
    why = implausible_because(context.record, context.profile)
    if why is not None:
        yield finding(
            CATHETER_VOLUME_IMPLAUSIBLE,
            message=f"pump.catheter_volume {format_quantity(volume, 'mL')} is {why}; no bridge "
            "or dead volume is built on it.",
            action="Take the catheter volume from the implant record (Prometra: implanted cm x "
            "0.0026 mL), correct it in the record, and check again before programming.",
            figures=figures,
        )
        return
    old = context.record.refill.previous_concentration.value
    if plausible is None and old != context.dose.dispensed_concentration_mcg_per_ml:
        yield finding(
            CATHETER_VOLUME_UNCHECKED,
            message=f"The bridge depends on pump.catheter_volume "
            f"{format_quantity(volume, 'mL')}, and profile {context.profile.name} has no "
            "verified catheter range to check it against.",
            action="Check the catheter volume against the implant record by hand before "
            "programming the bridge; have biomedical engineering verify the profile's range.",
            figures=figures,
        )


def check_reservoir_volumes(context: CheckContext) -> Iterator[Finding]:
    refill = context.record.refill
    capacity = trusted(context.profile.reservoir_capacity)
    previous = refill.previous_fill_volume
    named = [
        (name, volume)
        for name, volume in (
            ("expected_residual", refill.expected_residual),
            ("aspirated_residual", refill.aspirated_residual),
        )
        if volume is not None
    ]
    problems: list[str] = []
    figures: dict[str, Figure] = {}

    def contradiction(text: str, *used: Figure) -> None:
        problems.append(text)
        figures.update({figure.name: figure for figure in used})

    if capacity is not None:
        for name, volume in [("previous_fill_volume", previous), *named]:
            if volume is not None and volume.value > capacity.value:
                contradiction(
                    f"{name} {format_quantity(volume.value, 'mL')} is above the "
                    f"{format_quantity(capacity.value, 'mL')} reservoir capacity",
                    Figure(name, volume.value, "mL"),
                    Figure("capacity", capacity.value, "mL"),
                )
    if previous is not None:
        for name, volume in named:
            if volume.value > previous.value:
                contradiction(
                    f"{name} {format_quantity(volume.value, 'mL')} is more than the "
                    f"previous_fill_volume {format_quantity(previous.value, 'mL')} it is left "
                    "from",
                    Figure(name, volume.value, "mL"),
                    Figure("previous_fill_volume", previous.value, "mL"),
                )
    if problems:
        yield finding(
            VOLUMES_CONTRADICTORY,
            message="The volumes contradict each other: " + "; ".join(problems) + ".",
            action="Check the volumes against the pump interrogation and the last refill "
            "record, correct the record, and check again before refilling.",
            figures=figures.values(),
        )


CHECKS = (
    Check(
        "catheter_volume",
        check_catheter_volume,
        (CATHETER_VOLUME_IMPLAUSIBLE, CATHETER_VOLUME_UNCHECKED),
    ),
    Check("reservoir_volumes", check_reservoir_volumes, (VOLUMES_CONTRADICTORY,)),
)
