"""The audit log: one JSON line per check, rejected input included, never a raw identifier.

Entries are plain dicts written by `_AuditSink` into the hash chain of
`itbcheck.audit.chain`: one write under an exclusive lock, fsynced before the command may
report anything. They are not built through structlog: its only part here was a processor that
passed the event dict through unchanged, and `import structlog` loads its console renderer and
rich (a third of a cold `check`, issue 14). structlog stays the web's logger, where it renders.
`check` writes one entry so; `sheet` queues the entries of many rows in an `AuditBatch` and
appends them together, one lock and one fsync per batch.
Patient identifiers and pump serials appear only as keyed HMAC-SHA256 tokens; with no key
configured the entry says they were withheld. Nothing a validation error saw is logged.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itbcheck.audit.chain import Appended, ChainError, append_many
from itbcheck.exceptions import AuditWriteError, ConfigurationError, Problem

KEY_ENV = "ITBCHECK_AUDIT_KEY"
KEY_FILE_ENV = "ITBCHECK_AUDIT_KEY_FILE"
LOG_ENV = "ITBCHECK_AUDIT_LOG"
MIN_KEY_BYTES = 16
ENTRY_SCHEMA = 1


def default_log_path(environ: Mapping[str, str]) -> Path:
    """$ITBCHECK_AUDIT_LOG, else the config file's `audit_log`, else audit.jsonl in this
    platform's state folder (`itbcheck.settings`; on Linux $XDG_STATE_HOME/itbcheck, by default
    ~/.local/state/itbcheck)."""
    from itbcheck.settings import in_force

    return Path(str(in_force(environ)["audit_log"].value))


def load_key(environ: Mapping[str, str]) -> bytes | None:
    """The pseudonymisation key from $ITBCHECK_AUDIT_KEY or the file named by
    $ITBCHECK_AUDIT_KEY_FILE, or None when neither is set. A key that is set but unusable is
    an error: silently falling back to 'withheld' would hide a broken configuration."""
    if environ.get(KEY_ENV):
        key = environ[KEY_ENV].encode("utf-8")
        where = KEY_ENV
    elif environ.get(KEY_FILE_ENV):
        where = KEY_FILE_ENV
        try:
            key = Path(environ[KEY_FILE_ENV]).read_bytes().strip()
        except OSError as error:
            raise ConfigurationError(
                [Problem(where, f"cannot read the audit key file: {error.strerror}")], "audit key"
            ) from None
    else:
        return None
    if len(key) < MIN_KEY_BYTES:
        raise ConfigurationError(
            [Problem(where, f"the audit key must be at least {MIN_KEY_BYTES} bytes")], "audit key"
        )
    return key


# A row's identifiers are tokenised three times (audit entry, history lookup, visit store):
# the last few are kept, in memory only, so that is one HMAC each.
@functools.lru_cache(maxsize=64)
def pseudonym(key: bytes, kind: str, value: str) -> str:
    """A keyed token for an identifier: stable per key, not reversible without it."""
    mac = _keyed(key).copy()  # the key's HMAC set-up is done once, not for every token
    mac.update(f"{kind}:{value}".encode())
    return mac.hexdigest()


@functools.lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)


@dataclass(frozen=True)
class Identifiers:
    patient_id: str | None = None
    pump_serial: str | None = None

    def tokens(self, key: bytes | None) -> dict[str, Any]:
        if key is None:
            return {
                "patient_token": None,
                "pump_token": None,
                "identifiers": "withheld: no audit key",
            }
        return {
            "patient_token": None
            if self.patient_id is None
            else pseudonym(key, "patient", self.patient_id),
            "pump_token": None
            if self.pump_serial is None
            else pseudonym(key, "pump", self.pump_serial),
            "identifiers": "tokenised",
        }


def identifiers_in(data: object) -> Identifiers:
    """Best-effort identifiers from a document that may have failed validation, so a rejected
    record can still be traced to its patient by token."""

    def text_at(section: str, field: str) -> str | None:
        if isinstance(data, dict) and isinstance(data.get(section), dict):
            value = data[section].get(field)
            return value if isinstance(value, str) and value else None
        return None

    return Identifiers(text_at("patient", "id"), text_at("pump", "serial"))


class _AuditSink:
    """Holds the entries of a batch until `flush` appends them to
    the hash chain, durably, or raises."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending: list[Mapping[str, Any]] = []

    def msg(self, **fields: Any) -> None:
        self.pending.append(fields)

    def flush(self) -> list[Appended]:
        batch, self.pending = self.pending, []
        try:
            return append_many(self.path, batch)
        except OSError as error:
            reason = error.strerror or str(error)
            raise AuditWriteError(f"cannot write the audit log {self.path}: {reason}") from None
        except ChainError as error:
            raise AuditWriteError(
                f"cannot append to the audit log {self.path}: {error}; run "
                "'itbcheck audit verify' on it"
            ) from None


class AuditBatch:
    """Entries of many checks, appended together: one lock, one write and one fsync per
    `flush`, still one entry per check, in order. Nothing added is durable, so nothing may be
    reported, until `flush` returns."""

    def __init__(self, path: Path) -> None:
        self._sink = _AuditSink(path)

    def __len__(self) -> int:
        return len(self._sink.pending)

    @property
    def path(self) -> Path:
        return self._sink.path

    def add(self, event: str, fields: Mapping[str, Any]) -> None:
        """Queue one entry. Event names are past tense: record_checked, record_rejected,
        check_failed. The entry is the fields, its schema first and its event last, in the
        order structlog's `msg(event, schema=..., **fields)` gave them; the sink serialises it
        itself, inside the lock, once it knows the entry's place in the chain."""
        self._sink.pending.append({"schema": ENTRY_SCHEMA, **fields, "event": event})

    def flush(self) -> list[Appended]:
        """Append every queued entry durably, or raise AuditWriteError."""
        return self._sink.flush()


def write_entry(path: Path, event: str, fields: Mapping[str, Any]) -> Appended:
    """Append one audit entry, or raise AuditWriteError."""
    batch = AuditBatch(path)
    batch.add(event, fields)
    return batch.flush()[0]
