"""Helpers for the check tests: one finding by code, and its figures by name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from itbcheck.checking import CheckResult
from itbcheck.findings import Finding, Verdict

# One row of a check module's table: fixture file, expected verdict, expected sorted codes.
Case = tuple[str, Verdict, list[str]]


def params(cases: list[Case]) -> list[pytest.ParameterSet]:
    """The cases as pytest parameters, each named after its fixture file."""
    return [pytest.param(*case, id=case[0].removesuffix(".yaml")) for case in cases]


def the_finding(result: CheckResult, code: str) -> Finding:
    """The one finding with `code`; fails the test if there is not exactly one."""
    found = [finding for finding in result.findings if finding.code == code]
    assert [code] == [finding.code for finding in found], [f.code for f in result.findings]
    return found[0]


def figures_of(finding: Finding) -> dict[str, tuple[Decimal, str]]:
    """The finding's figures by name, as (value, unit)."""
    return {figure.name: (figure.value, figure.unit) for figure in finding.figures}
