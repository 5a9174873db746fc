"""What pharmacy receives: the audit log as CSV (Excel-friendly), an Excel workbook with typed
dates, or JSON lines, for a date range, and counts by verdict, finding code, operator and day.

Times are shown with an explicit UTC offset, in UTC or in the IANA zone asked for (`zone`):
the zone's rules come from the tz database through `zoneinfo`, never from the clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from itbcheck.audit.canonical import parse_line

CSV_COLUMNS = (
    "seq",
    "timestamp",
    "event",
    "command",
    "operator",
    "second_nurse",  # entries of the web form and `report`; empty for check and sheet
    "verdict",
    "finding_codes",
    "patient_token",
    "pump_token",
    "identifiers",
    "input_sha256",
    "profile",
    "profile_sha256",
    "policy_version",
    "policy_sha256",
    "tool_version",
    "overrides",
    "problems",
    "hash",
)
# A cell starting with one of these is a formula to a spreadsheet: an override reason could
# otherwise run in the pharmacist's Excel (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def entries_of(data: bytes) -> list[dict[str, Any]]:
    """The entries of an already verified log (a quarantined torn line is skipped)."""
    entries = []
    for line in data.splitlines():
        try:
            entries.append(parse_line(line))
        except (ValueError, UnicodeDecodeError):
            continue
    return entries


def local_time(entry: Mapping[str, Any], zone: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """The entry's timestamp in `zone` (aware), or None when it has none."""
    stamp = entry.get("timestamp")
    if not isinstance(stamp, str):
        return None
    return dt.datetime.fromisoformat(stamp).astimezone(zone)


def _day(entry: Mapping[str, Any], zone: dt.tzinfo = dt.UTC) -> dt.date | None:
    moment = local_time(entry, zone)
    return None if moment is None else moment.date()


def within(
    entries: Iterable[dict[str, Any]],
    since: dt.date | None,
    until: dt.date | None,
    zone: dt.tzinfo = dt.UTC,
) -> list[dict[str, Any]]:
    """Entries whose day in `zone` (UTC by default) is in [since, until], both inclusive and
    optional."""
    chosen = []
    for entry in entries:
        day = _day(entry, zone)
        if day is None:
            continue
        if (since is None or day >= since) and (until is None or day <= until):
            chosen.append(entry)
    return chosen


def text_of(value: Any) -> str:
    """A value of an entry as the text of one cell."""
    if value is None:
        return ""
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            text = ";".join(value)
        else:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return text


def _cell(value: Any) -> str:
    text = text_of(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_row(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The entry with its overrides written as one readable cell."""
    return {**entry, "overrides": _overrides(entry.get("overrides"))}


def _overrides(value: Any) -> str:
    if not isinstance(value, list):
        return ""
    return " | ".join(
        f"{item.get('rule')} to {item.get('approved_limit')} by {item.get('approver')}: "
        f"{item.get('reason')}"
        for item in value
        if isinstance(item, dict)
    )


def to_csv(entries: Iterable[Mapping[str, Any]], zone: dt.tzinfo = dt.UTC) -> str:
    """CSV with a header, CRLF line ends and a byte-order mark, as Excel expects; timestamps in
    `zone`, ISO 8601 with their UTC offset."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        moment = local_time(entry, zone)
        row = {**export_row(entry), "timestamp": moment.isoformat() if moment else None}
        writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
    return "\ufeff" + buffer.getvalue()


def to_jsonl(entries: Iterable[Mapping[str, Any]]) -> str:
    return "".join(
        json.dumps(entry, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
        for entry in entries
    )


def summary(
    entries: Iterable[Mapping[str, Any]], zone: dt.tzinfo = dt.UTC
) -> dict[str, Counter[str]]:
    """Counts of checks by verdict, finding code, operator and day (in `zone`, UTC by
    default)."""
    counts: dict[str, Counter[str]] = {
        "verdict": Counter(),
        "finding_code": Counter(),
        "operator": Counter(),
        "day": Counter(),
    }
    for entry in entries:
        if entry.get("event") not in {"record_checked", "record_rejected", "check_failed"}:
            continue
        fallback = "REJECTED" if entry.get("event") == "record_rejected" else "FAILED"
        counts["verdict"][str(entry.get("verdict") or fallback)] += 1
        counts["operator"][str(entry.get("operator"))] += 1
        day = _day(entry, zone)
        counts["day"][day.isoformat() if day else "unknown"] += 1
        for code in entry.get("finding_codes") or []:
            counts["finding_code"][str(code)] += 1
    return counts
