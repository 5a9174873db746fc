"""Issue 11 point 1: increases at a periodic refill. Above the titration limit (30 % spinal,
15 % cerebral) and up to the refill limit (40 %, 20 %) a CAUTION, recorded with its override
(rule refill_increase) when one is given; above the refill limit STOP, which no override lifts;
a titration step (dose changed under 28 days ago) or a restart keeps the titration limit.

Hand derivations are in each fixture's header comment ([1] Lioresal label; [2] Gablofen label;
[29] ITB dosing compendia).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.findings import Hazard, Severity, Verdict
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.conftest import CHECK_FIXTURES, check_file, codes_of

BAND = "REFILL_INCREASE_ABOVE_TITRATION"
INCREASE = "INCREASE_ABOVE_LIMIT"

CASES: list[Case] = [
    ("refill_increase_35_percent_spinal_400_to_540.yaml", Verdict.CAUTION, [BAND]),
    ("refill_increase_35_percent_override_540.yaml", Verdict.CAUTION, [BAND]),
    ("refill_increase_45_percent_spinal_400_to_580.yaml", Verdict.STOP, [INCREASE]),
    ("refill_increase_45_percent_override_580.yaml", Verdict.STOP, [INCREASE]),
    ("refill_increase_18_percent_cerebral_400_to_472.yaml", Verdict.CAUTION, [BAND]),
    ("refill_increase_25_percent_cerebral_400_to_500.yaml", Verdict.STOP, [INCREASE]),
    ("refill_increase_35_percent_27_days_after_change.yaml", Verdict.STOP, [INCREASE]),
    (
        "refill_increase_35_percent_with_unchanged_patient_bolus.yaml",
        Verdict.CAUTION,
        [BAND],
    ),
    (
        "refill_increase_35_percent_after_stall.yaml",
        Verdict.STOP,
        [INCREASE, "RESTART_AT_FULL_DOSE"],
    ),
]


def percent(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "%"


def mcg_day(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mcg/day"


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_point_1_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each refill-increase fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(
    ("name", "new", "change", "titration", "refill"),
    [
        # (540 - 400) / 400 = 35 %; spinal: titration 30 %, refill 40 %.
        ("refill_increase_35_percent_spinal_400_to_540.yaml", "540", "35", "30", "40"),
        # (472 - 400) / 400 = 18 %; cerebral: titration 15 %, refill 20 %.
        ("refill_increase_18_percent_cerebral_400_to_472.yaml", "472", "18", "15", "20"),
    ],
    ids=["spinal-35", "cerebral-18"],
)
def test_point_1_refill_band_figures(
    name: str, new: str, change: str, titration: str, refill: str
) -> None:
    """An increase between the titration and the refill limit is an overdose CAUTION with the
    doses, both limits and the 99.1 days since the last change."""
    found = the_finding(check_file(CHECK_FIXTURES / name), BAND)
    expected = (
        Severity.CAUTION,
        Hazard.OVERDOSE,
        {
            "previous_daily_dose": mcg_day("400"),
            "prescribed_daily_dose": mcg_day(new),
            "change": percent(change),
            "titration_limit": percent(titration),
            "refill_limit": percent(refill),
            # 2026-08-20T09:00Z -> 2026-11-27T10:30Z = 99 days 1.5 h = 99.0625 days.
            "days_since_last_change": (Decimal("99.1"), "day"),
        },
        True,
    )
    actual = (
        found.severity,
        found.hazard,
        figures_of(found),
        "rule refill_increase" in found.action,
    )
    assert expected == actual


def test_point_1_override_is_recorded_in_the_caution() -> None:
    """With an override (rule refill_increase) approving 540 mcg/day, the CAUTION names the
    approval and carries the approved limit as a figure."""
    result = check_file(CHECK_FIXTURES / "refill_increase_35_percent_override_540.yaml")
    found = the_finding(result, BAND)
    expected = (
        Severity.CAUTION,
        mcg_day("540"),
        True,
        ["refill_increase"],
    )
    actual = (
        found.severity,
        figures_of(found)["approved_limit"],
        "Override approved to 540 mcg/day by Dr A. Okafor" in found.message,
        [override.rule for override in result.record.overrides],
    )
    assert expected == actual


@pytest.mark.parametrize(
    ("name", "new", "limit", "change", "highest"),
    [
        # (580 - 400) / 400 = 45 % > 40 %; at most 400 x 1.4 = 560 mcg/day.
        ("refill_increase_45_percent_spinal_400_to_580.yaml", "580", "40", "45", "560"),
        # The override changes nothing: the refill limit is hard.
        ("refill_increase_45_percent_override_580.yaml", "580", "40", "45", "560"),
        # (500 - 400) / 400 = 25 % > 20 %; at most 400 x 1.2 = 480 mcg/day.
        ("refill_increase_25_percent_cerebral_400_to_500.yaml", "500", "20", "25", "480"),
    ],
    ids=["spinal-45", "spinal-45-override", "cerebral-25"],
)
def test_point_1_above_the_refill_limit_is_stop(
    name: str, new: str, limit: str, change: str, highest: str
) -> None:
    """Above the refill limit the increase is an overdose STOP against the refill limit, whose
    action names the highest dose allowed at this refill and that no override lifts it."""
    found = the_finding(check_file(CHECK_FIXTURES / name), INCREASE)
    expected = (
        Severity.STOP,
        {
            "previous_daily_dose": mcg_day("400"),
            "prescribed_daily_dose": mcg_day(new),
            "limit": percent(limit),
            "change": percent(change),
        },
        True,
    )
    actual = (
        found.severity,
        figures_of(found),
        found.action.startswith(f"Program at most {highest} mcg/day at this refill")
        and "no override" in found.action,
    )
    assert expected == actual
