"""The check fixtures themselves: each is used by a test, states in its header the result the
tests expect, and together they exercise every finding code.

Two kinds of code cannot be a CAUTION or STOP of a fixture checked with a shipped profile: codes
that need a profile fact no shipped file has (tested with a rewritten profile, the modules'
PROFILE_CASES) and codes that are only ever a NOTE (the modules' NOTE_CASES). Both sets are
pinned below, so no code moves out of the fixture tables unnoticed."""

from __future__ import annotations

import pytest

from itbcheck.checks import CHECKS, catalogue
from itbcheck.findings import Verdict
from tests.checks import (
    test_alarm,
    test_bridge,
    test_calendar,
    test_children,
    test_concentration,
    test_delivery,
    test_dose,
    test_drug,
    test_fill,
    test_history,
    test_history_between,
    test_patient,
    test_patient_bolus,
    test_pump_labelling,
    test_refill_increase,
    test_reservoir,
    test_residual,
    test_restart,
    test_restart_fields,
    test_schedule,
    test_since_visit,
    test_titration,
    test_volumes,
)
from tests.checks.helpers import Case, params
from tests.checks.profile_variants import NoteCase, ProfileCase
from tests.conftest import CHECK_FIXTURES

ALL_CASES: list[Case] = [
    *test_dose.CASES,
    *test_titration.CASES,
    *test_concentration.CASES,
    *test_fill.CASES,
    *test_residual.CASES,
    *test_calendar.CASES,
    *test_reservoir.CASES,
    *test_schedule.CASES,
    *test_bridge.CASES,
    *test_delivery.CASES,
    *test_restart.CASES,
    *test_volumes.CASES,
    *test_alarm.CASES,
    *test_history.CASES,
    *test_history_between.CASES,
    *test_refill_increase.CASES,
    *test_restart.RESTART_CASES,
    *test_restart_fields.CASES,
    *test_patient.CASES,
    *test_children.CASES,
    *test_pump_labelling.CASES,
    *test_drug.CASES,
    *test_patient_bolus.CASES,
    *test_since_visit.CASES,
]
NOTE_CASES: list[NoteCase] = [
    *test_residual.NOTE_CASES,
    *test_reservoir.NOTE_CASES,
    *test_schedule.NOTE_CASES,
    *test_bridge.NOTE_CASES,
    *test_volumes.NOTE_CASES,
    *test_alarm.NOTE_CASES,
    *test_patient.NOTE_CASES,
    *test_children.NOTE_CASES,
    *test_pump_labelling.NOTE_CASES,
    *test_patient_bolus.NOTE_CASES,
    *test_since_visit.NOTE_CASES,
]
PROFILE_CASES: list[ProfileCase] = [
    *test_fill.PROFILE_CASES,
    *test_residual.PROFILE_CASES,
    *test_reservoir.PROFILE_CASES,
    *test_schedule.PROFILE_CASES,
]

# Need a profile fact no shipped profile has: an unverified capacity or accuracy band, or a
# verified rate range.
ONLY_WITH_TEST_PROFILE = {
    "ACCURACY_BAND_UNVERIFIED",
    "CAPACITY_UNVERIFIED",
    "STEP_RATE_OUT_OF_RANGE",
}
# Need visits on file: exercised with a built history in tests/checks/test_history.py.
ONLY_WITH_HISTORY = set(test_history.HISTORY_CODES)
# Always reported as a NOTE.
ONLY_AS_NOTE = {
    "RATE_RANGE_UNCHECKED",
    "STABILITY_UNCHECKED",
    "RENAL_IMPAIRMENT",
    "PUMP_LABELLING_UNCHECKED",
    "PATIENT_BOLUS_COUNTED",
}


def fixture_codes() -> set[str]:
    """CAUTION and STOP codes expected of fixtures checked with their shipped profile."""
    return {code for case in ALL_CASES for code in case[2]}


def profile_codes() -> set[str]:
    """CAUTION and STOP codes expected of fixtures checked with a rewritten profile."""
    return {code for case in PROFILE_CASES for code in case.codes}


def note_codes() -> set[str]:
    return {code for case in NOTE_CASES for code in case[1]}


def header_of(name: str) -> str:
    """The leading comment block of a fixture, without the '#' marks."""
    lines = (CHECK_FIXTURES / name).read_text("utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line.removeprefix("#").strip())
    return " ".join(header)


def test_every_fixture_is_in_a_table() -> None:
    """Every file in tests/checks/fixtures is checked by exactly one table row."""
    names = [case[0] for case in ALL_CASES]
    expected = sorted(path.name for path in CHECK_FIXTURES.glob("*.yaml"))
    assert expected == sorted(names)


@pytest.mark.parametrize(("name", "verdict", "codes"), params(ALL_CASES))
def test_header_states_the_expected_result(name: str, verdict: Verdict, codes: list[str]) -> None:
    """A fixture's header comment says 'Expected: VERDICT' and names every expected code."""
    header = header_of(name)
    stated = header.partition("Expected: ")[2].split(",")[0].split(" ")[0]
    assert (verdict.value, codes) == (stated, [code for code in codes if code in header])


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES)
def test_header_names_the_expected_notes(name: str, notes: list[str]) -> None:
    """A fixture with expected NOTE codes names every one of them in its header."""
    header = header_of(name)
    assert notes == [code for code in notes if code in header]


def test_note_and_profile_cases_use_table_fixtures() -> None:
    """Every fixture a NOTE or test-profile case uses is itself a row of a fixture table."""
    names = {case[0] for case in ALL_CASES}
    used = sorted({case[0] for case in NOTE_CASES} | {case.fixture for case in PROFILE_CASES})
    assert used == sorted(set(used) & names)


def test_every_code_is_exercised() -> None:
    """Every finding code the registered checks can report is expected by some fixture: as a
    CAUTION or STOP, with a shipped or a test profile, or as a NOTE."""
    exercised = fixture_codes() | profile_codes() | note_codes() | ONLY_WITH_HISTORY
    assert sorted(catalogue()) == sorted(exercised & set(catalogue()))


def test_only_the_known_codes_lack_a_shipped_profile_fixture() -> None:
    """The codes no fixture expects as a CAUTION or STOP with its shipped profile are exactly the
    known ones, each exercised where it can be: with a test profile, or as a NOTE."""
    missing = set(catalogue()) - fixture_codes() - ONLY_WITH_HISTORY
    expected = (
        sorted(ONLY_WITH_TEST_PROFILE | ONLY_AS_NOTE),
        sorted(ONLY_WITH_TEST_PROFILE),
        sorted(ONLY_AS_NOTE),
    )
    actual = (
        sorted(missing),
        sorted(ONLY_WITH_TEST_PROFILE & profile_codes()),
        sorted(ONLY_AS_NOTE & note_codes()),
    )
    assert expected == actual


def test_every_check_has_a_finding_fixture() -> None:
    """Each registered check has at least one fixture where one of its codes is expected as a
    CAUTION or STOP (with a test profile only for the rate range, see above); a check that
    only ever reports a NOTE (renal impairment), with a fixture expecting that NOTE."""
    exercised = (
        fixture_codes() | profile_codes() | ONLY_WITH_HISTORY | (ONLY_AS_NOTE & note_codes())
    )
    covered = [check.name for check in CHECKS if exercised & {info.code for info in check.codes}]
    assert [check.name for check in CHECKS] == covered
