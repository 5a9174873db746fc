"""The clinic's choice of where the hard ceiling applies: to the dose the pump may deliver at
the top of its accuracy band (the shipped default, fail closed), or to the dose as programmed
([1] Lioresal label)."""

from __future__ import annotations

from importlib import resources

import pytest

from itbcheck.checking import check_document
from itbcheck.findings import Verdict
from itbcheck.policy import Policy, parse_policy
from tests.conftest import CHECK_FIXTURES, codes_of


def _policy(includes_band: bool) -> Policy:
    text = (resources.files("itbcheck") / "data" / "policy.toml").read_text("utf-8")
    flag = "ceiling_includes_accuracy_band = true"
    assert flag in text
    return parse_policy(
        text.replace(flag, f"ceiling_includes_accuracy_band = {str(includes_band).lower()}"), "test"
    )


@pytest.mark.parametrize(
    ("name", "includes_band", "verdict", "codes"),
    [
        # Issue 2's worked example, with the ceiling on the programmed dose: 900 > 800 and
        # no override -> STOP; an override approving 950 >= 900 -> CAUTION.
        ("dose_900_no_override.yaml", False, Verdict.STOP, ["DOSE_ABOVE_RANGE"]),
        ("dose_900_override_950.yaml", False, Verdict.CAUTION, ["DOSE_ABOVE_RANGE"]),
        # The shipped default: 900 x 1.145 = 1030.5 > 1000 in a SynchroMed II -> STOP even with
        # the override, which cannot lift a hard limit.
        (
            "dose_900_override_950.yaml",
            True,
            Verdict.STOP,
            ["DOSE_ABOVE_CEILING", "DOSE_ABOVE_RANGE"],
        ),
    ],
    ids=["programmed-no-override", "programmed-override", "worst-case-override"],
)
def test_where_the_ceiling_applies(
    name: str, includes_band: bool, verdict: Verdict, codes: list[str]
) -> None:
    """900 mcg/day: STOP then CAUTION with an override when the ceiling is on the programmed
    dose; STOP with the override when it is on the worst-case delivered dose."""
    path = CHECK_FIXTURES / name
    result = check_document(path.read_bytes(), name, _policy(includes_band))
    assert (verdict, codes) == (result.verdict, codes_of(result))
