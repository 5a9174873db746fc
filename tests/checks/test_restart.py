"""The restart check: a pump found empty, stalled or stopped that restarts at or above the
dose before the interruption, or less than the policy's margin (20 %) below it, is an overdose
STOP unless an override covers it (then CAUTION); reduced by the margin it is a CAUTION; a
running pump, or one kept stopped, is no restart.

Hand derivations are in each fixture's header comment ([10] Restart overdose 1991).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.findings import Hazard, Severity, Verdict
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.conftest import CHECK_FIXTURES, check_file, codes_of

FULL = "RESTART_AT_FULL_DOSE"
REDUCED = "RESTART_AFTER_INTERRUPTION"
NOT_REDUCED = "RESTART_NOT_REDUCED"

CASES: list[Case] = [
    ("restart_after_empty_at_480_previous_480.yaml", Verdict.STOP, ["RESIDUAL_BELOW_ALARM", FULL]),
    ("restart_after_stall_at_480_previous_400.yaml", Verdict.STOP, [FULL]),
    ("restart_after_stop_at_480_previous_480.yaml", Verdict.STOP, [FULL]),
    ("restart_after_stall_at_400_previous_500.yaml", Verdict.CAUTION, [REDUCED]),
    ("restart_after_stall_at_495_previous_500.yaml", Verdict.STOP, [NOT_REDUCED]),
    ("restart_after_stall_at_495_override_500.yaml", Verdict.CAUTION, [NOT_REDUCED]),
    ("restart_after_stall_at_495_override_450.yaml", Verdict.STOP, [NOT_REDUCED]),
    (
        "restart_after_stall_at_380_plus_4_x_10_previous_500.yaml",
        Verdict.STOP,
        ["DECREASE_LARGE", NOT_REDUCED],
    ),
    (
        "restart_after_stall_at_380_plus_4_x_10_previous_500_plus_4_x_10.yaml",
        Verdict.CAUTION,
        ["DECREASE_LARGE", REDUCED],
    ),
    ("restart_after_stall_3_h_at_480_plus_new_4_x_10.yaml", Verdict.STOP, [FULL]),
    ("pump_running_on_arrival_400_to_480.yaml", Verdict.CLEAR, []),
    ("pump_stopped_on_arrival_kept_stopped.yaml", Verdict.CAUTION, ["PUMP_STOPPED"]),
]


def mcg_day(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "mcg/day"


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each restart fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(
    ("name", "status", "previous", "new"),
    [
        # 480 >= 480.
        ("restart_after_empty_at_480_previous_480.yaml", "empty", "480", "480"),
        # 480 >= 400.
        ("restart_after_stall_at_480_previous_400.yaml", "stalled", "400", "480"),
        # 480 >= 480.
        ("restart_after_stop_at_480_previous_480.yaml", "stopped", "480", "480"),
    ],
    ids=["empty", "stalled", "stopped"],
)
def test_restart_at_full_dose(name: str, status: str, previous: str, new: str) -> None:
    """A restart at or above the dose before the interruption is an overdose STOP."""
    found = the_finding(check_file(CHECK_FIXTURES / name), FULL)
    expected = (
        Severity.STOP,
        Hazard.OVERDOSE,
        {
            "previous_daily_dose": mcg_day(previous),
            "prescribed_daily_dose": mcg_day(new),
            "reduction_required": (Decimal(20), "%"),
            # previous x 80 / 100.
            "highest_restart_dose": mcg_day(str(Decimal(previous) * 80 / 100)),
        },
        True,
    )
    actual = (
        found.severity,
        found.hazard,
        figures_of(found),
        found.message.startswith(f"The pump was {status} on arrival"),
    )
    assert expected == actual


def test_restart_below_previous_dose() -> None:
    """A stalled pump restarted at 400 mcg/day, below the 500 before, is a withdrawal CAUTION."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "restart_after_stall_at_400_previous_500.yaml"), REDUCED
    )
    # 400 <= 500 x 80 / 100 = 400.
    expected = (
        Severity.CAUTION,
        Hazard.WITHDRAWAL,
        {
            "previous_daily_dose": mcg_day("500"),
            "prescribed_daily_dose": mcg_day("400"),
            "reduction_required": (Decimal(20), "%"),
            "highest_restart_dose": mcg_day("400"),
        },
    )
    assert expected == (found.severity, found.hazard, figures_of(found))


