"""One form visit, checked and audited exactly as `itbcheck check` does it: the form's values
become a sheet row (`formdata`), `assessment.assess` runs the record through `parse_record`
and every check, and `audit.write_entry` appends the entry before any verdict is shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from itbcheck import __version__
from itbcheck.assessment import Outcome, assess
from itbcheck.audit import write_entry
from itbcheck.auditchain import Appended
from itbcheck.policy import load_policy
from itbcheck.web.formdata import FormValues, Visit, visit_of
from itbcheck.web.layout import CHECKING_NURSE, SECOND_NURSE
from itbcheck.web.state import WebConfig

SOURCE = "form"


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


def check_form(values: FormValues, config: WebConfig, command: str = "serve") -> Checked:
    """Check the visit the form describes; raises AuditWriteError when it cannot be recorded.
    `command` names the route in the audit entry: serve (the check) or report."""
    visit = visit_of(values)
    outcome = assess(
        visit.row.read,
        SOURCE,
        fields=audit_fields(config, command, visit.nurses),
        key=config.audit_key,
        policy=lambda: load_policy(config.policy),
        load=visit.row.load,
        parse=visit.parse,
    )
    appended = write_entry(config.audit_log, outcome.event, outcome.entry)
    return Checked(visit, outcome, appended)
