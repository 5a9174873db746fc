"""`itbcheck history`: the visits on file for one patient and pump, found by the tokens of what
is typed (never echoed, never logged), or every visit as a CSV for pharmacy, without
identifiers. docs/history.md."""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from itbcheck.cli._handling import AuditLogOption, ExitCode, VisitStoreOption, fail, guarded

EXPORT_COLUMNS = (
    "visit_time",
    "patient_token",
    "pump_token",
    "profile",
    "dispensed_mcg_per_ml",
    "prescribed_mcg_per_day",
    "previous_mcg_per_day",
    "pump_ml_per_day",
    "fill_ml",
    "verdict",
    "finding_codes",
    "audit_seq",
    "policy_version",
)


def history(
    patient_id: Annotated[
        str | None, typer.Argument(help="Hospital identifier (turned into its token).")
    ] = None,
    pump_serial: Annotated[
        str | None, typer.Argument(help="Pump serial (turned into its token).")
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Write every visit on file as CSV (- for stdout)."),
    ] = None,
    visit_store: VisitStoreOption = None,
    audit_log: AuditLogOption = None,
) -> None:
    """List the visits on file for a patient and pump, or export them all as CSV."""
    from itbcheck import audit
    from itbcheck.audit import pseudonym
    from itbcheck.history.store import StoreUnavailableError, VisitStore, default_store_path

    environ: Mapping[str, str] = os.environ
    log_path = audit_log or audit.default_log_path(environ)
    path = visit_store or default_store_path(log_path, environ)
    if export is None and (patient_id is None or pump_serial is None):
        raise fail(["error: give PATIENT_ID and PUMP_SERIAL, or --export FILE"], ExitCode.USAGE)
    if not path.exists():
        raise fail([f"error: no visit store at {path}"], ExitCode.CONFIGURATION)
    try:
        store = VisitStore(path)
        if export is not None:
            rows = store.all_visits()
        else:
            key = audit.load_key(environ)
            if key is None:
                raise fail(
                    ["error: the visit store is keyed by the audit key; set ITBCHECK_AUDIT_KEY"],
                    ExitCode.CONFIGURATION,
                )
            assert patient_id is not None  # checked above
            assert pump_serial is not None
            rows = store.visits_of(
                pseudonym(key, "patient", patient_id), pseudonym(key, "pump", pump_serial)
            )
        store.close()
    except StoreUnavailableError as error:
        raise fail([f"error: {error}"], ExitCode.CONFIGURATION) from None
    if export is not None:
        _export(export, [[getattr(row, name) for name in EXPORT_COLUMNS] for row in rows])
        return
    if not rows:
        typer.echo("No visits on file for this patient and pump.")
        return
    typer.echo(f"{'visit (UTC)':25} {'strength':>12} {'daily dose':>14} {'fill':>8}  verdict")
    for row in rows:
        typer.echo(
            f"{row.visit_time:25} {row.dispensed_mcg_per_ml + ' mcg/mL':>12} "
            f"{row.prescribed_mcg_per_day + ' mcg/day':>14} {row.fill_ml + ' mL':>8}  "
            f"{row.verdict}"
        )


def _export(target: Path, rows: list[list[object]]) -> None:
    if str(target) == "-":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows([EXPORT_COLUMNS, *rows])
        return
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([EXPORT_COLUMNS, *rows])
    typer.echo(f"{len(rows)} visits written to {target}", err=True)


def register(app: typer.Typer) -> None:
    """Add this module's command to the itbcheck app."""
    app.command(short_help="List a patient's visits on file, or export them all.")(guarded(history))