def test_point_10_restart_at_99_percent_is_stop() -> None:
    """Issue 10 point 10: a stalled pump restarted at 495 mcg/day, 99 % of the 500 before, is an
    overdose STOP naming the 400 mcg/day it may restart at."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "restart_after_stall_at_495_previous_500.yaml"), NOT_REDUCED
    )
    # 500 x (100 - 20) / 100 = 400 < 495 < 500.
    expected = (Severity.STOP, Hazard.OVERDOSE, mcg_day("400"), True)
    actual = (
        found.severity,
        found.hazard,
        figures_of(found)["highest_restart_dose"],
        "at most 400 mcg/day without an override" in found.message,
    )
    assert expected == actual


@pytest.mark.parametrize(
    ("name", "severity"),
    [
        ("restart_after_stall_at_495_override_500.yaml", Severity.CAUTION),
        ("restart_after_stall_at_495_override_450.yaml", Severity.STOP),
    ],
    ids=["covers", "too-low"],
)
def test_restart_override(name: str, severity: Severity) -> None:
    """An override (rule restart_dose) approving at least the new dose lowers the STOP to a
    CAUTION; one approving less does not."""
    found = the_finding(check_file(CHECK_FIXTURES / name), NOT_REDUCED)
    assert severity == found.severity


@pytest.mark.parametrize(
    "name",
    ["pump_running_on_arrival_400_to_480.yaml", "pump_stopped_on_arrival_kept_stopped.yaml"],
    ids=["running", "kept-stopped"],
)
def test_no_restart_no_restart_finding(name: str) -> None:
    """A pump running on arrival, or one that stays at 0 mcg/day, gives no restart finding."""
    result = check_file(CHECK_FIXTURES / name)
    assert [] == [f.code for f in result.findings if f.code in {FULL, REDUCED}]


RESTART_CASES: list[Case] = [
    ("restart_from_zero_short_stop_2_h_at_480.yaml", Verdict.CAUTION, ["RESTART_AFTER_SHORT_STOP"]),
    ("restart_from_zero_short_stop_2_h_at_500.yaml", Verdict.STOP, [FULL]),
    ("restart_from_zero_after_3_days_at_480.yaml", Verdict.STOP, [FULL]),
    ("restart_from_zero_after_3_days_at_384.yaml", Verdict.CAUTION, [REDUCED]),
    ("restart_from_zero_after_3_days_at_400_override_400.yaml", Verdict.CAUTION, [NOT_REDUCED]),
    ("restart_from_zero_off_2_h_but_set_to_zero_3_days_ago.yaml", Verdict.STOP, [FULL]),
    ("restart_from_zero_without_time_off.yaml", Verdict.STOP, ["INCREASE_ABOVE_LIMIT"]),
    (
        "restart_after_stall_3_h_at_480_previous_480.yaml",
        Verdict.CAUTION,
        ["RESTART_AFTER_SHORT_STOP"],
    ),
]


@pytest.mark.parametrize(("name", "verdict", "codes"), params(RESTART_CASES))
def test_point_3_restart_rule_verdict_and_codes(
    name: str, verdict: Verdict, codes: list[str]
) -> None:
    """Issue 11 point 3: each restart-from-zero and short-stop fixture gives the verdict and
    codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


def test_point_3_short_stop_restart_figures() -> None:
    """A restart from zero after a documented 2 h stop at the 480 mcg/day before it is a
    CAUTION with the dose before, the new dose, the time off and the policy's 4 h."""
    name = "restart_from_zero_short_stop_2_h_at_480.yaml"
    found = the_finding(check_file(CHECK_FIXTURES / name), "RESTART_AFTER_SHORT_STOP")
    expected = (
        Severity.CAUTION,
        Hazard.OVERDOSE,
        {
            "dose_before_interruption": mcg_day("480"),
            "prescribed_daily_dose": mcg_day("480"),
            "pump_off_for": (Decimal(2), "h"),
            "short_stop_up_to": (Decimal(4), "h"),
        },
    )
    assert expected == (found.severity, found.hazard, figures_of(found))


