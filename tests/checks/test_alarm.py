"""The alarm checks (issue 10 points 5 and 7): an alarm set below the profile's verified value
is a withdrawal CAUTION, below half of it a STOP, and the forecast uses the profile's value; a
residual below the alarm volume is a withdrawal CAUTION, below the known dead volume a STOP.

Hand derivations are in each fixture's header comment.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.findings import Hazard, Severity, Verdict
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.checks.profile_variants import NoteCase
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

ALARM = "ALARM_BELOW_PROFILE"
RESIDUAL = "RESIDUAL_BELOW_ALARM"

CASES: list[Case] = [
    ("alarm_2_ml_in_prometra_3_ml.yaml", Verdict.CAUTION, [ALARM]),
    ("alarm_0_ml_in_synchromed.yaml", Verdict.STOP, [ALARM]),
    ("alarm_1_ml_in_synchromed_half.yaml", Verdict.CAUTION, [ALARM]),
    ("residual_0_6_ml_below_2_ml_alarm.yaml", Verdict.CAUTION, [RESIDUAL]),
    ("residual_0_1_ml_below_dead_volume.yaml", Verdict.STOP, [RESIDUAL]),
]
NOTE_CASES: list[NoteCase] = [
    ("alarm_2_ml_in_prometra_3_ml.yaml", ["RATE_RANGE_UNCHECKED", "STABILITY_UNCHECKED"]),
]


def ml(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mL"


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each alarm fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES)
def test_notes(name: str, notes: list[str]) -> None:
    """A Prometra fixture has no stability limit or rate range: both are NOTEs, nothing more."""
    assert notes == note_codes_of(check_file(CHECK_FIXTURES / name))


@pytest.mark.parametrize(
    ("name", "severity", "figures"),
    [
        # 2 < 3, 2 >= 1.5.
        (
            "alarm_2_ml_in_prometra_3_ml.yaml",
            Severity.CAUTION,
            {"alarm_set": ml("2"), "profile_alarm": ml("3"), "stop_below": ml("1.5")},
        ),
        # 0 < 1.
        (
            "alarm_0_ml_in_synchromed.yaml",
            Severity.STOP,
            {"alarm_set": ml("0"), "profile_alarm": ml("2"), "stop_below": ml("1")},
        ),
        # 1 is not below 1.
        (
            "alarm_1_ml_in_synchromed_half.yaml",
            Severity.CAUTION,
            {"alarm_set": ml("1"), "profile_alarm": ml("2"), "stop_below": ml("1")},
        ),
    ],
    ids=["prometra-2", "zero", "half"],
)
def test_point_5_alarm_below_profile(
    name: str, severity: Severity, figures: dict[str, tuple[Decimal, str]]
) -> None:
    """Issue 10 point 5: an alarm below the profile's is a withdrawal CAUTION, below half of it
    a STOP."""
    found = the_finding(check_file(CHECK_FIXTURES / name), ALARM)
    expected = (severity, Hazard.WITHDRAWAL, figures)
    assert expected == (found.severity, found.hazard, figures_of(found))


def test_point_5_forecast_uses_the_profile_alarm() -> None:
    """Issue 10 point 5: with the alarm set to 2 mL in a Prometra II (3 mL), the reservoir
    forecast counts down to 3 mL."""
    result = check_file(CHECK_FIXTURES / "alarm_2_ml_in_prometra_3_ml.yaml")
    # max(2, 3) = 3; (18 - 3) / 0.24 = 62.5 days nominal.
    expected = (Decimal(3), Decimal("62.5"))
    assert expected == (result.forecast.alarm_volume_ml, result.forecast.days_to_alarm_nominal)


@pytest.mark.parametrize(
    ("name", "severity", "figures"),
    [
        # 0.6 < 2; 0.6 >= 0.14 tubing (no catheter volume).
        (
            "residual_0_6_ml_below_2_ml_alarm.yaml",
            Severity.CAUTION,
            {"aspirated_residual": ml("0.6"), "alarm_volume": ml("2"), "dead_volume": ml("0.14")},
        ),
        # 0.1 < 0.14 + 0.26 = 0.4.
        (
            "residual_0_1_ml_below_dead_volume.yaml",
            Severity.STOP,
            {"aspirated_residual": ml("0.1"), "alarm_volume": ml("2"), "dead_volume": ml("0.4")},
        ),
    ],
    ids=["below-alarm", "below-dead-volume"],
)
def test_point_7_residual_below_alarm(
    name: str, severity: Severity, figures: dict[str, tuple[Decimal, str]]
) -> None:
    """Issue 10 point 7: a residual below the alarm volume is a withdrawal CAUTION with the
    numbers, and below the dead volume a STOP."""
    found = the_finding(check_file(CHECK_FIXTURES / name), RESIDUAL)
    expected = (severity, Hazard.WITHDRAWAL, figures)
    assert expected == (found.severity, found.hazard, figures_of(found))
