"""Everything itbcheck shows a person or another program. The core never prints; this does.

Human output is plain text for an 80-column terminal, the verdict first; colour only on a
terminal (or with a non-empty FORCE_COLOR) and never when NO_COLOR is non-empty. JSON output
is a versioned document whose shape is pinned by tests/test_output_contract.py. Text that came
from the input is stripped of control characters before it reaches a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import MAX_PREC, Context, Decimal
from typing import Any

from itbcheck import __version__
from itbcheck.checking import CheckResult
from itbcheck.checks import CodeInfo
from itbcheck.exceptions import Problem
from itbcheck.findings import Finding, Severity, Verdict
from itbcheck.grouping import grouped
from itbcheck.reservoir import date_after
from itbcheck.rounding import steps_of, typed_quantity
from itbcheck.stages import STAGES, Stage
from itbcheck.textlines import KEEP_TOGETHER as _KEEP_TOGETHER
from itbcheck.textlines import consequence_lines, finding_lines
from itbcheck.textlines import figures as _figures
from itbcheck.textlines import printable as printable  # noqa: PLC0414  # output.printable stays public
from itbcheck.textlines import wrap as _wrap
from itbcheck.units import format_quantity

JSON_SCHEMA_VERSION = 1

_VERDICT_LINE = {
    Verdict.CLEAR: "CLEAR    proceed: no check found a problem in this record",
    Verdict.CAUTION: "CAUTION  proceed only after reading every finding below",
    Verdict.STOP: "STOP     do not proceed: act on the findings below",
}
# Before the fill a verdict is never the final one; the line says so.
_BEFORE_FILL_LINE = {
    Verdict.CLEAR: "CLEAR    before the fill only: you may fill; check again after programming",
    Verdict.CAUTION: "CAUTION  before the fill only: read every finding below before injecting",
    Verdict.STOP: "STOP     before the fill: do not inject the drug; act on the findings below",
}
_COLOURS = {Verdict.CLEAR: "32", Verdict.CAUTION: "33", Verdict.STOP: "31"}


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


def verdict_line(result: CheckResult) -> str:
    """The first line of `check`: the verdict, and before the fill that it is not the last."""
    if result.stage is Stage.BEFORE_FILL:
        return _BEFORE_FILL_LINE[result.verdict]
    return _VERDICT_LINE[result.verdict]


def _stage_lines(result: CheckResult) -> list[str]:
    info = STAGES[result.stage]
    if not info.still_required:
        return []
    text = f"{info.label}, not the final check: {info.still_required}."
    # Continuation lines sit under the value, as the other heading lines' values do.
    lines = _wrap(text, " " * 11)
    return ["  stage    " + lines[0].lstrip(), *lines[1:]]


def render_human(result: CheckResult, source: str, *, colour: bool) -> str:
    dose = result.dose
    verdict = verdict_line(result)
    if colour:
        verdict = f"\x1b[1;{_COLOURS[result.verdict]}m{verdict}\x1b[0m"
    steps = steps_of(result.profile)
    prescribed = format_quantity(dose.prescribed_daily_dose_mcg_per_day, "mcg/day")
    previous = format_quantity(dose.previous_daily_dose_mcg_per_day, "mcg/day")
    flow = typed_quantity(dose.pump_daily_volume_ml_per_day, "mL/day", result.profile)
    programmed = format_quantity(dose.programmed_concentration_mcg_per_ml, "mcg/mL")
    delivered = typed_quantity(dose.delivered_daily_dose_mcg_per_day, "mcg/day", result.profile)
    lines = [
        verdict,
        "",
        *_stage_lines(result),
        f"  record   {printable(source)}",
        f"  pump     {result.profile.version}   policy {result.policy.policy_version}",
        f"  dose     {prescribed} prescribed (was {previous})",
        f"  flow     {flow} at {programmed} programmed -> {delivered} delivered",
        *_patient_bolus_lines(result),
        *_reservoir_lines(result),
    ]
    groups = grouped(result.findings)
    notes = [finding for finding in result.findings if finding.severity is Severity.NOTE]
    if not groups:
        lines += ["", "  No finding stops or cautions this refill."]
    for number, group in enumerate(groups, start=1):
        lines += finding_lines(group.cause, number, steps)
        lines += consequence_lines(group, steps)
    if notes:
        lines += ["", "  Notes (do not change the verdict):"]
        for finding in notes:
            lines += _wrap(printable(f"{finding.code}: {finding.message}"), "    ")
    return "\n".join(lines) + "\n"


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


def _patient_bolus_lines(result: CheckResult) -> list[str]:
    """With patient-activated boluses, the most per day the dates and limits count."""
    dose = result.dose
    pb = dose.patient_bolus
    if pb is None:
        return []
    most = format_quantity(dose.most_daily_dose_mcg_per_day, "mcg/day")
    return [
        f"  patient  up to {pb.max_per_day} x {format_quantity(pb.programmed_mcg, 'mcg')} "
        f"boluses a day -> at most {most}, all counted"
    ]


def _reservoir_lines(result: CheckResult) -> list[str]:
    dates = reservoir_dates(result)
    outlook = result.forecast
    if dates["alarm_date_nominal"] is None:
        return ["  alarm    none: the pump is set to deliver nothing"]
    worst = dates["alarm_date_worst"] or "unknown (no verified accuracy band)"
    empty_worst = dates["empty_date_worst"] or "unknown"
    return [
        f"  alarm    {dates['alarm_date_nominal']} nominal, {worst} at worst"
        f" ({format_quantity(outlook.alarm_volume_ml, 'mL')} alarm)",
        f"  empty    {dates['empty_date_nominal']} nominal, {empty_worst} at worst",
        f"  refill   next on {dates['next_refill']} (day {outlook.appointment_days})",
    ]


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
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def problem_lines(source: str, problems: Iterable[Problem]) -> list[str]:
    """One line per problem: where, what is wrong, and what was written there."""
    lines = []
    for problem in problems:
        shown = "" if problem.value is None else f" (got {printable(problem.value)})"
        lines.append(printable(f"{source}: {problem.location}: {problem.message}") + shown)
    return lines


def render_explain(info: CodeInfo, stages: Iterable[Stage] = ()) -> str:
    """A code's documentation; `stages`: the stages its check runs at (issue 11)."""
    lines = [f"{info.code}  {info.severity.name}  [{info.hazard}]", info.title, ""]
    sections = [
        ("What it means", info.meaning),
        ("Why it matters", info.why),
        ("Source", info.source),
        ("Example", info.example),
    ]
    if info.follows_from:
        sections.append(
            (
                "Consequence of",
                f"{', '.join(info.follows_from)}: when one of them is a STOP in the same record, "
                "this finding is listed under it (consequence_of), fixed by its action; it still "
                "counts in the verdict.",
            )
        )
    labels = [STAGES[stage].label for stage in Stage if stage in set(stages)]
    if labels:
        sections.append(("Checked", " and ".join(labels) + "."))
    for label, text in sections:
        lines.append(f"{label}:")
        lines += _wrap(text, "  ")
    return "\n".join(lines) + "\n"


