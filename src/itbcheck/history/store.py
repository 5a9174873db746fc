"""The SQLite file: WAL, foreign keys on, a busy timeout, one writer at a time (`BEGIN
IMMEDIATE`), its schema brought up to date on opening. Rows hold tokens, never identifiers."""

from __future__ import annotations

import datetime as dt
import json
import operator
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from itbcheck.history.model import PastVisit
from itbcheck.history.schema import migrate

STORE_ENV = "ITBCHECK_VISIT_STORE"
FILE_NAME = "visits.sqlite3"
BUSY_TIMEOUT_SECONDS = 10.0


class StoreUnavailableError(Exception):
    """The visit store cannot be opened, read or written; the message says which and why."""


def default_store_path(audit_log: Path, environ: Mapping[str, str]) -> Path:
    """$ITBCHECK_VISIT_STORE, else the config file's `visit_store`, else `visits.sqlite3` in
    the audit log's folder."""
    from itbcheck.settings import in_force

    return Path(str(in_force(environ, {"audit_log": audit_log})["visit_store"].value))


@dataclass(frozen=True)
class StoredVisit:
    """One row of `visits`, tokens in place of identifiers."""

    patient_token: str
    pump_token: str
    visit_time: str
    profile: str
    dispensed_mcg_per_ml: str
    prescribed_mcg_per_day: str
    previous_mcg_per_day: str
    pump_ml_per_day: str
    fill_ml: str
    verdict: str
    finding_codes: str
    audit_seq: int | None
    policy_version: str
    record: str

    def past(self) -> PastVisit:
        return PastVisit(
            visit_time=dt.datetime.fromisoformat(self.visit_time),
            pump_token=self.pump_token,
            profile=self.profile,
            dispensed_mcg_per_ml=Decimal(self.dispensed_mcg_per_ml),
            prescribed_mcg_per_day=Decimal(self.prescribed_mcg_per_day),
            previous_mcg_per_day=Decimal(self.previous_mcg_per_day),
            pump_ml_per_day=Decimal(self.pump_ml_per_day),
            fill_ml=Decimal(self.fill_ml),
            verdict=self.verdict,
            audit_seq=self.audit_seq,
        )

    @property
    def codes(self) -> list[str]:
        return list(json.loads(self.finding_codes))


_COLUMNS = ", ".join(StoredVisit.__dataclass_fields__)
_PLACES = ", ".join("?" for _ in StoredVisit.__dataclass_fields__)
# A visit's column values in order; `dataclasses.astuple` deep-copies every field, and was a
# tenth of a sheet row's time (issue 14).
_VALUES = operator.attrgetter(*StoredVisit.__dataclass_fields__)
_TIME = list(StoredVisit.__dataclass_fields__).index("visit_time")
_PUMP = list(StoredVisit.__dataclass_fields__).index("pump_token")
_SEQ = list(StoredVisit.__dataclass_fields__).index("audit_seq")


def _reason(path: Path, error: sqlite3.Error) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return f"the visit store {path} is locked by another writer ({text})"
    if "not a database" in text or "malformed" in text:
        return f"the visit store {path} is not a readable SQLite database: {text}"
    return f"the visit store {path} cannot be used: {text}"


class VisitStore:
    """One open store. Every method raises `StoreUnavailableError` instead of sqlite3's errors."""

    def __init__(self, path: Path, *, timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = path
        if not path.parent.is_dir():
            raise StoreUnavailableError(f"the visit store's folder {path.parent} does not exist")
        try:
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000):d}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            migrate(self._db)
        except sqlite3.Error as error:
            raise StoreUnavailableError(_reason(path, error)) from None

    def close(self) -> None:
        self._db.close()

    def add(self, visits: list[StoredVisit], seqs: Sequence[int] | None = None) -> None:
        """Record visits, all or none, in one immediate (writer) transaction; with `seqs`, one
        per visit, each recorded with that audit entry sequence number instead of its own."""
        rows = [_VALUES(visit) for visit in visits]
        if seqs is not None:
            rows = [
                (*row[:_SEQ], seq, *row[_SEQ + 1 :]) for row, seq in zip(rows, seqs, strict=True)
            ]
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT OR IGNORE INTO patients (token) VALUES (?)",
                    [(visit.patient_token,) for visit in visits],
                )
                self._db.executemany(
                    f"INSERT INTO visits ({_COLUMNS}) VALUES ({_PLACES})",
                    rows,
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise StoreUnavailableError(_reason(self.path, error)) from None

    def visits_of(self, patient_token: str, pump_token: str | None = None) -> list[StoredVisit]:
        """The patient's visits (with that pump only, if given), oldest first; of several checks
        of one visit (the same time and pump), the last recorded."""
        # One indexed read, the repeats dropped here: a GROUP BY subquery cost half again as
        # much, and a sheet makes this read for every row (issue 14).
        query = f"SELECT {_COLUMNS}, id FROM visits WHERE patient_token = ?"
        arguments: tuple[str, ...] = (patient_token,)
        if pump_token is not None:
            query += " AND pump_token = ?"
            arguments += (pump_token,)
        try:
            rows = self._db.execute(query + " ORDER BY visit_time, id", arguments).fetchall()
        except sqlite3.Error as error:
            raise StoreUnavailableError(_reason(self.path, error)) from None
        last = {(row[_TIME], row[_PUMP]): row for row in rows}  # ordered by id: the last wins
        return [StoredVisit(*row[:-1]) for row in rows if last[row[_TIME], row[_PUMP]] is row]

    def all_visits(self) -> list[StoredVisit]:
        """Every check recorded, in the order recorded."""
        return self._select(f"SELECT {_COLUMNS} FROM visits ORDER BY id", ())

    def count(self) -> int:
        try:
            return int(self._db.execute("SELECT count(*) FROM visits").fetchone()[0])
        except sqlite3.Error as error:
            raise StoreUnavailableError(_reason(self.path, error)) from None

    def _select(self, query: str, arguments: tuple[str, ...]) -> list[StoredVisit]:
        try:
            return [StoredVisit(*row) for row in self._db.execute(query, arguments)]
        except sqlite3.Error as error:
            raise StoreUnavailableError(_reason(self.path, error)) from None
