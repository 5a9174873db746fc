"""Checks that need a pump profile no shipped file has (an unverified capacity or accuracy
band, a verified rate range): a shipped profile's TOML with some facts rewritten, parsed by
`parse_profile`, and the `CheckContext` a check receives, assembled as `checking.check_record`
assembles it. Also the row types of the NOTE and test-profile tables.

Rewritten values are made up for the tests; they are not device facts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from itbcheck.checks import CheckContext, run_checks
from itbcheck.dosing import summarise
from itbcheck.findings import Severity, Verdict, verdict_of
from itbcheck.policy import load_policy
from itbcheck.profilefiles import profiles_folder
from itbcheck.profiles import PumpProfile
from itbcheck.profilevalidation import parse_profile
from itbcheck.reading import load_document
from itbcheck.records import Record, parse_record
from itbcheck.reservoir import forecast
from tests.conftest import CHECK_FIXTURES

# One row of a NOTE table: fixture file and its expected sorted NOTE codes.
NoteCase = tuple[str, list[str]]

# One rewritten line of a profile: section, key, and the new TOML value as written.
Change = tuple[str, str, str]

TEST_SOURCE = '"Made-up value for the itbcheck tests; not from a device manual."'


def unverified(section: str) -> tuple[Change, ...]:
    """The fact in `section` kept, but marked as not verified."""
    return ((section, "verified", "false"),)


def verified_rate_range(low: str, high: str) -> tuple[Change, ...]:
    """A verified programmable rate range of `low` to `high` (test values)."""
    return tuple(
        change
        for section, value in (("min_rate", low), ("max_rate", high))
        for change in (
            (section, "value", f'"{value}"'),
            (section, "verified", "true"),
            (section, "source", TEST_SOURCE),
        )
    )


@dataclass(frozen=True)
class ProfileCase:
    """A fixture record checked with its own profile rewritten: the verdict and CAUTION/STOP
    codes all checks then give."""

    id: str
    fixture: str
    changes: tuple[Change, ...]
    verdict: Verdict
    codes: list[str]


def profile_params(cases: list[ProfileCase]) -> list[pytest.ParameterSet]:
    return [pytest.param(case, id=case.id) for case in cases]


def shipped_profile_text(name: str) -> str:
    return (profiles_folder() / f"{name}.toml").read_text("utf-8")


def with_line(text: str, section: str, key: str, value: str) -> str:
    """`text` with `key = value` in `[section]`, replacing the key's line or adding it."""
    lines = text.splitlines()
    start = lines.index(f"[{section}]")  # ValueError if the profile has no such section
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    line = f"{key} = {value}"
    for index in range(start + 1, end):
        if lines[index].startswith(f"{key} = "):
            lines[index] = line
            break
    else:
        lines.insert(start + 1, line)
    return "\n".join(lines) + "\n"


def variant_profile(name: str, changes: tuple[Change, ...]) -> PumpProfile:
    """The shipped profile `name` with `changes` applied to its TOML text."""
    text = shipped_profile_text(name)
    for section, key, value in changes:
        text = with_line(text, section, key, value)
    return parse_profile(text, "test")


def fixture_record(name: str) -> Record:
    path = CHECK_FIXTURES / name
    return parse_record(load_document(path.read_bytes(), path.name), path.name)


def context_for(fixture: str, changes: tuple[Change, ...]) -> CheckContext:
    """The context every check receives for `fixture`, with its profile rewritten."""
    record = fixture_record(fixture)
    profile = variant_profile(record.pump.profile, changes)
    dose = summarise(record)
    return CheckContext(
        record=record,
        dose=dose,
        forecast=forecast(record, dose, profile),
        profile=profile,
        policy=load_policy(),
    )


def verdict_and_codes(case: ProfileCase) -> tuple[Verdict, list[str]]:
    """Every check run on the case's context: the verdict and sorted CAUTION/STOP codes."""
    findings = run_checks(context_for(case.fixture, case.changes))
    codes = sorted(f.code for f in findings if f.severity is not Severity.NOTE)
    return verdict_of(findings), codes
