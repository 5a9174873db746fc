"""Scenarios: a record and the result an engineer expects of it, run like a test suite.

A scenario file (YAML or JSON) holds a `record` in the record format, the `description` of
the situation, and `expect`: the verdict and the sorted codes that count toward it (CAUTION
and STOP), optionally the NOTE codes too. Running one checks the record exactly as
`itbcheck check` does, with the given policy and the shipped pump profiles, but writes no
audit entry: an engineer's test run is not a patient check. The format is documented in
docs/scenarios.md.

A scenario file is read as strictly as a record: unknown keys, unknown finding codes and an
invalid record are all problems of that scenario, each with its location, never a crash.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from itbcheck.checking import check_record
from itbcheck.checks import catalogue
from itbcheck.exceptions import ConfigurationError, InvalidRecordError, Problem
from itbcheck.fields import Text, problems_from
from itbcheck.findings import Finding, Severity, Verdict, verdict_of
from itbcheck.policy import Policy
from itbcheck.reading import MAX_INPUT_BYTES, load_document
from itbcheck.records import parse_record
from itbcheck.stages import Stage

SUFFIXES = (".yaml", ".yml", ".json")


def _whole_number(value: object) -> object:
    if type(value) is not int:
        raise PydanticCustomError("version", "write the scenario version as the integer 1")
    return value


Codes = Annotated[tuple[str, ...], Field(max_length=100, strict=False)]


class Expectation(BaseModel):
    """The result a scenario expects. `codes`: the CAUTION and STOP codes, compared as a
    sorted list; `notes`: the NOTE codes, compared only when given."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    verdict: Verdict = Field(strict=False)
    codes: Codes
    notes: Codes | None = None


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    scenario_version: Annotated[Literal[1], BeforeValidator(_whole_number)]
    description: Text
    # Issue 11 point 11: a scenario of the check before the fill says so; the record may then
    # leave out what the fill tells (`stages.STAGES`).
    stage: Literal["before-fill", "after-programming"] = "after-programming"
    expect: Expectation
    record: dict[str, Any] = Field(description="A record, as in docs/record-format.md.")


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INVALID = "invalid"


@dataclass(frozen=True)
class Actual:
    """What the checks gave: the verdict and the sorted codes, in the expectation's terms."""

    verdict: Verdict
    codes: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Difference:
    """An expected and an actual sorted list of codes, compared as multisets."""

    expected: tuple[str, ...]
    actual: tuple[str, ...]

    @property
    def missing(self) -> list[str]:
        """Expected but not reported."""
        return sorted((Counter(self.expected) - Counter(self.actual)).elements())

    @property
    def extra(self) -> list[str]:
        """Reported but not expected."""
        return sorted((Counter(self.actual) - Counter(self.expected)).elements())


@dataclass(frozen=True)
class Outcome:
    """One scenario run: passed, failed (with what was expected and what came), or invalid
    (with every problem of the file, so it could not run)."""

    source: str
    status: Status
    description: str = ""
    expected: Expectation | None = None
    actual: Actual | None = None
    problems: tuple[Problem, ...] = ()

    def differences(self) -> dict[str, Difference]:
        """The lists that differ, `codes` and (only when the scenario gives them) `notes`."""
        if self.expected is None or self.actual is None:
            return {}
        pairs = {"codes": Difference(self.expected.codes, self.actual.codes)}
        if self.expected.notes is not None:
            pairs["notes"] = Difference(self.expected.notes, self.actual.notes)
        return {name: pair for name, pair in pairs.items() if pair.missing or pair.extra}


def _within(prefix: str, problems: Iterable[Problem]) -> list[Problem]:
    """Problems of the nested record, located from the top of the scenario file."""
    return [
        replace(p, location=prefix if p.location == "record" else f"{prefix}.{p.location}")
        for p in problems
    ]


