"""The delivery curve and the checks that judge it: boluses added up, the busiest hour, flex
steps far above the mean, hours with no drug, and the most drug in any 24 hours (issue 10,
points 1-3). Expected numbers are derived by hand in each fixture's header."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from itbcheck.checks import CheckContext
from itbcheck.checks.delivery import delivery_curve
from itbcheck.delivery import curve
from itbcheck.dosing import summarise
from itbcheck.findings import Severity, Verdict
from itbcheck.lab.simulation import simulate
from itbcheck.policy import load_policy
from itbcheck.profilefiles import load_profile
from itbcheck.reservoir import forecast
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.conftest import CHECK_FIXTURES, check_file, codes_of
from tests.generated import check
from tests.test_properties import property_settings

GAP = "DELIVERY_GAP"
PEAK = "DELIVERY_PEAK_HOUR"
STEP = "FLEX_STEP_ABOVE_MEAN"
BOLUS_STOP = "BOLUS_ABOVE_STOP_LEVEL"

CASES: list[Case] = [
    ("bolus_400_mcg_in_0_2_ml.yaml", Verdict.STOP, [BOLUS_STOP, "BOLUS_LARGE"]),
    ("bolus_400_mcg_override_400.yaml", Verdict.CAUTION, [BOLUS_STOP, "BOLUS_LARGE"]),
    ("boluses_ten_24_mcg_at_0800.yaml", Verdict.STOP, [BOLUS_STOP]),
    ("boluses_two_20_mcg_at_0800.yaml", Verdict.CAUTION, ["BOLUS_SUM_LARGE"]),
    ("flex_day_dose_in_last_hour.yaml", Verdict.STOP, [GAP, PEAK, STEP]),
    ("flex_whole_dose_in_one_minute.yaml", Verdict.STOP, [GAP, PEAK, STEP]),
    ("flex_night_gap_6_h.yaml", Verdict.CAUTION, [GAP]),
    (
        "bridge_2000_to_500_0_4_ml_over_3_h_at_800.yaml",
        Verdict.STOP,
        ["BRIDGE_INCORRECT", "CATHETER_VOLUME_UNCHECKED", "DELIVERY_DAY_ABOVE_CEILING"],
    ),
    (
        "bridge_2000_to_500_0_3_ml_over_26_h_at_950.yaml",
        Verdict.STOP,
        [
            "BRIDGE_INCORRECT",
            "CATHETER_VOLUME_UNCHECKED",
            "DELIVERY_DAY_ABOVE_CEILING",
            "DOSE_ABOVE_RANGE",
            "DOSE_WORST_CASE_ABOVE_CEILING",
        ],
    ),
]


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each delivery fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


def test_point_1_day_dose_in_the_last_hour_is_stop() -> None:
    """0 mcg/h for 23 hours and 480 mcg/h from 23:00: the hour, the step and the gap, each
    with its numbers (480 mcg, 24 times the mean of 20)."""
    result = check_file(CHECK_FIXTURES / "flex_day_dose_in_last_hour.yaml")
    peak = the_finding(result, PEAK)
    assert (Severity.STOP, "23:00-00:00: 480 mcg, 24 times the mean hourly dose of 20 mcg.") == (
        peak.severity,
        peak.message,
    )
    assert {
        "peak_hour_drug": (Decimal(480), "mcg"),
        "mean_hourly_dose": (Decimal(20), "mcg"),
        "extra_drug": (Decimal(460), "mcg"),
    } == figures_of(peak)
    step = figures_of(the_finding(result, STEP))
    assert (Decimal(480), Decimal(20)) == (step["step_rate"][0], step["mean_rate"][0])
    assert (Decimal(23), Decimal(4)) == (
        figures_of(the_finding(result, GAP))["gap"][0],
        figures_of(the_finding(result, GAP))["max_gap"][0],
    )


def test_point_1_whole_dose_in_one_minute_is_stop() -> None:
    """28800 mcg/h for one minute is 480 mcg at once; the gap is 23 h 59 min."""
    result = check_file(CHECK_FIXTURES / "flex_whole_dose_in_one_minute.yaml")
    assert Decimal(480) == figures_of(the_finding(result, PEAK))["peak_hour_drug"][0]
    assert Decimal(1439) / 60 == figures_of(the_finding(result, GAP))["gap"][0]


def test_point_2_ten_small_boluses_at_once_are_one_large_dose() -> None:
    """Ten 24 mcg boluses at 08:00 are 240 mcg at once: STOP, though each is under 25."""
    found = the_finding(check_file(CHECK_FIXTURES / "boluses_ten_24_mcg_at_0800.yaml"), BOLUS_STOP)
    assert "10 boluses at 08:00 deliver 240 mcg, at or above the STOP level of 100 mcg." == (
        found.message
    )


def test_point_3_bolus_stop_level_and_its_override() -> None:
    """A 400 mcg bolus is STOP; a bolus_limit override approving 400 mcg makes it CAUTION."""
    plain = the_finding(check_file(CHECK_FIXTURES / "bolus_400_mcg_in_0_2_ml.yaml"), BOLUS_STOP)
    approved = the_finding(
        check_file(CHECK_FIXTURES / "bolus_400_mcg_override_400.yaml"), BOLUS_STOP
    )
    assert (Severity.STOP, Severity.CAUTION) == (plain.severity, approved.severity)
    assert {"bolus_drug": (Decimal(400), "mcg"), "stop_at": (Decimal(100), "mcg")} == (
        figures_of(plain)
    )


BASE: dict[str, Any] = yaml.safe_load((CHECK_FIXTURES / "bolus_24_mcg.yaml").read_text("utf-8"))


def _with(prescription: dict[str, Any]) -> dict[str, Any]:
    record = copy.deepcopy(BASE)
    record["dosing"]["prescription"] = prescription
    record["next_refill"] = "2026-12-01"  # near, so no reservoir finding hides the verdict
    return record


hourly_rates = st.lists(st.integers(0, 60), min_size=24, max_size=24)


@property_settings(150)
@given(rates=hourly_rates, hour=st.integers(0, 23), extra=st.integers(0, 400))
def test_property_a_step_with_a_stop_level_hour_is_stop(
    rates: list[int], hour: int, extra: int
) -> None:
    """For any flex day of hourly steps, an hour delivering 100 mcg or more above the mean
    hourly dose is STOP."""
    rates = [*rates]
    rates[hour] += extra
    steps = [{"start": f"{h:02d}:00", "rate": f"{r} mcg/h"} for h, r in enumerate(rates)]
    result = check(_with({"mode": "flex", "steps": steps}))
    mean = Decimal(sum(rates)) / 24
    if max(rates) - mean >= 100:
        assert Verdict.STOP == result.verdict


@property_settings(120)
@given(
    doses=st.lists(st.integers(1, 60), min_size=1, max_size=6),
    pick=st.integers(0, 5),
    parts=st.integers(2, 4),
)
def test_property_splitting_a_bolus_never_improves_the_verdict(
    doses: list[int], pick: int, parts: int
) -> None:
    """For any boluses, splitting one into several given at the same time never makes the
    verdict better."""
    pick %= len(doses)
    boluses = [{"time": "08:00", "dose": f"{d} mcg"} for d in doses]
    whole = doses[pick] * parts  # a bolus that splits into `parts` equal whole-mcg boluses
    joined = [*boluses[:pick], {"time": "08:00", "dose": f"{whole} mcg"}, *boluses[pick + 1 :]]
    split = [*boluses[:pick], *[boluses[pick]] * parts, *boluses[pick + 1 :]]
    basal = {"mode": "continuous", "daily_dose": "400 mcg/day"}
    before = check(_with({**basal, "boluses": joined})).verdict
    after = check(_with({**basal, "boluses": split})).verdict
    order = [Verdict.CLEAR, Verdict.CAUTION, Verdict.STOP]
    assert order.index(after) >= order.index(before)


def _context(record: dict[str, Any]) -> CheckContext:
    result = check(record)
    return CheckContext(
        record=result.record,
        dose=result.dose,
        forecast=result.forecast,
        profile=result.profile,
        policy=result.policy,
    )


@property_settings(100)
@given(
    rates=hourly_rates,
    boluses=st.lists(st.tuples(st.integers(0, 23), st.integers(1, 30)), max_size=4),
)
def test_property_the_curve_delivers_the_daily_dose_every_24_hours(
    rates: list[int], boluses: list[tuple[int, int]]
) -> None:
    """Whatever the steps and boluses, any 24 hours from the restart deliver exactly the
    day's dose, as the dose summary counts it."""
    steps = [{"start": f"{h:02d}:00", "rate": f"{r + 1} mcg/h"} for h, r in enumerate(rates)]
    given_boluses = [{"time": f"{h:02d}:30", "dose": f"{d} mcg"} for h, d in boluses]
    context = _context(_with({"mode": "flex", "steps": steps, "boluses": given_boluses}))
    line = delivery_curve(context)
    assert line is not None
    daily = context.dose.delivered_daily_dose_mcg_per_day
    for start in (Decimal(0), Decimal(7), Decimal(600)):
        assert daily == line.delivered(start, start + 1440)


