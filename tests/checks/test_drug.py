"""The drug (issue 11 point 9): a record that lists anything but baclofen alone in
refill.drugs is DRUG_NOT_SUPPORTED (STOP), never checked as if it were baclofen; baclofen alone
is the same as leaving the list out; an unknown or repeated name refuses the record.

Hand derivations are in each fixture's header comment.
"""

from __future__ import annotations

import pytest

from itbcheck.checking import check_document
from itbcheck.exceptions import InvalidRecordError
from itbcheck.findings import Hazard, Severity, Verdict
from itbcheck.policy import load_policy
from tests.checks.helpers import Case, params, the_finding
from tests.conftest import CHECK_FIXTURES, check_file, codes_of

UNSUPPORTED = "DRUG_NOT_SUPPORTED"

CASES: list[Case] = [
    ("drugs_baclofen_alone.yaml", Verdict.CLEAR, []),
    ("drugs_baclofen_with_clonidine.yaml", Verdict.STOP, [UNSUPPORTED]),
    ("drugs_morphine_alone.yaml", Verdict.STOP, [UNSUPPORTED]),
]


@pytest.mark.parametrize(("name", "verdict", "codes"), params(CASES))
def test_drug_verdict_and_codes(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each drug fixture gives the verdict and codes derived in its header comment."""
    result = check_file(CHECK_FIXTURES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))


def test_baclofen_alone_equals_no_list() -> None:
    """drugs [baclofen] gives exactly the findings of the same record without the list."""
    listed = check_file(CHECK_FIXTURES / "drugs_baclofen_alone.yaml")
    text = (CHECK_FIXTURES / "drugs_baclofen_alone.yaml").read_text("utf-8")
    plain = check_document(
        text.replace("  drugs: [baclofen]\n", "").encode(), "plain.yaml", load_policy()
    )
    assert (plain.verdict, plain.findings) == (listed.verdict, listed.findings)


def test_admixture_is_stop_naming_the_drugs() -> None:
    """An admixture is a STOP that names every drug and says the checks assume baclofen."""
    found = the_finding(
        check_file(CHECK_FIXTURES / "drugs_baclofen_with_clonidine.yaml"), UNSUPPORTED
    )
    expected = (
        "The syringe holds baclofen, clonidine: not supported by this checker, whose checks "
        "assume baclofen alone. The other findings treat the syringe as baclofen and do not "
        "describe it."
    )
    assert (Severity.STOP, Hazard.OVERDOSE, expected) == (
        found.severity,
        found.hazard,
        found.message,
    )


@pytest.mark.parametrize(
    ("drugs", "location", "message"),
    [
        ("[baclofn]", "refill.drugs[0]", "Input should be 'baclofen'"),
        ("[baclofen, baclofen]", "refill.drugs", "name each drug once"),
        ("[]", "refill.drugs", "at least 1 item"),
    ],
    ids=["misspelt", "repeated", "empty"],
)
def test_unknown_or_repeated_drug_refuses_the_record(
    drugs: str, location: str, message: str
) -> None:
    """A misspelt, repeated or empty drug list refuses the record, naming the field: fail
    closed, since a misspelt 'baclofen' might or might not be baclofen alone."""
    text = (CHECK_FIXTURES / "drugs_baclofen_alone.yaml").read_text("utf-8")
    raw = text.replace("drugs: [baclofen]", f"drugs: {drugs}").encode()
    with pytest.raises(InvalidRecordError) as caught:
        check_document(raw, "bad.yaml", load_policy())
    problems = [(p.location, message in p.message) for p in caught.value.problems]
    assert [(location, True)] == problems
