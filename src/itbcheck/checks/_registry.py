"""What every check is: a pure function of the visit's context, and the codes it may report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from itbcheck.dosing import DoseSummary
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.history.model import History
from itbcheck.policy import Policy
from itbcheck.profiles import PumpProfile
from itbcheck.records import Record
from itbcheck.recordsections import Override
from itbcheck.reservoir import Forecast
from itbcheck.stages import EVERY_STAGE, Stage
from itbcheck.units import format_number, format_quantity


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may look at. No clock: time comes from the record."""

    record: Record
    dose: DoseSummary
    forecast: Forecast
    profile: PumpProfile
    policy: Policy
    previous: History | None = None  # the visits on file; None: checked without history
    stage: Stage = Stage.AFTER_PROGRAMMING  # which checks run: `Check.stages`


@dataclass(frozen=True)
class CodeInfo:
    """The documentation of one finding code, printed by `itbcheck explain`. Codes are stable:
    once shipped, never renamed or reused."""

    code: str
    severity: Severity
    hazard: Hazard
    title: str
    meaning: str
    why: str
    source: str
    example: str
    # Codes whose STOP this code's numbers are computed from: when one of them is a STOP in the
    # same record, a finding of this code is shown as its consequence (`consequence_of`).
    follows_from: tuple[str, ...] = ()
    # What to do instead of the finding's own action when it is found before the fill
    # (`stages.Stage.BEFORE_FILL`), where the action written for a filled pump does not fit.
    before_fill_action: str | None = None


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[CheckContext], Iterable[Finding]]
    codes: tuple[CodeInfo, ...]
    # The stages whose record holds everything this check reads (`itbcheck.stages`); at any
    # other stage it does not run.
    stages: frozenset[Stage] = EVERY_STAGE


def finding(
    info: CodeInfo,
    *,
    message: str,
    action: str,
    figures: Iterable[Figure] = (),
    severity: Severity | None = None,
    hazard: Hazard | None = None,
) -> Finding:
    """A finding of `info`'s code; severity and hazard default to the code's own."""
    return Finding(
        code=info.code,
        severity=severity or info.severity,
        hazard=hazard or info.hazard,
        message=message,
        action=action,
        figures=tuple(figures),
    )


def covering_override(context: CheckContext, rule: str, amount: Decimal) -> Override | None:
    """The first override of `rule` whose approved limit reaches `amount`: an approval never
    stretches beyond the dose or bolus it names."""
    for override in context.record.overrides:
        if override.rule == rule and override.approved_limit.value >= amount:
            return override
    return None


def step_note(dose: DoseSummary) -> str:
    """For a flex schedule, name the step with the highest rate: in the hourly-instead-of-daily
    error it is the step that makes the day's total jump."""
    if not dose.steps:
        return ""
    top = max(dose.steps, key=lambda share: share.rate_mcg_per_day)
    hours = format_number(Decimal(top.minutes) / 60, 2)
    return (
        f" Highest flex step: step {top.index + 1} from {top.start.strftime('%H:%M')}, "
        f"{format_quantity(top.rate_mcg_per_day, 'mcg/day')} for {hours} h, "
        f"giving {format_quantity(top.dose_mcg, 'mcg')} of the day's total."
    )


def dose_words(dose: DoseSummary, value: Decimal) -> str:
    """A daily dose judged against a limit, in words: "{value} prescribed", or with
    patient-activated boluses "{value} at most ({programmed} programmed + N patient boluses of
    X mcg)", `value` then being the most per day."""
    pb = dose.patient_bolus
    if pb is None:
        return f"{format_quantity(value, 'mcg/day')} prescribed"
    return (
        f"{format_quantity(value, 'mcg/day')} at most "
        f"({format_quantity(dose.prescribed_daily_dose_mcg_per_day, 'mcg/day')} programmed + "
        f"{pb.max_per_day} patient boluses of {format_quantity(pb.programmed_mcg, 'mcg')})"
    )
