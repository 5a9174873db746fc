"""The residual against the record's own calendar: a fill volume on a fill date, emptied since at
the previous dose. Hand derivations are in the fixtures' header comments and below."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from itbcheck.checking import CheckResult, check_record
from itbcheck.checks.calendar import check_calendar
from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.policy import load_policy
from itbcheck.records import parse_record
from tests.checks.helpers import Case, figures_of, fixture_document, params, the_finding
from tests.checks.profile_variants import context_for, unverified
from tests.checks.test_history import LAST, checked
from tests.conftest import CHECK_FIXTURES, check_file, codes_of

OVERDOSE = "calendar_4x_overdose_programmer_agrees.yaml"
STOPPED = "calendar_stopped_2_h_but_residual_shows_weeks_off.yaml"
CASES: list[Case] = [
    (OVERDOSE, Verdict.STOP, ["RESIDUAL_CALENDAR_ASPIRATED", "RESIDUAL_CALENDAR_EXPECTED"]),
    (
        STOPPED,
        Verdict.STOP,
        ["RESIDUAL_CALENDAR_ASPIRATED", "RESIDUAL_CALENDAR_EXPECTED", "RESTART_AFTER_SHORT_STOP"],
    ),
]


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each calendar fixture gives the verdict and codes derived in its header."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


def _checked(name: str, **changes: str | None) -> CheckResult:
    """The fixture with `changes` (dotted field: value), checked alone."""
    return check_record(parse_record(fixture_document(name, **changes)), load_policy())


def test_a_4x_overdose_the_programmer_agrees_with() -> None:
    """20 days at 0.2 mL/day from 20 mL leaves 15 to 17 mL; 2.9 mL aspirated is 17.1 mL
    delivered: STOP overdose, with the range and the days among the figures."""
    found = the_finding(check_file(CHECK_FIXTURES / OVERDOSE), "RESIDUAL_CALENDAR_ASPIRATED")
    figures = figures_of(found)
    expected = (
        Hazard.OVERDOSE,
        (Decimal("15.00"), "mL"),
        (Decimal("17.00"), "mL"),
        (Decimal(20), "day"),
    )
    actual = (
        found.hazard,
        figures["residual_low"],
        figures["residual_high"],
        figures["days_since_fill"],
    )
    assert expected == actual
    assert "the pump delivered 17.1 mL, more than it was programmed to" in found.message


@pytest.mark.parametrize(
    ("aspirated", "codes"),
    [
        ("15 mL", []),
        ("14.99 mL", ["RESIDUAL_CALENDAR_ASPIRATED"]),
        ("17 mL", []),
        ("17.01 mL", ["RESIDUAL_CALENDAR_ASPIRATED"]),
    ],
)
def test_the_edges_of_the_range(aspirated: str, codes: list[str]) -> None:
    """15 and 17 mL are inside the range derived in the fixture, 0.01 mL beyond either is not
    (the programmer set to agree, so only the aspirate is judged)."""
    result = _checked(
        OVERDOSE, **{"refill.aspirated_residual": aspirated, "refill.expected_residual": "16 mL"}
    )
    assert codes == [f.code for f in result.findings if f.code.startswith("RESIDUAL_CALENDAR")]


def test_a_stopped_pump_is_judged_less_its_recorded_time_off() -> None:
    """Off for 2 h, yet 14 mL is left of 20 after 84 days: at most 5.82 mL may remain, STOP
    withdrawal (the restart short-stop CAUTION rests on the 2 h the residual contradicts)."""
    found = the_finding(check_file(CHECK_FIXTURES / STOPPED), "RESIDUAL_CALENDAR_ASPIRATED")
    assert (Hazard.WITHDRAWAL, (Decimal("5.82"), "mL")) == (
        found.hazard,
        figures_of(found)["residual_high"],
    )


def test_a_stopped_pump_without_its_time_off_is_judged_for_more_only() -> None:
    """Without pump_off_for the least delivered is not known: 14 mL is not judged as too much
    left (the restart checks name the missing field), but 0.3 mL, below the 0.40 mL least,
    still is an overdose."""
    left = _checked(STOPPED, **{"dosing.pump_off_for": None})
    low = _checked(
        STOPPED,
        **{
            "dosing.pump_off_for": None,
            "refill.aspirated_residual": "0.3 mL",
            "refill.expected_residual": "0.3 mL",
        },
    )
    calendar = [
        [(f.code, f.hazard) for f in result.findings if f.code.startswith("RESIDUAL_CALENDAR")]
        for result in (left, low)
    ]
    assert [
        [],
        [
            ("RESIDUAL_CALENDAR_EXPECTED", Hazard.RECORD),
            ("RESIDUAL_CALENDAR_ASPIRATED", Hazard.OVERDOSE),
        ],
    ] == calendar


def test_a_bridge_at_the_last_refill_widens_the_most_delivered() -> None:
    """The stopped pump's least residual: 20 - (16.8 + 0.2) x 1.145 = 0.535 mL, less the 0.14 mL
    pump tubing a bridge at the last refill may have taken: 0.395, shown 0.40 mL."""
    found = the_finding(check_file(CHECK_FIXTURES / STOPPED), "RESIDUAL_CALENDAR_ASPIRATED")
    assert ((Decimal("0.40"), "mL"), True) == (
        figures_of(found)["residual_low"],
        "up to 0.14 mL of a bridge at the last refill" in found.message,
    )


def test_no_calendar_judgement_without_a_verified_band() -> None:
    """With the profile's accuracy band unverified, the 4.3x overdose fixture gets no calendar
    finding (a long interval's normal drift could pass for one); with it verified, both."""
    codes = [
        sorted(
            f.code
            for f in check_calendar(context_for(OVERDOSE, changes))
            if f.code.startswith("RESIDUAL_CALENDAR")
        )
        for changes in (unverified("accuracy_band"), ())
    ]
    assert [[], ["RESIDUAL_CALENDAR_ASPIRATED", "RESIDUAL_CALENDAR_EXPECTED"]] == codes


def test_near_the_fill_is_left_to_residual_near_full() -> None:
    """40 days since the fill and 19.1 mL left of 20: RESIDUAL_NEAR_FULL says it, alone."""
    result = check_file(CHECK_FIXTURES / "near_full_programmer_agrees_40_days_since_fill.yaml")
    assert ["RESIDUAL_NEAR_FULL"] == codes_of(result)


def test_with_the_fill_on_file_the_cross_visit_checks_judge_it() -> None:
    """The fill of 2026-11-07 10:30 on file: HISTORY_RESIDUAL_* make the comparison, not the
    calendar codes (0.2 mL/day for 20 days is 4 mL, 16 mL nominal; +-14.5 % is +-0.58 mL,
    narrower than the 1 mL threshold: 15 to 17 mL, and 3.1 and 2.9 mL are below it)."""
    fill = dataclasses.replace(
        LAST,
        visit_time=dt.datetime(2026, 11, 7, 10, 30, tzinfo=dt.UTC),
        dispensed_mcg_per_ml=Decimal(2000),
        prescribed_mcg_per_day=Decimal(400),
        previous_mcg_per_day=Decimal(400),
        pump_ml_per_day=Decimal("0.2"),
        fill_ml=Decimal(20),
    )
    result = checked(OVERDOSE, fill)
    prefixes = ("HISTORY_RESIDUAL", "RESIDUAL_CALENDAR")
    residual = [f.code for f in result.findings if f.code.startswith(prefixes)]
    assert ["HISTORY_RESIDUAL_PROGRAMMER", "HISTORY_RESIDUAL_ASPIRATED"] == residual


def test_a_dose_change_after_the_fill_leaves_the_most_unknown() -> None:
    """The dose changed on 2026-11-17, after the fill, and the dose before is not on file: the
    least is 0.2 x 10 days since the change, less a day, x 0.855 = 1.539 mL, or 2 - 1 = 1 mL:
    at most 19 mL remain; the most is not known, so 2.9 mL is not judged."""
    result = _checked(OVERDOSE, **{"dosing.previous_dose_changed_at": "2026-11-17T10:30:00+00:00"})
    assert [] == [f.code for f in result.findings if f.code.startswith("RESIDUAL_CALENDAR")]
    assert Severity.STOP not in {f.severity for f in result.findings}
