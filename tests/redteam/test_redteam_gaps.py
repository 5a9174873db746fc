"""Red-team gaps (session 4, helper 4c): dangerous refill records that itbcheck passes as CLEAR,
or only as CAUTION, where a careful clinician stops.

Each test asserts the verdict a careful clinician expects and is marked xfail(strict=True) with
the reason: it fails today, and XPASSes (so fails the suite) once the gap is closed, so whoever
closes it removes the mark. Hand derivations, with units, are in each fixture's header comment
(tests/redteam/fixtures/); the reason strings name the gap, what itbcheck says today and the
source it rests on. Ranked by harm in the helper's report, not here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itbcheck.checking import check_document
from itbcheck.findings import Verdict
from itbcheck.policy import load_policy
from itbcheck.stages import Stage
from tests.conftest import TEST_KEY, check_file, run_cli

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "history_seed_visit_2026_11_27.yaml"

ALONE = [
    pytest.param(
        "calendar_over_delivery_4x_in_20_days.yaml",
        id="G1a_calendar_over_delivery",
        marks=pytest.mark.xfail(
            strict=True,
            reason="G1a: CLEAR today. 20 mL filled 20 days ago at 0.2 mL/day leaves 16 mL "
            "(at least 15.32 mL at +14.5 %), but the programmer expects 3.1 mL and 2.9 mL came "
            "back: 17.1 mL out, 4.3 times the recorded 400 mcg/day. previous_fill_date is used "
            "only for RESIDUAL_NEAR_FULL; the store's HISTORY_RESIDUAL_PROGRAMMER arithmetic is "
            "not applied to the record's own date ([20] Maino 2017; [16] notices).",
        ),
    ),
    pytest.param(
        "calendar_under_delivery_half_in_160_days.yaml",
        id="G1b_calendar_under_delivery",
        marks=pytest.mark.xfail(
            strict=True,
            reason="G1b: CLEAR today. 160 days at 0.2 mL/day is 32 mL (27.36 mL even at "
            "-14.5 %) from a 20 mL fill, yet 3.2 mL is expected and 3.1 mL back: 211 mcg/day "
            "delivered, 53 % of the recorded 400 ([1] Lioresal label boxed warning; [21] "
            "Sgouros 2010).",
        ),
    ),
    pytest.param(
        "stopped_2_h_but_residual_shows_49_days_off.yaml",
        id="G1c_pump_off_for_contradicts_residual",
        marks=pytest.mark.xfail(
            strict=True,
            reason="G1c: CAUTION (RESTART_AFTER_SHORT_STOP) today. 6 mL delivered in 84 days "
            "at 0.2 mL/day means at least 48.9 days with nothing, not the 2 h written; a "
            "restart at 400 = 100 % of the dose before is RESTART_AT_FULL_DOSE under the 4 h "
            "short-stop policy ([10] Restart overdose 1991; [21] Sgouros 2010).",
        ),
    ),
    pytest.param(
        "pump_replacement_before_previous_fill_masks_gap.yaml",
        id="G3a_stale_replacement_masks_residual_gap",
        marks=pytest.mark.xfail(
            strict=True,
            reason="G3a: CAUTION today. A pump_replacement dated 2026-06-01, before the "
            "previous fill of 2026-09-04, stands RESIDUAL_GAP down: 3.2 mL expected, 0.9 mL "
            "back, a 2.3 mL gap above the 1 mL threshold ([20] Maino 2017; [11] FDA 2011 "
            "pocket-fill recall).",
        ),
    ),
    pytest.param(
        "pump_replacement_before_previous_fill_masks_near_full.yaml",
        id="G3b_stale_replacement_masks_near_full",
        marks=pytest.mark.xfail(
            strict=True,
            reason="G3b: CAUTION today. The same stale replacement date stands RESIDUAL_NEAR_FULL "
            "and RESIDUAL_GAP down: 19.5 mL back from a 20 mL fill, 16.3 mL above the 3.2 mL "
            "expected ([21] Sgouros 2010).",
        ),
    ),
    pytest.param(
        "empty_on_arrival_but_5_ml_expected_and_aspirated.yaml",
        id="G7_empty_pump_with_5_ml_expected",
        marks=pytest.mark.xfail(
            strict=True,
            reason="G7: CAUTION today. status_at_arrival empty with 5 mL expected and 5 mL "
            "aspirated cannot all be true: either the aspirate came from outside the reservoir "
            "([11] FDA 2011 pocket-fill recall) or the restart was judged on an interruption "
            "that did not happen; fail closed.",
        ),
    ),
]


@pytest.mark.parametrize("name", ALONE)
def test_record_alone_is_stop(name: str) -> None:
    """A record that contradicts its own dates, volumes or status is STOP, checked alone."""
    expected = Verdict.STOP
    actual = check_file(FIXTURES / name).verdict
    assert expected == actual


@pytest.mark.xfail(
    strict=True,
    reason="G1a before the fill: CLEAR today; the calendar contradiction is known from the "
    "interrogation and the aspiration, before any drug is injected.",
)
def test_calendar_over_delivery_is_stop_before_the_fill() -> None:
    """The 4.3-times over-delivery of G1a is already a STOP at --stage before-fill."""
    path = FIXTURES / "calendar_over_delivery_4x_in_20_days.yaml"
    expected = Verdict.STOP
    actual = check_document(path.read_bytes(), path.name, load_policy(), Stage.BEFORE_FILL).verdict
    assert expected == actual


def _verdict_after_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    """The verdict of `name` checked with a visit store holding only the seed visit."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    store = str(tmp_path / "visits.sqlite3")
    seed = run_cli("check", "--visit-store", store, "--format", "json", str(SEED))
    assert "CLEAR" == json.loads(seed.stdout)["verdict"]
    result = run_cli("check", "--visit-store", store, "--format", "json", str(FIXTURES / name))
    verdict: str = json.loads(result.stdout)["verdict"]
    return verdict


