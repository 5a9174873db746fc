"""The reservoir checks: the next refill against the worst-case low-reservoir alarm date minus
the 3-day margin, the refill interval against the drug-stability limit, and the pump's end
of service against the next refill.

Hand derivations are in each fixture's header comment ([8] Withdrawal before the alarm
2004; [9] Gillette refill guidance):
days to alarm = (fill - alarm volume) / daily volume; worst case at daily volume x 1.145.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.checks.reservoir import check_refill_date, check_stability
from itbcheck.findings import Hazard, Severity, Verdict
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.checks.profile_variants import (
    NoteCase,
    ProfileCase,
    context_for,
    profile_params,
    unverified,
    verdict_and_codes,
)
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

LATE = "REFILL_AFTER_ALARM"
NOT_AFTER = "NEXT_REFILL_NOT_AFTER_VISIT"
BAND = "ACCURACY_BAND_UNVERIFIED"
STABILITY = "REFILL_INTERVAL_BEYOND_STABILITY"
UNCHECKED = "STABILITY_UNCHECKED"
END = "PUMP_END_OF_SERVICE"
ERI = "PUMP_ELECTIVE_REPLACEMENT"

DAY_52 = "refill_40_ml_day_52_before_worst_case_alarm.yaml"
DAY_53 = "refill_40_ml_day_53_after_worst_case_alarm.yaml"
DAY_61 = "refill_40_ml_day_61_after_nominal_alarm.yaml"

CASES: list[Case] = [
    (DAY_52, Verdict.CLEAR, []),
    (DAY_53, Verdict.STOP, [LATE]),
    (DAY_61, Verdict.STOP, [LATE]),
    ("refill_40_ml_day_53_visit_at_23_00.yaml", Verdict.STOP, [LATE]),
    ("next_refill_on_visit_day.yaml", Verdict.STOP, [NOT_AFTER]),
    ("refill_interval_180_days.yaml", Verdict.CLEAR, []),
    ("refill_interval_200_days.yaml", Verdict.CAUTION, [STABILITY]),
    ("prometra_stability_unchecked.yaml", Verdict.CLEAR, []),
    ("prometra_refill_552_days_ahead.yaml", Verdict.CAUTION, [STABILITY]),
    ("end_of_service_on_next_refill_day.yaml", Verdict.STOP, [END]),
    ("end_of_service_before_next_refill.yaml", Verdict.STOP, [END]),
    ("end_of_service_after_next_refill.yaml", Verdict.CLEAR, []),
    ("elective_replacement_before_next_refill.yaml", Verdict.CAUTION, [ERI]),
    ("elective_replacement_before_end_of_service_after_refill.yaml", Verdict.CAUTION, [ERI]),
    ("elective_replacement_passed_end_of_service_before_refill.yaml", Verdict.STOP, [END]),
    ("elective_replacement_after_next_refill.yaml", Verdict.CLEAR, []),
    ("elective_replacement_no_end_of_service_stops_before_refill.yaml", Verdict.STOP, [END]),
    ("elective_replacement_no_end_of_service_stops_after_refill.yaml", Verdict.CAUTION, [ERI]),
]

NOTE_CASES: list[NoteCase] = [
    ("prometra_stability_unchecked.yaml", ["RATE_RANGE_UNCHECKED", UNCHECKED]),
    ("prometra_refill_552_days_ahead.yaml", ["RATE_RANGE_UNCHECKED", UNCHECKED]),
]

PROFILE_CASES: list[ProfileCase] = [
    # No verified band: only the nominal alarm (day 63.3, due by 60.3) is known, so day 53
    # is not late, but the missing band is a CAUTION.
    ProfileCase(
        "band-unverified-day-53", DAY_53, unverified("accuracy_band"), Verdict.CAUTION, [BAND]
    ),
    # Day 61 is late even against the nominal alarm: 61 > 63.3 - 3 = 60.3.
    ProfileCase(
        "band-unverified-day-61", DAY_61, unverified("accuracy_band"), Verdict.STOP, [BAND, LATE]
    ),
]


def days(value: str) -> tuple[Decimal, str]:
    return Decimal(value), "day"


def rounded(value: Decimal | None) -> Decimal | None:
    """To three places, as the hand derivations are written."""
    return None if value is None else value.quantize(Decimal("0.001"))


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each reservoir fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES, ids=["prometra", "prometra-552-days"])
def test_notes(name: str, notes: list[str]) -> None:
    """A Prometra profile has no stability limit: STABILITY_UNCHECKED is reported as a NOTE."""
    assert notes == note_codes_of(check_file(CHECK_FIXTURES / name))


@pytest.mark.parametrize("case", profile_params(PROFILE_CASES))
def test_with_test_profile(case: ProfileCase) -> None:
    """With the accuracy band unverified, every check together gives the expected result."""
    assert (case.verdict, case.codes) == verdict_and_codes(case)


@pytest.mark.parametrize("name", [DAY_52, DAY_53], ids=["day-52", "day-53"])
def test_forecast_of_the_40_ml_pump(name: str) -> None:
    """40 mL at 0.6 mL/day with a 2 mL alarm reaches it on day 63.3 nominal, 55.3 worst case."""
    outlook = check_file(CHECK_FIXTURES / name).forecast
    # 300 mcg/day / 500 mcg/mL = 0.6 mL/day; (40 - 2) / 0.6 = 63.333;
    # 38 / (0.6 x 1.145) = 38 / 0.687 = 55.313.
    expected = (Decimal("0.6"), Decimal("63.333"), Decimal("55.313"))
    actual = (
        outlook.daily_volume_ml_per_day,
        rounded(outlook.days_to_alarm_nominal),
        rounded(outlook.days_to_alarm_worst),
    )
    assert expected == actual


def test_refill_on_day_53_is_after_the_alarm() -> None:
    """Day 53 is after the worst-case alarm (day 55.3) minus the 3-day margin: a withdrawal STOP
    with the forecast's figures."""
    found = the_finding(check_file(CHECK_FIXTURES / DAY_53), LATE)
    figures = figures_of(found)
    nominal, worst = figures.pop("days_to_alarm_nominal"), figures.pop("days_to_alarm_worst")
    expected = (
        Severity.STOP,
        Hazard.WITHDRAWAL,
        {
            "fill_volume": (Decimal(40), "mL"),
            "alarm_volume": (Decimal(2), "mL"),
            "daily_volume": (Decimal("0.6"), "mL/day"),
            "margin": days("3"),
            "appointment_days": days("53"),
        },
        (Decimal("63.333"), "day"),
        (Decimal("55.313"), "day"),
    )
    actual = (
        found.severity,
        found.hazard,
        figures,
        (rounded(nominal[0]), nominal[1]),
        (rounded(worst[0]), worst[1]),
    )
    assert expected == actual


