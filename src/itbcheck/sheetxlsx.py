"""A refill sheet saved as an Excel workbook (.xlsx), read with its typed cells.

The workbook's one sheet is read like a CSV sheet: the first row names the columns (a unit may
follow a quantity column's name, `refill.fill_volume (mL)`), each later row is one visit, and
the cells go through the same `row_document` as CSV cells. A number cell under a header with a
unit is that many of the unit; a text cell is taken as typed (`18` typed as text has no unit).
A typed cell is first written as the text a CSV would hold, exactly: a whole number as `18`,
any other number as the shortest text that reads back as the same float (`0.26`), a boolean
as `TRUE` or `FALSE`, a date in a date column as `2027-01-15`, a date and time as
`2026-11-27T08:30:00` (with no time zone, which the record asks for). A formula counts by the
value Excel saved with it.

Refused, so that no visit is checked from a cell nobody can see or from a value never computed:
a workbook with more than one sheet (hidden ones included) or with merged cells, refused as a
whole; a formula with no saved value, or a cell holding a spreadsheet error (`#DIV/0!`), a
problem of its row. Unlike CSV, a workbook is read whole, so it may be at most MAX_XLSX_BYTES.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from itbcheck.exceptions import InvalidRecordError, Problem
from itbcheck.sheetcells import DEFAULT_DIALECT, SheetDialect, split_header
from itbcheck.sheetcolumns import (
    Column,
    column_path,
    column_plan,
    header_problems,
    row_document,
    unit_problems,
)

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

    from itbcheck.sheet import Row

MAX_XLSX_BYTES = 16 * 1024 * 1024  # itbcheck's choice: a year of refill days is far smaller
ZIP_MAGIC = b"PK\x03\x04"


def looks_like_xlsx(name: str, first: bytes) -> bool:
    """An Excel workbook by its name, or, for any other name, by its first bytes (a ZIP)."""
    return name.endswith(".xlsx") or first.startswith(ZIP_MAGIC)


def _refused(message: str, kind: str, source: str) -> InvalidRecordError:
    return InvalidRecordError([Problem("sheet", message, kind=kind)], source)


def _number(value: float) -> str:
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def cell_text(value: object, kind: str) -> str:
    """A typed cell's value as the text a CSV cell would hold (see the module's docstring)."""
    text = ""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = _number(value)
    elif isinstance(value, dt.datetime) and kind == "date" and value.time() == dt.time():
        text = value.date().isoformat()
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    elif value is not None:
        text = str(value)
    return text


def _formula(cell: Cell) -> bool:
    return cell.data_type == "f" or not isinstance(
        cell.value, str | int | float | bool | dt.date | dt.time | dt.timedelta | type(None)
    )


def _row_cells(
    written: tuple[Cell, ...], saved: tuple[Cell, ...], plan: list[Column]
) -> tuple[list[str], list[Problem], dict[str, Any]]:
    """The row's cells as text, the problems of cells that hold no usable value, and the row
    as recorded for its hash."""
    texts: list[str] = []
    problems: list[Problem] = []
    recorded: dict[str, Any] = {}
    for cell, value_cell, (kind, sections, name, unit) in zip(written, saved, plan, strict=False):
        where = ".".join(map(str, (*sections, name))) if kind != "unnamed" else cell.coordinate
        value = value_cell.value
        if _formula(cell) and value is None:
            message = (
                f"cell {cell.coordinate} holds a formula with no saved value; open the file in "
                "Excel and save it, or type the value"
            )
            problems.append(Problem(where, message, kind="formula"))
            value = None
        elif value_cell.data_type == "e":
            message = f"cell {cell.coordinate} holds the spreadsheet error {value}"
            problems.append(Problem(where, message, kind="cell_error"))
            value = None
        text = cell_text(value, kind)
        if unit and kind == "quantity" and type(value) in {int, float}:
            text = f"{text} {unit}"  # a number cell under a header with a unit; text is as typed
        texts.append(text)
        if text:
            recorded[cell.coordinate] = text
    return texts, problems, recorded


def _workbooks(data: bytes, source: str) -> tuple[Any, Any]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        written = load_workbook(io.BytesIO(data), data_only=False)
        saved = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError):
        raise _refused("not an Excel workbook (.xlsx) that can be read", "xlsx", source) from None
    return written, saved


def _sheet_problems(book: Any) -> list[Problem]:
    problems = []
    if len(book.worksheets) != 1:
        names = ", ".join(repr(sheet.title) for sheet in book.worksheets)
        message = (
            f"the workbook has {len(book.worksheets)} sheets ({names}); a refill sheet must be "
            "its workbook's only sheet, so that no visit on another sheet goes unchecked"
        )
        problems.append(Problem("sheet", message, kind="sheets"))
    merged = [str(area) for sheet in book.worksheets for area in sheet.merged_cells.ranges]
    if merged:
        message = (
            f"merged cells {', '.join(merged[:5])}: a merged cell's value belongs to no one "
            "row; unmerge them and fill each cell"
        )
        problems.append(Problem("sheet", message, kind="merged_cells"))
    return problems


def read_xlsx(
    stream: IO[bytes], source: str, dialect: SheetDialect = DEFAULT_DIALECT
) -> Iterator[Row]:
    """Rows of a workbook's only sheet; raises `InvalidRecordError` when the workbook or its
    header cannot be used."""
    from itbcheck.sheet import Row  # the class itself, at run time

    data = stream.read(MAX_XLSX_BYTES + 1)
    if len(data) > MAX_XLSX_BYTES:
        message = f"larger than {MAX_XLSX_BYTES} bytes: save it as CSV UTF-8, read row by row"
        raise _refused(message, "too_large", source)
    written, saved = _workbooks(data, source)
    problems = _sheet_problems(written)
    if problems:
        raise InvalidRecordError(problems, source)
    rows = list(zip(written.active.iter_rows(), saved.active.iter_rows(), strict=True))
    if not rows:
        raise _refused("empty: no header row", "empty", source)
    header = [cell_text(cell.value, "text").strip() for cell in rows[0][1]]
    names, units = zip(*map(split_header, header), strict=True)
    plan = column_plan([column_path(name) for name in names], list(units))
    problems = header_problems(list(names)) + unit_problems(list(names), plan)
    if not any(names):
        problems.append(Problem("header", "the first row must name the columns", kind="header"))
    if problems:
        raise InvalidRecordError(problems, f"{source}:1")
    # The header's unit was given to the number cells above; a text cell stays as typed.
    as_typed: list[Column] = [(kind, sections, name, None) for kind, sections, name, _ in plan]
    last = max(
        (n for n, (_, cells) in enumerate(rows) if any(c.value is not None for c in cells)),
        default=0,
    )
    for number, (written_cells, saved_cells) in enumerate(rows[1 : last + 1], start=2):
        texts, broken, recorded = _row_cells(written_cells, saved_cells, plan)
        raw = json.dumps(recorded, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        if not recorded and not broken:
            yield Row(
                number, raw.encode(), problems=(Problem("record", "empty row", kind="empty"),)
            )
            continue
        document, syntax = row_document(as_typed, texts, dialect)
        yield Row(number, raw.encode(), document, syntax=(*broken, *syntax))
