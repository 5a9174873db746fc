"""How `itbcheck sheet` shows one row: its result, what names it besides its line (visit time,
patient token), its JSON-lines document and its lines in the summary table (docs/sheet.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itbcheck.cli._handling import ExitCode
from itbcheck.exceptions import ConfigurationError, InvalidRecordError, Problem

if TYPE_CHECKING:
    from itbcheck.assessment import Outcome


def result_of(outcome: Outcome) -> tuple[str, ExitCode]:
    """A row's result in the summary (a verdict, INVALID or FAILED) and its exit code."""
    if outcome.result is not None:
        verdict = outcome.result.verdict.value
        return verdict, ExitCode[verdict]
    if isinstance(outcome.error, InvalidRecordError):
        return "INVALID", ExitCode.INVALID_RECORD
    if isinstance(outcome.error, ConfigurationError):
        return "FAILED", ExitCode.CONFIGURATION
    return "FAILED", ExitCode.INTERNAL


def visit_of(outcome: Outcome, document: object) -> dict[str, str | None]:
    """What names a row besides its line: its visit time (from the record, or as written in
    a row that was not checked) and its patient token (with an audit key set)."""
    visit_time: object = None
    if outcome.result is not None:
        visit_time = outcome.result.record.visit_time.isoformat()
    elif isinstance(document, dict):
        visit_time = document.get("visit_time")
    token = outcome.entry.get("patient_token")
    return {
        "visit_time": visit_time if isinstance(visit_time, str) else None,
        "patient_token": token if isinstance(token, str) else None,
    }


def _label(visit: dict[str, str | None]) -> list[str]:
    parts = []
    if visit["visit_time"]:
        parts.append(f"visit {visit['visit_time']}")
    if visit["patient_token"]:
        parts.append(f"patient token {visit['patient_token'][:16]}")
    return [", ".join(parts)] if parts else []


def row_document(
    outcome: Outcome, source: str, line: int, visit: dict[str, str | None]
) -> dict[str, Any]:
    from itbcheck.output import error_document, result_document

    if outcome.result is not None:
        return {"line": line, **visit, **result_document(outcome.result, source)}
    _, code = result_of(outcome)
    problems: tuple[Problem, ...] = outcome.problems
    if code is ExitCode.INTERNAL:
        name = type(outcome.error).__name__
        problems = (Problem("itbcheck", f"internal error: {name}; this is a bug in itbcheck"),)
    kind = {
        ExitCode.INVALID_RECORD: "invalid_record",
        ExitCode.CONFIGURATION: "configuration",
    }.get(code, "internal")
    return {"line": line, **visit, **error_document(kind, source, problems)}


def table_lines(outcome: Outcome, line: int, visit: dict[str, str | None]) -> list[str]:
    from itbcheck.checktext import problem_texts
    from itbcheck.findings import Severity
    from itbcheck.sheettext import sheet_row_lines

    result, _ = result_of(outcome)
    if outcome.result is None:
        texts = problem_texts(outcome.problems) or [
            f"internal error: {type(outcome.error).__name__}"
        ]
        return sheet_row_lines(line, result, _label(visit) + texts)
    top, *others = outcome.result.findings
    more = sum(1 for finding in others if finding.severity > Severity.NOTE)
    text = f"{top.code} [{top.hazard}] {top.message}" + (f" (+{more} more)" if more else "")
    return sheet_row_lines(line, result, [*_label(visit), text])
