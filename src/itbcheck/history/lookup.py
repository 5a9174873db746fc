"""The store as one command uses it: the history of the visit being checked, and the visit
recorded once its audit entry is durable. Visits checked but not yet recorded (a sheet's rows
waiting for their audit batch) are seen by later lookups, so a sheet's later row is checked
against an earlier row's visit."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from itbcheck.audit import pseudonym
from itbcheck.dosing import DoseSummary
from itbcheck.exceptions import ConfigurationError
from itbcheck.history.model import History, PastVisit
from itbcheck.history.store import (
    BUSY_TIMEOUT_SECONDS,
    StoredVisit,
    StoreUnavailableError,
    VisitStore,
)
from itbcheck.prescription import PatientBolus
from itbcheck.profilefiles import load_profile
from itbcheck.profiles import trusted
from itbcheck.records import Record

# A lookup reads at most this many visits of one patient: enough for any policy window.
RECENT_VISITS = 64
# Identifiers whose tokens a session keeps: a row's lookup and record come one after the other.
RECENT_TOKENS = 16


def utc_text(moment: dt.datetime) -> str:
    """A visit time as stored: UTC ISO 8601, so text order is time order."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def scrubbed(record: Record, patient_token: str, pump_token: str) -> str:
    """The record as validated, as JSON, with tokens in place of the patient id and pump
    serial, and without free text: no override approver or reason, no change reason."""
    data: dict[str, Any] = record.model_dump(mode="json", exclude_none=True)
    data["patient"]["id"] = patient_token
    data["pump"]["serial"] = pump_token
    data["dosing"].pop("change_reason", None)
    data["overrides"] = [
        {"rule": o["rule"], "approved_limit": o["approved_limit"]} for o in data["overrides"]
    ]
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def stored_visit(
    record: Record,
    dose: DoseSummary,
    *,
    key: bytes,
    verdict: str,
    codes: list[str],
    policy_version: str,
    seq: int | None,
    tokens: tuple[str, str] | None = None,
) -> StoredVisit:
    """The row for one checked visit; `tokens`, the (patient, pump) tokens under `key` when the
    caller has them already."""
    patient, pump = tokens or (
        pseudonym(key, "patient", record.patient.id),
        pseudonym(key, "pump", record.pump.serial),
    )
    return StoredVisit(
        patient_token=patient,
        pump_token=pump,
        visit_time=utc_text(record.visit_time),
        profile=record.pump.profile,
        dispensed_mcg_per_ml=str(dose.dispensed_concentration_mcg_per_ml),
        prescribed_mcg_per_day=str(dose.prescribed_daily_dose_mcg_per_day),
        previous_mcg_per_day=str(dose.previous_daily_dose_mcg_per_day),
        pump_ml_per_day=str(dose.pump_daily_volume_ml_per_day),
        fill_ml=str(record.refill.fill_volume.value),
        verdict=verdict,
        finding_codes=json.dumps(codes),
        audit_seq=seq,
        policy_version=policy_version,
        record=scrubbed(record, patient, pump),
    )


class HistorySession:
    """One command's use of the store at `path` with the audit `key`. The store is opened on
    first use; an error opening or reading it becomes a `History` that says why."""

    def __init__(self, path: Path, key: bytes, *, timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = path
        self.key = key
        self.timeout = timeout
        self._store: VisitStore | None = None
        self.pending: list[StoredVisit] = []
        # The same queued visits by patient token: a sheet's lookup reads one patient's, and
        # scanning a whole batch for them was a tenth of a row's time (issue 14).
        self._pending_of: dict[str, list[StoredVisit]] = {}
        self._tokens: dict[tuple[str, str], tuple[str, str]] = {}

    def store(self) -> VisitStore:
        if self._store is None:
            self._store = VisitStore(self.path, timeout=self.timeout)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def tokens(self, record: Record) -> tuple[str, str]:
        """The record's (patient, pump) tokens under this session's key. A row's lookup and its
        stored visit both need them; the last few are kept so each is computed once."""
        identifiers = (record.patient.id, record.pump.serial)
        found = self._tokens.get(identifiers)
        if found is None:
            if len(self._tokens) >= RECENT_TOKENS:
                self._tokens.clear()
            found = (
                pseudonym(self.key, "patient", record.patient.id),
                pseudonym(self.key, "pump", record.pump.serial),
            )
            self._tokens[identifiers] = found
        return found

    def history(self, record: Record) -> History:
        """The visits on file before this one, for this record's patient: a re-check of a
        visit already on file (same time, same pump) is not its own past, and a visit checked
        STOP was not carried out as recorded (the record had to change), so it is no one's
        past either; `itbcheck history` still lists it."""
        patient, pump = self.tokens(record)
        try:
            rows = self.store().visits_of(patient)
        except StoreUnavailableError as error:
            return History(pump_token=pump, unavailable=str(error))
        rows += self._pending_of.get(patient, ())
        now = utc_text(record.visit_time)
        past = sorted(
            (
                row
                for row in rows
                if row.verdict != "STOP" and not (row.visit_time == now and row.pump_token == pump)
            ),
            key=lambda row: row.visit_time,
        )
        visits = tuple(row.past() for row in past[-RECENT_VISITS:])
        return History(
            pump_token=pump,
            visits=visits,
            last_capacity_ml=_capacity(record, visits),
            last_patient_bolus_mcg_per_day=_patient_bolus(record, past[-1] if past else None),
        )

    def queue(self, visit: StoredVisit) -> None:
        """A checked visit, seen by later lookups, recorded by `flush`."""
        self.pending.append(visit)
        self._pending_of.setdefault(visit.patient_token, []).append(visit)

    def flush(self, seqs: Sequence[int] | None = None) -> None:
        """Record the queued visits, with their audit entries' sequence numbers if given (one
        per queued visit, in order); raises StoreUnavailableError."""
        batch, self.pending, self._pending_of = self.pending, [], {}
        if batch:
            self.store().add(batch, seqs)


def _capacity(record: Record, visits: tuple[PastVisit, ...]) -> Decimal | None:
    """The reservoir capacity of the last visit's profile when it is not this record's: what a
    pump with an unchanged serial holds (HISTORY_PUMP_CHANGED). None when the profiles agree,
    or the one on file is no longer known or has no verified capacity."""
    if not visits or visits[-1].profile == record.pump.profile:
        return None
    try:
        capacity = trusted(load_profile(visits[-1].profile).reservoir_capacity)
    except ConfigurationError:
        return None
    return None if capacity is None else capacity.value


def _patient_bolus(record: Record, last: StoredVisit | None) -> Decimal | None:
    """The most patient boluses a day the last visit on file allowed, read from its stored
    record when this record states previous ones (None otherwise: nothing to compare)."""
    if last is None or record.dosing.previous_patient_bolus is None:
        return None
    allowed = json.loads(last.record)["dosing"].get("patient_bolus")
    if allowed is None:
        return Decimal(0)
    bolus = PatientBolus.model_validate(allowed)
    return bolus.dose.value * bolus.max_per_day
