"""`itbcheck audit`: verify, export and summarise the audit log, find a patient's token, and
make the key pair that signs checkpoints; for pharmacy and the site (docs/audit-log.md)."""

from __future__ import annotations

import datetime as dt
import enum
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from itbcheck.cli._handling import ExitCode, fail, guarded

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

audit_app = typer.Typer(
    help="Verify, export and summarise the audit log; find a patient's token.",
    short_help="Verify, export, summarise the audit log; find a token.",
    no_args_is_help=True,
)

LogArgument = Annotated[
    Path | None,
    typer.Argument(
        help="The audit log (JSON lines); default: the log `check` writes to "
        "($ITBCHECK_AUDIT_LOG or the default path)."
    ),
]
ZoneOption = Annotated[
    str,
    typer.Option(
        "--tz",
        metavar="ZONE",
        help="IANA time zone for times and days (Europe/London); default UTC.",
    ),
]


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    XLSX = "xlsx"


def log_path(log: Path | None) -> Path:
    """The log given, else the one `check` appends to (one function decides both)."""
    from itbcheck.audit import default_log_path

    return log if log is not None else default_log_path(os.environ)


def _read(log: Path) -> bytes:
    try:
        return log.read_bytes()
    except OSError as error:
        raise fail([f"{log}: cannot read: {error.strerror or error}"], ExitCode.USAGE) from None


def _verified(log: Path, *more: str) -> tuple[bytes, int, str]:
    """The log's bytes, head seq and head hash, once its whole chain verifies."""
    from itbcheck.audit.verification import verify as verify_chain

    data = _read(log)
    result = verify_chain(data)
    if not result.ok:
        raise fail(
            [f"{log}: line {result.bad_line}: {result.reason}", *more], ExitCode.AUDIT_INVALID
        )
    return data, result.head_seq, result.head_hash


def _zone(name: str) -> dt.tzinfo:
    import zoneinfo

    if name == "UTC":
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise fail(
            [f"--tz: unknown time zone {name!r}; give an IANA name such as Europe/London"],
            ExitCode.USAGE,
        ) from None


