"""A dose changed between two refills, at a visit with no refill: the residual carried forward
and the near-full calendar count each flow for its own time, and the residual's tolerance after
a short interval is the profile's gap threshold, not a band narrower than aspiration can measure.

Hand derivations are in the fixtures' header comments and below.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from itbcheck.checking import check_record
from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.history import History, PastVisit
from itbcheck.policy import load_policy
from itbcheck.records import parse_record
from tests.checks.helpers import Case, figures_of, fixture_document, the_finding
from tests.checks.test_history import LAST, PUMP, checked, history_codes
from tests.conftest import codes_of

BETWEEN = "history_titrated_between_refills_480_to_600.yaml"
EARLY = "early_refill_after_dose_change_not_on_file.yaml"
# The fixtures checked alone, as every fixture is (tests/checks/test_fixtures.py).
CASES: list[Case] = [
    (BETWEEN, Verdict.CLEAR, []),
    (EARLY, Verdict.STOP, ["DELIVERY_RATIO", "RESIDUAL_NEAR_FULL"]),
]
# EARLY's fill, on file: 2026-11-20 10:30, 20 mL of 2000 mcg/mL at 400 mcg/day, 0.2 mL/day.
FILL_ON_FILE = PastVisit(
    visit_time=dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC),
    pump_token=PUMP,
    profile="synchromed-ii-20ml",
    dispensed_mcg_per_ml=Decimal(2000),
    prescribed_mcg_per_day=Decimal(400),
    previous_mcg_per_day=Decimal(400),
    pump_ml_per_day=Decimal("0.2"),
    fill_ml=Decimal(20),
    verdict="CLEAR",
    audit_seq=1,
)


def test_residual_carried_forward_counts_each_flow() -> None:
    """Last fill 22 mL: used 0.48 x 14 + 0.6 x 14 = 15.12 mL, so 6.88 mL nominal and
    22 - 17.3124 = 4.69 to 22 - 12.9276 = 9.07 mL; 4.0 mL aspirated is below: STOP overdose,
    with both flows and the days since the change among the figures."""
    result = checked(BETWEEN, dataclasses.replace(LAST, fill_ml=Decimal(22)))
    found = the_finding(result, "HISTORY_RESIDUAL_ASPIRATED")
    figures = figures_of(found)
    assert (Severity.STOP, Hazard.OVERDOSE) == (found.severity, found.hazard)
    expected = {
        "previous_flow": (Decimal("0.48"), "mL/day"),
        "flow_since_change": (Decimal("0.600"), "mL/day"),
        "days_since_change": (Decimal("14.00"), "day"),
        "days_elapsed": (Decimal("28.00"), "day"),
        "carried_forward_nominal": (Decimal("6.88"), "mL"),
        "carried_forward_low": (Decimal("4.69"), "mL"),
        "carried_forward_high": (Decimal("9.07"), "mL"),
    }
    assert expected == {name: figures[name] for name in expected}
    assert "0.48 mL/day for 28 days" not in found.message
    assert "0.48 mL/day for 14 days, then 0.6 mL/day for 14 days" in found.message


def test_each_flow_counted_keeps_the_titrated_visit_clear() -> None:
    """With the 20 mL fill on file the band is 2.69 to 7.07 mL and holds 4.0 and 4.88 mL: the
    visit is CLEAR, where 0.48 mL/day for all 28 days (4.61 to 8.51 mL) would STOP it."""
    result = checked(BETWEEN, LAST)
    residual = [code for code in history_codes(result) if "RESIDUAL" in code]
    assert ([], Verdict.CLEAR) == (residual, result.verdict)


def test_the_programmed_concentration_carries_the_new_dose() -> None:
    """At the last visit 480 mcg/day ran at 0.96 mL/day (500 mcg/mL programmed, not 1000):
    600 mcg/day since the change runs at 600 x 0.96 / 480 = 1.2 mL/day."""
    last = dataclasses.replace(LAST, pump_ml_per_day=Decimal("0.96"), fill_ml=Decimal(40))
    found = the_finding(checked(BETWEEN, last), "HISTORY_RESIDUAL_ASPIRATED")
    assert (Decimal("1.200"), "mL/day") == figures_of(found)["flow_since_change"]


def test_the_gap_threshold_is_the_least_tolerance() -> None:
    """The early refill with its fill on file: used 0.2 x 4 + 0.24 x 3 = 1.52 mL, 18.48 mL
    nominal; +-14.5 % is only +-0.22 mL (18.26 to 18.70 mL), narrower than the 1 mL threshold,
    so 17.48 to 19.48 mL holds the 19.4 mL aspirated: no cross-visit residual finding."""
    result = checked(EARLY, FILL_ON_FILE)
    assert ["HISTORY_DOSE_CHANGED_SINCE"] == history_codes(result)


def test_the_threshold_tolerance_is_shown_when_it_is_used() -> None:
    """The same with 1.5 mL fewer filled then (18.5 mL): 16.98 nominal, 15.98 to 17.98 mL;
    19.4 mL is above it, STOP withdrawal, and the 1 mL threshold is among the figures."""
    found = the_finding(
        checked(EARLY, dataclasses.replace(FILL_ON_FILE, fill_ml=Decimal("18.5"))),
        "HISTORY_RESIDUAL_ASPIRATED",
    )
    figures = figures_of(found)
    assert (Hazard.WITHDRAWAL, (Decimal("15.98"), "mL"), (Decimal("1.00"), "mL")) == (
        found.hazard,
        figures["carried_forward_low"],
        figures["threshold"],
    )
    assert "within the 1 mL residual threshold, wider than ±14.5 %" in found.message


def test_early_refill_with_the_fill_on_file_is_not_near_full() -> None:
    """The fill on file gives the dose before the change: 1.52 mL due, 0.6 mL at most left,
    1.52 - 0.6 = 0.92 <= 1 mL: an early refill, no RESIDUAL_NEAR_FULL."""
    result = checked(EARLY, FILL_ON_FILE)
    assert "RESIDUAL_NEAR_FULL" not in codes_of(result)


def test_early_refill_without_the_fill_on_file_cannot_be_told_apart() -> None:
    """Alone, only 0.24 x 3 = 0.72 mL is certainly due: it proves nothing, and the STOP says
    the dose before the change is not on file."""
    found = the_finding(checked(EARLY), "RESIDUAL_NEAR_FULL")
    assert "the dose before is not on file" in found.message
    assert "compare it with the 0.6 mL that at most left the reservoir" in found.action


def test_what_is_certainly_due_since_the_change_can_stop_alone() -> None:
    """Changed on 2026-11-21 10:30 (6 days ago) and 19.9 mL aspirated: at least 0.24 x 6 =
    1.44 mL was due since the change, at most 0.1 mL left, 1.44 - 0.1 = 1.34 > 1 mL: STOP on
    the calendar even without the dose before."""
    data = fixture_document(
        EARLY,
        **{
            "dosing.previous_dose_changed_at": "2026-11-21T10:30:00+00:00",
            "refill.aspirated_residual": "19.9 mL",
            "refill.expected_residual": "19.4 mL",
        },
    )
    result = check_record(parse_record(data), load_policy())
    found = the_finding(result, "RESIDUAL_NEAR_FULL")
    figures = figures_of(found)
    expected = ((Decimal("1.44"), "mL"), (Decimal(6), "day"), None)
    actual = (
        (figures["due_since_fill"][0].quantize(Decimal("0.01")), "mL"),
        (figures["days_since_dose_change"][0], "day"),
        figures.get("flow_before_dose_change"),
    )
    assert expected == actual
    assert "1.44 mL was due in the 6 days since the dose change after the fill alone" in (
        found.message
    )


def test_a_change_before_the_fill_day_is_not_split() -> None:
    """A change dated before the fill (2026-11-18) leaves 0.24 x 7 = 1.68 mL due for the whole
    week, as before: 1.68 - 0.6 = 1.08 > 1 mL, STOP."""
    data = fixture_document(
        EARLY, **{"dosing.previous_dose_changed_at": "2026-11-18T10:30:00+00:00"}
    )
    found = the_finding(check_record(parse_record(data), load_policy()), "RESIDUAL_NEAR_FULL")
    assert ((Decimal("1.68"), "mL"), None) == (
        figures_of(found)["due_since_fill"],
        figures_of(found).get("days_since_dose_change"),
    )


def test_a_change_between_visits_counts_in_the_window() -> None:
    """Last visit 2026-11-21 at 480 mcg/day (unchanged), 600 from 2026-11-24, 720 now: two
    changes in the 7 days, (720 - 480) / 480 = 50 % > 30 %: HISTORY_WINDOW_INCREASE, CAUTION.
    Counting only the changes made at visits on file, one change would say nothing."""
    data = fixture_document(
        BETWEEN,
        **{
            "dosing.previous_dose_changed_at": "2026-11-24T10:30:00+00:00",
            "dosing.prescription.daily_dose": "720 mcg/day",
        },
    )
    last = dataclasses.replace(LAST, visit_time=dt.datetime(2026, 11, 21, 10, 30, tzinfo=dt.UTC))
    history = History(pump_token=PUMP, visits=(last,))
    result = check_record(parse_record(data), load_policy(), "between", history)
    figures = figures_of(the_finding(result, "HISTORY_WINDOW_INCREASE"))
    assert ((Decimal("50.0"), "%"), (Decimal(2), "changes")) == (
        figures["total_increase"],
        figures["changes_in_window"],
    )