RECHECK = "if another finding changes the programming, check again first."


def test_late_refill_names_the_latest_date() -> None:
    """The action names day 52 (2027-01-18), the last day that is CLEAR, and the message the
    worst-case alarm date 2027-01-21 (visit 10:30 + 55.3 days)."""
    found = the_finding(check_file(CHECK_FIXTURES / DAY_53), LATE)
    expected = (f"Book the next refill on or before 2027-01-18; {RECHECK}", True)
    assert expected == (found.action, "may sound on day 55.3 (2027-01-21)" in found.message)


def test_late_refill_after_a_late_visit_names_an_acceptable_date() -> None:
    """After a 23:00 visit, the latest date the action names must itself pass the check: day 52
    (2027-01-18), not 2027-01-19 (day 53), which the same check calls late."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "refill_40_ml_day_53_visit_at_23_00.yaml"), LATE
    )
    # Due by 52.3 days after 2026-11-27 23:00; appointments are whole days, so day 52 at most.
    assert f"Book the next refill on or before 2027-01-18; {RECHECK}" == found.action


def test_day_61_is_late_even_at_the_nominal_rate() -> None:
    """Without a verified band the nominal alarm is used: day 61 > 63.3 - 3 = 60.3 is a STOP."""
    context = context_for(DAY_61, unverified("accuracy_band"))
    findings = list(check_refill_date(context))
    expected = [(BAND, Severity.CAUTION), (LATE, Severity.STOP)]
    assert expected == [(f.code, f.severity) for f in findings]


def test_unverified_band_reports_the_nominal_alarm() -> None:
    """Without a verified band the CAUTION gives the nominal alarm day and no worst-case figure."""
    context = context_for(DAY_53, unverified("accuracy_band"))
    findings = list(check_refill_date(context))
    expected = (
        [BAND],
        "Low-reservoir alarm nominally on day 63.3; profile synchromed-ii-40ml has no verified "
        "accuracy band for the worst case.",
        False,
    )
    assert expected == (
        [f.code for f in findings],
        findings[0].message,
        "days_to_alarm_worst" in figures_of(findings[0]),
    )


def test_next_refill_not_after_visit() -> None:
    """A next refill on the visit's own day is a record STOP with 0 appointment days."""
    found = the_finding(check_file(CHECK_FIXTURES / "next_refill_on_visit_day.yaml"), NOT_AFTER)
    expected = (Severity.STOP, Hazard.RECORD, {"appointment_days": days("0")})
    assert expected == (found.severity, found.hazard, figures_of(found))


