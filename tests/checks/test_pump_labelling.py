"""Pump labelling (issue 11 point 5): a record outside the verified limits of the pump's
labelling (Prometra II: baclofen from age 12, 500-2000 mcg/mL) is a STOP; above the highest
strength any label makes (2000 mcg/mL) is a STOP in every pump; compounded product in a pump
whose labelling warns against it is a CAUTION; a limit the profile does not verify is a NOTE
when the record depends on it, never assumed.

Hand derivations are in each fixture's header comment.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.findings import Hazard, Severity, Verdict
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.checks.profile_variants import NoteCase
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

ABOVE = "CONCENTRATION_ABOVE_LABELLED"
NONSTANDARD = "CONCENTRATION_NONSTANDARD"
PROMETRA_NOTES = ["RATE_RANGE_UNCHECKED", "STABILITY_UNCHECKED"]

CASES: list[Case] = [
    ("prometra_age_10_below_pump_label.yaml", Verdict.STOP, ["PUMP_LABEL_AGE"]),
    ("prometra_age_10_pump_labelling_override.yaml", Verdict.CAUTION, ["PUMP_LABEL_AGE"]),
    (
        "prometra_age_10_pump_labelling_override_below_dose.yaml",
        Verdict.STOP,
        ["PUMP_LABEL_AGE"],
    ),
    ("prometra_age_12_at_pump_label.yaml", Verdict.CLEAR, []),
    (
        "prometra_250_mcg_per_ml_below_pump_label.yaml",
        Verdict.STOP,
        [NONSTANDARD, "PUMP_LABEL_CONCENTRATION"],
    ),
    ("prometra_2000_mcg_per_ml_at_pump_label_max.yaml", Verdict.CLEAR, []),
    ("prometra_3000_mcg_per_ml_above_labelled.yaml", Verdict.STOP, [ABOVE, NONSTANDARD]),
    ("synchromed_1500_mcg_per_ml_label_unchecked.yaml", Verdict.CAUTION, [NONSTANDARD]),
    ("synchromed_3000_mcg_per_ml_above_labelled.yaml", Verdict.STOP, [ABOVE, NONSTANDARD]),
    ("synchromed_compounded_2000_mcg_per_ml.yaml", Verdict.CAUTION, ["COMPOUNDED_IN_PUMP"]),
    ("synchromed_labelled_product_2000_mcg_per_ml.yaml", Verdict.CLEAR, []),
]
NOTE_CASES: list[NoteCase] = [
    ("prometra_age_10_below_pump_label.yaml", PROMETRA_NOTES),
    ("prometra_age_10_pump_labelling_override.yaml", PROMETRA_NOTES),
    ("prometra_3000_mcg_per_ml_above_labelled.yaml", PROMETRA_NOTES),
    (
        "synchromed_1500_mcg_per_ml_label_unchecked.yaml",
        ["PUMP_LABELLING_UNCHECKED", "RATE_RANGE_UNCHECKED"],
    ),
    ("synchromed_compounded_2000_mcg_per_ml.yaml", ["RATE_RANGE_UNCHECKED"]),
]


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_pump_labelling_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each pump-labelling fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES)
def test_pump_labelling_notes(name: str, notes: list[str]) -> None:
    """A labelling limit the profile has not verified is a NOTE only where the record needs it."""
    assert notes == note_codes_of(check_file(CHECK_FIXTURES / name))


def test_pump_label_age_cites_both_ages() -> None:
    """Age 10 in a Prometra II labelled from 12: STOP, device hazard, both ages as figures."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "prometra_age_10_below_pump_label.yaml"), "PUMP_LABEL_AGE"
    )
    expected = {"age": (Decimal(10), "years"), "pump_labelled_min_age": (Decimal(12), "years")}
    assert (Severity.STOP, Hazard.DEVICE, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


def test_pump_label_concentration_names_the_bound() -> None:
    """250 mcg/mL in a Prometra II is below its lowest labelled strength, 500 mcg/mL."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "prometra_250_mcg_per_ml_below_pump_label.yaml"),
        "PUMP_LABEL_CONCENTRATION",
    )
    expected = {
        "dispensed_concentration": (Decimal(250), "mcg/mL"),
        "pump_labelled_concentration_min": (Decimal(500), "mcg/mL"),
    }
    assert (Severity.STOP, expected) == (found.severity, figures_of(found))


@pytest.mark.parametrize(
    "name",
    [
        "prometra_3000_mcg_per_ml_above_labelled.yaml",
        "synchromed_3000_mcg_per_ml_above_labelled.yaml",
    ],
    ids=["prometra", "synchromed"],
)
def test_above_highest_labelled_strength_is_stop(name: str) -> None:
    """3000 mcg/mL is above the 2000 mcg/mL highest labelled strength: STOP in every pump."""
    found = the_finding(check_file(CHECK_FIXTURES / name), ABOVE)
    expected = {
        "dispensed_concentration": (Decimal(3000), "mcg/mL"),
        "highest_labelled_concentration": (Decimal(2000), "mcg/mL"),
    }
    assert (Severity.STOP, Hazard.OVERDOSE, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


def test_unchecked_note_names_the_missing_facts() -> None:
    """1500 mcg/mL in a SynchroMed II: the note names both unverified labelled strengths."""
    result = check_file(CHECK_FIXTURES / "synchromed_1500_mcg_per_ml_label_unchecked.yaml")
    found = the_finding(result, "PUMP_LABELLING_UNCHECKED")
    expected = (
        "Profile synchromed-ii-20ml has no verified labelled_concentration_min, "
        "labelled_concentration_max: this record depends on it, so it was not checked against "
        "the pump's labelling."
    )
    assert expected == found.message


def test_point_5_a_recorded_team_decision_makes_the_pump_age_stop_a_caution() -> None:
    """Age 10 in a Prometra II with a pump_labelling override to 250 mcg/day (dose 200): CAUTION,
    naming the approver, with the approved limit among the figures."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "prometra_age_10_pump_labelling_override.yaml"),
        "PUMP_LABEL_AGE",
    )
    expected = {
        "age": (Decimal(10), "years"),
        "pump_labelled_min_age": (Decimal(12), "years"),
        "approved_limit": (Decimal(250), "mcg/day"),
    }
    assert (Severity.CAUTION, expected, True) == (
        found.severity,
        figures_of(found),
        "Dr A. Okafor" in found.message,
    )
