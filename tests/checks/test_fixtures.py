"""The check fixtures themselves: each is used by a test, states in its header the result the
tests expect, and together they exercise every finding code."""

from __future__ import annotations

import pytest

from itbcheck.checks import CHECKS, catalogue
from itbcheck.findings import Verdict
from tests.checks import test_concentration, test_dose, test_titration
from tests.checks.helpers import Case, params
from tests.conftest import CHECK_FIXTURES

ALL_CASES: list[Case] = [*test_dose.CASES, *test_titration.CASES, *test_concentration.CASES]


def header_of(name: str) -> str:
    """The leading comment block of a fixture, without the '#' marks."""
    lines = (CHECK_FIXTURES / name).read_text("utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line.removeprefix("#").strip())
    return " ".join(header)


def test_every_fixture_is_in_a_table() -> None:
    """Every file in tests/checks/fixtures is checked by exactly one table row."""
    names = [case[0] for case in ALL_CASES]
    expected = sorted(path.name for path in CHECK_FIXTURES.glob("*.yaml"))
    assert expected == sorted(names)


@pytest.mark.parametrize(("name", "verdict", "codes"), params(ALL_CASES))
def test_header_states_the_expected_result(name: str, verdict: Verdict, codes: list[str]) -> None:
    """A fixture's header comment says 'Expected: VERDICT' and names every expected code."""
    header = header_of(name)
    stated = header.partition("Expected: ")[2].split(",")[0].split(" ")[0]
    assert (verdict.value, codes) == (stated, [code for code in codes if code in header])


def test_every_code_is_exercised() -> None:
    """Every finding code the registered checks can report is expected by some fixture."""
    exercised = {code for case in ALL_CASES for code in case[2]}
    assert sorted(catalogue()) == sorted(exercised & set(catalogue()))


def test_every_check_has_a_finding_fixture() -> None:
    """Each registered check has at least one fixture where one of its codes is expected."""
    exercised = {code for case in ALL_CASES for code in case[2]}
    covered = [check.name for check in CHECKS if exercised & {info.code for info in check.codes}]
    assert [check.name for check in CHECKS] == covered
