"""From the form's fields to the record, through the sheet's conversion, and back: quantities
joined from number and unit, flex steps and boluses by row, prefill split, problems placed."""

from __future__ import annotations

import pytest

from itbcheck.exceptions import InvalidRecordError
from itbcheck.units import Kind, unit_spellings
from itbcheck.web.formdata import field_of, merged, split_quantity, values_from_prefill, visit_of
from itbcheck.web.layout import FIELDS, SECTIONS
from itbcheck.web.rows import STEPS
from tests.conftest import EXAMPLES
from tests.web.helpers import form_values


def _document(values: dict[str, str]) -> object:
    return visit_of(values).row.document


def test_quantity_is_number_and_unit_joined() -> None:
    """'18' with 'mL' is the record's '18 mL'; an empty number is a field not given."""
    document = _document(
        {
            "refill.fill_volume": " 18 ",
            "refill.fill_volume.unit": "mL",
            "refill.expected_residual": "",
            "refill.expected_residual.unit": "mL",
        }
    )
    assert {"fill_volume": "18 mL"} == document["refill"]  # type: ignore[index]


def test_flex_steps_skip_empty_rows() -> None:
    """Rows 1 and 3 typed, row 2 empty: one compact cell, two steps, in row order."""
    values = {
        "dosing.prescription.steps[0].start": "00:00",
        "dosing.prescription.steps[0].rate": "19",
        "dosing.prescription.steps[0].rate.unit": "mcg/h",
        "dosing.prescription.steps[2].start": "08:00",
        "dosing.prescription.steps[2].rate": "21",
        "dosing.prescription.steps[2].rate.unit": "mcg/h",
    }
    expected = [{"start": "00:00", "rate": "19 mcg/h"}, {"start": "08:00", "rate": "21 mcg/h"}]
    assert expected == _document(values)["dosing"]["prescription"]["steps"]  # type: ignore[index]


def test_bolus_unit_says_dose_or_volume() -> None:
    """A bolus in mcg is a dose, one in mL a volume; the time is optional."""
    values = {
        "dosing.prescription.boluses[0].time": "08:00",
        "dosing.prescription.boluses[0].amount": "24",
        "dosing.prescription.boluses[0].amount.unit": "mcg",
        "dosing.prescription.boluses[1].amount": "0.01",
        "dosing.prescription.boluses[1].amount.unit": "mL",
    }
    expected = [{"time": "08:00", "dose": "24 mcg"}, {"volume": "0.01 mL"}]
    assert expected == _document(values)["dosing"]["prescription"]["boluses"]  # type: ignore[index]


def test_semicolon_in_a_row_is_refused() -> None:
    """A ';' would split one row into two steps, so it is a problem of that row."""
    visit = visit_of({"dosing.prescription.steps[4].start": "00:00; 01:00"})
    assert ["dosing.prescription.steps[4]"] == [p.location for p in visit.row.syntax]


def test_step_problem_is_shown_in_its_form_row() -> None:
    """The second step typed (form row 6) is the record's steps[1]; its problem goes to row 6."""
    values = form_values(
        EXAMPLES / "visit-clear.yaml",
        **{
            "dosing.prescription.mode": "flex",
            "dosing.prescription.daily_dose": "",
            "dosing.prescription.steps[0].start": "00:00",
            "dosing.prescription.steps[0].rate": "20",
            "dosing.prescription.steps[0].rate.unit": "mcg/h",
            "dosing.prescription.steps[5].start": "25:00",
            "dosing.prescription.steps[5].rate": "20",
            "dosing.prescription.steps[5].rate.unit": "mcg/h",
        },
    )
    visit = visit_of(values)
    with pytest.raises(InvalidRecordError) as caught:
        visit.parse(visit.row.load(visit.row.read(), "form"), "form")
    locations = [field_of(p.location, visit) for p in caught.value.problems]
    assert ["dosing.prescription.steps[5]"] == locations


def test_unknown_field_is_a_problem() -> None:
    """A field the form does not have is refused, never ignored."""
    assert ["unknown_field"] == [p.kind for p in visit_of({"pump.serail": "X"}).row.syntax]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2000 mcg/mL", ("2000", "mcg/mL")),
        ("0.5 mg/mL", ("0.5", "mg/mL")),
        ("2 MG/mL", ("2 MG/mL", "")),
        ("2000mcg/mL", ("2000mcg/mL", "")),
    ],
)
def test_split_quantity(text: str, expected: tuple[str, str]) -> None:
    """An accepted unit goes to the picker; anything else stays whole for the record to judge."""
    assert expected == split_quantity(text, unit_spellings(Kind.CONCENTRATION))


def test_prefill_fills_only_empty_fields() -> None:
    """The previous visit fills what is empty; what the nurse typed stays."""
    typed = {"refill.fill_volume": "18", "refill.previous_concentration": ""}
    prefill = {"refill.fill_volume": "20 mL", "refill.previous_concentration": "500 mcg/mL"}
    expected = {
        "refill.fill_volume": "18",
        "refill.previous_concentration": "500",
        "refill.previous_concentration.unit": "mcg/mL",
    }
    assert expected == merged(typed, prefill)


def test_prefill_ignores_paths_the_form_lacks() -> None:
    """A prefill key that is not a form field is dropped, not turned into an input."""
    assert {} == values_from_prefill({"patient.name": "A. Patient"})


def test_unit_pickers_offer_exactly_the_accepted_spellings() -> None:
    """Each quantity's picker lists the units allowlist for its kind, nothing else."""
    pickers = {name: f.units for name, f in FIELDS.items() if f.quantity}
    expected = {name: unit_spellings(f.quantity) for name, f in FIELDS.items() if f.quantity}
    assert expected == pickers
    assert ["mL", "ml"] == FIELDS["refill.fill_volume"].units


def test_every_record_field_is_on_the_form() -> None:
    """The form has an input for every CSV column of docs/sheet.md, overrides once."""
    from itbcheck.records import Record
    from tests.test_sheet import _leaf_columns

    names = {f.name for section in SECTIONS for f in section.fields}
    columns = {c for c in _leaf_columns(Record) if c != "record_version"}
    assert set() == columns - names
    assert STEPS in names


def test_number_box_with_its_own_unit_is_taken_whole() -> None:
    """'2 MG/mL' typed in the box is the record's '2 MG/mL', for the record to refuse."""
    document = _document(
        {
            "refill.dispensed_concentration": "2 MG/mL",
            "refill.dispensed_concentration.unit": "mcg/mL",
        }
    )
    assert {"dispensed_concentration": "2 MG/mL"} == document["refill"]  # type: ignore[index]
