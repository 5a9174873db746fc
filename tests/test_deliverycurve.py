"""The delivery curve's questions in whole numbers: the old drug running out between two minutes,
and the shortened search on a day that repeats, against the full search and numbers by hand."""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal
from fractions import Fraction
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from itbcheck import delivery
from itbcheck.delivery import Curve, Window, curve
from tests.conftest import CHECK_FIXTURES, EXAMPLES, check_file
from tests.generated import check
from tests.test_properties import property_settings

BASE: dict[str, Any] = yaml.safe_load((CHECK_FIXTURES / "bolus_24_mcg.yaml").read_text("utf-8"))


def _curve_of(name: str, dead_ml: Decimal = Decimal(0)) -> Curve:
    result = check_file(CHECK_FIXTURES / name)
    return curve(result.record, result.dose, dead_ml, patient_boluses=False)


def _full_search(line: Curve) -> Curve:
    """The same curve with the daily shortcut off: every breakpoint of both days is tried."""
    return dataclasses.replace(line, daily=False)


def test_the_old_drug_runs_out_between_two_minutes() -> None:
    """2000 to 500 mcg/mL at 400 mcg/day: 0.8 mL/day, 1/1800 mL/min. A dead volume of 0.4001 mL
    is gone at 0.4001 x 1800 = 720.18 min; an hour of old drug is 60/1800 x 2000 = 200/3 mcg,
    of new 50/3; the first 24 hours carry 0.4001 x 2000 + 719.82/1800 x 500 = 800.2 + 199.95."""
    line = _curve_of("bridge_missing_2000_to_500.yaml", Decimal("0.4001"))
    washed_out = line.washed_out()
    assert Fraction(36009, 50) == washed_out
    assert Window(Decimal(0), Decimal(200) / 3) == line.most_in(60)
    assert Window(Decimal("720.18"), Decimal(50) / 3) == line.most_in(60, after=washed_out)
    assert Window(Decimal(0), Decimal("1000.15")) == line.most_in(1440)
    assert Decimal("800.2") == line.delivered(Decimal(0), Decimal("720.18"))
    assert not line.daily


def test_the_day_dose_in_the_last_hour_is_found_on_the_first_day() -> None:
    """480 mcg/h from 23:00 (12.5 h after the 10:30 visit), nothing before: the busiest hour
    starts at minute 750 on either search, though minute 2190 delivers as much; every 24 hours
    deliver 480 mcg, the earliest from minute 0."""
    line = _curve_of("flex_day_dose_in_last_hour.yaml")
    assert line.daily
    for searched in (line, _full_search(line)):
        assert Window(Decimal(750), Decimal(480)) == searched.most_in(60)
        assert Window(Decimal(0), Decimal(480)) == searched.most_in(1440)


def test_the_second_day_still_counts_after_a_start_on_the_first() -> None:
    """From minute 751 on, the only hour of the 480 mcg/h step left is the second day's, at
    minute 2190: the shortcut is not taken once a search starts after the restart."""
    line = _curve_of("flex_day_dose_in_last_hour.yaml")
    for searched in (line, _full_search(line)):
        assert Window(Decimal(2190), Decimal(480)) == searched.most_in(60, after=Fraction(751))


def test_a_bolus_hour_ties_with_its_mirror_and_the_earlier_start_wins() -> None:
    """Two 20 mcg boluses at 08:00 (minute 1290) on 440 mcg/day: the hour before the boluses
    with them at its end and the hour after with them at its start both carry 40 + 440/24 =
    175/3 mcg; the earlier, from minute 1230, is the answer on either search."""
    line = _curve_of("boluses_two_20_mcg_at_0800.yaml")
    assert line.daily
    for searched in (line, _full_search(line)):
        assert Window(Decimal(1230), Decimal(175) / 3) == searched.most_in(60)
        assert Window(Decimal(0), Decimal(480)) == searched.most_in(1440)


def _with(prescription: dict[str, Any], visit: str) -> dict[str, Any]:
    record = copy.deepcopy(BASE)
    record["dosing"]["prescription"] = prescription
    record["visit_time"] = visit
    record["next_refill"] = "2026-12-01"
    return record


