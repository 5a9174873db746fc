"""Checks across visits: this record against the visits on file for the same patient
(`CheckContext.previous`). Without history (`previous` is None: no store, `--no-history`, or
a first visit) they say nothing; with history that could not be read, one CAUTION says the
cross-visit checks were not made. Here: that CAUTION, the order of the visits, the pump's
identity, and which visit on file the other cross-visit checks compare with (the residual in
checks/history_residual.py, the dose in checks/history_dose.py)."""

from __future__ import annotations

from collections.abc import Iterator

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.checks.programmed_use import is_later_day
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.history.model import History, PastVisit
from itbcheck.units import format_quantity

RECORD_SOURCE = (
    "The strength and dose carried from one visit to the next feed the concentration and "
    "titration checks ([28] ISMP smart-pump concentration principle; [1] Lioresal label). "
    "Comparing them with the last visit on file is itbcheck's choice, because they are "
    "retyped by hand at every visit."
)

HISTORY_UNAVAILABLE = CodeInfo(
    code="HISTORY_UNAVAILABLE",
    severity=Severity.CAUTION,
    hazard=Hazard.RECORD,
    title="Visit history expected but not readable: cross-visit checks not made",
    meaning="A visit store is configured but could not be read (locked, corrupt, missing, or "
    "no audit key to compute the tokens). The record was checked alone.",
    why="A record checked without its history can hide a slip made at the last visit; missing "
    "history is never a reason for CLEAR.",
    source=RECORD_SOURCE,
    example="The store is locked by another writer: CAUTION, checked without history.",
)
HISTORY_VISIT_ORDER = CodeInfo(
    code="HISTORY_VISIT_ORDER",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Visit earlier than, or at the same time as, the last visit on file",
    meaning="The visit time is before the last visit on file, or equal to it with a different "
    "pump.",
    why="Time runs forward: a wrong visit date makes every elapsed-time calculation wrong.",
    source=RECORD_SOURCE,
    example="Last visit 2026-11-27 10:30, this one 2026-10-30 10:30: STOP.",
)
HISTORY_PUMP_CHANGED = CodeInfo(
    code="HISTORY_PUMP_CHANGED",
    severity=Severity.CAUTION,
    hazard=Hazard.DEVICE,
    title="Pump serial or profile disagrees with the last visit and the recorded replacement",
    meaning="The pump serial (by token) or profile differs from the last visit on file with no "
    "pump replacement recorded on or after that visit's day (a replacement not recorded, or a "
    "wrong serial); or a replacement is recorded since that visit but the serial and profile "
    "are the last visit's. A replacement recorded with a new serial is PUMP_REPLACED alone. "
    "Either way the residual forecast and previous values are not carried over. A STOP when the "
    "serial is unchanged, no replacement is recorded, and the fill is more than the reservoir "
    "capacity of the profile on file: a pump does not change model under one serial.",
    why="A residual expected from another pump's fill and flow means nothing; a wrong serial "
    "means the record may belong to another pump.",
    source=RECORD_SOURCE,
    example="Last visit synchromed-ii-20ml, this one synchromed-ii-40ml, no replacement "
    "recorded: CAUTION; with the same serial and a 40 mL fill: STOP. A replacement recorded, "
    "same serial as last time: CAUTION.",
)


def check_unavailable(context: CheckContext) -> Iterator[Finding]:
    history = context.previous
    if history is not None and history.unavailable is not None:
        yield finding(
            HISTORY_UNAVAILABLE,
            message=f"Cross-visit checks were not made: {history.unavailable}.",
            action="Check the record against the last visit's sheet by hand; ask whoever looks "
            "after itbcheck to repair the visit store.",
        )


def last_on_file(context: CheckContext) -> tuple[History, PastVisit] | None:
    history = context.previous
    if history is None or history.unavailable is not None or history.last is None:
        return None
    return history, history.last


