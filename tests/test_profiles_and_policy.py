"""Shipped data files: every pump profile and the default policy load, with sources."""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.exceptions import ConfigurationError
from itbcheck.policy import load_policy, parse_policy
from itbcheck.profilefiles import load_profile, profile_names
from itbcheck.profilevalidation import parse_profile
from tests.conftest import REPO

SHIPPED = sorted(path.stem for path in (REPO / "pump_profiles").glob("*.toml"))


def test_installed_profiles_are_the_repository_ones() -> None:
    """The installed package ships exactly the profiles in pump_profiles/."""
    assert profile_names() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_profile_loads(name: str) -> None:
    """Each shipped profile validates and has a source on every fact."""
    profile = load_profile(name)
    assert name == profile.name
    facts = [
        getattr(profile, field)
        for field in type(profile).model_fields
        if field not in {"name", "description", "profile_version"}
    ]
    assert all(len(fact.source) >= 10 for fact in facts)


@pytest.mark.parametrize(
    ("name", "capacity", "band"),
    [
        ("synchromed-ii-20ml", Decimal(20), Decimal("14.5")),
        ("synchromed-ii-40ml", Decimal(40), Decimal("14.5")),
        ("prometra-ii-20ml", Decimal(20), Decimal(15)),
        ("prometra-ii-40ml", Decimal(40), Decimal(15)),
    ],
)
def test_profile_numbers_match_the_reference(name: str, capacity: Decimal, band: Decimal) -> None:
    """Capacity and accuracy band are the labelling's numbers ([17], [18])."""
    profile = load_profile(name)
    assert profile.reservoir_capacity.value is not None
    assert (capacity, band) == (
        profile.reservoir_capacity.value.value,
        profile.accuracy_band.percent,
    )


@pytest.mark.parametrize("name", ["../synchromed-ii-20ml", "SynchroMed-II-20ml", "nope", ""])
def test_profile_names_cannot_escape_or_guess(name: str) -> None:
    """Only the exact name of a shipped profile loads; paths and near-misses are refused."""
    with pytest.raises(ConfigurationError):
        load_profile(name)


def test_profile_with_an_unknown_key_is_refused() -> None:
    """A misspelt key in a profile is an error naming it, never ignored."""
    text = (REPO / "pump_profiles" / "synchromed-ii-20ml.toml").read_text("utf-8")
    with pytest.raises(ConfigurationError) as caught:
        parse_profile(text + "\n[reservior_capacity]\nvalue = '20 mL'\n", "broken")
    assert [p.location for p in caught.value.problems] == ["reservior_capacity"]


def test_default_policy_is_section_9_of_the_reference() -> None:
    """The shipped policy holds the documented default limits."""
    policy = load_policy()
    dose = policy.daily_dose
    assert (Decimal(50), Decimal(800), Decimal(1000)) == (
        dose.typical_min.value,
        dose.typical_max.value,
        dose.hard_ceiling.value,
    )
    assert (
        policy.increase.max_percent_spinal,
        policy.increase.max_percent_cerebral,
        policy.increase.max_percent_paediatric,
        policy.increase.paediatric_below_age_years,
    ) == (30, 15, 15, 18)
    assert (Decimal(24), 20) == (policy.changes.window.value, policy.decrease.caution_above_percent)


def test_policy_with_inverted_range_is_refused() -> None:
    """A policy whose typical maximum exceeds its hard ceiling cannot be loaded: the adult range
    and each of the three age bands (800 mcg/day maximum) is one problem."""
    from importlib import resources

    text = (resources.files("itbcheck") / "data" / "policy.toml").read_text("utf-8")
    with pytest.raises(ConfigurationError, match="4 problem"):
        parse_policy(
            text.replace('hard_ceiling = "1000 mcg/day"', 'hard_ceiling = "700 mcg/day"'), "x"
        )


def test_policy_age_bands_with_a_gap_are_refused() -> None:
    """Age bands must run on from age 0: a band starting at 5 after one ending below 4 is a
    problem naming that band (issue 11 point 4)."""
    from importlib import resources

    text = (resources.files("itbcheck") / "data" / "policy.toml").read_text("utf-8")
    with pytest.raises(ConfigurationError) as caught:
        parse_policy(text.replace("from_age_years = 4\n", "from_age_years = 5\n"), "x")
    expected = [("age_bands.bands[1]", "bands must run on from age 4 without a gap or overlap")]
    assert expected == [(p.location, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # A refill limit below its titration limit (30 %) would make a refill stricter.
        ("max_percent_spinal = 40", "max_percent_spinal = 25"),
        # A periodic refill must come after more than the 24 h change window.
        ('stable_for = "28 day"', 'stable_for = "12 h"'),
    ],
    ids=["refill-below-titration", "stable-for-under-window"],
)
def test_point_1_inconsistent_refill_policy_is_refused(old: str, new: str) -> None:
    """Issue 11 point 1: a [refill_increase] section below the titration limits, or counting a
    visit as a periodic refill sooner than the change window, cannot be loaded."""
    from importlib import resources

    text = (resources.files("itbcheck") / "data" / "policy.toml").read_text("utf-8")
    assert old in text
    with pytest.raises(ConfigurationError, match="1 problem"):
        parse_policy(text.replace(old, new), "x")