@pytest.mark.parametrize(
    "name",
    [
        "bolus_24_mcg.yaml",
        "flex_schedule_480.yaml",
        "bridge_2000_to_500_0_4_ml_over_48_h.yaml",
        "bridge_0_4_ml_over_12_h.yaml",
        "bridge_2000_to_500_0_4_ml_over_3_h_at_800.yaml",
    ],
)
def test_simulate_and_check_agree_on_the_drug_delivered(name: str) -> None:
    """At each whole day from the restart, `simulate` (24-hour average flow) and the curve the
    checks judge (clock-time flow) give the same drug delivered, old drug and bridge included."""
    result = check_file(CHECK_FIXTURES / name)
    context = CheckContext(
        record=result.record,
        dose=summarise(result.record),
        forecast=forecast(result.record, result.dose, result.profile),
        profile=load_profile(result.record.pump.profile),
        policy=load_policy(),
    )
    line = delivery_curve(context)
    assert line is not None
    timeline = simulate(result.record, context.profile, step_days=Decimal(1), until_days=Decimal(2))
    for row in timeline.rows[1:3]:
        # The same quantity two ways: equal to the 20th decimal (Decimal keeps 28 digits).
        exact = line.delivered(Decimal(0), row.day * 1440)
        assert abs(row.delivered_mcg[0] - exact) < Decimal("1e-20")