def check_order_and_pump(context: CheckContext) -> Iterator[Finding]:
    found = last_on_file(context)
    if found is None:
        return
    history, last = found
    now = context.record.visit_time
    if now <= last.visit_time:
        yield finding(
            HISTORY_VISIT_ORDER,
            message=f"This visit ({now.isoformat()}) is not after the last visit on file "
            f"({last.visit_time.isoformat()}).",
            action="Correct the visit time, or the patient or pump on the record.",
        )
    changed = history.pump_token != last.pump_token or context.record.pump.profile != last.profile
    replaced = replaced_since(context, last)
    if changed and not replaced:
        yield _pump_changed(context, history, last)
    elif replaced and not changed:
        yield finding(
            HISTORY_PUMP_CHANGED,
            message="A new pump is recorded as implanted since the last visit, but its serial "
            f"and profile ({last.profile}) are the last visit's: one of them is wrong. The "
            "residual forecast and previous values are not carried over.",
            action="Read the serial from the pump's interrogation; correct the serial, or the "
            "pump replacement, before the refill.",
        )


def _pump_changed(context: CheckContext, history: History, last: PastVisit) -> Finding:
    """HISTORY_PUMP_CHANGED with no replacement recorded; a STOP when the serial is unchanged
    and the fill is more than the reservoir of the profile on file holds."""
    record = context.record
    message = (
        f"The pump differs from the last visit's (profile {last.profile} then, "
        f"{record.pump.profile} now, or another serial): the residual forecast and previous "
        "values cannot be carried over."
    )
    fill = record.refill.fill_volume.value
    capacity = history.last_capacity_ml
    if history.pump_token != last.pump_token or capacity is None or fill <= capacity:
        return finding(
            HISTORY_PUMP_CHANGED,
            message=message,
            action="Confirm the pump was replaced; if not, correct the serial or profile.",
        )
    return finding(
        HISTORY_PUMP_CHANGED,
        severity=Severity.STOP,
        hazard=Hazard.OVERDOSE,
        message=f"The serial is the last visit's, but the profile was {last.profile} then and "
        f"is {record.pump.profile} now, with no pump replacement recorded: a pump does not "
        f"change model under one serial. If the serial is right, the "
        f"{format_quantity(fill, 'mL')} fill is more than the "
        f"{format_quantity(capacity, 'mL')} its reservoir holds.",
        action="Do not fill. Read the model and reservoir size from the pump's interrogation; "
        "correct the profile or the serial, or record the pump replacement, and check again.",
        figures=[
            Figure("fill_volume", fill, "mL"),
            Figure("capacity_on_file", capacity, "mL"),
        ],
    )


def replaced_since(context: CheckContext, last: PastVisit) -> bool:
    """True when the record's pump replacement falls on or after the last visit's day: a new
    serial is then expected, and nothing of the old pump is carried over."""
    since = context.record.since_last_visit
    replacement = None if since is None else since.pump_replacement
    if replacement is None:
        return False
    zone = context.record.visit_time.tzinfo
    return replacement.date >= last.visit_time.astimezone(zone).date()


def _same_pump(context: CheckContext) -> PastVisit | None:
    found = last_on_file(context)
    if found is None:
        return None
    history, last = found
    if (
        history.pump_token != last.pump_token
        or context.record.pump.profile != last.profile
        or context.record.visit_time <= last.visit_time
        or replaced_since(context, last)
        or _filled_since(context, last)
    ):
        return None
    return last


def _filled_since(context: CheckContext, last: PastVisit) -> bool:
    """True when the record dates the previous refill after the last visit on file: that visit
    is not the last fill (a refill checked elsewhere, or not checked), so its fill, flow and
    strength are not this pump's last."""
    filled = context.record.refill.previous_fill_date
    return filled is not None and is_later_day(filled, last.visit_time)


CHECKS: tuple[Check, ...] = (
    Check("history_unavailable", check_unavailable, (HISTORY_UNAVAILABLE,)),
    Check(
        "history_order_and_pump",
        check_order_and_pump,
        (HISTORY_VISIT_ORDER, HISTORY_PUMP_CHANGED),
    ),
)


def last_visit_on_pump(context: CheckContext) -> PastVisit | None:
    """The last visit on file with this pump and profile, before this visit: the previous
    fill, for the early-refill judgement of RESIDUAL_NEAR_FULL (checks/residual.py)."""
    return _same_pump(context)


def last_visit_of_patient(context: CheckContext) -> PastVisit | None:
    """The last visit on file for this patient, before this visit, with no pump replacement
    recorded since: the dose it prescribed is the patient's, whatever the serial says."""
    found = last_on_file(context)
    if found is None:
        return None
    _, last = found
    if context.record.visit_time <= last.visit_time or replaced_since(context, last):
        return None
    return last
