"""Records written as sheet rows, for the sheet tests: every shipped example and check fixture
as a JSON line and as a CSV row, with the compact forms of docs/sheet.md."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from itbcheck.reading import load_document
from tests.conftest import CHECK_FIXTURES, EXAMPLES

# Every example but the README tour's refused record (examples/broken.yaml, tests/test_readme.py).
VALID_EXAMPLES = sorted(path for path in EXAMPLES.glob("*.yaml") if path.name != "broken.yaml")
RECORD_FILES = VALID_EXAMPLES + sorted(CHECK_FIXTURES.glob("*.yaml"))


def document_of(path: Path) -> dict[str, Any]:
    """A record file's data, loaded exactly as `itbcheck check` loads it."""
    data: dict[str, Any] = load_document(path.read_bytes(), path.name)
    return data


def cells_of(document: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A record document as CSV cells by column name: the inverse of the sheet reader."""
    cells: dict[str, str] = {}
    for key, value in document.items():
        path = prefix + key
        if value is None:
            continue
        if path == "dosing.prescription.steps":
            cells[path] = "; ".join(f"{step['start']} {step['rate']}" for step in value)
        elif path == "dosing.prescription.boluses":
            cells[path] = "; ".join(
                (f"{bolus['time']} " if bolus.get("time") else "")
                + (f"dose {bolus['dose']}" if bolus.get("dose") else f"volume {bolus['volume']}")
                for bolus in value
            )
        elif path == "overrides":
            for index, override in enumerate(value):
                for name, text in override.items():
                    cells[f"overrides[{index}].{name}"] = text
        elif path == "refill.drugs":
            cells[path] = "; ".join(value)
        elif isinstance(value, dict):
            cells.update(cells_of(value, path + "."))
        elif isinstance(value, bool):
            cells[path] = "true" if value else "false"
        else:
            cells[path] = str(value)
    return cells


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    """A CSV sheet of `rows`; the header is every column any row has, in first-seen order."""
    columns = header or list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(name, "") for name in columns])
    return out.getvalue()


def xlsx_bytes(rows: list[dict[str, str]], units: dict[str, str] | None = None) -> bytes:
    """An Excel sheet of `rows` with typed cells, as a nurse would type them into the template:
    the header is every column any row has, quantity columns with the unit `units` gives them
    (by default the template's), each cell typed by `sheettemplate.typed`."""
    from openpyxl import Workbook

    from itbcheck.sheetcells import split_header
    from itbcheck.sheettemplate import COLUMNS, typed

    given = units if units is not None else dict(filter(lambda p: p[1], map(split_header, COLUMNS)))
    columns = list(dict.fromkeys(name for row in rows for name in row))
    headers = [f"{name} ({given[name]})" if name in given else name for name in columns]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for number, row in enumerate(rows, start=2):
        for index, (name, header) in enumerate(zip(columns, headers, strict=True), start=1):
            cell = sheet.cell(row=number, column=index, value=typed(row.get(name, ""), header))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text as typed, never a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def jsonl_text(documents: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(document, ensure_ascii=False) + "\n" for document in documents)
