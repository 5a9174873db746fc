"""The pump profiles' optional labelling facts (issue 11 point 5): read with a source each,
checked for impossible combinations, left out without harm, and shown by `profiles show`."""

from __future__ import annotations

from itbcheck.cli import ExitCode
from itbcheck.profilefiles import load_profile, profiles_folder
from itbcheck.profiles import labelling_of
from itbcheck.profilevalidation import validate_profile
from tests.conftest import run_cli

PROMETRA = (profiles_folder() / "prometra-ii-20ml.toml").read_text("utf-8")


def _problems(text: str) -> list[tuple[str, str]]:
    report = validate_profile(text, "p.toml", "prometra-ii-20ml")
    return [(problem.location, problem.message) for problem in report.problems]


def test_prometra_labelling_is_verified() -> None:
    """Prometra II: baclofen from 12 years, 500-2000 mcg/mL, warns against compounded drugs."""
    profile = load_profile("prometra-ii-20ml")
    facts = labelling_of(profile)
    assert (12, "500 mcg/mL", "2000 mcg/mL", True, True) == (
        profile.labelled_min_age.years if profile.labelled_min_age else None,
        profile.labelled_concentration_min.value.text
        if profile.labelled_concentration_min and profile.labelled_concentration_min.value
        else None,
        profile.labelled_concentration_max.value.text
        if profile.labelled_concentration_max and profile.labelled_concentration_max.value
        else None,
        profile.compounded_drug_warning.warns if profile.compounded_drug_warning else None,
        all(fact.verified for fact in facts.values()),
    )


def test_labelling_facts_are_optional() -> None:
    """A profile without any labelling table is valid: the limits stay unchecked."""
    device_only = PROMETRA.split("# Issue 11 point 5")[0]
    report = validate_profile(device_only, "p.toml", "prometra-ii-20ml")
    assert (True, {}) == (report.valid, labelling_of(report.profile) if report.profile else None)


def test_labelled_minimum_above_maximum_is_a_problem() -> None:
    """A labelled minimum strength above the maximum cannot ship."""
    text = PROMETRA.replace('value = "500 mcg/mL"', 'value = "2500 mcg/mL"')
    expected = [
        (
            "labelled_concentration_min.value",
            "the labelled minimum is above the labelled maximum (2000 mcg/mL)",
        )
    ]
    assert expected == _problems(text)


def test_verified_labelled_age_without_value_is_a_problem() -> None:
    """verified = true on a labelled age with no `years` is a problem naming the fact."""
    text = PROMETRA.replace("years = 12\n", "")
    expected = [
        ("labelled_min_age.verified", "verified = true needs a value: give it, or set false")
    ]
    assert expected == _problems(text)


def test_show_lists_the_labelling_facts() -> None:
    """`profiles show` lists the labelling facts after the device facts, with their status."""
    result = run_cli("profiles", "show", "prometra-ii-20ml")
    lines = result.stdout.splitlines()
    heading = "Labelling for baclofen (optional; unstated or unverified: unchecked)"
    assert (ExitCode.CLEAR, True, True) == (
        result.exit_code,
        heading in lines,
        "labelled_min_age         12 years     verified" in lines,
    )
