"""RESTART_FIELDS_NOT_USED: interruption facts recorded on a visit that is not judged from them."""

from __future__ import annotations

import pytest

from itbcheck.findings import Hazard, Severity, Verdict
from tests.checks.helpers import Case, params, the_finding
from tests.conftest import CHECK_FIXTURES, check_file, codes_of

CASES: list[Case] = [
    ("running_pump_with_pump_off_for_30_h.yaml", Verdict.CAUTION, ["RESTART_FIELDS_NOT_USED"]),
    (
        "stalled_pump_with_unused_dose_before_interruption.yaml",
        Verdict.CAUTION,
        ["RESTART_AFTER_SHORT_STOP", "RESTART_FIELDS_NOT_USED"],
    ),
]


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(
    "name",
    [
        "restart_from_zero_short_stop_2_h_at_480.yaml",
        "restart_after_stall_3_h_at_480_previous_480.yaml",
    ],
)
def test_fields_a_restart_uses_are_not_reported(name: str) -> None:
    """A documented restart from 0 (both fields read) and a stalled pump's time off (read by the
    short-stop rule) give no RESTART_FIELDS_NOT_USED."""
    assert ["RESTART_AFTER_SHORT_STOP"] == codes_of(check_file(CHECK_FIXTURES / name))


def test_the_finding_names_the_unused_field_and_what_was_used_instead() -> None:
    """A stalled pump's dose_before_interruption: the message names it and the 480 mcg/day
    previous dose the restart was judged from; the hazard is the record's."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "stalled_pump_with_unused_dose_before_interruption.yaml"),
        "RESTART_FIELDS_NOT_USED",
    )
    assert (Severity.CAUTION, Hazard.RECORD, True, True) == (
        found.severity,
        found.hazard,
        "dosing.dose_before_interruption" in found.message,
        "previous_daily_dose (480 mcg/day)" in found.message,
    )