def _expectation_problems(expect: Expectation) -> list[Problem]:
    known = catalogue()
    problems = [
        Problem(f"expect.{field}[{index}]", "unknown finding code", repr(code), "unknown_code")
        for field, codes in (("codes", expect.codes), ("notes", expect.notes or ()))
        for index, code in enumerate(codes)
        if code not in known
    ]
    if (expect.verdict is Verdict.CLEAR) != (not expect.codes):
        message = (
            "a CLEAR scenario lists no CAUTION or STOP codes"
            if expect.codes
            else "list the CAUTION or STOP codes that give this verdict"
        )
        problems.append(Problem("expect.codes", message, kind="inconsistent"))
    return problems


def _sorted(codes: tuple[str, ...] | None) -> tuple[str, ...] | None:
    return None if codes is None else tuple(sorted(codes))


def _read(raw: bytes, source: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        data = load_document(raw, source)
    except InvalidRecordError as error:
        # The reader calls the whole document "record"; here the document is the scenario.
        return None, [
            p
            if p.location != "record" or p.kind == "duplicate_key"
            else replace(p, location="scenario")
            for p in error.problems
        ]
    if not isinstance(data, dict):
        message = "a scenario is a mapping of scenario_version, description, expect and record"
        return None, [Problem("scenario", message, kind="structure")]
    return data, []


def _actual(findings: Iterable[Finding]) -> Actual:
    found = list(findings)
    notes = sorted(f.code for f in found if f.severity is Severity.NOTE)
    codes = sorted(f.code for f in found if f.severity is not Severity.NOTE)
    return Actual(verdict_of(found), tuple(codes), tuple(notes))


def run_scenario(raw: bytes, source: str, policy: Policy) -> Outcome:
    """Read one scenario document and check its record; a bad scenario is an INVALID outcome
    listing every problem, never an exception."""
    data, problems = _read(raw, source)
    if data is None:
        return Outcome(source, Status.INVALID, problems=tuple(problems))
    scenario = record = None
    try:
        scenario = Scenario.model_validate(data)
        problems += _expectation_problems(scenario.expect)
    except ValidationError as error:
        problems += problems_from(error)
    written = data.get("stage")
    stage = Stage(written) if written in set(Stage) else Stage.AFTER_PROGRAMMING
    if isinstance(data.get("record"), dict):
        try:
            record = parse_record(data["record"], source, stage)
        except InvalidRecordError as error:
            problems += _within("record", error.problems)
    description = "" if scenario is None else scenario.description
    if problems or scenario is None or record is None:
        return Outcome(source, Status.INVALID, description, problems=tuple(problems))
    try:
        result = check_record(record, policy, source, stage=stage)
    except InvalidRecordError as error:
        problems = _within("record", error.problems)
        return Outcome(source, Status.INVALID, description, problems=tuple(problems))
    except ConfigurationError as error:
        problems = [
            Problem("record.pump.profile", f"{error.source}: {p.location}: {p.message}", p.value)
            for p in error.problems
        ]
        return Outcome(source, Status.INVALID, description, problems=tuple(problems))
    expect = scenario.expect
    expected = Expectation(
        verdict=expect.verdict, codes=tuple(sorted(expect.codes)), notes=_sorted(expect.notes)
    )
    actual = _actual(result.findings)
    outcome = Outcome(source, Status.PASSED, description, expected, actual)
    if expected.verdict is not actual.verdict or outcome.differences():
        return replace(outcome, status=Status.FAILED)
    return outcome


def scenario_files(folder: Path) -> list[Path]:
    """The scenario files directly in `folder`, in name order."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES)


def run_file(path: Path, policy: Policy) -> Outcome:
    """Run the scenario file at `path`; an unreadable file is an INVALID outcome."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        problem = Problem("scenario", f"cannot read: {error.strerror or error}", kind="unreadable")
        return Outcome(str(path), Status.INVALID, problems=(problem,))
    return run_scenario(raw, str(path), policy)
