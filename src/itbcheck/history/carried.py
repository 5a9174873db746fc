"""What the bedside form pre-fills from the last visit on file for a patient and pump: the
strength dispensed then (now the strength in the pump), the dose prescribed then and when it
last changed, the volume filled then, the pump profile, and the patient boluses allowed then
(now the previous ones, and the ones that continue). Keys are record paths; the nurse
can change each, and a changed value is itself compared with history by the checks."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from itbcheck.audit import pseudonym
from itbcheck.history.store import StoredVisit, StoreUnavailableError, VisitStore


def _number(text: str) -> str:
    value = Decimal(text).normalize()
    return format(value, "f")


def carried_values(visit: StoredVisit) -> dict[str, str]:
    """The prefill from one visit on file, keyed by record path."""
    record = json.loads(visit.record)
    changed_at = (
        visit.visit_time
        if visit.prescribed_mcg_per_day != visit.previous_mcg_per_day
        else record["dosing"]["previous_dose_changed_at"]
    )
    # Patient boluses then are the previous ones now, and (unless the nurse changes them) the
    # ones that continue: left empty, the checks would count none and date the refill late.
    bolus = record["dosing"].get("patient_bolus") or {}
    boluses = {
        f"dosing.{which}.{name}": str(bolus[name])
        for which in ("previous_patient_bolus", "patient_bolus")
        for name in ("dose", "lockout", "max_per_day")
        if name in bolus
    }
    return {
        **boluses,
        "pump.profile": visit.profile,
        "refill.previous_concentration": f"{_number(visit.dispensed_mcg_per_ml)} mcg/mL",
        "refill.previous_fill_volume": f"{_number(visit.fill_ml)} mL",
        "dosing.previous_daily_dose": f"{_number(visit.prescribed_mcg_per_day)} mcg/day",
        "dosing.previous_dose_changed_at": dt.datetime.fromisoformat(changed_at).isoformat(),
    }


def carried_forward(
    path: Path, key: bytes | None, patient_id: str, pump_serial: str
) -> tuple[Mapping[str, str], str | None]:
    """The form's previous-visit lookup: (values, status for the nurse)."""
    if key is None:
        return {}, "visit store off: no audit key"
    try:
        store = VisitStore(path)
        try:
            visits = store.visits_of(
                pseudonym(key, "patient", patient_id), pseudonym(key, "pump", pump_serial)
            )
        finally:
            store.close()
    except StoreUnavailableError as error:
        return {}, f"previous visit not read: {error}"
    # A STOP visit was not carried out as recorded: the last one that was is carried forward.
    visits = [visit for visit in visits if visit.verdict != "STOP"]
    if not visits:
        return {}, "no previous visit on file for this patient and pump"
    last = visits[-1]
    return carried_values(last), f"previous visit of {last.visit_time} filled in"
