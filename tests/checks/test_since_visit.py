"""Since the last visit (issue 11 point 10): an MRI, a catheter revision or a pump replacement,
each changing what the checks may assume, each with its finding.

Hand derivations are in each fixture's header comment ([18] Prometra II labelling; [35]
SynchroMed MRI guidelines; [14] FDA 2013 priming-bolus recall).
"""

from __future__ import annotations

import pytest
import yaml

from itbcheck.checking import check_record
from itbcheck.exceptions import InvalidRecordError
from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.policy import load_policy
from itbcheck.reading import load_document
from itbcheck.records import parse_record
from tests.checks.helpers import Case, params, the_finding
from tests.checks.profile_variants import NoteCase
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

NOT_EMPTIED = "MRI_PUMP_NOT_EMPTIED"
NOT_INTERROGATED = "MRI_NOT_INTERROGATED"
CATHETER = "CATHETER_REVISION_VOLUME_UNKNOWN"
REPLACED = "PUMP_REPLACED"
RATE = "RATE_RANGE_UNCHECKED"
STABILITY = "STABILITY_UNCHECKED"

CASES: list[Case] = [
    ("mri_prometra_not_emptied.yaml", Verdict.STOP, [NOT_EMPTIED]),
    ("mri_prometra_emptied_and_interrogated.yaml", Verdict.CLEAR, []),
    ("mri_synchromed_not_interrogated.yaml", Verdict.CAUTION, [NOT_INTERROGATED]),
    ("mri_synchromed_interrogated.yaml", Verdict.CLEAR, []),
    (
        "catheter_revision_no_volume_strength_change.yaml",
        Verdict.STOP,
        [CATHETER, "CATHETER_VOLUME_UNCHECKED"],
    ),
    ("catheter_revision_no_volume_same_strength.yaml", Verdict.CLEAR, []),
    ("catheter_revision_new_volume_recorded.yaml", Verdict.CAUTION, ["CATHETER_VOLUME_UNCHECKED"]),
    ("pump_replaced_residual_19_2_ml.yaml", Verdict.CAUTION, [REPLACED]),
    ("pump_replaced_implant_strength_differs.yaml", Verdict.STOP, [REPLACED]),
]
NOTE_CASES: list[NoteCase] = [
    ("mri_prometra_not_emptied.yaml", [RATE, STABILITY]),
    ("mri_prometra_emptied_and_interrogated.yaml", [RATE, STABILITY]),
    ("catheter_revision_no_volume_same_strength.yaml", [CATHETER, RATE]),
    ("catheter_revision_new_volume_recorded.yaml", [RATE]),
]


def _record_without_since(name: str) -> dict[str, object]:
    data = yaml.safe_load((CHECK_FIXTURES / name).read_text("utf-8"))
    assert isinstance(data, dict)
    del data["since_last_visit"]
    return data


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each since-the-last-visit fixture gives the verdict and codes derived in its header."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES)
def test_notes(name: str, notes: list[str]) -> None:
    """A catheter revision without its volume is a NOTE when nothing is built on it today."""
    assert notes == note_codes_of(check_file(CHECK_FIXTURES / name))


def test_point_10_mri_on_a_prometra_not_emptied_is_overdose_stop() -> None:
    """Issue 11 point 10: an MRI on a Prometra with no record of emptying is an overdose STOP
    that says not to refill yet."""
    found = the_finding(check_file(CHECK_FIXTURES / "mri_prometra_not_emptied.yaml"), NOT_EMPTIED)
    expected = (Severity.STOP, Hazard.OVERDOSE, True)
    assert expected == (found.severity, found.hazard, found.action.startswith("Do not refill"))


def test_point_10_mri_on_a_synchromed_asks_for_the_event_log() -> None:
    """Issue 11 point 10: a SynchroMed MRI without an interrogation after it is a withdrawal
    CAUTION pointing at the pump's event log."""
    result = check_file(CHECK_FIXTURES / "mri_synchromed_not_interrogated.yaml")
    found = the_finding(result, NOT_INTERROGATED)
    assert (Severity.CAUTION, Hazard.WITHDRAWAL, True) == (
        found.severity,
        found.hazard,
        "event log" in found.action,
    )


def test_point_10_the_same_prometra_record_without_the_mri_is_clear() -> None:
    """Issue 11 point 10: a record without since_last_visit gives exactly today's result."""
    data = _record_without_since("mri_prometra_not_emptied.yaml")
    result = check_record(parse_record(data), load_policy())
    assert (Verdict.CLEAR, []) == (result.verdict, codes_of(result))


def test_point_10_a_pump_replacement_stands_the_residual_checks_down() -> None:
    """Issue 11 point 10: 19.2 mL aspirated against 3.1 mL expected is RESIDUAL_GAP and
    RESIDUAL_NEAR_FULL without the replacement, and only PUMP_REPLACED with it."""
    data = _record_without_since("pump_replaced_residual_19_2_ml.yaml")
    without = check_record(parse_record(data), load_policy())
    with_it = check_file(CHECK_FIXTURES / "pump_replaced_residual_19_2_ml.yaml")
    expected = (["RESIDUAL_GAP", "RESIDUAL_NEAR_FULL"], [REPLACED])
    assert expected == (codes_of(without), codes_of(with_it))


def test_point_10_nothing_aspirated_still_stops_after_a_replacement() -> None:
    """Issue 11 point 10: a new pump does not excuse an empty aspiration (needle placement)."""
    raw = (CHECK_FIXTURES / "pump_replaced_residual_19_2_ml.yaml").read_text("utf-8")
    raw = raw.replace('aspirated_residual: "19.2 mL"', 'aspirated_residual: "0 mL"')
    result = check_record(parse_record(load_document(raw.encode(), "x.yaml")), load_policy())
    assert ["PUMP_REPLACED", "RESIDUAL_NOT_ASPIRATED"] == codes_of(result)


@pytest.mark.parametrize(
    "event", ["mri", "catheter_revision", "pump_replacement"], ids=lambda event: event
)
def test_point_10_an_event_after_the_visit_is_refused(event: str) -> None:
    """Issue 11 point 10: an event 'since the last visit' dated after the visit day is refused,
    naming its date field."""
    data = _record_without_since("mri_synchromed_interrogated.yaml")
    data["since_last_visit"] = {event: {"date": "2026-11-28"}}
    with pytest.raises(InvalidRecordError) as refused:
        parse_record(data)
    expected = [f"since_last_visit.{event}.date"]
    assert expected == [problem.location for problem in refused.value.problems]
