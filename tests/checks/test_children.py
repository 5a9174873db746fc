"""Children (issue 11 point 4): the daily-dose range depends on the age band in the policy
(under 12: 24 mcg/day minimum, from the labels' 24-1199 mcg/day; 12 to 17 and adults: 50
mcg/day), and an age below the labelled 4 years is a CAUTION, not a STOP.

Hand derivations are in each fixture's header comment.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.policy import load_policy
from tests.checks.helpers import Case, figures_of, params, the_finding
from tests.checks.profile_variants import NoteCase
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

BELOW = "DOSE_BELOW_RANGE"
YOUNG = "AGE_BELOW_LABELLED"
UNCHECKED = ["PUMP_LABELLING_UNCHECKED", "RATE_RANGE_UNCHECKED"]

CASES: list[Case] = [
    ("child_age_3_below_labelled_age_30_mcg.yaml", Verdict.CAUTION, [YOUNG]),
    ("child_age_4_at_labelled_age_24_mcg.yaml", Verdict.CLEAR, []),
    ("child_age_8_30_mcg_labelled_dose.yaml", Verdict.CLEAR, []),
    ("child_age_11_23_mcg_below_band.yaml", Verdict.STOP, [BELOW]),
    ("child_age_12_30_mcg_below_band.yaml", Verdict.STOP, [BELOW]),
    ("child_age_12_50_mcg_band_minimum.yaml", Verdict.CLEAR, []),
    ("child_age_17_49_mcg_below_band.yaml", Verdict.STOP, [BELOW]),
    ("adult_age_18_49_mcg_below_range.yaml", Verdict.STOP, [BELOW]),
    (
        "child_age_8_900_mcg_above_band.yaml",
        Verdict.STOP,
        ["DOSE_ABOVE_RANGE", "DOSE_WORST_CASE_ABOVE_CEILING"],
    ),
]
NOTE_CASES: list[NoteCase] = [
    ("child_age_3_below_labelled_age_30_mcg.yaml", UNCHECKED),
    ("child_age_8_30_mcg_labelled_dose.yaml", UNCHECKED),
    ("child_age_17_49_mcg_below_band.yaml", UNCHECKED),
    ("adult_age_18_49_mcg_below_range.yaml", ["RATE_RANGE_UNCHECKED"]),
]


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_children_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each age-band fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(("name", "notes"), NOTE_CASES)
def test_children_notes(name: str, notes: list[str]) -> None:
    """A minor in a pump with no verified labelled age says the pump's age limit was not
    checked; an adult does not."""
    assert notes == note_codes_of(check_file(CHECK_FIXTURES / name))


def test_labelled_child_dose_is_not_stop() -> None:
    """The false-STOP control: 30 mcg/day at age 8 is within the under-12 range, CLEAR."""
    result = check_file(CHECK_FIXTURES / "child_age_8_30_mcg_labelled_dose.yaml")
    assert (Verdict.CLEAR, []) == (result.verdict, codes_of(result))


@pytest.mark.parametrize(
    ("name", "dose", "minimum"),
    [
        ("child_age_11_23_mcg_below_band.yaml", "23", "24"),
        ("child_age_12_30_mcg_below_band.yaml", "30", "50"),
        ("child_age_17_49_mcg_below_band.yaml", "49", "50"),
        ("adult_age_18_49_mcg_below_range.yaml", "49", "50"),
    ],
    ids=["11", "12", "17", "18"],
)
def test_minimum_depends_on_age(name: str, dose: str, minimum: str) -> None:
    """Each band edge compares the dose with that band's minimum: 24 under 12, 50 from 12."""
    found = the_finding(check_file(CHECK_FIXTURES / name), BELOW)
    expected = {
        "prescribed_daily_dose": (Decimal(dose), "mcg/day"),
        "typical_min": (Decimal(minimum), "mcg/day"),
    }
    assert (Severity.STOP, Hazard.WITHDRAWAL, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


def test_band_is_named_in_the_message() -> None:
    """A child's range finding names the age band whose minimum it used."""
    found = the_finding(check_file(CHECK_FIXTURES / "child_age_11_23_mcg_below_band.yaml"), BELOW)
    expected = (
        "23 mcg/day prescribed is below the typical minimum of 24 mcg/day (age band 4 to 11) "
        "and no override covers it."
    )
    assert expected == found.message


def test_age_below_labelled_figures() -> None:
    """Age 3 against the labelled 4 years: a CAUTION with both ages as figures."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "child_age_3_below_labelled_age_30_mcg.yaml"), YOUNG
    )
    expected = {"age": (Decimal(3), "years"), "labelled_from_age": (Decimal(4), "years")}
    assert (Severity.CAUTION, Hazard.OVERDOSE, expected) == (
        found.severity,
        found.hazard,
        figures_of(found),
    )


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "under 4"),
        (3, "under 4"),
        (4, "4 to 11"),
        (11, "4 to 11"),
        (12, "12 to 17"),
        (17, "12 to 17"),
        (18, "adult"),
        (90, "adult"),
    ],
)
def test_dose_range_by_age(age: int, band: str) -> None:
    """The shipped policy's band for each edge age: under 4, 4 to 11, 12 to 17, adult."""
    assert band == load_policy().dose_range(age)[2]
