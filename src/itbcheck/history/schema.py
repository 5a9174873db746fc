"""The store's schema, versioned by `PRAGMA user_version`: one migration function per step,
applied in order inside one transaction, so a store written by any earlier version is brought
up to this one and never read half-migrated."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _to_1(connection: sqlite3.Connection) -> None:
    connection.execute("CREATE TABLE patients (token TEXT PRIMARY KEY) WITHOUT ROWID")
    connection.execute(
        """CREATE TABLE visits (
            id INTEGER PRIMARY KEY,
            patient_token TEXT NOT NULL REFERENCES patients(token),
            pump_token TEXT NOT NULL,
            visit_time TEXT NOT NULL,
            profile TEXT NOT NULL,
            dispensed_mcg_per_ml TEXT NOT NULL,
            prescribed_mcg_per_day TEXT NOT NULL,
            previous_mcg_per_day TEXT NOT NULL,
            pump_ml_per_day TEXT NOT NULL,
            fill_ml TEXT NOT NULL,
            verdict TEXT NOT NULL,
            finding_codes TEXT NOT NULL,
            audit_seq INTEGER,
            policy_version TEXT NOT NULL,
            record TEXT NOT NULL
        )"""
    )
    connection.execute("CREATE INDEX visits_by_patient ON visits (patient_token, visit_time)")


# MIGRATIONS[n] takes a store from version n to n + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_to_1]


def schema_version() -> int:
    """The version this itbcheck writes."""
    return len(MIGRATIONS)


def migrate(connection: sqlite3.Connection) -> None:
    """Bring the store to `schema_version()`, in one immediate transaction; a store newer than
    this itbcheck is refused rather than guessed at."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        current = int(connection.execute("PRAGMA user_version").fetchone()[0])
        target = schema_version()
        if current > target:
            raise sqlite3.DatabaseError(
                f"the visit store has schema version {current}, newer than this itbcheck "
                f"({target}); upgrade itbcheck"
            )
        for step in MIGRATIONS[current:]:
            step(connection)
        if current != target:
            connection.execute(f"PRAGMA user_version = {target:d}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
