"""The fill itself: where the drug went, how much, and what the programmer was told."""

from __future__ import annotations

from collections.abc import Iterator

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.profiles import trusted
from itbcheck.stages import AFTER_PROGRAMMING_ONLY
from itbcheck.units import format_quantity

FILL_ABOVE_CAPACITY = CodeInfo(
    code="FILL_ABOVE_CAPACITY",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Fill volume above the reservoir's capacity",
    meaning="More drug was filled than the reservoir holds (capacity from the pump profile).",
    why="Overfilling is a risk factor for over-infusion; the excess may also end up in the pocket.",
    source="Manufacturer refill instructions: [17] SynchroMed II labelling; [18] Prometra II "
    "labelling.",
    example="22 mL filled into a 20 mL SynchroMed II: STOP.",
    before_fill_action="Plan a fill no larger than the reservoir's capacity, then check again.",
)
CAPACITY_UNVERIFIED = CodeInfo(
    code="CAPACITY_UNVERIFIED",
    severity=Severity.CAUTION,
    hazard=Hazard.DEVICE,
    title="Reservoir capacity not verified in the pump profile",
    meaning="The pump profile has no verified reservoir capacity, so the fill volume could not "
    "be checked against it.",
    why="An unconfirmed number is never used as a hard limit; the check says what it could not do.",
    source="itbcheck safety principle 3: limits are data, verified against the device manual "
    "([17] SynchroMed II labelling; [18] Prometra II labelling).",
    example="A profile with reservoir_capacity verified = false: CAUTION.",
)
RESERVOIR_ENTRY_MISMATCH = CodeInfo(
    code="RESERVOIR_ENTRY_MISMATCH",
    severity=Severity.STOP,
    hazard=Hazard.WITHDRAWAL,
    title="Reservoir volume entered differs from the volume filled",
    meaning="The reservoir volume entered in the programmer is not the volume now in the pump "
    "(the fill volume).",
    why="The pump calculates its low-reservoir alarm from this entry: too high and the pump runs "
    "dry before it alarms (withdrawal); too low and it alarms early.",
    source="SynchroMed II low-reservoir alarm is calculated, not measured: [15] TGA 2016 "
    "SynchroMed alert; [17] SynchroMed II labelling.",
    example="18 mL filled, 20 mL entered: STOP.",
)
ACCESS_PORT_INJECTION = CodeInfo(
    code="ACCESS_PORT_INJECTION",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Refill injected into the catheter access port",
    meaning="The record says the refill went into the catheter access (side) port, not the "
    "reservoir fill port.",
    why="The catheter access port leads straight to the spinal fluid: a refill volume there is a "
    "massive bolus, and fatal cases are reported.",
    source="[12] ISMP 2004 access port (fatal catheter access port injections).",
    example="injection_site 'catheter_access_port': STOP.",
)


def check_injection_site(context: CheckContext) -> Iterator[Finding]:
    """Where the drug went: known only once it is in (after the fill)."""
    refill = context.record.refill
    fill = refill.fill_volume.value
    if refill.injection_site == "catheter_access_port":
        yield finding(
            ACCESS_PORT_INJECTION,
            message=f"{format_quantity(fill, 'mL')} recorded as injected into the catheter access "
            "port, which leads straight to the spinal fluid.",
            action="Treat as an overdose emergency: call the physician now, monitor breathing and "
            "consciousness, and be ready to support ventilation. There is no antidote.",
            figures=[Figure("fill_volume", fill, "mL")],
        )


def check_capacity(context: CheckContext) -> Iterator[Finding]:
    """The fill, or before the fill the planned fill, against the reservoir's capacity."""
    fill = context.record.refill.fill_volume.value
    capacity = trusted(context.profile.reservoir_capacity)
    if capacity is None:
        yield finding(
            CAPACITY_UNVERIFIED,
            message=f"Profile {context.profile.name} has no verified reservoir capacity; the "
            f"{format_quantity(fill, 'mL')} fill could not be checked against it.",
            action="Check the fill against the pump's labelled capacity by hand, and have "
            "biomedical engineering verify the profile.",
            figures=[Figure("fill_volume", fill, "mL")],
        )
    elif fill > capacity.value:
        yield finding(
            FILL_ABOVE_CAPACITY,
            message=f"{format_quantity(fill, 'mL')} filled into a "
            f"{format_quantity(capacity.value, 'mL')} reservoir.",
            action="Stop filling. Do not start the pump until the volume in the reservoir is "
            "known; call the physician.",
            figures=[Figure("fill_volume", fill, "mL"), Figure("capacity", capacity.value, "mL")],
        )


def check_reservoir_entry(context: CheckContext) -> Iterator[Finding]:
    """The reservoir volume entered in the programmer after the fill, against the fill."""
    refill = context.record.refill
    fill = refill.fill_volume.value
    written = refill.programmed_reservoir_volume
    if written is None:  # only a before-fill record may leave it out, and then this never runs
        return
    entered = written.value
    if entered != fill:
        yield finding(
            RESERVOIR_ENTRY_MISMATCH,
            hazard=Hazard.WITHDRAWAL if entered > fill else Hazard.DEVICE,
            message=f"Programmer holds {format_quantity(entered, 'mL')} in the reservoir but "
            f"{format_quantity(fill, 'mL')} was filled: the alarm date will be wrong.",
            action="Enter the volume actually filled in the programmer, then check again.",
            figures=[
                Figure("programmed_reservoir_volume", entered, "mL"),
                Figure("fill_volume", fill, "mL"),
            ],
        )


# Where the drug went and what the programmer was told after the fill are unknown before it.
CHECKS = (
    Check("injection_site", check_injection_site, (ACCESS_PORT_INJECTION,), AFTER_PROGRAMMING_ONLY),
    Check("fill_capacity", check_capacity, (FILL_ABOVE_CAPACITY, CAPACITY_UNVERIFIED)),
    Check(
        "reservoir_entry",
        check_reservoir_entry,
        (RESERVOIR_ENTRY_MISMATCH,),
        AFTER_PROGRAMMING_ONLY,
    ),
)
