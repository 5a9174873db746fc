"""The precomputed unit table: it is exactly what pint computes, for every accepted spelling,
and a check uses it without importing pint."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import pytest

from itbcheck.units import (
    Kind,
    factor_table,
    factor_table_text,
    pint_factor,
    unit_spellings,
)
from tests.conftest import EXAMPLES


def test_shipped_table_is_what_pint_computes() -> None:
    """data/unit_factors.txt is byte for byte the table pint gives today (regenerate it with
    the command in its header when units.txt or the allowlist changes)."""
    shipped = (resources.files("itbcheck") / "data" / "unit_factors.txt").read_text("utf-8")
    assert factor_table_text() == shipped


@pytest.mark.parametrize("kind", list(Kind), ids=lambda kind: kind.name)
def test_table_covers_every_spelling_with_pints_exact_factor(kind: Kind) -> None:
    """Every spelling of every kind is in the table, with pint's exact Decimal, exponent and
    all."""
    expected = {unit: pint_factor(unit, kind.canonical) for unit in unit_spellings(kind)}
    table = factor_table()
    actual = {unit: table[unit, kind.canonical] for unit in unit_spellings(kind)}
    assert [(u, str(f)) for u, f in expected.items()] == [(u, str(f)) for u, f in actual.items()]


def test_a_check_does_not_import_pint() -> None:
    """Checking a record, start to finish, never imports pint."""
    code = (
        "import sys\n"
        "from itbcheck.checking import check_document\n"
        "from itbcheck.policy import load_policy\n"
        f"path = {str(EXAMPLES / 'visit-stop.yaml')!r}\n"
        "check_document(open(path, 'rb').read(), path, load_policy())\n"
        "print('pint' in sys.modules)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "False\n" == completed.stdout