WITH_HISTORY = [
    pytest.param(
        "history_same_serial_profile_40_ml_fill_40_ml.yaml",
        id="G4_same_serial_40_ml_into_20_ml_pump",
        marks=pytest.mark.xfail(
            strict=True,
            reason="G4: CAUTION (HISTORY_PUMP_CHANGED) today. Serial NGP999999H was a 20 mL "
            "SynchroMed II last visit; the record says 40 mL and fills 40 mL with no pump "
            "replacement recorded: 20 mL above the capacity on file ([17] SynchroMed II "
            "labelling; [11] FDA 2011 pocket-fill recall).",
        ),
    ),
    pytest.param(
        "history_new_serial_previous_dose_inflated.yaml",
        id="G5_new_serial_hides_previous_dose",
        marks=pytest.mark.xfail(
            strict=True,
            reason="G5: CAUTION (HISTORY_PUMP_CHANGED) today. A new serial stands "
            "HISTORY_PREVIOUS_MISMATCH down; the patient's last prescribed 480 mcg/day against "
            "800 now is +66.7 %, above 30 % (and the 40 % refill limit) ([1] Lioresal label; "
            "[2] Gablofen label).",
        ),
    ),
    pytest.param(
        "history_patient_bolus_claimed_as_previous.yaml",
        id="G6_patient_bolus_claimed_as_previous",
        marks=pytest.mark.xfail(
            strict=True,
            reason="G6: CAUTION today. previous_patient_bolus 8 x 50 mcg is not compared with "
            "the last visit on file, which had none: most per day 480 -> 880 mcg/day, +83.3 % "
            "([1] Lioresal label; [34] Prometra PTC guide).",
        ),
    ),
    pytest.param(
        "history_second_change_23_h_after_the_seed.yaml",
        id="G8_second_change_23_h_after_the_last",
        marks=pytest.mark.xfail(
            strict=True,
            reason="G8: CAUTION (HISTORY_CHANGE_TIME, HISTORY_WINDOW_INCREASE) today. The store "
            "shows the dose changed 23 h ago (400 -> 480) and this visit changes it again "
            "(480 -> 560, +40 % in 23 h); the 24 h rule is judged on the record's stale "
            "previous_dose_changed_at, not the store's time ([1] Lioresal label).",
        ),
    ),
]


@pytest.mark.parametrize("name", WITH_HISTORY)
def test_record_after_the_seed_visit_is_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """A record that the last visit on file contradicts is STOP."""
    expected = "STOP"
    actual = _verdict_after_seed(tmp_path, monkeypatch, name)
    assert expected == actual
