"""One form visit, checked and audited exactly as `itbcheck check` does it: the form's values
become a sheet row (`formdata`), `assessment.assess` runs the record through `parse_record`
and every check, and `audit.write_entry` appends the entry before any verdict is shown."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itbcheck import __version__
from itbcheck.assessment import Outcome, assess
from itbcheck.audit import write_entry
from itbcheck.audit.chain import Appended
from itbcheck.exceptions import ConfigurationError
from itbcheck.history.lookup import HistorySession, stored_visit
from itbcheck.history.model import History
from itbcheck.history.store import StoreUnavailableError
from itbcheck.policy import load_policy
from itbcheck.records import Record
from itbcheck.stages import Stage
from itbcheck.web.formdata import FormValues, Visit, visit_of
from itbcheck.web.layout import CHECKING_NURSE, SECOND_NURSE
from itbcheck.web.state import WebConfig

SOURCE = "form"
HistoryLookup = Callable[[Record], History]


@dataclass(frozen=True)
class Checked:
    """A form visit's outcome and the audit entry that records it."""

    visit: Visit
    outcome: Outcome
    appended: Appended

    @property
    def seq(self) -> int:
        return int(self.appended.entry["seq"])

    @property
    def hash(self) -> str:
        return str(self.appended.entry["hash"])


def audit_fields(config: WebConfig, command: str, nurses: dict[str, str]) -> dict[str, Any]:
    """The entry's fixed fields; the checking nurse is the operator, the second nurse is kept
    beside (`second_nurse`), as an override's approver is."""
    return {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        "tool_version": __version__,
        "command": command,
        "operator": nurses.get(CHECKING_NURSE) or config.operator,
        "second_nurse": nurses.get(SECOND_NURSE) or None,
    }


def check_form(
    values: FormValues,
    config: WebConfig,
    command: str = "serve",
    stage: Stage = Stage.AFTER_PROGRAMMING,
) -> Checked:
    """Check the visit the form describes; raises AuditWriteError when it cannot be recorded.
    `command` names the route in the audit entry: serve (the check) or report. `stage`: the
    check before the fill is audited but never recorded as a visit in the visit store."""
    visit = visit_of(values)
    session, lookup = _history(config)
    outcome = assess(
        visit.row.read,
        SOURCE,
        fields=audit_fields(config, command, visit.nurses),
        key=config.audit_key,
        policy=lambda: load_policy(config.policy),
        load=visit.row.load,
        parse=functools.partial(visit.parse, stage=stage),
        history=lookup,
        stage=stage,
    )
    appended = write_entry(config.audit_log, outcome.event, outcome.entry)
    if session is not None:
        if command == "serve" and stage is Stage.AFTER_PROGRAMMING:
            _record(session, outcome, int(appended.entry["seq"]))
        session.close()
    return Checked(visit, outcome, appended)


def _history(config: WebConfig) -> tuple[HistorySession | None, HistoryLookup | None]:
    """The visit store as `itbcheck check` uses it: on with the audit key, off without one,
    unreadable (a CAUTION) when a store is on file but there is no key to read it."""
    if config.visit_store is None:
        return None, None
    try:
        key = config.audit_key()
    except ConfigurationError:
        return None, None  # the check itself reports the unusable key
    if key is None:
        if config.visit_store.exists():
            reason = "no audit key to compute the tokens the visit store is keyed by"
            return None, lambda _: History(unavailable=reason)
        return None, None
    session = HistorySession(config.visit_store, key)
    return session, session.history


def _record(session: HistorySession, outcome: Outcome, seq: int) -> None:
    result = outcome.result
    if result is None:
        return
    session.queue(
        stored_visit(
            result.record,
            result.dose,
            key=session.key,
            verdict=str(result.verdict),
            codes=[finding.code for finding in result.findings],
            policy_version=result.policy.policy_version,
            seq=seq,
        )
    )
    try:
        session.flush()
    except StoreUnavailableError as error:  # the audit log holds the check; say it on the console
        logging.getLogger("itbcheck.web").warning(
            "visit not recorded in the visit store: %s", error
        )
