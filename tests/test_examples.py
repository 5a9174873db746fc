"""The shipped example records give the verdicts their comments promise."""

from __future__ import annotations

import pytest

from itbcheck.findings import Verdict
from tests.conftest import EXAMPLES, check_file, codes_of


@pytest.mark.parametrize(
    ("name", "verdict", "codes"),
    [
        ("visit-clear.yaml", Verdict.CLEAR, []),
        ("visit-caution.yaml", Verdict.CAUTION, ["DOSE_ABOVE_RANGE"]),
        ("visit-stop.yaml", Verdict.STOP, ["CONCENTRATION_MISMATCH", "REFILL_AFTER_ALARM"]),
    ],
)
def test_example_verdicts(name: str, verdict: Verdict, codes: list[str]) -> None:
    """Each example in examples/ gives the verdict and codes stated in its header comment."""
    result = check_file(EXAMPLES / name)
    assert (verdict, codes) == (result.verdict, codes_of(result))