@pytest.mark.parametrize(
    ("name", "off"),
    [
        # pump_off_for 3 day = 72 h.
        ("restart_from_zero_after_3_days_at_480.yaml", "72"),
        # pump_off_for 2 h, but set to 0 on 2026-11-24T10:30Z, 72 h before the visit.
        ("restart_from_zero_off_2_h_but_set_to_zero_3_days_ago.yaml", "72"),
    ],
    ids=["off-3-days", "off-2-h-contradicted"],
)
def test_point_3_long_restart_from_zero_needs_the_margin(name: str, off: str) -> None:
    """After more than the short stop, a restart from zero at the dose before the interruption
    is a STOP judged against that dose less 20 % (480 x 0.8 = 384 mcg/day)."""
    found = the_finding(check_file(CHECK_FIXTURES / name), FULL)
    expected = {
        "dose_before_interruption": mcg_day("480"),
        "prescribed_daily_dose": mcg_day("480"),
        "reduction_required": (Decimal(20), "%"),
        "highest_restart_dose": mcg_day("384"),
        "pump_off_for": (Decimal(off), "h"),
    }
    assert (Severity.STOP, expected) == (found.severity, figures_of(found))


@pytest.mark.parametrize(
    "name", ["restart_from_zero_0_to_100.yaml", "restart_from_zero_without_time_off.yaml"]
)
def test_point_3_undocumented_restart_from_zero_names_the_fields(name: str) -> None:
    """A restart from zero without the dose before the interruption or the time off stays STOP,
    and its action names both fields to fill in."""
    found = the_finding(check_file(CHECK_FIXTURES / name), "INCREASE_ABOVE_LIMIT")
    expected = (Severity.STOP, True, True)
    actual = (
        found.severity,
        "dosing.dose_before_interruption" in found.action,
        "dosing.pump_off_for" in found.action,
    )
    assert expected == actual


@pytest.mark.parametrize(
    ("name", "code", "most", "before", "highest"),
    [
        # 380 + 4 x 10 = 420 against 500 x 0.8 = 400: not reduced enough.
        ("restart_after_stall_at_380_plus_4_x_10_previous_500.yaml", NOT_REDUCED, 420, 500, 400),
        # 420 against (500 + 40) x 0.8 = 432: reduced by the margin.
        (
            "restart_after_stall_at_380_plus_4_x_10_previous_500_plus_4_x_10.yaml",
            REDUCED,
            420,
            540,
            432,
        ),
    ],
)
def test_a_restart_counts_every_allowed_patient_bolus(
    name: str, code: str, most: int, before: int, highest: int
) -> None:
    """After an interruption the restart is judged on the most per day, the dose plus every
    allowed patient bolus, against the most before: the dose before and its patient boluses."""
    found = figures_of(the_finding(check_file(CHECK_FIXTURES / name), code))
    assert (mcg_day(str(most)), mcg_day(str(before)), mcg_day(str(highest))) == (
        found["most_daily_dose"],
        found["most_before_interruption"],
        found["highest_restart_dose"],
    )


def test_new_patient_boluses_after_a_short_stop_are_above_the_dose_before() -> None:
    """3 h off, the same 480 mcg/day basal, and 40 mcg/day of patient boluses that were not
    there before: 520 above 480 is a restart above the dose before the stop, a STOP whose action
    says to record the patient boluses before the interruption if there were any."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "restart_after_stall_3_h_at_480_plus_new_4_x_10.yaml"), FULL
    )
    figures = figures_of(found)
    assert (Severity.STOP, mcg_day("520"), mcg_day("480"), True) == (
        found.severity,
        figures["most_daily_dose"],
        figures["most_before_interruption"],
        "dosing.previous_patient_bolus" in found.action,
    )