@audit_app.command(short_help="Recompute the hash chain; name the first bad line.")
@guarded
def verify(
    log: LogArgument = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            help="Checkpoint from an earlier export: also catches truncation and "
            "rewrites, which the chain alone cannot. Needs --public-key."
        ),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(help="The site's public key (PEM), to verify the checkpoint's signature."),
    ] = None,
) -> None:
    """Recompute the hash chain and report the first bad line; exit 0 only if all verifies."""
    from itbcheck.audit.sign import checkpoint_problem, load_public_key
    from itbcheck.audit.verification import verify as verify_chain

    path = log_path(log)
    if checkpoint is not None and public_key is None:
        raise fail(
            ["--checkpoint needs --public-key: the site's public key that signed it"],
            ExitCode.USAGE,
        )
    data = _read(path)
    result = verify_chain(data)
    if not result.ok:
        raise fail([f"{path}: line {result.bad_line}: {result.reason}"], ExitCode.AUDIT_INVALID)
    if checkpoint is not None and public_key is not None:
        public = load_public_key(public_key)
        try:
            point = json.loads(checkpoint.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise fail(
                [f"{checkpoint}: cannot read the checkpoint: {error}"], ExitCode.USAGE
            ) from None
        problem = checkpoint_problem(public, point if isinstance(point, dict) else {}, data)
        if problem is not None:
            raise fail([f"{path}: {problem}"], ExitCode.AUDIT_INVALID)
    quarantined = f", {result.quarantined} torn line(s) quarantined" if result.quarantined else ""
    if result.unterminated:
        quarantined += ", the last entry lacks its final newline (the next entry adds it)"
    checked = (
        ", checkpoint signature and entry match"
        if checkpoint is not None
        else ("; without --checkpoint a truncated or fully rewritten log cannot be detected")
    )
    typer.echo(
        f"verified: {result.entries} entries, head {result.head_seq} {result.head_hash}"
        f"{quarantined}{checked}"
    )


def _signing_key(option: Path | None) -> Ed25519PrivateKey:
    from itbcheck.audit.sign import (
        SIGNING_KEY_ENV,
        load_private_key,
        passphrase_of,
        signing_key_path,
    )
    from itbcheck.exceptions import ConfigurationError, Problem

    path = signing_key_path(option, os.environ)
    if path is None:
        message = (
            f"a checkpoint is signed with the site's private key: give --signing-key FILE or "
            f"set {SIGNING_KEY_ENV} (make one with 'itbcheck audit keygen'), or export with "
            "--no-checkpoint"
        )
        raise ConfigurationError([Problem(SIGNING_KEY_ENV, message)], "checkpoint key")
    return load_private_key(path, passphrase_of(os.environ))


def _exported(
    chosen: list[dict[str, object]], output_format: ExportFormat, zone: dt.tzinfo
) -> bytes:
    from itbcheck.audit.export import to_csv, to_jsonl
    from itbcheck.audit.workbook import to_xlsx

    if output_format is ExportFormat.XLSX:
        return to_xlsx(chosen, zone)
    text = to_csv(chosen, zone) if output_format is ExportFormat.CSV else to_jsonl(chosen)
    return text.encode("utf-8")


@audit_app.command(short_help="Export a date range as CSV, Excel or JSON lines.")
@guarded
def export(  # noqa: PLR0917  # typer reads the options from the signature
    log: LogArgument = None,
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", metavar="FILE", help="File to write, or - for standard output."
        ),
    ] = "",
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv (default), xlsx or jsonl.")
    ] = ExportFormat.CSV,
    since: Annotated[
        dt.datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="First day."),
    ] = None,
    until: Annotated[
        dt.datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Last day."),
    ] = None,
    zone_name: ZoneOption = "UTC",
    signing_key: Annotated[
        Path | None,
        typer.Option(
            help="The site's private key (PEM) that signs the checkpoint; default: "
            "$ITBCHECK_SIGNING_KEY_FILE."
        ),
    ] = None,
    checkpoint_out: Annotated[
        Path | None,
        typer.Option(help="Where to write the checkpoint; default: OUTPUT.checkpoint.json."),
    ] = None,
    no_checkpoint: Annotated[
        bool, typer.Option("--no-checkpoint", help="Export without a signed checkpoint.")
    ] = False,
) -> None:
    """Export a date range as CSV, an Excel workbook or JSON lines, with a signed checkpoint."""
    from itbcheck.audit.export import entries_of, within
    from itbcheck.audit.sign import checkpoint as make_checkpoint

    if not output:
        raise fail(["--output FILE (or -o - for standard output) is required"], ExitCode.USAGE)
    to_stdout = output == "-"
    if to_stdout and checkpoint_out is None and not no_checkpoint:
        raise fail(
            [
                "-o - writes no checkpoint beside the export: give --checkpoint-out FILE, or "
                "--no-checkpoint"
            ],
            ExitCode.USAGE,
        )
    zone = _zone(zone_name)
    path = log_path(log)
    data, head_seq, head_hash = _verified(path, "error: nothing exported")
    private = None if no_checkpoint else _signing_key(signing_key)
    chosen = within(
        entries_of(data), since.date() if since else None, until.date() if until else None, zone
    )
    content = _exported(chosen, output_format, zone)
    if to_stdout:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        Path(output).write_bytes(content)
    written = f"exported {len(chosen)} entries to {'standard output' if to_stdout else output}"
    if private is not None:
        point_path = checkpoint_out or Path(output + ".checkpoint.json")
        point = make_checkpoint(private, head_seq, head_hash)
        point_path.write_text(json.dumps(point, indent=2) + "\n", "utf-8")
        written += f"; checkpoint {point_path}"
    typer.echo(written, err=to_stdout)


@audit_app.command()
@guarded
def summary(log: LogArgument = None, zone_name: ZoneOption = "UTC") -> None:
    """Counts of checks by verdict, finding code, operator and day."""
    from itbcheck.audit.export import entries_of
    from itbcheck.audit.export import summary as count

    zone = _zone(zone_name)
    data, _, _ = _verified(log_path(log))
    for title, counter in count(entries_of(data), zone).items():
        typer.echo(f"by {title.replace('_', ' ')}:")
        rows = sorted(counter.items()) if title == "day" else counter.most_common()
        for name, number in rows:
            typer.echo(f"  {name:<32} {number:>7}")
        if not rows:
            typer.echo("  (none)")
