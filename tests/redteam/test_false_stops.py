"""False STOPs (session 4, helper 4d): clinically correct refill records that this session's new
checks stopped, where a careful clinician refills and goes on. All eight are fixed; each test
asserts the verdict a clinician expects. Hand derivations, with units, are in each fixture's
header comment (tests/redteam/fixtures/).

- F1: an early refill titrated the day after the fill, alone (RESIDUAL_NEAR_FULL).
- F2: a dose change at a fill written in another time zone, alone and with the fill on file.
- F3: a bridge bolus at the previous fill, on a pump running 11.5 % fast (calendar).
- F4: a refill not on file after the visit on file (cross-visit residual).
- F5: patient boluses used within their allowance (cross-visit residual).
- F6: a flex daily total written as the programmer shows it, 441.7 (previous dose).
- F7: a patient bolus raised at a clinic visit with no refill (previous boluses).
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
        id="F1_early_refill_titrated_after_fill",
    ),
    pytest.param(
        "near_full_early_refill_change_at_fill_other_zone.yaml",
        Verdict.CAUTION,
        id="F2_early_refill_change_at_fill_other_zone_alone",
    ),
    pytest.param(
        "calendar_bridge_bolus_at_previous_fill.yaml",
        Verdict.CLEAR,
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
        id="F2_early_refill_after_its_fill_visit_on_file",
    ),
    pytest.param(
        "history_seed_fill_2026_11_07.yaml",
        "history_refill_not_on_file_since_seed.yaml",
        "CLEAR",
        id="F4_refill_not_on_file",
    ),
    pytest.param(
        "history_seed_patient_bolus_50_mcg_x3.yaml",
        "history_patient_boluses_used_within_allowance.yaml",
        "CAUTION",
        id="F5_patient_boluses_used",
    ),
    pytest.param(
        "history_seed_flex_total_441_67.yaml",
        "history_flex_previous_total_rounded.yaml",
        "CLEAR",
        id="F6_flex_total_rounded",
    ),
    pytest.param(
        "history_seed_patient_bolus_20_mcg_x3.yaml",
        "history_patient_bolus_changed_at_interim_visit.yaml",
        "CAUTION",
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
