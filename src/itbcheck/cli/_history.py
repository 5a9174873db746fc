"""The visit store as `check` and `sheet` use it: which store, whether history is on, and the
one line that says so when it is off. docs/history.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import typer

from itbcheck.assessment import Outcome
from itbcheck.history.lookup import HistorySession, stored_visit
from itbcheck.history.model import History
from itbcheck.history.store import STORE_ENV, StoreUnavailableError, default_store_path
from itbcheck.records import Record
from itbcheck.stages import Stage


@dataclass
class Use:
    """History for one command: the lookup to give `assess`, the session that records
    visits (None when off), and what to tell the user (`status`)."""

    lookup: Callable[[Record], History] | None
    session: HistorySession | None
    status: str
    quiet: bool = False

    def record(self, outcome: Outcome, seq: int | None) -> None:
        """Queue a checked visit with its audit entry's sequence number."""
        result = outcome.result
        if self.session is None or result is None or result.stage is not Stage.AFTER_PROGRAMMING:
            return  # a check before the fill is not a visit: the full check after it is
        self.session.queue(
            stored_visit(
                result.record,
                result.dose,
                key=self.session.key,
                verdict=str(result.verdict),
                codes=[finding.code for finding in result.findings],
                policy_version=result.policy.policy_version,
                seq=seq,
                tokens=self.session.tokens(result.record),
            )
        )

    def flush(self, seqs: Sequence[int] | None = None) -> None:
        """Record the queued visits; a store that cannot be written is a warning: the audit
        log already holds the check."""
        if self.session is None:
            return
        try:
            self.session.flush(seqs)
        except StoreUnavailableError as error:
            typer.echo(f"warning: the visit was not recorded in the visit store: {error}", err=True)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def history_use(
    *,
    enabled: bool,
    visit_store: Path | None,
    audit_log: Path,
    environ: Mapping[str, str],
    key: bytes | None,
) -> Use:
    """History on with an audit key. Without one the store is off (identifiers are never
    stored in the clear): said on stderr when a store was asked for (`--visit-store`,
    $ITBCHECK_VISIT_STORE), a CAUTION when a store is already on file, since its history was
    expected and cannot be read; otherwise the audit entry's `identifiers` field records it."""
    if not enabled:
        return Use(None, None, "off: --no-history", quiet=True)
    path = visit_store or default_store_path(audit_log, environ)
    if key is None:
        if path.exists():
            reason = "no audit key to compute the tokens the visit store is keyed by"
            return Use(lambda _: History(unavailable=reason), None, f"unavailable: {reason}")
        asked = visit_store is not None or bool(environ.get(STORE_ENV))
        status = "off: no audit key, so no visit store (identifiers are never stored in the clear)"
        return Use(None, None, status, quiet=not asked)
    session = HistorySession(path, key)
    return Use(session.history, session, f"on: {path}", quiet=True)


def say_status(use: Use) -> None:
    """One stderr line when history was wanted and is not on."""
    if not use.quiet:
        typer.echo(f"note: history {use.status}", err=True)


def key_or_none(environ: Mapping[str, str]) -> bytes | None:
    """The audit key for the visit store; an unusable key is reported by the check itself."""
    from itbcheck.audit import load_key
    from itbcheck.exceptions import ConfigurationError

    try:
        return load_key(environ)
    except ConfigurationError:
        return None
