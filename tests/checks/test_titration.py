"""The titration checks: the increase limit per 24 h (30 % spinal, 15 % cerebral or under 18),
at most one change per 24 h, large decreases, and stopping a pump.

Hand derivations are in each fixture's header comment; limits are the default policy
([1] Lioresal label; [6] Saulino 2016).
The clear visit's base is 400 -> 480 mcg/day, spinal, age 42.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.findings import Hazard, Severity, Verdict
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.conftest import CHECK_FIXTURES, check_file, codes_of

INCREASE = "INCREASE_ABOVE_LIMIT"
SECOND = "SECOND_CHANGE_IN_WINDOW"
OUT_OF_ORDER = "RECORD_TIMES_OUT_OF_ORDER"
DECREASE = "DECREASE_LARGE"

CASES: list[Case] = [
    ("increase_30_percent_spinal_400_to_520.yaml", Verdict.CLEAR, []),
    ("increase_30_1_percent_spinal_400_to_520_4.yaml", Verdict.STOP, [INCREASE]),
    ("increase_40_percent_spinal_400_to_560.yaml", Verdict.STOP, [INCREASE]),
    ("increase_25_percent_spinal_400_to_500.yaml", Verdict.CLEAR, []),
    ("increase_25_percent_cerebral_400_to_500.yaml", Verdict.STOP, [INCREASE]),
    ("increase_25_percent_spinal_age_17_400_to_500.yaml", Verdict.STOP, [INCREASE]),
    ("increase_25_percent_spinal_age_18_400_to_500.yaml", Verdict.CLEAR, []),
    ("increase_15_percent_cerebral_400_to_460.yaml", Verdict.CLEAR, []),
    ("increase_15_percent_spinal_age_17_400_to_460.yaml", Verdict.CLEAR, []),
    ("restart_from_zero_0_to_100.yaml", Verdict.STOP, [INCREASE]),
    ("second_change_within_24h.yaml", Verdict.STOP, [SECOND]),
    ("second_change_23h_59min_after_last.yaml", Verdict.STOP, [SECOND]),
    ("second_change_23h_across_time_zones.yaml", Verdict.STOP, [SECOND]),
    ("change_exactly_24h_after_last.yaml", Verdict.CLEAR, []),
    ("same_dose_within_24h.yaml", Verdict.CLEAR, []),
    ("previous_change_after_visit.yaml", Verdict.STOP, [OUT_OF_ORDER]),
    ("previous_change_half_second_after_visit.yaml", Verdict.STOP, [OUT_OF_ORDER]),
    ("decrease_30_percent.yaml", Verdict.CAUTION, [DECREASE]),
    ("decrease_20_percent_exactly.yaml", Verdict.CLEAR, []),
    ("pump_stopped_without_reason.yaml", Verdict.STOP, ["PUMP_STOP_WITHOUT_REASON"]),
    ("pump_stopped_with_reason.yaml", Verdict.CAUTION, ["PUMP_STOPPED"]),
]


def mcg_day(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mcg/day"


def percent(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "%"


def hours(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "h"


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each titration fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(
    ("name", "new", "limit", "change"),
    [
        # (520.4 - 400) / 400 = 30.1 % > 30 % spinal.
        ("increase_30_1_percent_spinal_400_to_520_4.yaml", "520.4", "30", "30.1"),
        # (560 - 400) / 400 = 40 % > 30 % spinal.
        ("increase_40_percent_spinal_400_to_560.yaml", "560", "30", "40"),
        # (500 - 400) / 400 = 25 % > 15 % cerebral.
        ("increase_25_percent_cerebral_400_to_500.yaml", "500", "15", "25"),
        # (500 - 400) / 400 = 25 % > 15 % for age 17 (under 18), although spinal.
        ("increase_25_percent_spinal_age_17_400_to_500.yaml", "500", "15", "25"),
    ],
    ids=["spinal-30.1", "spinal-40", "cerebral-25", "age-17-spinal-25"],
)
def test_increase_above_limit_figures(name: str, new: str, limit: str, change: str) -> None:
    """An increase from 400 mcg/day above the patient's limit reports the doses, the limit and
    the change in percent."""
    found = the_finding(check_file(CHECK_FIXTURES / name), INCREASE)
    expected = {
        "previous_daily_dose": mcg_day("400"),
        "prescribed_daily_dose": mcg_day(new),
        "limit": percent(limit),
        "change": percent(change),
    }
    assert (Severity.STOP, Hazard.OVERDOSE, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


def test_restart_from_zero_is_above_any_limit() -> None:
    """A restart from 0 to 100 mcg/day has no percentage and is reported as above the limit."""
    found = the_finding(check_file(CHECK_FIXTURES / "restart_from_zero_0_to_100.yaml"), INCREASE)
    # Previous 0: no percentage exists, so no "change" figure; spinal age 42, limit 30 %.
    expected = {
        "previous_daily_dose": mcg_day("0"),
        "prescribed_daily_dose": mcg_day("100"),
        "limit": percent("30"),
    }
    assert (Severity.STOP, expected) == (found.severity, figures_of(found))


@pytest.mark.parametrize(
    ("name", "since"),
    [
        # 2026-11-26T14:00Z -> 2026-11-27T10:30Z = 20 h 30 min.
        ("second_change_within_24h.yaml", "20.5"),
        # 2026-11-26T09:30-02:00 = 11:30Z -> 2026-11-27T10:30Z = 23 h.
        ("second_change_23h_across_time_zones.yaml", "23"),
    ],
    ids=["20.5h", "23h-time-zones"],
)
def test_second_change_within_window_figures(name: str, since: str) -> None:
    """A change less than 24 h after the last one reports the hours since it and the window."""
    found = the_finding(check_file(CHECK_FIXTURES / name), SECOND)
    expected = {"hours_since_last_change": hours(since), "window": hours("24")}
    assert (Severity.STOP, expected) == (found.severity, figures_of(found))


def test_one_minute_short_of_24_hours_is_still_inside_the_window() -> None:
    """A change 23 h 59 min after the last one is inside the 24 h window."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "second_change_23h_59min_after_last.yaml"), SECOND
    )
    since, window = figures_of(found)["hours_since_last_change"], figures_of(found)["window"]
    # 23 + 59/60 = 23.98333... h; shown to 0.001 h.
    assert (Decimal("23.983"), "h", hours("24")) == (
        since[0].quantize(Decimal("0.001")),
        since[1],
        window,
    )