def render_catalogue(infos: Iterable[CodeInfo]) -> str:
    return "".join(f"{info.code:<28} {info.severity.name:<8} {info.title}\n" for info in infos)


# One encoder, made once: json.dumps with options builds a new one on every call, once per
# row of a sheet written as JSON lines.
_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def compact_json(document: dict[str, Any]) -> str:
    """One JSON document on one line, for JSON lines output."""
    return _COMPACT.encode(document)


# A sheet's rows by result, worst first: the order of the headline and of the exit code.
SHEET_HEADLINES = {
    "FAILED": "FAILED   itbcheck failed on a row (a bug); it was not checked",
    "STOP": "STOP     do not proceed with a STOP row: act on its findings",
    "INVALID": "INVALID  a row could not be understood, so it was not checked",
    "CAUTION": "CAUTION  proceed with a CAUTION row only after reading its findings",
    "CLEAR": "CLEAR    proceed: no check found a problem in any row",
}
_SHEET_COUNTS = ("CLEAR", "CAUTION", "STOP", "INVALID", "FAILED")


def render_sheet_head(source: str, counts: dict[str, int]) -> str:
    """The summary of a sheet: the worst result first, then the number of rows by result."""
    worst = next(name for name in SHEET_HEADLINES if counts.get(name) or name == "CLEAR")
    lines = [SHEET_HEADLINES[worst], "", f"  sheet    {printable(source)}"]
    lines.append(f"  rows     {sum(counts.values())}")
    lines += [f"  {name:<8} {counts.get(name, 0)}" for name in _SHEET_COUNTS]
    return "\n".join(lines) + "\n"


def sheet_row_lines(line: int, result: str, texts: list[str]) -> list[str]:
    """A non-CLEAR row of the sheet table: its line and result, then its top finding, or every
    problem that kept it from being checked, one under the other."""
    indent = " " * 17
    lines = [wrapped for text in texts for wrapped in _wrap(printable(text), indent)]
    return [f"{line:>6}  {result:<9}{lines[0][len(indent) :]}", *lines[1:]]


def problem_texts(problems: Iterable[Problem]) -> list[str]:
    """Each problem as 'location: message (got value)', without the source."""
    return [
        f"{problem.location}: {problem.message}"
        + ("" if problem.value is None else f" (got {problem.value})")
        for problem in problems
    ]


SHEET_TABLE_HEADING = "\n  line  result   top finding, or every problem of a row not checked\n"


def verdict_words(verdict: Verdict, stage: Stage = Stage.AFTER_PROGRAMMING) -> str:
    """What a verdict asks of the nurse, in the words of the first line of `check`."""
    table = _BEFORE_FILL_LINE if stage is Stage.BEFORE_FILL else _VERDICT_LINE
    return table[verdict].split(None, 1)[1]


def figures_text(finding: Finding, steps: dict[str, Decimal] | None = None) -> str:
    """A finding's figures as `check` lists them, 'name value unit · ...', on one line, rounded
    to the programmer's `steps`."""
    return _figures(finding, steps).replace(_KEEP_TOGETHER, " ")
