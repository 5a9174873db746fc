"""The `itbcheck` command. It parses arguments, calls the core, renders, and picks the exit
code; nothing else. Exit codes are documented in docs/exit-codes.md.

The top layer: it may import every other part of itbcheck, and it is the only one that writes
to a terminal (typer, rich, matplotlib and uvicorn are imported here and nowhere else; see
docs/architecture.md). Heavy parts are imported inside the command that needs them."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from itbcheck import __version__
from itbcheck.cli import _history
from itbcheck.cli._handling import (
    AuditLogOption,
    ExitCode,
    NoHistoryOption,
    OperatorOption,
    OutputFormat,
    PolicyOption,
    StageOption,
    VisitStoreOption,
    entry_fields,
    fail,
    guarded,
    policy_in_force,
    showing,
    use_colour,
)
from itbcheck.exceptions import ConfigurationError, InvalidRecordError, Problem
from itbcheck.stages import Stage

if TYPE_CHECKING:  # imported only when a record is checked, to keep the start fast
    from itbcheck.assessment import Outcome

app = typer.Typer(
    name="itbcheck",
    help="Safety checks for intrathecal baclofen pump refills and programming.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"itbcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Safety checks for intrathecal baclofen pump refills and programming."""


# A file with one of these endings holds many visits, one per row: `sheet` checks it.
SHEET_SUFFIXES = (".csv", ".jsonl", ".xlsx")


def _read_input(record: str) -> bytes:
    from itbcheck.reading import MAX_INPUT_BYTES

    if record.lower().endswith(SHEET_SUFFIXES):
        problem = f"a sheet of visits, not one record: check it with 'itbcheck sheet {record}'"
        raise InvalidRecordError([Problem("record", problem, kind="sheet")], record)
    try:
        if record == "-":
            return sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        with open(record, "rb") as handle:
            return handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise InvalidRecordError(
            [Problem("record", f"cannot read: {error.strerror or error}", kind="unreadable")],
            record,
        ) from None


def _audit(path: Path, event: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Append the entry and return it as written (with `seq` and `hash`), or raise
    AuditWriteError."""
    from itbcheck.audit import write_entry

    appended = write_entry(path, event, fields)
    if appended.quarantined_bytes:
        typer.echo(
            f"warning: the audit log {path} ended in a torn line "
            f"({appended.quarantined_bytes} bytes) left by an interrupted write; it is kept and "
            f"quarantined by entry {appended.entry['seq'] - 1}",
            err=True,
        )
    return appended.entry


def _check_file(
    record: str,
    fields: Mapping[str, Any],
    *,
    policy: Path | None,
    log_path: Path,
    visit_store: Path | None,
    no_history: bool,
    stage: Stage = Stage.AFTER_PROGRAMMING,
) -> tuple[Outcome, dict[str, Any]]:
    """One record file checked as `check` and `report` check it: against the visits on file,
    audited, then recorded in the visit store with its entry's `seq` (a check before the fill
    is not a visit and is not recorded there). Returns the outcome and its audit entry."""
    from itbcheck import audit
    from itbcheck.assessment import assess
    from itbcheck.policy import load_policy

    environ: Mapping[str, str] = os.environ
    history = _history.history_use(
        enabled=not no_history,
        visit_store=visit_store,
        audit_log=log_path,
        environ=environ,
        key=_history.key_or_none(environ),
    )
    outcome = assess(
        lambda: _read_input(record),
        "<stdin>" if record == "-" else record,
        fields=fields,
        key=lambda: audit.load_key(environ),
        policy=lambda: load_policy(policy_in_force(policy)),
        history=history.lookup,
        stage=stage,
    )
    entry = _audit(log_path, outcome.event, outcome.entry)
    history.record(outcome, int(entry["seq"]))
    history.flush()
    history.close()
    _history.say_status(history)
    return outcome, entry


@app.command(short_help="Check one record and give CLEAR, CAUTION or STOP.")
@guarded
def check(  # noqa: PLR0917  # typer reads the options from the signature
    record: Annotated[str, typer.Argument(help="Record file (YAML or JSON), or - for stdin.")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="human (default) or json.")
    ] = OutputFormat.HUMAN,
    policy: PolicyOption = None,
    audit_log: AuditLogOption = None,
    operator: OperatorOption = None,
    visit_store: VisitStoreOption = None,
    no_history: NoHistoryOption = False,
    stage: StageOption = Stage.AFTER_PROGRAMMING,
) -> None:
    """Check one refill and programming record and give a verdict: CLEAR, CAUTION or STOP."""
    from itbcheck import audit
    from itbcheck.checktext import render_human
    from itbcheck.output import error_document, result_document, to_json

    environ: Mapping[str, str] = os.environ
    log_path = audit_log or audit.default_log_path(environ)
    fields = entry_fields("check", operator)
    source = "<stdin>" if record == "-" else record
    outcome, entry = _check_file(
        record,
        fields,
        policy=policy,
        log_path=log_path,
        visit_store=visit_store,
        no_history=no_history,
        stage=stage,
    )
    seq = entry["seq"]
    error = outcome.error
    what = (
        "the outcome (no verdict)"
        if outcome.result is None
        else f"the verdict ({outcome.result.verdict.value})"
    )
    with showing(lambda: f"{what} is recorded in the audit log {log_path} as entry {seq}"):
        if output_format is OutputFormat.JSON and isinstance(
            error, InvalidRecordError | ConfigurationError
        ):
            kind = "invalid_record" if isinstance(error, InvalidRecordError) else "configuration"
            typer.echo(to_json(error_document(kind, source, error.problems)), nl=False)
        result = outcome.checked()  # raises the error that stopped the record, if any
        if output_format is OutputFormat.JSON:
            typer.echo(to_json(result_document(result, source)), nl=False)
        else:
            colour = use_colour(sys.stdout, environ)
            typer.echo(render_human(result, source, colour=colour), nl=False, color=colour)
    raise typer.Exit(int(ExitCode[result.verdict.value]))


@app.command(short_help="Explain a finding code, or list them all.")
@guarded
def explain(
    code: Annotated[
        str | None, typer.Argument(help="A finding code; omit to list them all.")
    ] = None,
) -> None:
    """Explain a finding code: what it means, why it matters, its source and an example."""
    from itbcheck.checks import CHECKS, catalogue
    from itbcheck.explaintext import render_catalogue, render_explain

    codes = catalogue()
    if code is None:
        typer.echo(render_catalogue(codes.values()), nl=False)
        return
    info = codes.get(code.upper())
    if info is None:
        raise fail(
            [f"error: unknown finding code {code!r}; run 'itbcheck explain' to list them"],
            ExitCode.USAGE,
        )
    stages = next(check.stages for check in CHECKS if info in check.codes)
    typer.echo(render_explain(info, stages), nl=False)


# Sub-command modules need nothing from this one, so they are imported last.
from itbcheck.cli import audit_keys, history, profiles, sheet, simulate, web  # noqa: E402
from itbcheck.cli.audit import audit_app  # noqa: E402
from itbcheck.cli.config import config_app  # noqa: E402

audit_keys.register(audit_app)
app.add_typer(audit_app, name="audit")
app.add_typer(config_app, name="config")
profiles.register(app)
simulate.register(app)
sheet.register(app)
web.register(app)
history.register(app)

__all__ = ["ExitCode", "OutputFormat", "app", "main"]


def main() -> None:
    app(prog_name="itbcheck")
