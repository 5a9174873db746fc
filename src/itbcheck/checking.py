"""One visit, checked: from the record's bytes to findings and a verdict. The library entry
point; the CLI is one of its clients."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from itbcheck.checks import CheckContext, run_checks
from itbcheck.checks.reservoir import REFILL_AFTER_ALARM
from itbcheck.dosing import DoseSummary, summarise
from itbcheck.exceptions import InvalidRecordError, Problem
from itbcheck.findings import Finding, Severity, Verdict, verdict_of
from itbcheck.history.model import History
from itbcheck.policy import Policy
from itbcheck.profiles import PumpProfile, load_profile, profile_names
from itbcheck.reading import load_document
from itbcheck.records import Record, parse_record
from itbcheck.reservoir import Forecast, forecast
from itbcheck.stages import Stage


@dataclass(frozen=True)
class CheckResult:
    record: Record
    profile: PumpProfile
    policy: Policy
    dose: DoseSummary
    forecast: Forecast
    findings: tuple[Finding, ...]
    stage: Stage = Stage.AFTER_PROGRAMMING  # a before-fill verdict is never the final one

    # Read for the audit entry, the visit store and the output of every sheet row: worked out
    # once, from findings that cannot change (a frozen tuple of frozen findings).
    @functools.cached_property
    def verdict(self) -> Verdict:
        return verdict_of(self.findings)

    @property
    def forecast_undone_by(self) -> tuple[str, ...]:
        """The codes of STOP findings whose error the reservoir dates are computed from (a wrong
        programmed strength gives a wrong flow, a fill above capacity a wrong volume): the
        dates change once they are corrected."""
        causes = REFILL_AFTER_ALARM.follows_from
        stops = (f.code for f in self.findings if f.severity is Severity.STOP and f.code in causes)
        return tuple(dict.fromkeys(stops))


def check_record(
    record: Record,
    policy: Policy,
    source: str = "record",
    previous: History | None = None,
    stage: Stage = Stage.AFTER_PROGRAMMING,
) -> CheckResult:
    """Run every check of `stage` on a validated record; `previous`: the visits on file."""
    return check_with_profile(record, profile_of(record, source), policy, previous, stage)


def profile_of(record: Record, source: str = "record") -> PumpProfile:
    """The shipped pump profile the record names; an unknown name makes the record invalid."""
    if record.pump.profile not in profile_names():
        raise InvalidRecordError(
            [
                Problem(
                    "pump.profile",
                    f"unknown pump profile; known: {', '.join(profile_names())}",
                    record.pump.profile,
                )
            ],
            source,
        )
    return load_profile(record.pump.profile)


def check_with_profile(
    record: Record,
    profile: PumpProfile,
    policy: Policy,
    previous: History | None = None,
    stage: Stage = Stage.AFTER_PROGRAMMING,
) -> CheckResult:
    """`check_record` with the record's profile already loaded: a sweep loads it once for a
    whole grid instead of once per record."""
    dose = summarise(record)
    outlook = forecast(record, dose, profile)
    context = CheckContext(
        record=record,
        dose=dose,
        forecast=outlook,
        profile=profile,
        policy=policy,
        previous=previous,
        stage=stage,
    )
    findings = tuple(run_checks(context))
    return CheckResult(record, profile, policy, dose, outlook, findings, stage)


def check_document(
    raw: bytes, source: str, policy: Policy, stage: Stage = Stage.AFTER_PROGRAMMING
) -> CheckResult:
    """Parse and check one record document (YAML or JSON bytes) at `stage`."""
    record = parse_record(load_document(raw, source), source, stage)
    return check_record(record, policy, source, stage=stage)