def test_interval_beyond_stability() -> None:
    """200 days to the next refill is beyond the unverified 180-day limit: a CAUTION that says
    the limit is unverified."""
    found = the_finding(check_file(CHECK_FIXTURES / "refill_interval_200_days.yaml"), STABILITY)
    # 2026-11-27 -> 2027-06-15 = 200 days > 180 days (4320 h / 24).
    # Hazard withdrawal: drug past its stability may lose strength (issue 10 point 6).
    expected = (
        Severity.CAUTION,
        Hazard.WITHDRAWAL,
        {"appointment_days": days("200"), "limit": days("180")},
        True,
    )
    actual = (
        found.severity,
        found.hazard,
        figures_of(found),
        "(an unverified profile value)" in found.message,
    )
    assert expected == actual


def test_stability_unchecked_for_prometra() -> None:
    """A Prometra profile gives no stability limit: a NOTE naming the 49-day interval and the
    policy's 180-day default it was checked against instead."""
    found = the_finding(check_file(CHECK_FIXTURES / "prometra_stability_unchecked.yaml"), UNCHECKED)
    expected = (
        Severity.NOTE,
        "Profile prometra-ii-20ml gives no drug-stability limit; the 49-day refill interval was "
        "checked against the policy's 180-day default instead.",
    )
    assert expected == (found.severity, found.message)


def test_verified_stability_limit_is_not_called_unverified() -> None:
    """A verified 180-day limit gives the same CAUTION without the unverified remark."""
    context = context_for(
        "refill_interval_200_days.yaml", (("drug_stability_limit", "verified", "true"),)
    )
    findings = list(check_stability(context))
    expected = (
        [STABILITY],
        "The next refill is 200 days away, beyond the 180-day drug-stability limit.",
    )
    assert expected == ([f.code for f in findings], findings[0].message)


@pytest.mark.parametrize(
    ("name", "days_to_end"),
    [
        ("end_of_service_on_next_refill_day.yaml", "49"),  # 2027-01-15 - 2026-11-27
        ("end_of_service_before_next_refill.yaml", "35"),  # 2027-01-01 - 2026-11-27
    ],
    ids=["on-the-day", "before"],
)
def test_end_of_service_before_next_refill(name: str, days_to_end: str) -> None:
    """Issue 11 point 6: end of service on or before the next refill is a withdrawal STOP (the
    pump stops delivering) with its distance."""
    found = the_finding(check_file(CHECK_FIXTURES / name), END)
    expected = (Severity.STOP, Hazard.WITHDRAWAL, {"days_to_end_of_service": days(days_to_end)})
    assert expected == (found.severity, found.hazard, figures_of(found))


@pytest.mark.parametrize(
    ("name", "days_to_eri"),
    [
        ("elective_replacement_before_next_refill.yaml", "35"),  # 2027-01-01 - 2026-11-27
        ("elective_replacement_before_end_of_service_after_refill.yaml", "23"),  # 2026-12-20
        # 2026-10-18 + 90 days = 2027-01-16, after the refill; ERI 40 days before the visit.
        ("elective_replacement_no_end_of_service_stops_after_refill.yaml", "-40"),
    ],
    ids=["eri-only", "eos-after-refill", "eri-plus-90-after-refill"],
)
def test_point_6_elective_replacement_is_a_caution(name: str, days_to_eri: str) -> None:
    """Issue 11 point 6: an ERI before the next refill, with no end of service before it, is a
    device CAUTION (book the replacement) with its distance."""
    found = the_finding(check_file(CHECK_FIXTURES / name), ERI)
    expected = (
        Severity.CAUTION,
        Hazard.DEVICE,
        {"days_to_elective_replacement": days(days_to_eri)},
    )
    assert expected == (found.severity, found.hazard, figures_of(found))


def test_point_6_prometra_refill_552_days_ahead_is_not_clear() -> None:
    """Issue 10 point 6: a Prometra II refill booked 552 days ahead, with no stability limit in
    the profile, is a CAUTION against the policy's 180-day default maximum interval."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "prometra_refill_552_days_ahead.yaml"), STABILITY
    )
    # 2026-11-27 -> 2028-06-01 = 552 days > 180 days (the default, 4320 h / 24).
    expected = (
        Severity.CAUTION,
        {"appointment_days": days("552"), "limit": days("180")},
        True,
    )
    actual = (
        found.severity,
        figures_of(found),
        "(the policy's default: the profile has no verified limit)" in found.message,
    )
    assert expected == actual


def test_point_6_eri_without_end_of_service_stops_when_eri_plus_90_days_is_due() -> None:
    """Issue 11 point 6: with only an ERI date, the pump may stop 90 days later (policy
    service.eri_to_end_of_service); on or before the next refill that is the end-of-service
    STOP, naming both numbers."""
    found = the_finding(
        check_file(
            CHECK_FIXTURES / "elective_replacement_no_end_of_service_stops_before_refill.yaml"
        ),
        END,
    )
    # 2026-10-01 + 90 days = 2026-12-30; 2026-12-30 - 2026-11-27 = 33 days.
    figures = {"days_to_end_of_service": days("33"), "eri_to_end_of_service": days("90")}
    assert (Severity.STOP, Hazard.WITHDRAWAL, figures) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )
