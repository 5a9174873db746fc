"""What itbcheck gives another program: the versioned JSON document of a check (its findings,
its normalised numbers, its reservoir dates) or of a record that could not be checked, indented
or on one line for JSON lines. The core never prints; this returns text.

JSON output is a versioned document whose shape is pinned by tests/test_output_contract.py.
Text that came from the input is stripped of control characters before it reaches a terminal
(`printable`, still importable from here). The human text is `checktext` (`itbcheck check`),
`sheettext` (`itbcheck sheet`) and `explaintext` (`itbcheck explain`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import MAX_PREC, Context, Decimal
from typing import Any

from itbcheck import __version__
from itbcheck.checking import CheckResult
from itbcheck.exceptions import Problem
from itbcheck.findings import Finding
from itbcheck.reservoir import date_after
from itbcheck.stages import Stage
from itbcheck.textlines import printable as printable  # noqa: PLC0414  # output.printable stays public

JSON_SCHEMA_VERSION = 1


def quantities(result: CheckResult) -> dict[str, Decimal | None]:
    """The normalised numbers, named with their units; None where a date is never reached."""
    dose = result.dose
    return {
        "prescribed_daily_dose_mcg_per_day": dose.prescribed_daily_dose_mcg_per_day,
        "basal_daily_dose_mcg_per_day": dose.basal_daily_dose_mcg_per_day,
        "bolus_daily_dose_mcg_per_day": dose.bolus_daily_dose_mcg_per_day,
        "previous_daily_dose_mcg_per_day": dose.previous_daily_dose_mcg_per_day,
        "dispensed_concentration_mcg_per_ml": dose.dispensed_concentration_mcg_per_ml,
        "programmed_concentration_mcg_per_ml": dose.programmed_concentration_mcg_per_ml,
        "pump_daily_volume_ml_per_day": dose.pump_daily_volume_ml_per_day,
        "delivered_daily_dose_mcg_per_day": dose.delivered_daily_dose_mcg_per_day,
        "most_daily_dose_mcg_per_day": dose.most_daily_dose_mcg_per_day,
        "most_daily_volume_ml_per_day": dose.most_daily_volume_ml_per_day,
        "fill_volume_ml": result.record.refill.fill_volume.value,
        "hours_since_last_change": dose.hours_since_last_change,
        "appointment_days": Decimal(result.forecast.appointment_days),
        "days_to_alarm_nominal": result.forecast.days_to_alarm_nominal,
        "days_to_alarm_worst": result.forecast.days_to_alarm_worst,
        "days_to_empty_nominal": result.forecast.days_to_empty_nominal,
        "days_to_empty_worst": result.forecast.days_to_empty_worst,
    }


def reservoir_dates(result: CheckResult) -> dict[str, str | None]:
    """Alarm and empty dates, nominal and at the top of the accuracy band (None: never)."""
    outlook = result.forecast
    visit = result.record.visit_time

    def on(days: Decimal | None) -> str | None:
        return None if days is None else date_after(visit, days).isoformat()

    return {
        "alarm_date_nominal": on(outlook.days_to_alarm_nominal),
        "alarm_date_worst": on(outlook.days_to_alarm_worst),
        "empty_date_nominal": on(outlook.days_to_empty_nominal),
        "empty_date_worst": on(outlook.days_to_empty_worst),
        "next_refill": result.record.next_refill.isoformat(),
    }


_MICRO = Decimal("0.000001")
# `quantize` rounds to the quantum whatever the context's precision, which only decides whether
# the result fits or raises. `wide_enough` always has the room; so does the largest precision,
# made once here instead of a new context for each of the ~17 numbers of every row.
_ROOMY = Context(prec=MAX_PREC)


def _json_number(value: Decimal) -> int | float:
    """A number rounded to six places (half even), as an int when that is whole."""
    if value.is_finite() and value == value.to_integral_value():
        # Whole already (most figures): rounding to six places changes nothing, so this is
        # the int the quantised value gives, without the rounding.
        return int(value)
    rounded = value.quantize(_MICRO, context=_ROOMY)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def finding_document(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "consequence_of": finding.consequence_of,
        "severity": finding.severity.name,
        "hazard": str(finding.hazard),
        "message": finding.message,
        "action": finding.action,
        "figures": [
            {"name": figure.name, "value": _json_number(figure.value), "unit": figure.unit}
            for figure in finding.figures
        ],
    }


def result_document(result: CheckResult, source: str) -> dict[str, Any]:
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "itbcheck_version": __version__,
        "source": source,
        "verdict": str(result.verdict),
        "stage": str(result.stage),
        "final": result.stage is Stage.AFTER_PROGRAMMING,
        "findings": [finding_document(finding) for finding in result.findings],
        "quantities": {
            name: None if value is None else _json_number(value)
            for name, value in quantities(result).items()
        },
        "reservoir": reservoir_dates(result),
        "profile": result.profile.version,
        "policy": result.policy.policy_version,
    }


def error_document(kind: str, source: str, problems: Sequence[Problem]) -> dict[str, Any]:
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "itbcheck_version": __version__,
        "source": source,
        "verdict": None,
        "error": {
            "kind": kind,
            "problems": [
                # A location can hold a key as written, control characters and all.
                {"location": printable(problem.location), "message": printable(problem.message)}
                for problem in problems
            ],
        },
    }


def to_json(document: dict[str, Any]) -> str:
    return _escape_unprintable(
        json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    )


# json escapes only C0 controls; DEL, C1 controls (U+009B starts a terminal escape sequence),
# bidi and other format characters pass raw and can rewrite a terminal or reorder what a reader
# sees. They are escaped as \uXXXX: the same string to a JSON reader, inert on a screen.
_NOT_PLAIN_ASCII = re.compile(r"[^\n\x20-\x7e]")


def _escaped(match: re.Match[str]) -> str:
    character = match.group()
    if character.isprintable():
        return character
    code = ord(character)
    if code > 0xFFFF:  # JSON writes a character beyond the BMP as its UTF-16 surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _escape_unprintable(text: str) -> str:
    """`text` with every character str.isprintable refuses, but the newline, as a JSON escape."""
    if text.isascii() and "\x7f" not in text:  # the common case, without a search
        return text
    return _NOT_PLAIN_ASCII.sub(_escaped, text)


# One encoder, made once: json.dumps with options builds a new one on every call, once per
# row of a sheet written as JSON lines.
_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def compact_json(document: dict[str, Any]) -> str:
    """One JSON document on one line, for JSON lines output."""
    return _escape_unprintable(_COMPACT.encode(document))
