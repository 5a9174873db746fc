"""`assess` names a record that was not checked by the identifiers in its document, read only
when the record fails (issue 14): the same tokens wherever it stops."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import yaml

from itbcheck.assessment import assess
from itbcheck.checking import CheckResult
from itbcheck.exceptions import InvalidRecordError, Problem
from itbcheck.policy import load_policy
from itbcheck.records import Record
from tests.conftest import EXAMPLES, TEST_KEY

RECORD = EXAMPLES / "visit-clear.yaml"
DOCUMENT: dict[str, Any] = yaml.safe_load(RECORD.read_text("utf-8"))


def _token(kind: str, value: str) -> str:
    return hmac.new(TEST_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _tokens(entry: dict[str, Any]) -> tuple[object, object, object]:
    return entry["patient_token"], entry["pump_token"], entry["identifiers"]


def _assess(**steps: Any) -> dict[str, Any]:
    outcome = assess(
        RECORD.read_bytes,
        RECORD.name,
        fields={},
        key=TEST_KEY.encode,
        policy=load_policy,
        **steps,
    )
    return outcome.entry


def _refused(document: object, source: str) -> Record:
    raise InvalidRecordError([Problem("refill.fill_volume", "refused")], source)


def _broken(record: Record, *_: object) -> CheckResult:
    raise RuntimeError("a bug")


def test_a_record_refused_by_its_parser_is_named_by_its_document() -> None:
    """A record that does not parse carries the tokens of its document's patient and pump."""
    expected = (
        _token("patient", DOCUMENT["patient"]["id"]),
        _token("pump", DOCUMENT["pump"]["serial"]),
        "tokenised",
    )
    assert expected == _tokens(_assess(parse=_refused))


def test_a_record_that_fails_in_a_check_is_named_by_its_document() -> None:
    """A bug in the check is audited with the document's tokens, as a refusal is."""
    expected = (
        _token("patient", DOCUMENT["patient"]["id"]),
        _token("pump", DOCUMENT["pump"]["serial"]),
        "tokenised",
    )
    assert expected == _tokens(_assess(check=_broken))


def test_a_record_that_does_not_load_has_no_identifiers() -> None:
    """Input that is not a document names no one: no tokens, though the key is set."""

    def unreadable(raw: bytes, source: str) -> object:
        raise InvalidRecordError([Problem("record", "not YAML")], source)

    assert (None, None, "tokenised") == _tokens(_assess(load=unreadable))
