"""The human text of `itbcheck check`: the verdict line first (in colour on a terminal), the
record's heading lines, the findings grouped under their cause, then the notes; and the pieces
other front doors reuse: a verdict's words, a finding's figures on one line, and the problems
of a record that could not be checked, with or without its source.

Plain text for an 80-column terminal, the verdict first; colour only on a terminal (or with a
non-empty FORCE_COLOR) and never when NO_COLOR is non-empty. Text that came from the input is
stripped of control characters (`printable`) before it reaches a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from itbcheck.checking import CheckResult
from itbcheck.exceptions import Problem
from itbcheck.findings import Finding, Severity, Verdict
from itbcheck.grouping import grouped
from itbcheck.output import reservoir_dates
from itbcheck.rounding import steps_of, typed_quantity
from itbcheck.stages import STAGES, Stage
from itbcheck.textlines import KEEP_TOGETHER as _KEEP_TOGETHER
from itbcheck.textlines import consequence_lines, finding_lines, printable
from itbcheck.textlines import figures as _figures
from itbcheck.textlines import wrap as _wrap
from itbcheck.units import format_quantity

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
        *_undone_lines(result),
    ]


def _undone_lines(result: CheckResult) -> list[str]:
    """A warning under dates computed from a flow or fill that a STOP says is wrong."""
    codes = result.forecast_undone_by
    if not codes:
        return []
    lines = _wrap(
        f"these dates use the flow and fill as entered, which {' and '.join(codes)} says "
        "is wrong: they change once it is corrected",
        " " * 11,
    )
    return ["  caveat   " + lines[0].lstrip(), *lines[1:]]


def problem_lines(source: str, problems: Iterable[Problem]) -> list[str]:
    """One line per problem: where, what is wrong, and what was written there."""
    lines = []
    for problem in problems:
        shown = "" if problem.value is None else f" (got {printable(problem.value)})"
        lines.append(printable(f"{source}: {problem.location}: {problem.message}") + shown)
    return lines


def problem_texts(problems: Iterable[Problem]) -> list[str]:
    """Each problem as 'location: message (got value)', without the source."""
    return [
        f"{problem.location}: {problem.message}"
        + ("" if problem.value is None else f" (got {problem.value})")
        for problem in problems
    ]


def verdict_words(verdict: Verdict, stage: Stage = Stage.AFTER_PROGRAMMING) -> str:
    """What a verdict asks of the nurse, in the words of the first line of `check`."""
    table = _BEFORE_FILL_LINE if stage is Stage.BEFORE_FILL else _VERDICT_LINE
    return table[verdict].split(None, 1)[1]


def figures_text(finding: Finding, steps: dict[str, Decimal] | None = None) -> str:
    """A finding's figures as `check` lists them, 'name value unit · ...', on one line, rounded
    to the programmer's `steps`."""
    return _figures(finding, steps).replace(_KEEP_TOGETHER, " ")
