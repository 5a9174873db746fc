"""`itbcheck audit keygen` (the key pair that signs checkpoints) and `itbcheck audit token`
(the token to search the log for one patient or pump); docs/audit-log.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from itbcheck.cli._handling import (
    AuditLogOption,
    ExitCode,
    OperatorOption,
    entry_fields,
    fail,
    guarded,
)

TOKEN_EVENT = "token_looked_up"


@guarded
def keygen(
    private_key: Annotated[
        Path, typer.Option(help="Where to write the private key (PEM); kept by the site only.")
    ],
    public_key: Annotated[
        Path, typer.Option(help="Where to write the public key (PEM); given to pharmacy.")
    ],
) -> None:
    """Make the Ed25519 key pair that signs export checkpoints; neither file may exist yet."""
    from itbcheck.audit.sign import (
        PASSPHRASE_ENV,
        key_id,
        load_public_key,
        new_key_pair,
        passphrase_of,
        write_new_file,
    )

    taken = [str(path) for path in (private_key, public_key) if path.exists()]
    if taken:
        raise fail(
            [f"{path}: already exists; nothing was written" for path in taken], ExitCode.USAGE
        )
    passphrase = passphrase_of(os.environ)
    private_pem, public_pem = new_key_pair(passphrase)
    write_new_file(private_key, private_pem, 0o600)
    write_new_file(public_key, public_pem, 0o644)
    protection = (
        f"encrypted with the passphrase in {PASSPHRASE_ENV}"
        if passphrase
        else f"not encrypted: set {PASSPHRASE_ENV} before keygen to encrypt it"
    )
    typer.echo(
        f"private key {private_key} (keep it at the site, readable by itbcheck's users only; "
        f"set ITBCHECK_SIGNING_KEY_FILE to it; {protection})\npublic key {public_key} (give it "
        f"to pharmacy)\nkey id {key_id(load_public_key(public_key))}"
    )


@guarded
def token(
    identifier: Annotated[
        str, typer.Argument(help="The hospital number (patient.id), or - to read it from stdin.")
    ],
    pump: Annotated[
        bool, typer.Option("--pump", help="The identifier is a pump serial (pump.serial).")
    ] = False,
    audit_log: AuditLogOption = None,
    operator: OperatorOption = None,
) -> None:
    """Print the token an identifier has in the audit log, and nothing else. The lookup is
    itself audited, with the token, never the identifier. Needs the audit key."""
    from itbcheck import audit
    from itbcheck.exceptions import AuditWriteError, ConfigurationError, Problem

    if identifier == "-":
        identifier = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not identifier:
        raise fail(["give the identifier to look up"], ExitCode.USAGE)
    environ = os.environ
    key = audit.load_key(environ)
    if key is None:
        message = "the token is keyed: set ITBCHECK_AUDIT_KEY or ITBCHECK_AUDIT_KEY_FILE"
        raise ConfigurationError([Problem(audit.KEY_ENV, message)], "audit key")
    kind = "pump" if pump else "patient"
    found = audit.pseudonym(key, kind, identifier)
    fields = {
        **entry_fields("audit token", operator),
        "identifiers": "tokenised",
        "patient_token": None if pump else found,
        "pump_token": found if pump else None,
    }
    path = audit_log or audit.default_log_path(environ)
    try:
        audit.write_entry(path, TOKEN_EVENT, fields)
    except AuditWriteError as error:
        raise fail(
            [f"error: {error}", "error: the lookup was not recorded, so no token is given"],
            ExitCode.AUDIT_FAILED,
        ) from None
    typer.echo(found)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `itbcheck audit`."""
    app.command(short_help="Make the key pair that signs export checkpoints.")(keygen)
    app.command(short_help="Print the token to search the log for; audited.")(token)
