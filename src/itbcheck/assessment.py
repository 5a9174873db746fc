"""One record, from input to outcome: the flow `itbcheck check` and `itbcheck sheet` share, so
the two cannot drift. Read, load, identify, load the policy, parse, check; and the audit entry
that records how far it got. A bad record is an outcome, not an exception; nothing here prints
or writes the log.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from itbcheck.audit import Identifiers, identifiers_in
from itbcheck.checking import CheckResult, check_record, check_with_profile, profile_of
from itbcheck.exceptions import ConfigurationError, InvalidRecordError, ItbcheckError, Problem
from itbcheck.history.model import History
from itbcheck.policy import Policy
from itbcheck.profiles import PumpProfile
from itbcheck.reading import load_document
from itbcheck.records import Record, is_schema_location, parse_record
from itbcheck.stages import Stage

RECORD_CHECKED = "record_checked"
RECORD_REJECTED = "record_rejected"
CHECK_FAILED = "check_failed"


@dataclass(frozen=True)
class Outcome:
    """What one record came to: its audit event and entry fields, and either the result or the
    error that stopped it (`InvalidRecordError`, `ConfigurationError`, or an unexpected error)."""

    event: str
    entry: dict[str, Any]
    result: CheckResult | None = None
    error: Exception | None = None

    def checked(self) -> CheckResult:
        """The result, or the error that stopped the record, raised."""
        if self.result is None:
            raise self.error or RuntimeError("an outcome holds a result or an error")
        return self.result

    @property
    def problems(self) -> tuple[Problem, ...]:
        if isinstance(self.error, InvalidRecordError | ConfigurationError):
            return self.error.problems
        return ()


def audit_problems(problems: tuple[Problem, ...]) -> list[dict[str, str]]:
    """Problems as the audit log holds them. A location is logged only when every part of it is
    a field name of the record format: an unknown or misplaced key is itself input, and input
    never reaches the log."""
    return [
        {
            "location": problem.location if is_schema_location(problem.location) else "(withheld)",
            "kind": problem.kind,
        }
        for problem in problems
    ]


def failed(
    fields: Mapping[str, Any], identifiers: Identifiers, key: bytes | None, error: Exception
) -> Outcome:
    """The outcome of a record that was not checked, with the reason in its audit entry."""
    if isinstance(error, InvalidRecordError | ConfigurationError):
        event = RECORD_REJECTED if isinstance(error, InvalidRecordError) else CHECK_FAILED
        problems = audit_problems(error.problems)
    else:
        event = CHECK_FAILED
        problems = [{"location": "itbcheck", "kind": f"internal:{type(error).__name__}"}]
    entry = {
        **fields,
        **identifiers.tokens(key),
        "verdict": None,
        "finding_codes": [],
        "problems": problems,
    }
    return Outcome(event, entry, error=error)


def assess(
    read: Callable[[], bytes],
    source: str,
    *,
    fields: Mapping[str, Any],
    key: Callable[[], bytes | None],
    policy: Callable[[], Policy],
    load: Callable[[bytes, str], object] = load_document,
    parse: Callable[[object, str], Record] | None = None,
    check: Callable[[Record, Policy, str, History | None], CheckResult] | None = None,
    history: Callable[[Record], History] | None = None,
    stage: Stage = Stage.AFTER_PROGRAMMING,
) -> Outcome:
    """Check one record and say how it went. `fields` are the entry's fixed fields (time,
    command, operator, ...); the steps run in this order, and the entry holds what each one
    learnt: the audit key, the input's bytes and their SHA-256, the document and the
    identifiers in it, the policy and its version, the record, the result. `load`, `parse`
    and `check` default to what `itbcheck check` uses; a sheet row brings its own loader and
    parser, and a check that loads each pump profile once. `history` looks up the visits on
    file for the parsed record (docs/history.md); without it the record is checked alone.
    `stage`: before the fill or after programming (the default); the entry records it, and a
    result checked at another stage than asked is a bug, never a verdict."""
    if parse is None:
        parse = functools.partial(parse_record, stage=stage)
    if check is None:
        check = functools.partial(check_record, stage=stage)
    entry: dict[str, Any] = {**fields, "stage": str(stage), "input_sha256": None}
    audit_key: bytes | None = None
    # The identifiers of a record that fails are read from its document, once loaded; a record
    # that is checked is identified by its parsed record, so its document is not searched.
    document: object = None
    try:
        audit_key = key()
        raw = read()
        entry["input_sha256"] = hashlib.sha256(raw).hexdigest()
        document = load(raw, source)
        loaded_policy = policy()
        entry["policy_version"] = loaded_policy.policy_version
        entry["policy_sha256"] = loaded_policy.source_sha256
        parsed = parse(document, source)
        previous = None if history is None else history(parsed)
        result = check(parsed, loaded_policy, source, previous)
        if result.stage is not stage:
            raise RuntimeError("a record was checked at another stage than asked")
    except ItbcheckError as error:
        if not isinstance(error, InvalidRecordError | ConfigurationError):
            raise
        return failed(entry, identifiers_in(document), audit_key, error)
    except Exception as error:  # a bug: audited as such, then the caller decides
        return failed(entry, identifiers_in(document), audit_key, error)
    record = result.record
    entry.update(
        Identifiers(record.patient.id, record.pump.serial).tokens(audit_key),
        verdict=str(result.verdict),
        finding_codes=[finding.code for finding in result.findings],
        profile=result.profile.version,
        profile_sha256=result.profile.source_sha256,
        overrides=[
            {
                "rule": o.rule,
                "approved_limit": o.approved_limit.text,
                "approver": o.approver,
                "reason": o.reason,
            }
            for o in record.overrides
        ],
    )
    return Outcome(RECORD_CHECKED, entry, result=result)


def profile_cached_check(
    stage: Stage = Stage.AFTER_PROGRAMMING,
) -> Callable[[Record, Policy, str, History | None], CheckResult]:
    """`checking.check_record` that loads each pump profile once, not once per row: the same
    profile lookup and the same checks, without re-reading a profile file for every visit."""
    profiles: dict[str, PumpProfile] = {}

    def check(
        record: Record, policy: Policy, source: str, previous: History | None = None
    ) -> CheckResult:
        profile = profiles.get(record.pump.profile)
        if profile is None:
            profile = profiles[record.pump.profile] = profile_of(record, source)
        return check_with_profile(record, profile, policy, previous, stage)

    return check
