"""Issue 11 point 14: numbers a nurse types are shown rounded to the programmer's step (from
the pump profile), in the safe direction where one is safe; JSON keeps them exact."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itbcheck.findings import Figure
from itbcheck.profilefiles import load_profile, profile_names
from itbcheck.rounding import rounded, steps_of, typed_figure, typed_quantity
from tests.conftest import CHECK_FIXTURES, EXAMPLES, run_cli

CEILING = CHECK_FIXTURES / "dose_900_override_950.yaml"


@pytest.mark.parametrize("name", profile_names())
def test_point_14_every_shipped_profile_gives_programmer_steps(name: str) -> None:
    """Every shipped profile has the programmer steps itbcheck chose, marked unverified."""
    resolution = load_profile(name).programmer_resolution
    assert resolution is not None
    expected = {
        "mcg/day": Decimal("0.1"),
        "mcg": Decimal("0.1"),
        "mL": Decimal("0.01"),
        "mL/day": Decimal("0.001"),
        "mcg/mL": Decimal(1),
        "day": Decimal("0.1"),
    }
    assert (expected, False) == (resolution.steps(), resolution.verified)


def test_point_14_highest_dose_rounds_down_worst_case_up() -> None:
    """1000 / 1.145 = 873.3624 mcg/day shows as 873.3 (down, under the ceiling); the worst
    case 900 x 1.145 = 1030.5 stays 1030.5; 8.7336 days to the alarm shows as 8.7 (down)."""
    steps = steps_of(load_profile("synchromed-ii-20ml"))
    highest = Decimal(1000) * 100 / Decimal("114.5")
    shown = [
        typed_figure(Figure("highest", highest, "mcg/day", "down"), steps),
        typed_figure(Figure("worst", Decimal("1030.5"), "mcg/day", "up"), steps),
        typed_figure(Figure("days", Decimal(16) / Decimal("1.832"), "day", "down"), steps),
        typed_figure(Figure("flow", Decimal("0.24"), "mL/day"), steps),
        typed_figure(Figure("band", Decimal("14.5"), "%"), steps),
    ]
    assert ["873.3", "1030.5", "8.7", "0.24", "14.5"] == shown


def test_point_14_nearest_and_up() -> None:
    """0.2649 mL rounds to 0.26 mL (nearest) and up to 0.27 mL."""
    profile = load_profile("prometra-ii-20ml")
    assert ("0.26 mL", "0.27 mL") == (
        typed_quantity(Decimal("0.2649"), "mL", profile),
        typed_quantity(Decimal("0.2649"), "mL", profile, "up"),
    )


@given(
    st.decimals(min_value=0, max_value=100000, places=6),
    st.sampled_from([Decimal("0.1"), Decimal("0.01"), Decimal(1)]),
)
def test_point_14_down_never_above_up_never_below(value: Decimal, step: Decimal) -> None:
    """Rounded down is at most the value and within one step; rounded up is at least it."""
    down, up = rounded(value, step, "down"), rounded(value, step, "up")
    assert (True, True, True) == (down <= value <= up, value - down < step, up - value < step)


def test_point_14_human_output_rounded_json_exact() -> None:
    """The ceiling fixture: the human output says 873.3 mcg/day and never 873.3624; the JSON
    figure stays 873.362445."""
    human = " ".join(run_cli("check", str(CEILING)).stdout.split())
    document = json.loads(run_cli("check", "--format", "json", str(CEILING)).stdout)
    figures = {
        f["name"]: f["value"] for finding in document["findings"] for f in finding["figures"]
    }
    assert (True, False, 873.362445) == (
        "under the ceiling in this pump is 873.3 mcg/day" in human,
        "873.3624" in human,
        figures["highest_dose_under_ceiling"],
    )


def test_point_14_days_to_alarm_shown_rounded_down() -> None:
    """visit-stop: 8.7336 days to the worst-case alarm reads 8.7 day, never 8.7336."""
    human = " ".join(run_cli("check", str(EXAMPLES / "visit-stop.yaml")).stdout.split())
    assert (True, False) == ("days_to_alarm_worst 8.7 day" in human, "8.7336" in human)
