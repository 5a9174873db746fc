"""`itbcheck audit`: verify, export and summarise the audit log, for pharmacy."""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
from pathlib import Path
from typing import Annotated

import typer

from itbcheck.cli._handling import ExitCode, fail, guarded
from itbcheck.exceptions import ConfigurationError, Problem

audit_app = typer.Typer(help="Verify, export and summarise the audit log.", no_args_is_help=True)

LogArgument = Annotated[Path, typer.Argument(help="The audit log (JSON lines).")]


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


def _read(log: Path) -> bytes:
    try:
        return log.read_bytes()
    except OSError as error:
        raise fail([f"{log}: cannot read: {error.strerror or error}"], ExitCode.USAGE) from None


def _key() -> bytes:
    from itbcheck.audit import KEY_ENV, load_key

    key = load_key(os.environ)
    if key is None:
        raise ConfigurationError(
            [Problem(KEY_ENV, "a checkpoint needs the audit key (ITBCHECK_AUDIT_KEY or _FILE)")],
            "audit key",
        )
    return key


@audit_app.command(short_help="Recompute the hash chain; name the first bad line.")
@guarded
def verify(
    log: LogArgument,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            help="Checkpoint from an earlier export: also catches truncation and "
            "rewrites, which the chain alone cannot."
        ),
    ] = None,
) -> None:
    """Recompute the hash chain and report the first bad line; exit 0 only if all verifies."""
    from itbcheck.audit.chain import checkpoint_problem
    from itbcheck.audit.chain import verify as verify_chain

    data = _read(log)
    result = verify_chain(data)
    if not result.ok:
        raise fail([f"{log}: line {result.bad_line}: {result.reason}"], ExitCode.AUDIT_INVALID)
    if checkpoint is not None:
        key = _key()
        try:
            point = json.loads(checkpoint.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise fail(
                [f"{checkpoint}: cannot read the checkpoint: {error}"], ExitCode.USAGE
            ) from None
        problem = checkpoint_problem(key, point if isinstance(point, dict) else {}, data)
        if problem is not None:
            raise fail([f"{log}: {problem}"], ExitCode.AUDIT_INVALID)
    quarantined = f", {result.quarantined} torn line(s) quarantined" if result.quarantined else ""
    if result.unterminated:
        quarantined += ", the last entry lacks its final newline (the next entry adds it)"
    checked = (
        ", checkpoint matches"
        if checkpoint is not None
        else ("; without --checkpoint a truncated or fully rewritten log cannot be detected")
    )
    typer.echo(
        f"verified: {result.entries} entries, head {result.head_seq} {result.head_hash}"
        f"{quarantined}{checked}"
    )


@audit_app.command(short_help="Export a date range as CSV or JSON lines.")
@guarded
def export(
    log: LogArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    output_format: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.CSV,
    since: Annotated[
        dt.datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="First UTC day."),
    ] = None,
    until: Annotated[
        dt.datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Last UTC day."),
    ] = None,
) -> None:
    """Export a date range as CSV or JSON lines, with a keyed checkpoint beside it."""
    from itbcheck.audit.chain import checkpoint as make_checkpoint
    from itbcheck.audit.chain import verify as verify_chain
    from itbcheck.audit.export import entries_of, to_csv, to_jsonl, within

    data = _read(log)
    result = verify_chain(data)
    if not result.ok:
        raise fail(
            [f"{log}: line {result.bad_line}: {result.reason}", "error: nothing exported"],
            ExitCode.AUDIT_INVALID,
        )
    key = _key()
    chosen = within(
        entries_of(data), since.date() if since else None, until.date() if until else None
    )
    text = to_csv(chosen) if output_format is ExportFormat.CSV else to_jsonl(chosen)
    point_path = output.with_name(output.name + ".checkpoint.json")
    point = make_checkpoint(key, result.head_seq, result.head_hash)
    output.write_text(text, "utf-8", newline="")
    point_path.write_text(json.dumps(point, indent=2) + "\n", "utf-8")
    typer.echo(f"exported {len(chosen)} entries to {output}; checkpoint {point_path}")


@audit_app.command()
@guarded
def summary(log: LogArgument) -> None:
    """Counts of checks by verdict, finding code, operator and day."""
    from itbcheck.audit.chain import verify as verify_chain
    from itbcheck.audit.export import entries_of
    from itbcheck.audit.export import summary as count

    data = _read(log)
    result = verify_chain(data)
    if not result.ok:
        raise fail([f"{log}: line {result.bad_line}: {result.reason}"], ExitCode.AUDIT_INVALID)
    for title, counter in count(entries_of(data)).items():
        typer.echo(f"by {title.replace('_', ' ')}:")
        rows = sorted(counter.items()) if title == "day" else counter.most_common()
        for name, number in rows:
            typer.echo(f"  {name:<32} {number:>7}")
        if not rows:
            typer.echo("  (none)")
