"""The audit export as an Excel workbook: the CSV export's columns, with typed cells.

`timestamp` is a date-time cell holding the local time in the zone asked for, and
`utc_offset` beside it says which offset that local time has (a spreadsheet date holds no
zone); `seq` is a number. Every other cell is text, stored as text even when it starts with
`=`: a value from the log never becomes a formula in the pharmacist's Excel.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any

from itbcheck.audit.export import CSV_COLUMNS, export_row, local_time, text_of

WORKBOOK_COLUMNS = (*CSV_COLUMNS[:2], "utc_offset", *CSV_COLUMNS[2:])
TIMESTAMP_FORMAT = "yyyy-mm-dd hh:mm:ss.000"


def utc_offset(moment: dt.datetime) -> str:
    """The offset as `+HH:MM`, as ISO 8601 writes it."""
    return moment.isoformat()[-6:]


def _storable(text: str) -> str:
    """The text with each control character an Excel cell cannot hold written as its escape
    (`\\x01`), so that the export shows it instead of failing."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub(lambda match: repr(match.group())[1:-1], text)


def to_xlsx(entries: Iterable[Mapping[str, Any]], zone: dt.tzinfo = dt.UTC) -> bytes:
    """One sheet, `audit`, with a header row and one row per entry."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "audit"
    sheet.append(list(WORKBOOK_COLUMNS))
    for number, entry in enumerate(entries, start=2):
        row = export_row(entry)
        moment = local_time(entry, zone)
        for column, name in enumerate(WORKBOOK_COLUMNS, start=1):
            cell = sheet.cell(row=number, column=column)
            if name == "seq" and type(row.get("seq")) is int:
                cell.value = row["seq"]
            elif name == "timestamp" and moment is not None:
                cell.value = moment.replace(tzinfo=None)
                cell.number_format = TIMESTAMP_FORMAT
            elif name == "utc_offset":
                cell.value = utc_offset(moment) if moment is not None else None
            else:
                cell.value = _storable(text_of(row.get(name))) or None
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
