"""Red-team gaps (session 4, helper 4c): dangerous refill records that itbcheck passed as CLEAR,
or only as CAUTION, where a careful clinician stops.

A closed gap asserts the STOP and the code that closed it; a gap still open is marked
xfail(strict=True) with its reason, so it XPASSes (and fails the suite) once closed, and whoever
closes it names its code. Hand derivations, with units, are in each fixture's header comment
(tests/redteam/fixtures/); the reason strings name the gap, what itbcheck said and the source it
rests on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itbcheck.checking import check_document
from itbcheck.cli import ExitCode
from itbcheck.findings import Severity, Verdict
from itbcheck.policy import load_policy
from itbcheck.stages import Stage
from tests.conftest import TEST_KEY, check_file, run_cli

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "history_seed_visit_2026_11_27.yaml"

ALONE = [
    pytest.param(
        "calendar_over_delivery_4x_in_20_days.yaml",
        "RESIDUAL_CALENDAR_ASPIRATED",
        id="G1a_calendar_over_delivery",
    ),
    pytest.param(
        "calendar_under_delivery_half_in_160_days.yaml",
        "RESIDUAL_CALENDAR_ASPIRATED",
        id="G1b_calendar_under_delivery",
    ),
    pytest.param(
        "stopped_2_h_but_residual_shows_49_days_off.yaml",
        "RESIDUAL_CALENDAR_ASPIRATED",
        id="G1c_pump_off_for_contradicts_residual",
    ),
    pytest.param(
        "empty_on_arrival_but_5_ml_expected_and_aspirated.yaml",
        "RESIDUAL_FROM_EMPTY_PUMP",
        id="G7_empty_pump_with_5_ml_expected",
    ),
]


@pytest.mark.parametrize(("name", "code"), ALONE)
def test_record_alone_is_stop(name: str, code: str | None) -> None:
    """A record that contradicts its own dates, volumes or status is STOP, checked alone, and
    the code that closed the gap is among its STOP findings."""
    result = check_file(FIXTURES / name)
    stops = {f.code for f in result.findings if f.severity is Severity.STOP}
    assert (Verdict.STOP, True) == (result.verdict, code is None or code in stops)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("pump_replacement_before_previous_fill_masks_gap.yaml", id="G3a"),
        pytest.param("pump_replacement_before_previous_fill_masks_near_full.yaml", id="G3b"),
    ],
)
def test_a_replacement_before_the_previous_refill_is_refused(name: str) -> None:
    """G3: a pump replacement dated 2026-06-01, before the previous refill of 2026-09-04, stood
    the residual checks down (a 2.3 mL gap; 19.5 mL back of 20). The record contradicts itself:
    it is refused (exit 3), naming the field and the previous refill's date."""
    result = run_cli("check", str(FIXTURES / name))
    expected = (
        ExitCode.INVALID_RECORD,
        "since_last_visit.pump_replacement.date: an event since the last visit cannot be "
        "before the previous refill (refill.previous_fill_date 2026-09-04) (got '2026-06-01')",
    )
    assert expected == (result.exit_code, result.stderr.strip().split(": ", 1)[1])


def test_calendar_over_delivery_is_stop_before_the_fill() -> None:
    """The 4.3-times over-delivery of G1a is already a STOP at --stage before-fill: the
    calendar contradiction is known from the interrogation and the aspiration."""
    path = FIXTURES / "calendar_over_delivery_4x_in_20_days.yaml"
    result = check_document(path.read_bytes(), path.name, load_policy(), Stage.BEFORE_FILL)
    stops = {f.code for f in result.findings if f.severity is Severity.STOP}
    assert (Verdict.STOP, True) == (result.verdict, "RESIDUAL_CALENDAR_ASPIRATED" in stops)


def _outcome_after_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> tuple[str, set[str]]:
    """The verdict of `name`, and its STOP codes, checked with a visit store holding only the
    seed visit."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    store = str(tmp_path / "visits.sqlite3")
    seed = run_cli("check", "--visit-store", store, "--format", "json", str(SEED))
    assert "CLEAR" == json.loads(seed.stdout)["verdict"]
    result = run_cli("check", "--visit-store", store, "--format", "json", str(FIXTURES / name))
    document = json.loads(result.stdout)
    stops = {f["code"] for f in document["findings"] if f["severity"] == "STOP"}
    return document["verdict"], stops


WITH_HISTORY = [
    pytest.param(
        "history_same_serial_profile_40_ml_fill_40_ml.yaml",
        "HISTORY_PUMP_CHANGED",
        id="G4_same_serial_40_ml_into_20_ml_pump",
    ),
    pytest.param(
        "history_new_serial_previous_dose_inflated.yaml",
        "HISTORY_PREVIOUS_MISMATCH",
        id="G5_new_serial_hides_previous_dose",
    ),
    pytest.param(
        "history_patient_bolus_claimed_as_previous.yaml",
        "HISTORY_PREVIOUS_MISMATCH",
        id="G6_patient_bolus_claimed_as_previous",
    ),
    pytest.param(
        "history_second_change_23_h_after_the_seed.yaml",
        "HISTORY_CHANGE_TIME",
        id="G8_second_change_23_h_after_the_last",
    ),
]


@pytest.mark.parametrize(("name", "code"), WITH_HISTORY)
def test_record_after_the_seed_visit_is_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, code: str | None
) -> None:
    """A record that the last visit on file contradicts is STOP, by the code that closed the
    gap."""
    verdict, stops = _outcome_after_seed(tmp_path, monkeypatch, name)
    assert ("STOP", True) == (verdict, code is None or code in stops)
