"""False STOPs (session 4, helper 4d): clinically correct refill records that this session's new
checks STOP, where a careful clinician refills and goes on.

Each is xfail(strict=True) with its reason, asserting the verdict a clinician expects, so it
XPASSes (and fails the suite) once fixed, and whoever fixes it drops the mark. Hand derivations,
with units, are in each fixture's header comment (tests/redteam/fixtures/); the reason strings
name what itbcheck said and why it is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itbcheck.findings import Verdict
from tests.conftest import TEST_KEY, check_file, run_cli

FIXTURES = Path(__file__).parent / "fixtures"

ALONE = [
    pytest.param(
        "near_full_early_refill_titrated_day_after_fill.yaml",
        Verdict.CAUTION,
        marks=pytest.mark.xfail(
            strict=True,
            reason="F1: RESIDUAL_NEAR_FULL STOPs an early refill 2 days after the fill because "
            "the dose changed the day after it; 0.5 mL left, programmer 19.6 vs 19.5 mL",
        ),
        id="F1_early_refill_titrated_after_fill",
    ),
    pytest.param(
        "near_full_early_refill_change_at_fill_other_zone.yaml",
        Verdict.CAUTION,
        marks=pytest.mark.xfail(
            strict=True,
            reason="F2: a dose change made at the fill, 21:30 -05:00, is the next UTC day, so "
            "RESIDUAL_NEAR_FULL counts it as after the fill and STOPs an early refill",
        ),
        id="F2_early_refill_change_at_fill_other_zone_alone",
    ),
    pytest.param(
        "calendar_bridge_bolus_at_previous_fill.yaml",
        Verdict.CLEAR,
        marks=pytest.mark.xfail(
            strict=True,
            reason="F3: RESIDUAL_CALENDAR_ASPIRATED ignores the 0.54 mL bridge bolus given at "
            "the previous fill and calls a pump at +11.5 % (band 14.5 %) an over-infusion",
        ),
        id="F3_bridge_bolus_at_previous_fill",
    ),
]


@pytest.mark.parametrize(("name", "verdict"), ALONE)
def test_record_alone_is_not_stop(name: str, verdict: Verdict) -> None:
    """A clinically correct record, checked alone, gets the verdict a careful clinician
    expects, not STOP."""
    assert verdict == check_file(FIXTURES / name).verdict


WITH_HISTORY = [
    pytest.param(
        "near_full_seed_fill_2026_11_25_evening_minus5.yaml",
        "near_full_early_refill_change_at_fill_other_zone.yaml",
        "CAUTION",
        marks=pytest.mark.xfail(
            strict=True,
            reason="F2: the fill visit is on file but matched by its UTC date, 2026-11-26, not "
            "the sheet's 2026-11-25, so RESIDUAL_NEAR_FULL still finds no dose before the change",
        ),
        id="F2_early_refill_after_its_fill_visit_on_file",
    ),
    pytest.param(
        "history_seed_fill_2026_11_07.yaml",
        "history_refill_not_on_file_since_seed.yaml",
        "CLEAR",
        marks=pytest.mark.xfail(
            strict=True,
            reason="F4: HISTORY_RESIDUAL_* carry the 2026-11-07 fill forward (15 to 17 mL) past "
            "the refill of 2026-11-17 the record names; 17.9 mL aspirated is 'less delivered'",
        ),
        id="F4_refill_not_on_file",
    ),
    pytest.param(
        "history_seed_patient_bolus_50_mcg_x3.yaml",
        "history_patient_boluses_used_within_allowance.yaml",
        "CAUTION",
        marks=pytest.mark.xfail(
            strict=True,
            reason="F5: HISTORY_RESIDUAL_* count no patient bolus: 1.5 mL of allowed boluses "
            "(3 x 50 mcg a day, 20 days) make an exact pump's 14.5 mL residual 'over-infusion'",
        ),
        id="F5_patient_boluses_used",
    ),
    pytest.param(
        "history_seed_flex_total_441_67.yaml",
        "history_flex_previous_total_rounded.yaml",
        "CLEAR",
        marks=pytest.mark.xfail(
            strict=True,
            reason="F6: HISTORY_PREVIOUS_MISMATCH compares a flex total of 10600/24 = "
            "441.666... mcg/day exactly with the 441.7 the nurse writes; no value passes",
        ),
        id="F6_flex_total_rounded",
    ),
    pytest.param(
        "history_seed_patient_bolus_20_mcg_x3.yaml",
        "history_patient_bolus_changed_at_interim_visit.yaml",
        "CAUTION",
        marks=pytest.mark.xfail(
            strict=True,
            reason="F7: a patient bolus raised at a visit with no refill (never on file) is "
            "HISTORY_PREVIOUS_MISMATCH; unlike a dose change, nothing in the record can say so",
        ),
        id="F7_patient_bolus_changed_at_interim_visit",
    ),
]


@pytest.mark.parametrize(("seed", "name", "verdict"), WITH_HISTORY)
def test_record_after_its_seed_is_not_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: str, name: str, verdict: str
) -> None:
    """A clinically correct record checked after its seed visit is on file gets the verdict a
    careful clinician expects, not STOP; the seed itself is not STOP, so it is on file."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    store = str(tmp_path / "visits.sqlite3")
    verdicts = []
    for path in (FIXTURES / seed, FIXTURES / name):
        result = run_cli("check", "--visit-store", store, "--format", "json", str(path))
        verdicts.append(json.loads(result.stdout)["verdict"])
    assert [verdicts[0] != "STOP", verdict] == [True, verdicts[1]]
