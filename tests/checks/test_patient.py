"""The patient checks: renal impairment, recorded and reported as a NOTE citing the labels'
renal caution ([1] Lioresal label; [2] Gablofen label), never changing the verdict.

Hand derivations are in each fixture's header comment.
"""

from __future__ import annotations

import pytest

from itbcheck.findings import Hazard, Severity, Verdict
from tests.checks.helpers import Case, params, the_finding
from tests.checks.profile_variants import NoteCase
from tests.conftest import CHECK_FIXTURES, check_file, codes_of, note_codes_of

RENAL = "RENAL_IMPAIRMENT"

CASES: list[Case] = [
    ("renal_impairment_clear_visit.yaml", Verdict.CLEAR, []),
]

NOTE_CASES: list[NoteCase] = [
    ("renal_impairment_clear_visit.yaml", ["RATE_RANGE_UNCHECKED", RENAL]),
]


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each patient fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


def test_point_12_renal_impairment_is_a_note() -> None:
    """Issue 11 point 12: renal impairment gives an overdose NOTE and leaves the visit CLEAR."""
    result = check_file(CHECK_FIXTURES / "renal_impairment_clear_visit.yaml")
    found = the_finding(result, RENAL)
    expected = (Verdict.CLEAR, Severity.NOTE, Hazard.OVERDOSE, ["RATE_RANGE_UNCHECKED", RENAL])
    assert expected == (result.verdict, found.severity, found.hazard, note_codes_of(result))


def test_no_note_without_renal_impairment() -> None:
    """The same visit without renal impairment has no RENAL_IMPAIRMENT finding."""
    result = check_file(CHECK_FIXTURES / "residual_18_9_of_20_ml.yaml")
    assert [] == [f.code for f in result.findings if f.code == RENAL]
