"""The refill-sheet template for Excel (examples/refill-sheet-template.xlsx), made by code so
that it can be made again and checked: `python -m itbcheck.sheettemplate FILE`.

One sheet: a header row naming every column, with the unit of each quantity column in the
header (`refill.fill_volume (mL)`), so a nurse types only the number; drop-down lists for the
columns that take one of a few words (profile, origin, status, site, mode, TRUE/FALSE, override
rule); number checks on the quantity and whole-number columns; date cells shown as ISO dates;
text cells for identifiers and times, so Excel keeps `00412345` and `2026-11-27T08:30:00+00:00`
as typed. One example row. `workbook` fills the same layout with any rows of CSV cells, which
the tests use to show the template reads exactly as the CSV sheet does.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from itbcheck.choices import choices_of
from itbcheck.sheetcells import kind_of, split_header
from itbcheck.sheetcolumns import BOOLEAN_COLUMNS, INTEGER_COLUMNS, column_path

if TYPE_CHECKING:
    from openpyxl import Workbook

STYLED_ROWS = 500  # rows given the template's formats and checks
UNITS = {"mcg/mL", "mL", "mcg/day", "mcg", "h"}
COLUMNS = (
    "record_version",
    "visit_time",
    "patient.id",
    "patient.origin",
    "patient.age_years",
    "patient.renal_impairment",
    "pump.profile",
    "pump.serial",
    "pump.status_at_arrival",
    "pump.catheter_volume (mL)",
    "pump.end_of_service",
    "refill.drug",
    "refill.drugs",
    "refill.product_source",
    "refill.injection_site",
    "refill.previous_concentration (mcg/mL)",
    "refill.previous_fill_volume (mL)",
    "refill.dispensed_concentration (mcg/mL)",
    "refill.programmed_concentration (mcg/mL)",
    "refill.expected_residual (mL)",
    "refill.aspirated_residual (mL)",
    "refill.fill_volume (mL)",
    "refill.programmed_reservoir_volume (mL)",
    "refill.low_reservoir_alarm (mL)",
    "dosing.previous_daily_dose (mcg/day)",
    "dosing.previous_dose_changed_at",
    "dosing.change_reason",
    "dosing.prescription.mode",
    "dosing.prescription.daily_dose (mcg/day)",
    "dosing.prescription.steps",
    "dosing.prescription.boluses",
    "dosing.bridge_bolus.volume (mL)",
    "dosing.bridge_bolus.duration (h)",
    "dosing.dose_before_interruption (mcg/day)",
    "dosing.pump_off_for (h)",
    "next_refill",
    "overrides[0].rule",
    "overrides[0].approved_limit",
    "overrides[0].approver",
    "overrides[0].reason",
    "pump.elective_replacement",
    "refill.previous_fill_date",
    "dosing.patient_bolus.dose (mcg)",
    "dosing.patient_bolus.lockout (h)",
    "dosing.patient_bolus.max_per_day",
    "dosing.previous_patient_bolus.dose (mcg)",
    "dosing.previous_patient_bolus.lockout (h)",
    "dosing.previous_patient_bolus.max_per_day",
    "since_last_visit.mri.date",
    "since_last_visit.mri.pump_emptied_before",
    "since_last_visit.mri.interrogated_after",
    "since_last_visit.catheter_revision.date",
    "since_last_visit.catheter_revision.new_catheter_volume (mL)",
    "since_last_visit.pump_replacement.date",
    "since_last_visit.pump_replacement.implant_concentration (mcg/mL)",
)
EXAMPLE = (  # noqa: SIM905  # the first row of examples/refill-day.csv, as written there
    "1,2026-11-27T08:30:00+00:00,MRN-00412345,spinal,42,false,synchromed-ii-20ml,NGP100234H,"
    "running,,,baclofen,,,reservoir,2000 mcg/mL,,2000 mcg/mL,2000 mcg/mL,3.1 mL,3 mL,18 mL,18 mL,"
    "2 mL,400 mcg/day,2026-08-20T09:00:00+00:00,,continuous,480 mcg/day,,,,,,,2027-01-15,,,,,,"
    ",,,,,,,,,,,,,"
).split(",")
# The columns that get a drop-down; their words come from the record model (`choices_of`),
# and the true/false columns from the sheet reader's own list, so neither is kept twice.
_CHOICE_COLUMNS = (
    "patient.origin",
    "pump.status_at_arrival",
    "refill.drug",
    "refill.product_source",
    "refill.injection_site",
    "dosing.prescription.mode",
    "overrides[0].rule",
)
_WHOLE = {".".join(map(str, path)) for path in INTEGER_COLUMNS}
_BOOLEAN = {".".join(map(str, path)) for path in BOOLEAN_COLUMNS}
_CHOICES = {
    **{name: list(choices_of(name.replace("[0]", ""))) for name in _CHOICE_COLUMNS},
    **{name: ["TRUE", "FALSE"] for name in _BOOLEAN},
}
_NUMBER = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?", re.ASCII)


def typed(cell: str, header: str) -> str | int | float | bool | dt.datetime | None:
    """A CSV cell as the typed value a nurse would type under this header: a number for a
    quantity written in the header's unit (when it reads back as written), a date for an ISO
    date, a whole number, TRUE or
    FALSE; anything else as text, exactly."""
    from itbcheck.sheetxlsx import cell_text

    name, unit = split_header(header)
    kind = kind_of(column_path(name))
    number, _, written_unit = cell.partition(" ")
    if unit is not None and written_unit == unit and _NUMBER.fullmatch(number):
        value = float(number) if "." in number else int(number)
        if cell_text(value, "quantity") == number:  # `3.10` would read back as `3.1`: text
            return value
    if kind == "date" and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", cell):
        return dt.datetime.fromisoformat(cell)
    if name in _WHOLE and re.fullmatch(r"[1-9][0-9]*|0", cell):
        return int(cell)
    if name in _BOOLEAN and cell in {"true", "false"}:
        return cell == "true"
    return cell or None


def _dress(sheet: object, profiles: Sequence[str]) -> None:
    """Formats, checks and drop-down lists on the template's rows."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(sheet, Worksheet)
    choices = {**_CHOICES, "pump.profile": list(profiles)}
    for index, header in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        area = f"{letter}2:{letter}{STYLED_ROWS}"
        name, unit = split_header(header)
        kind = kind_of(column_path(name))
        sheet.column_dimensions[letter].width = max(14, len(header) + 2)
        check = None
        if name in choices:
            check = DataValidation(type="list", formula1='"' + ",".join(choices[name]) + '"')
        elif unit is not None:
            check = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
        elif name in _WHOLE:
            check = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        if check is not None:
            check.error = f"{header}: see docs/sheet.md"
            check.showErrorMessage = True
            check.add(area)
            sheet.add_data_validation(check)
        number_format = "yyyy-mm-dd" if kind == "date" else "General"
        if unit is None and kind != "date" and name not in _WHOLE | set(_CHOICES):
            number_format = "@"  # text: Excel keeps identifiers and times as typed
        for row in range(2, STYLED_ROWS + 1):
            sheet.cell(row=row, column=index).number_format = number_format


def workbook(rows: Sequence[Sequence[str]], profiles: Sequence[str]) -> Workbook:
    """The template's layout holding `rows` (CSV cells in COLUMNS order; a cell past the last
    column is kept, as a CSV row with too many cells keeps it)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "refill sheet"
    _dress(sheet, profiles)
    for index, header in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=index, value=header)
    for number, cells in enumerate(rows, start=2):
        for index, cell in enumerate(cells, start=1):
            header = COLUMNS[index - 1] if index <= len(COLUMNS) else ""
            target = sheet.cell(row=number, column=index)
            target.value = typed(cell, header) if header else (cell or None)
            if isinstance(target.value, str):
                target.data_type = "s"  # text as typed, never a formula
    sheet.freeze_panes = "A2"
    return book


def template_bytes() -> bytes:
    """The shipped template: the layout, every shipped pump profile, one example row."""
    from itbcheck.profilefiles import profile_names

    buffer = io.BytesIO()
    workbook([EXAMPLE], profile_names()).save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    with open(sys.argv[1], "wb") as target:
        target.write(template_bytes())
