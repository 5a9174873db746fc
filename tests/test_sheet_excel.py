"""A sheet that survives Excel (issue 16, point 2): what Excel writes is read where it is
unambiguous (TRUE/FALSE, a declared date order, a byte-order mark, a declared semicolon, a
unit in the header, typed cells of a workbook), and refused with its advice where it is not
(a date order to guess, a legacy code page, an undeclared semicolon, a workbook that hides
values)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from itbcheck.exceptions import InvalidRecordError
from itbcheck.sheet import Row, read_any_sheet, read_sheet
from itbcheck.sheetcells import DEFAULT_DIALECT, SheetDialect
from itbcheck.sheettemplate import COLUMNS, EXAMPLE, template_bytes
from itbcheck.sheetxlsx import read_xlsx
from tests.conftest import EXAMPLES, run_cli
from tests.sheets import cells_of, csv_text, document_of, xlsx_bytes

CLEAR = document_of(EXAMPLES / "visit-clear.yaml")
DAY_FIRST = SheetDialect(date_format="%d/%m/%Y")


def _rows(text: str | bytes, dialect: SheetDialect = DEFAULT_DIALECT) -> list[Row]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(read_sheet(io.BytesIO(data), "day.csv", jsonl=False, dialect=dialect))


def _one(changes: dict[str, str], dialect: SheetDialect = DEFAULT_DIALECT) -> Row:
    [row] = _rows(csv_text([{**cells_of(CLEAR), **changes}]), dialect)
    return row


def _problems(row: Row) -> list[tuple[str, str]]:
    try:
        row.parse(row.load(row.raw, "day"), "day")
    except InvalidRecordError as error:
        return [(problem.location, problem.message) for problem in error.problems]
    return []


def test_excel_booleans_are_read() -> None:
    """TRUE and FALSE, as Excel writes them, are the booleans true and false."""
    for cell, value in (("TRUE", True), ("FALSE", False)):
        document = _one({"patient.renal_impairment": cell}).document
        assert isinstance(document, dict)
        assert value is document["patient"]["renal_impairment"]


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("next_refill", "15/01/2027"),
        ("next_refill", "1/2/2027"),
        ("visit_time", "27/11/2026 10:30"),
    ],
)
def test_a_date_in_a_spreadsheets_order_is_never_guessed(column: str, cell: str) -> None:
    """With no declared date format, a date written day/month or month/day is refused, naming
    its column and saying what to do; the record's own 'missing' does not repeat it."""
    [(location, message)] = _problems(_one({column: cell}))
    assert column == location
    assert "would be a guess" in message
    assert "--date-format" in message


@pytest.mark.parametrize(
    ("date_format", "cell", "iso"),
    [("%d/%m/%Y", "1/2/2027", "2027-02-01"), ("%m/%d/%Y", "1/2/2027", "2027-01-02")],
)
def test_a_declared_date_format_is_read(date_format: str, cell: str, iso: str) -> None:
    """The clinic's declared order decides: 1/2/2027 is 1 February day-first, 2 January
    month-first."""
    row = _one({"next_refill": cell}, SheetDialect(date_format=date_format))
    assert isinstance(row.document, dict)
    assert iso == row.document["next_refill"]
    assert [] == _problems(row)


def test_a_declared_date_and_time_still_needs_its_zone() -> None:
    """A visit time in the declared order has no time zone, as Excel writes none: the record
    asks for it rather than assuming one."""
    row = _one({"visit_time": "27/11/2026 10:30"}, DAY_FIRST)
    assert [("visit_time", "add the time zone, like 2026-11-27T10:30:00+00:00 or ...Z")] == (
        _problems(row)
    )


def test_a_date_not_in_the_declared_format_is_refused() -> None:
    """With %d/%m/%Y declared, 2027.01.15 is refused, naming the declared format."""
    [(location, message)] = _problems(_one({"next_refill": "15.01.2027"}, DAY_FIRST))
    assert ("next_refill", True) == (location, "declared date format %d/%m/%Y" in message)


def test_a_legacy_code_page_row_says_save_as_csv_utf8() -> None:
    """A row in Windows-1252 (é as byte 0xE9) is not read; its problem says to save as CSV
    UTF-8."""
    text = csv_text([{**cells_of(CLEAR), "dosing.change_reason": "Révision"}])
    [row] = _rows(text.encode("cp1252"))
    assert "save as CSV UTF-8" in row.problems[0].message


def test_a_legacy_code_page_header_refuses_the_sheet() -> None:
    """A header that is not UTF-8 refuses the whole sheet with the same advice."""
    with pytest.raises(InvalidRecordError) as error:
        _rows("record_version,nöte\n1,2\n".encode("cp1252"))
    assert "save as CSV UTF-8" in error.value.problems[0].message


def test_a_byte_order_mark_is_accepted() -> None:
    """Excel's 'CSV UTF-8' starts with a byte-order mark: the first column is still named."""
    [row] = _rows("\ufeff" + csv_text([cells_of(CLEAR)]))
    assert [] == _problems(row)


def test_semicolons_are_refused_unless_declared(tmp_path: Path) -> None:
    """A semicolon-separated sheet is refused as a whole (exit 3) with the advice; declared
    with --delimiter ';' it reads as the comma sheet does."""
    comma = csv_text([cells_of(CLEAR)])
    semicolon = csv_text([cells_of(CLEAR)]).replace(",", ";")
    (tmp_path / "day.csv").write_text(semicolon, "utf-8")
    refused = run_cli("sheet", str(tmp_path / "day.csv"))
    assert (3, True, True) == (
        refused.exit_code,
        "save as CSV UTF-8" in refused.stderr,
        "--delimiter ';'" in refused.stderr,
    )
    declared = run_cli("sheet", "--delimiter", ";", "--format", "jsonl", str(tmp_path / "day.csv"))
    (tmp_path / "comma.csv").write_text(comma, "utf-8")
    plain = run_cli("sheet", "--format", "jsonl", str(tmp_path / "comma.csv"))
    assert (0, plain.stdout.replace("comma.csv", "day.csv")) == (
        declared.exit_code,
        declared.stdout,
    )


@pytest.mark.parametrize(
    "option", [("--date-format", "%d/%m"), ("--date-format", "%b %d %Y"), ("--delimiter", "|")]
)
def test_an_unusable_dialect_is_a_usage_error(option: tuple[str, str]) -> None:
    """A date format without day, month and year once each, or a delimiter other than comma,
    semicolon or tab, is refused with exit 2 before any row is read."""
    result = run_cli("sheet", *option, str(EXAMPLES / "refill-day.csv"))
    assert (2, "") == (result.exit_code, result.stdout)


def test_a_unit_in_the_header_makes_a_number_a_quantity() -> None:
    """Under `refill.fill_volume (mL)` the cell 18 is 18 mL, and a cell with its own unit
    stays as written; a unit on a column that holds no quantity refuses the header."""
    cells = cells_of(CLEAR)
    cells["refill.fill_volume (mL)"] = cells.pop("refill.fill_volume").removesuffix(" mL")
    [row] = _rows(csv_text([cells]))
    assert isinstance(row.document, dict)
    assert "18 mL" == row.document["refill"]["fill_volume"]
    with pytest.raises(InvalidRecordError) as error:
        _rows("patient.id (mL),record_version\n1,1\n")
    assert "holds no quantity" in error.value.problems[0].message


def _workbook(build: object) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["record_version", "refill.fill_volume (mL)", "next_refill"])
    assert callable(build)
    build(book, sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_rows(data: bytes) -> list[Row]:
    return list(read_xlsx(io.BytesIO(data), "day.xlsx"))


def test_xlsx_typed_cells_are_mapped_exactly() -> None:
    """A number under a unit header is that quantity (0.26 stays 0.26), text '18' keeps no
    unit, a date cell in a date column is an ISO date."""
    import datetime as dt

    def build(_: object, sheet: Worksheet) -> None:
        sheet.append([1, 0.26, dt.datetime(2027, 1, 15)])
        sheet.append([1, "18", "2027-01-15"])

    first, second = _xlsx_rows(_workbook(build))
    assert {
        "record_version": 1,
        "refill": {"fill_volume": "0.26 mL"},
        "next_refill": "2027-01-15",
    } == first.document
    assert isinstance(second.document, dict)
    assert "18" == second.document["refill"]["fill_volume"]


def test_xlsx_formula_without_a_saved_value_and_error_cells_are_refused() -> None:
    """A formula nobody computed (as openpyxl or a script writes it) and #DIV/0! are problems
    of their row naming the cell; the record's 'missing' does not repeat them."""

    def build(_: object, sheet: Worksheet) -> None:
        sheet.append([1, "=9*2", "2027-01-15"])
        sheet.append([1, "#DIV/0!", "2027-01-15"])

    formula, error = _xlsx_rows(_workbook(build))
    found = [
        [(p.location, p.kind) for p in row.syntax if p.kind in {"formula", "cell_error"}]
        for row in (formula, error)
    ]
    assert [[("refill.fill_volume", "formula")], [("refill.fill_volume", "cell_error")]] == found
    assert "cell B2 holds a formula with no saved value" in formula.syntax[0].message
    missing = [p for p in _problems_of(formula) if p[0] == "refill.fill_volume"]
    assert 1 == len(missing)


def _problems_of(row: Row) -> list[tuple[str, str]]:
    try:
        row.parse(row.load(row.raw, "day"), "day")
    except InvalidRecordError as error:
        return [(problem.location, problem.kind) for problem in error.problems]
    return []


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda book, sheet: book.create_sheet("more visits"), "the workbook has 2 sheets"),
        (lambda book, sheet: sheet.merge_cells("A2:B2"), "merged cells A2:B2"),
    ],
    ids=["two-sheets", "merged-cells"],
)
def test_a_workbook_that_could_hide_visits_is_refused(build: object, reason: str) -> None:
    """A second sheet (visits nobody would check) or merged cells (a value of no one row)
    refuse the whole workbook."""
    with pytest.raises(InvalidRecordError) as error:
        _xlsx_rows(_workbook(build))
    assert reason in error.value.problems[0].message


def test_not_a_workbook_is_refused() -> None:
    """A file named .xlsx that is not a workbook is refused as a whole."""
    with pytest.raises(InvalidRecordError) as error:
        list(read_any_sheet(io.BytesIO(b"PK\x03\x04 not really"), "day.xlsx", b"PK\x03\x04"))
    assert "not an Excel workbook" in error.value.problems[0].message


def test_the_shipped_template_is_what_the_code_makes() -> None:
    """examples/refill-sheet-template.xlsx holds exactly the header, example row and checks
    that `python -m itbcheck.sheettemplate` makes, and its one sheet is the only sheet."""

    def contents(data: bytes) -> tuple[object, ...]:
        book = openpyxl.load_workbook(io.BytesIO(data))
        [sheet] = book.worksheets
        values = [[cell.value for cell in row] for row in sheet.iter_rows(max_row=2)]
        checks = sorted(
            (str(v.sqref), v.type, v.formula1) for v in sheet.data_validations.dataValidation
        )
        return sheet.title, values, checks

    shipped = (EXAMPLES / "refill-sheet-template.xlsx").read_bytes()
    assert contents(template_bytes()) == contents(shipped)


def test_the_template_names_every_column_of_the_example_sheet() -> None:
    """The template's columns, units aside, are examples/refill-day.csv's, in its order."""
    header = (EXAMPLES / "refill-day.csv").read_text("utf-8").splitlines()[0].split(",")
    assert header == [name.split(" (")[0] for name in COLUMNS]
    assert len(COLUMNS) == len(EXAMPLE)


def test_the_template_offers_drop_downs_and_reads_clear() -> None:
    """The template lists the shipped profiles, origins and units are in the header; its
    example row is checked CLEAR."""
    [sheet] = openpyxl.load_workbook(EXAMPLES / "refill-sheet-template.xlsx").worksheets
    lists = [v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert '"spinal,cerebral"' in lists
    assert any("synchromed-ii-20ml" in formula for formula in lists)
    assert "refill.fill_volume (mL)" in [cell.value for cell in sheet[1]]
    result = run_cli("sheet", str(EXAMPLES / "refill-sheet-template.xlsx"))
    assert (0, "CLEAR    1") == (result.exit_code, result.stdout.splitlines()[4].strip())


def test_xlsx_sheet_of_every_field_reads_as_the_csv() -> None:
    """A workbook made of the example record's cells gives the CSV row's document."""
    [csv_row] = _rows(csv_text([cells_of(CLEAR)]))
    [xlsx_row] = _xlsx_rows(xlsx_bytes([cells_of(CLEAR)]))
    assert csv_row.document == xlsx_row.document


def test_xlsx_formula_with_a_saved_value_counts_by_that_value() -> None:
    """A formula Excel computed and saved (=9*2 saved as 18) is read as 18 mL under a header
    in mL: what the nurse saw in the cell."""
    import zipfile

    def build(_: object, sheet: Worksheet) -> None:
        sheet.append([1, "=9*2", "2027-01-15"])

    written = io.BytesIO(_workbook(build))
    saved = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(saved, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>9*2</f><v />", b"<f>9*2</f><v>18</v>")
            target.writestr(item, data)
    [row] = _xlsx_rows(saved.getvalue())
    assert isinstance(row.document, dict)
    assert ("18 mL", ()) == (row.document["refill"]["fill_volume"], row.syntax)
