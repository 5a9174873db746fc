"""Helpers for the check tests: one finding by code, and its figures by name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml

from itbcheck.checking import CheckResult
from itbcheck.findings import Finding, Verdict
from tests.conftest import CHECK_FIXTURES

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


def fixture_document(name: str, **changes: str | None) -> dict[str, Any]:
    """The check fixture's document with `changes` applied (dotted field path: new value), for a
    test that varies one or two fields of a fixture whose header derives the rest."""
    data = yaml.safe_load((CHECK_FIXTURES / name).read_text("utf-8"))
    assert isinstance(data, dict)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        section = data
        for parent in parents:
            section = section[parent]
        section[leaf] = value
    return data