def test_change_recorded_after_visit_figures() -> None:
    """A last change 22.5 h after the visit reports a negative time since the last change."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "previous_change_after_visit.yaml"), OUT_OF_ORDER
    )
    # 2026-11-27T10:30Z - 2026-11-28T09:00Z = -22 h 30 min.
    expected = {"hours_since_last_change": hours("-22.5")}
    assert (Severity.STOP, Hazard.RECORD, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


def test_large_decrease_figures() -> None:
    """A 30 % decrease is a withdrawal CAUTION with the change and the 20 % limit."""
    found = the_finding(check_file(CHECK_FIXTURES / "decrease_30_percent.yaml"), DECREASE)
    # (280 - 400) / 400 = -30 %, a larger decrease than 20 %.
    expected = {
        "previous_daily_dose": mcg_day("400"),
        "prescribed_daily_dose": mcg_day("280"),
        "change": percent("-30"),
        "limit": percent("20"),
    }
    assert (Severity.CAUTION, Hazard.WITHDRAWAL, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


@pytest.mark.parametrize(
    ("name", "code", "severity"),
    [
        ("pump_stopped_without_reason.yaml", "PUMP_STOP_WITHOUT_REASON", Severity.STOP),
        ("pump_stopped_with_reason.yaml", "PUMP_STOPPED", Severity.CAUTION),
    ],
    ids=["without-reason", "with-reason"],
)
def test_pump_stop_figures(name: str, code: str, severity: Severity) -> None:
    """Stopping the pump (400 -> 0 mcg/day) is a withdrawal finding: STOP without a recorded
    reason, CAUTION with one."""
    found = the_finding(check_file(CHECK_FIXTURES / name), code)
    expected = {"previous_daily_dose": mcg_day("400"), "prescribed_daily_dose": mcg_day("0")}
    assert (severity, Hazard.WITHDRAWAL, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )
