"""Since the last visit: an MRI, a catheter revision or a pump replacement, each of which
changes what the other checks may assume about the pump, the catheter and the residual."""

from __future__ import annotations

from collections.abc import Iterator

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.records import Record
from itbcheck.units import format_quantity

_PROMETRA_MRI = (
    "[18] Prometra II labelling (MRI Safety Information PL-21604-02, January 2020): failure to "
    "empty the pump before MRI could result in drug overdose; empty all drug from Prometra and "
    "Prometra II pumps before the MRI environment; the magnetic field may open the valves and "
    "discharge the reservoir and catheter into the patient; after an emergency MRI without "
    "emptying, the Prometra II flow-activated valve closes and stops delivery until it is "
    "reset; pump status is confirmed by interrogation before and after the scan."
)
_SYNCHROMED_MRI = (
    "[35] SynchroMed MRI guidelines: the MRI field stops the pump motor for the scan; return to "
    "proper infusion may be delayed 2 to 24 hours, and a pump left in telemetry mode resumes "
    "only when interrogated; interrogate after every MRI. [17] SynchroMed II labelling (motor "
    "stall alarm)."
)
_CATHETER = (
    "[14] FDA 2013 priming-bolus recall (a wrong volume held by the programmer delivered "
    "unintended drug); dead volume = pump tubing + catheter ([6] Saulino 2016). STOP on a "
    "strength change, NOTE otherwise, is itbcheck's choice, because only the bridge and the "
    "delivery curve are built on the catheter volume."
)

MRI_PUMP_NOT_EMPTIED = CodeInfo(
    code="MRI_PUMP_NOT_EMPTIED",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="MRI since the last visit on a Prometra pump not recorded as emptied",
    meaning="since_last_visit.mri is recorded for a Prometra pump and pump_emptied_before is not "
    "true. The labelling requires the pump to be emptied before an MRI: the field can open the "
    "valves and empty the reservoir and catheter into the patient, and a Prometra II that was "
    "not emptied shuts its valve and stops delivering until it is reset.",
    why="An overdose from the discharged reservoir, or withdrawal behind a shut valve, and the "
    "residual and the expected residual no longer describe the same pump.",
    source=_PROMETRA_MRI + " STOP is itbcheck's choice, because the labelling's warning is of "
    "serious injury or death.",
    example="Prometra II, MRI on 2026-11-20, pump_emptied_before left out: STOP.",
)
MRI_NOT_INTERROGATED = CodeInfo(
    code="MRI_NOT_INTERROGATED",
    severity=Severity.CAUTION,
    hazard=Hazard.WITHDRAWAL,
    title="MRI since the last visit without an interrogation after it",
    meaning="since_last_visit.mri is recorded and interrogated_after is not true (a SynchroMed "
    "pump, or a Prometra pump that was emptied). The pump may have stopped during the scan and "
    "resumed late, or not until this visit's interrogation.",
    why="Hours to days without baclofen cause withdrawal; the pump's event log shows a motor "
    "stall, the residual shows what was not delivered.",
    source=_SYNCHROMED_MRI + " CAUTION, not STOP, is itbcheck's choice, because this visit's "
    "interrogation (status_at_arrival) already shows whether the pump runs now, and a stopped "
    "or stalled pump is judged by the restart checks.",
    example="SynchroMed II, MRI on 2026-11-20, interrogated_after left out, running today: "
    "CAUTION.",
)
CATHETER_REVISION_VOLUME_UNKNOWN = CodeInfo(
    code="CATHETER_REVISION_VOLUME_UNKNOWN",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Catheter revised, new catheter volume not in the record",
    meaning="since_last_visit.catheter_revision is recorded without new_catheter_volume, or "
    "with one that differs from pump.catheter_volume, so the catheter volume the checks would "
    "use may be the old catheter's. STOP when the strength changes (the bridge is built on "
    "it); NOTE otherwise.",
    why="A bridge bolus or dead volume computed from the old catheter clears the wrong volume: "
    "the old drug runs at the new flow, or the new drug at the old flow.",
    source=_CATHETER,
    example="Catheter revised on 2026-11-10, no new_catheter_volume, 500 -> 2000 mcg/mL: "
    "STOP. The same with no strength change: NOTE.",
)
PUMP_REPLACED = CodeInfo(
    code="PUMP_REPLACED",
    severity=Severity.CAUTION,
    hazard=Hazard.DEVICE,
    title="Pump replaced since the last visit: the residual is not judged",
    meaning="since_last_visit.pump_replacement is recorded. The residual checks that compare "
    "with the previous refill (RESIDUAL_GAP, RESIDUAL_NEAR_FULL, DELIVERY_RATIO) stand down: "
    "the previous fill was in another pump. previous_concentration is taken as the strength the "
    "new pump was filled and primed with at implant; a different implant_concentration is a "
    "STOP. Nothing aspirated is still RESIDUAL_NOT_ASPIRATED.",
    why="Residual figures from the old pump would give false STOPs or false comfort; the "
    "strength in the new pump's tubing and catheter decides the bridge.",
    source="itbcheck's choice, because the residual is the only measure of delivery and here "
    "it must be reconciled by hand with the implant fill; strength in the dead volume: [6] "
    "Saulino 2016; needle placement: [11] FDA 2011 pocket-fill recall.",
    example="New pump implanted 2026-11-02, first refill today: CAUTION. implant_concentration "
    "1000 mcg/mL but previous_concentration 2000 mcg/mL: STOP.",
)


def pump_replaced(record: Record) -> bool:
    """True when a new pump was implanted since the last visit: the residual checks that
    compare with the previous refill stand down."""
    since = record.since_last_visit
    return since is not None and since.pump_replacement is not None


def check_mri(context: CheckContext) -> Iterator[Finding]:
    since = context.record.since_last_visit
    mri = None if since is None else since.mri
    if mri is None:
        return
    # The emptying rule covers every Prometra model ([18]: Prometra and Prometra II, 20 and
    # 40 mL). Read from the profile's name until profiles carry an MRI fact of their own.
    prometra = context.profile.name.startswith("prometra")
    when = mri.date.isoformat()
    if prometra and mri.pump_emptied_before is not True:
        yield finding(
            MRI_PUMP_NOT_EMPTIED,
            message=f"MRI on {when} with a {context.profile.name} pump, and no record that the "
            "pump was emptied before it: the reservoir may have emptied into the patient, or a "
            "Prometra II valve may have shut and stopped delivery.",
            action="Do not refill yet. Assess for overdose and for withdrawal now; interrogate "
            "the pump (valve reset needed?), compare the aspirated residual with what it should "
            "hold, and call the physician.",
        )
        return
    if mri.interrogated_after is not True:
        yield finding(
            MRI_NOT_INTERROGATED,
            message=f"MRI on {when} and no record of an interrogation after it: the pump may "
            "have stopped during the scan and resumed late.",
            action="Review the pump's event log for a motor stall since the MRI, ask about "
            "returning spasticity or itching since the scan, and check the residual against the "
            "expected residual with that in mind.",
        )


def _strength_changes(context: CheckContext) -> bool:
    old = context.record.refill.previous_concentration.value
    return old != context.dose.dispensed_concentration_mcg_per_ml


def check_catheter_revision(context: CheckContext) -> Iterator[Finding]:
    since = context.record.since_last_visit
    revision = None if since is None else since.catheter_revision
    if revision is None:
        return
    new = revision.new_catheter_volume
    on_file = context.record.pump.catheter_volume
    if new is not None and on_file is not None and new.value == on_file.value:
        return
    figures = [
        *([Figure("new_catheter_volume", new.value, "mL")] if new is not None else []),
        *([Figure("catheter_volume", on_file.value, "mL")] if on_file is not None else []),
    ]
    what = (
        "no new_catheter_volume is recorded"
        if new is None
        else f"pump.catheter_volume ({format_quantity(on_file.value, 'mL')}) is not the new "
        f"catheter's {format_quantity(new.value, 'mL')}"
        if on_file is not None
        else "pump.catheter_volume is not recorded"
    )
    bridge = _strength_changes(context)
    yield finding(
        CATHETER_REVISION_VOLUME_UNKNOWN,
        severity=Severity.STOP if bridge else Severity.NOTE,
        message=f"Catheter revised on {revision.date.isoformat()}, but {what}"
        + (": the bridge for this strength change cannot be trusted." if bridge else "."),
        action="Enter the revised catheter's volume from the operation note as "
        "pump.catheter_volume and catheter_revision.new_catheter_volume, then check again"
        + ("; do not program the strength change until then." if bridge else "."),
        figures=figures,
    )


def check_pump_replacement(context: CheckContext) -> Iterator[Finding]:
    since = context.record.since_last_visit
    replacement = None if since is None else since.pump_replacement
    if replacement is None:
        return
    refill = context.record.refill
    previous = refill.previous_concentration.value
    implant = replacement.implant_concentration
    figures = [Figure("previous_concentration", previous, "mcg/mL")]
    if implant is not None and implant.value != previous:
        yield finding(
            PUMP_REPLACED,
            severity=Severity.STOP,
            hazard=Hazard.RECORD,
            message=f"The new pump was filled with {format_quantity(implant.value, 'mcg/mL')} "
            f"at implant on {replacement.date.isoformat()}, but previous_concentration says "
            f"{format_quantity(previous, 'mcg/mL')}: the strength in its tubing and catheter is "
            "unknown.",
            action="Confirm the implant fill from the operation note, correct "
            "previous_concentration or implant_concentration, and check again.",
            figures=[*figures, Figure("implant_concentration", implant.value, "mcg/mL")],
        )
        return
    gap = []
    if refill.expected_residual is not None and refill.aspirated_residual is not None:
        gap = [
            Figure("expected_residual", refill.expected_residual.value, "mL"),
            Figure("aspirated_residual", refill.aspirated_residual.value, "mL"),
        ]
    yield finding(
        PUMP_REPLACED,
        message=f"Pump replaced on {replacement.date.isoformat()}: the residual is not judged "
        "against the previous refill, and previous_concentration is taken as the implant fill "
        f"({format_quantity(previous, 'mcg/mL')}).",
        action="Reconcile the aspirated residual by hand with the implant fill and the dose "
        "since; confirm the implant strength and the new pump's serial and profile.",
        figures=[*figures, *gap],
    )


CHECKS = (
    Check("mri", check_mri, (MRI_PUMP_NOT_EMPTIED, MRI_NOT_INTERROGATED)),
    Check("catheter_revision", check_catheter_revision, (CATHETER_REVISION_VOLUME_UNKNOWN,)),
    Check("pump_replacement", check_pump_replacement, (PUMP_REPLACED,)),
)
