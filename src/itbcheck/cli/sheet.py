"""`itbcheck sheet`: a day's refill sheet, or months of records, checked row by row.

The command reads its options, opens the sheet and the audit log, and shows the summary and the
table at the end; the rows are checked and their entries made durable batch by batch in
`_sheet_run`, which says how. The exit code is the worst row's (docs/exit-codes.md). The format
is documented in docs/sheet.md.
"""

from __future__ import annotations

import contextlib
import enum
import os
import sys
from collections.abc import Mapping
from typing import IO, Annotated, Any

import typer

from itbcheck.cli._handling import (
    AuditLogOption,
    ExitCode,
    NoHistoryOption,
    OperatorOption,
    PolicyOption,
    VisitStoreOption,
    entry_fields,
    fail,
    guarded,
    policy_in_force,
    showing,
)
from itbcheck.cli._sheet_run import Run, check_rows
from itbcheck.exceptions import ConfigurationError, InvalidRecordError, Problem

TABLE_CHUNK = 1 << 16  # characters of the human table written at once


class SheetFormat(enum.StrEnum):
    HUMAN = "human"
    JSONL = "jsonl"


def _open(file: str) -> contextlib.AbstractContextManager[IO[bytes]]:
    if file == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    try:
        return open(file, "rb")
    except OSError as error:
        reason = f"cannot read: {error.strerror or error}"
        raise InvalidRecordError([Problem("sheet", reason, kind="unreadable")], file) from None


def sheet(  # noqa: PLR0917  # typer reads the options from the signature
    file: Annotated[
        str, typer.Argument(help="Refill sheet (CSV, JSON lines or .xlsx), or - for stdin.")
    ],
    output_format: Annotated[
        SheetFormat, typer.Option("--format", help="human (default) or jsonl (one row a line).")
    ] = SheetFormat.HUMAN,
    policy: PolicyOption = None,
    audit_log: AuditLogOption = None,
    operator: OperatorOption = None,
    visit_store: VisitStoreOption = None,
    no_history: NoHistoryOption = False,
    date_format: Annotated[
        str | None,
        typer.Option(
            metavar="FORMAT",
            help="The order of the sheet's dates when not ISO, in strptime codes for day, month "
            "and year (docs/sheet.md); never guessed.",
        ),
    ] = None,
    delimiter: Annotated[
        str,
        typer.Option(metavar="CHAR", help="The CSV separator: ',' (default), or ';' or a tab."),
    ] = ",",
) -> None:
    """Check every visit of a refill sheet (CSV, JSON lines or Excel .xlsx): a verdict per row,
    a summary, the worst row's exit code."""
    import tempfile

    from itbcheck import audit
    from itbcheck.assessment import failed
    from itbcheck.cli._history import history_use, key_or_none, say_status
    from itbcheck.policy import load_policy
    from itbcheck.profiles import profiles_folder
    from itbcheck.sheetcells import SheetDialect, dialect_problems
    from itbcheck.sheettext import SHEET_TABLE_HEADING, render_sheet_head

    dialect = SheetDialect(delimiter=delimiter, date_format=date_format)
    wrong = dialect_problems(dialect)
    if wrong:
        raise fail(wrong, ExitCode.USAGE)
    environ: Mapping[str, str] = os.environ
    name = "<stdin>" if file == "-" else file
    fields: dict[str, Any] = {
        **entry_fields("sheet", operator),
        "sheet_run": os.urandom(16).hex(),
        "line": None,
        "input_sha256": None,
    }
    human = output_format is SheetFormat.HUMAN
    log_path = audit_log or audit.default_log_path(environ)
    batch = audit.AuditBatch(log_path)
    history = history_use(
        enabled=not no_history,
        visit_store=visit_store,
        audit_log=log_path,
        environ=environ,
        key=key_or_none(environ),
    )
    with tempfile.TemporaryFile("w+", encoding="utf-8") as table, contextlib.closing(history):
        run = Run(batch, table.write if human else _echo, human, history)
        key = None
        try:
            key = audit.load_key(environ)
            setup = (key, load_policy(policy_in_force(policy)), dialect)
            profiles_folder()  # none at all: nothing is checked (exit 4), not a failure per row
            with _open(file) as stream:
                check_rows(stream, name, run, fields, setup)
            if not run.counts:
                raise InvalidRecordError([Problem("sheet", "no rows to check", kind="empty")], name)
        except (InvalidRecordError, ConfigurationError) as error:
            outcome = failed(fields, audit.Identifiers(), key, error)
            run.flush()  # the rows checked so far, then the sheet's own entry
            batch.add(outcome.event, outcome.entry)
            run.flush()
            raise
        say_status(history)
        if human:
            with showing(run.recorded_text):
                _echo(render_sheet_head(name, run.counts))
                if table.tell():
                    table.seek(0)
                    _echo(SHEET_TABLE_HEADING)
                    for text in iter(lambda: table.read(TABLE_CHUNK), ""):
                        _echo(text)
    raise typer.Exit(int(run.exit_code()))


def _echo(text: str) -> None:
    typer.echo(text, nl=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the itbcheck app."""
    app.command(short_help="Check every visit of a refill sheet, one verdict a row.")(
        guarded(sheet)
    )
