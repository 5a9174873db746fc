"""Edits to a record's loaded data by dotted path: what `simulate --set` and every sweep point
do before the record is validated."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from itbcheck.lab.variants import VariantError, parse_edit, parse_path, with_edits

DATA: dict[str, Any] = {
    "refill": {"fill_volume": "18 mL"},
    "dosing": {
        "prescription": {"mode": "flex", "steps": [{"rate": "1 mcg/h"}, {"rate": "2 mcg/h"}]}
    },
}


def test_path_with_list_index() -> None:
    """A path names mapping keys with dots and list items with [n]."""
    expected = ("dosing", "prescription", "steps", 1, "rate")
    assert expected == parse_path("dosing.prescription.steps[1].rate")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refill.fill_volume=40 mL", (("refill", "fill_volume"), "40 mL")),
        ("patient.age_years=42", (("patient", "age_years"), 42)),
        ("patient.renal_impairment = true", (("patient", "renal_impairment"), True)),
        ("dosing.prescription.boluses=[]", (("dosing", "prescription", "boluses"), [])),
        ("dosing.bridge_bolus=null", (("dosing", "bridge_bolus"), None)),
    ],
)
def test_values_are_read_as_yaml(text: str, expected: tuple[tuple[str, ...], object]) -> None:
    """The value after = is one YAML value, read by the strict record loader."""
    assert expected == parse_edit(text)


@pytest.mark.parametrize(
    "text",
    ["refill.fill_volume", "Refill.fill_volume=1 mL", "refill..fill_volume=1 mL", "a=&x 1"],
    ids=["no-value", "capital", "empty-part", "yaml-anchor"],
)
def test_malformed_edits_are_refused(text: str) -> None:
    """An edit without =, with a path that is not a field path, or with a value the strict
    loader refuses, raises VariantError."""
    with pytest.raises(VariantError):
        parse_edit(text)


def test_edits_leave_the_original_untouched() -> None:
    """Edits change a copy, nested list items included; the data they came from is unchanged."""
    before = copy.deepcopy(DATA)
    edited = with_edits(
        DATA,
        [
            (("refill", "fill_volume"), "40 mL"),
            (("dosing", "prescription", "steps", 1, "rate"), "3 mcg/h"),
        ],
    )
    assert before == DATA
    assert ("40 mL", "3 mcg/h") == (
        edited["refill"]["fill_volume"],
        edited["dosing"]["prescription"]["steps"][1]["rate"],
    )


def test_missing_mapping_is_created_and_null_removes() -> None:
    """An edit below a missing mapping creates it; a null value removes the field."""
    edited = with_edits(
        DATA,
        [
            (("dosing", "bridge_bolus", "volume"), "0.4 mL"),
            (("refill", "fill_volume"), None),
        ],
    )
    assert ({"volume": "0.4 mL"}, {}) == (edited["dosing"]["bridge_bolus"], edited["refill"])


def test_missing_list_item_is_refused() -> None:
    """An edit to a list item that does not exist is refused, naming it."""
    with pytest.raises(VariantError, match=r"dosing\.prescription\.steps\[5\]\.rate: there is no"):
        with_edits(DATA, [(("dosing", "prescription", "steps", 5, "rate"), "1 mcg/h")])