@property_settings(120)
@given(dose=st.integers(1, 399))
def test_property_point_3_every_bolus_size_gets_its_tier(dose: int) -> None:
    """With the day held at 400 mcg/day, a bolus of d mcg is CLEAR below 25, CAUTION from 25
    and STOP from 100: the busiest hour adds 23d/24, never more than the bolus's own tier."""
    record = _with(
        {
            "mode": "continuous",
            "daily_dose": f"{400 - dose} mcg/day",
            "boluses": [{"time": "08:00", "dose": f"{dose} mcg"}],
        }
    )
    expected = Verdict.STOP if dose >= 100 else Verdict.CAUTION if dose >= 25 else Verdict.CLEAR
    assert expected == check(record).verdict


def test_the_curve_at_either_end_of_the_accuracy_band() -> None:
    """At +14.5 % and -14.5 % every volume scales alike: with no change of strength, 24 hours
    of the 480 mcg/day flex day deliver 480 x 1.145 = 549.6 and 480 x 0.855 = 410.4 mcg."""
    result = check_file(CHECK_FIXTURES / "flex_schedule_480.yaml")
    delivered = [
        curve(result.record, result.dose, Decimal(0), band_percent=band).delivered(
            Decimal(0), Decimal(1440)
        )
        for band in (Decimal("14.5"), Decimal("-14.5"))
    ]
    assert [Decimal("549.6"), Decimal("410.4")] == delivered


def test_the_busiest_24_hours_may_end_at_the_horizon() -> None:
    """A bridge running into the second day leaves the most drug in hours 24-48, a window that
    starts on no breakpoint: 600/13 + 200 + 374300/456 = 1066.987179 mcg from 10:30 (hour 24),
    derived in the fixture's header."""
    result = check_file(CHECK_FIXTURES / "bridge_2000_to_500_0_3_ml_over_26_h_at_950.yaml")
    day = the_finding(result, "DELIVERY_DAY_ABOVE_CEILING")
    expected = Decimal(600) / 13 + 200 + Decimal(374300) / 456
    assert (Severity.STOP, expected.quantize(Decimal("0.000001"))) == (
        day.severity,
        figures_of(day)["most_in_24_hours"][0].quantize(Decimal("0.000001")),
    )
    assert day.message.startswith("1066.9872 mcg in the 24 hours from 10:30 (hour 24 after")