@property_settings(120)
@given(
    rates=st.lists(st.integers(0, 60), min_size=1, max_size=24),
    boluses=st.lists(
        st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(1, 30)), max_size=3
    ),
    visit=st.tuples(st.integers(0, 23), st.integers(0, 59)),
    minutes=st.sampled_from([1, 59, 60, 61, 600, 1439, 1440]),
)
def test_property_the_daily_search_gives_what_the_full_search_gives(
    rates: list[int],
    boluses: list[tuple[int, int, int]],
    visit: tuple[int, int],
    minutes: int,
) -> None:
    """For any flex day and boluses at any minute, and a visit at any minute, the search that
    skips the second day returns exactly the window of the search that tries both days."""
    hours = range(0, 24, 24 // len(rates) or 1)
    steps = [
        {"start": f"{h:02d}:00", "rate": f"{r} mcg/h"} for h, r in zip(hours, rates, strict=False)
    ]
    given_boluses = [{"time": f"{h:02d}:{m:02d}", "dose": f"{d} mcg"} for h, m, d in boluses]
    record = _with(
        {"mode": "flex", "steps": steps, "boluses": given_boluses},
        f"2026-11-27T{visit[0]:02d}:{visit[1]:02d}:00+00:00",
    )
    result = check(record)
    line = curve(result.record, result.dose, Decimal(0))
    assert line.daily
    assert _full_search(line).most_in(minutes) == line.most_in(minutes)


def test_a_flow_that_never_stops_has_no_gap_and_no_old_drug() -> None:
    """480 mcg/day without a pause and without a change of strength: the longest gap is
    0 minutes from minute 0, written as the search writes it, and the old drug is gone at the
    restart."""
    line = _curve_of("bolus_24_mcg.yaml")
    gap = line.longest_gap()
    assert (Decimal(0), Decimal(0)) == gap
    assert ["0", "0"] == [str(value) for value in gap]
    assert Fraction(0) == line.washed_out()


def test_one_continuous_rate_is_one_straight_line() -> None:
    """480 mcg/day at 2000 mcg/mL is 480 / 2000 / 1440 = 1/6000 mL/min: one breakpoint, one
    unit of 1/6000 mL a minute, 20 mcg in any hour; the straight-line build gives exactly the
    curve the general build gives."""
    record = _with({"mode": "continuous", "daily_dose": "480 mcg/day"}, "2026-11-27T10:30:00+00:00")
    result = check(record)
    line = curve(result.record, result.dose, Decimal(0))
    assert ((0,), (1,), 6000, 2000) == (line.times, line.rates, line.per_ml, line.new)
    assert Window(Decimal(0), Decimal(20)) == line.most_in(60)
    general = delivery._built(
        result.record, result.dose, Decimal(0), band_percent=Decimal(0), pb=None
    )
    assert general == line


@property_settings(120)
@given(
    dose=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1500), places=2),
    band=st.sampled_from(["0", "10", "-10", "14.5", "-14.5", "3.3333"]),
    visit=st.tuples(st.integers(0, 23), st.integers(0, 59)),
)
def test_property_the_straight_line_is_the_general_curve(
    dose: Decimal, band: str, visit: tuple[int, int]
) -> None:
    """For any continuous rate, band and visit minute, the straight-line build returns the
    same curve, field by field, as the general build."""
    record = _with(
        {"mode": "continuous", "daily_dose": f"{dose} mcg/day"},
        f"2026-11-27T{visit[0]:02d}:{visit[1]:02d}:00+00:00",
    )
    result = check(record)
    general = delivery._built(
        result.record, result.dose, Decimal(0), band_percent=Decimal(band), pb=None
    )
    assert general == curve(result.record, result.dose, Decimal(0), band_percent=Decimal(band))


def test_a_window_may_start_between_breakpoints_at_the_first_start_allowed() -> None:
    """480 mcg/day continuous, nothing else: every hour carries 480 / 24 = 20 mcg. Asked for the
    busiest hour from minute 7/3 on, where no breakpoint lies, the search answers with the first
    start allowed (the earliest of equals), not with no window at all; and the busiest hour
    ending at the horizon, hours 47-48, carries the same 20 mcg."""
    result = check_file(EXAMPLES / "visit-clear.yaml")
    line = curve(result.record, result.dose, Decimal(0), patient_boluses=False)
    after = Fraction(7, 3)
    window = line.most_in(60, after=after)
    last_hour = line.delivered(Decimal(47 * 60), Decimal(48 * 60))
    assert (Decimal(20), True, Decimal(20)) == (
        window.drug_mcg,
        after <= Fraction(window.start) < after + 1,
        last_hour,
    )
