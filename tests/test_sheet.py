"""Reading a sheet: rows one at a time from a stream, CSV cells mapped onto the record, the
compact forms, and every way a row or a header can be broken."""

from __future__ import annotations

import io
import itertools
import re
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from itbcheck.exceptions import InvalidRecordError
from itbcheck.reading import MAX_INPUT_BYTES
from itbcheck.records import Record
from itbcheck.recordsections import Override
from itbcheck.sheet import (
    Row,
    column_path,
    column_plan,
    looks_like_jsonl,
    read_sheet,
    row_document,
)
from tests.conftest import EXAMPLES, REPO
from tests.sheets import cells_of, csv_text, document_of

CLEAR = document_of(EXAMPLES / "visit-clear.yaml")


def _csv_rows(text: str | bytes) -> list[Row]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(read_sheet(io.BytesIO(data), "day.csv", jsonl=False))


def _problems(row: Row) -> list[tuple[str, str]]:
    try:
        row.parse(row.load(row.raw, "day.csv"), "day.csv")
    except InvalidRecordError as error:
        return [(problem.location, problem.message) for problem in error.problems]
    return []


class _Endless(io.RawIOBase):
    """A stream that never ends: a header (for CSV) and then the same row forever."""

    def __init__(self, head: bytes, row: bytes) -> None:
        self.pending = head
        self.row = row
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self.pending) < len(buffer):
            self.pending += self.row
        size = len(buffer)
        buffer[:size], self.pending = self.pending[:size], self.pending[size:]
        self.served += size
        return size


@pytest.mark.parametrize("jsonl", [False, True], ids=["csv", "jsonl"])
def test_rows_are_read_one_at_a_time(jsonl: bool) -> None:
    """The reader is a generator over an endless stream: the first rows come out after
    reading a few kilobytes, not the whole file."""
    cells = cells_of(CLEAR)
    lines = csv_text([cells]).encode().splitlines(keepends=True)
    head, row = (b"", b'{"record_version": 1}\n') if jsonl else (lines[0], lines[1])
    stream = _Endless(head, row)
    rows = read_sheet(io.BufferedReader(stream), "endless", jsonl=jsonl)
    assert isinstance(rows, Iterator)
    first = list(itertools.islice(rows, 5))
    assert [1, 2, 3, 4, 5] == [r.line - (0 if jsonl else 1) for r in first]
    assert stream.served < 64 * 1024


def test_csv_cells_become_the_record_as_written() -> None:
    """A row's cells are the record's fields: quantities as text with their unit, the integer
    and true/false columns as numbers and booleans, an empty cell as a field not given."""
    [row] = _csv_rows(csv_text([cells_of(CLEAR)]))
    assert CLEAR == row.document


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("patient.age_years", " 42", "Input should be a valid integer"),
        ("patient.age_years", "42.0", "Input should be a valid integer"),
        ("patient.renal_impairment", "True", "Input should be a valid boolean"),
        ("refill.fill_volume", "18", "missing unit: write a volume such as '18 mL'"),
        ("record_version", "1.0", "write the record version as the integer 1"),
    ],
)
def test_cells_are_not_coerced(column: str, cell: str, message: str) -> None:
    """Only a plain whole number or exactly true/false is read as such; anything else is left
    as text for the record to refuse, with the record's own words."""
    [row] = _csv_rows(csv_text([{**cells_of(CLEAR), column: cell}]))
    assert [(column, message)] == _problems(row)


def test_compact_steps_and_boluses() -> None:
    """'HH:MM RATE; ...' and '[HH:MM] dose|volume QUANTITY; ...' become flex steps and
    boluses."""
    cells = {
        **cells_of(CLEAR),
        "dosing.prescription.mode": "flex",
        "dosing.prescription.daily_dose": "",
        "dosing.prescription.steps": "00:00 19 mcg/h;08:00  21 mcg/h",
        "dosing.prescription.boluses": "08:00 dose 24 mcg; volume 0.01 mL",
    }
    [row] = _csv_rows(csv_text([cells]))
    prescription = row.document["dosing"]["prescription"]  # type: ignore[index]
    assert {
        "mode": "flex",
        "steps": [{"start": "00:00", "rate": "19 mcg/h"}, {"start": "08:00", "rate": "21 mcg/h"}],
        "boluses": [{"time": "08:00", "dose": "24 mcg"}, {"volume": "0.01 mL"}],
    } == prescription


def test_a_broken_compact_cell_is_reported_with_the_rows_other_problems() -> None:
    """A step written wrongly is reported at its index, together with every other problem of
    the row, and not also as a missing field."""
    cells = {
        **cells_of(CLEAR),
        "dosing.prescription.mode": "flex",
        "dosing.prescription.daily_dose": "",
        "dosing.prescription.steps": "00:00 19 mcg/h; 08:00",
        "refill.fill_volume": "",
    }
    [row] = _csv_rows(csv_text([cells]))
    assert [
        ("dosing.prescription.steps[1]", "write each step as 'HH:MM RATE', like '07:00 20 mcg/h'"),
        ("refill.fill_volume", "missing field"),
    ] == _problems(row)


def test_overrides_are_numbered_column_groups() -> None:
    """overrides[N].field columns make one override per filled group, in number order."""
    override = {
        "rule": "daily_dose_range",
        "approved_limit": "950 mcg/day",
        "approver": "Dr A. Okafor, rehabilitation medicine",
        "reason": "Spasticity uncontrolled;\nsee clinic letter",
    }
    cells = {**cells_of(CLEAR), **{f"overrides[1].{k}": v for k, v in override.items()}}
    header = [*cells_of(CLEAR), *(f"overrides[{n}].{k}" for n in (0, 1) for k in override)]
    rows = _csv_rows(csv_text([cells, cells_of(CLEAR)], header))
    assert [override] == rows[0].document["overrides"]  # type: ignore[index]
    assert [2, 4] == [row.line for row in rows]  # the quoted line break makes row 1 two lines


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"\xff\xfe", "not valid UTF-8 (byte", id="not-utf8"),
        pytest.param(b'"ward 4"b,x', "not valid CSV", id="stray-quote"),
        pytest.param(b"x" * (MAX_INPUT_BYTES + 10), "row too long for a record", id="too-long"),
        pytest.param(b" , ,", "empty line", id="blank-cells"),
    ],
)
def test_a_broken_row_does_not_stop_the_next(data: bytes, message: str) -> None:
    """A row that is not UTF-8, not valid CSV, too long or blank is refused with its reason,
    and the row after it is read as usual."""
    text = csv_text([cells_of(CLEAR)]).encode()
    header, good = text.splitlines(keepends=True)
    rows = _csv_rows(header + data + b"\n" + good)
    assert message in rows[0].problems[0].message
    assert (3, CLEAR) == (rows[-1].line, rows[-1].document)


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted() -> None:
    """A sheet saved by a spreadsheet (byte-order mark, CRLF) reads as the same record."""
    text = csv_text([cells_of(CLEAR)]).replace("\n", "\r\n")
    [row] = _csv_rows(b"\xef\xbb\xbf" + text.encode())
    assert CLEAR == row.document


def test_unknown_and_unnamed_columns() -> None:
    """A value under an unknown column is an unknown field, under its own name; a column with
    no name must stay empty; either, left empty, is harmless."""
    header = [*cells_of(CLEAR), "Ward note", ""]
    rows = _csv_rows(
        csv_text([{**cells_of(CLEAR), "Ward note": "bed 4", "": "x"}, cells_of(CLEAR)], header)
    )
    assert [
        ("record", f"cell {len(header)} has a value, but its column has no name"),
        ("Ward note", "unknown field"),
    ] == _problems(rows[0])
    assert [] == _problems(rows[1])


@pytest.mark.parametrize(
    ("name", "first", "expected"),
    [
        ("day.csv", b"{", False),
        ("day.jsonl", b"record_version", True),
        ("day.ndjson", b"", True),
        ("<stdin>", b"\xef\xbb\xbf  {", True),
        ("<stdin>", b"record_version,", False),
    ],
)
def test_format_by_name_then_first_character(name: str, first: bytes, expected: bool) -> None:
    """.csv is CSV and .jsonl/.ndjson JSON lines; anything else is JSON lines when its first
    non-blank character is '{'."""
    assert expected == looks_like_jsonl(name, first)


def _leaf_columns(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """The CSV column of every record field: nested models' fields, steps and boluses whole,
    overrides as numbered groups."""
    for name, info in model.model_fields.items():
        path = prefix + name
        inner = [
            arg
            for arg in (info.annotation, *typing.get_args(info.annotation))
            for arg in (arg, *typing.get_args(arg))
            if isinstance(arg, type) and issubclass(arg, BaseModel)
        ]
        if path in {"dosing.prescription.steps", "dosing.prescription.boluses"} or not inner:
            yield path
        elif path == "overrides":
            yield from (f"overrides[0].{field}" for field in Override.model_fields)
        else:
            for nested in dict.fromkeys(inner):
                yield from _leaf_columns(nested, path + ".")


def test_columns_table_lists_every_record_field() -> None:
    """docs/sheet.md's column table names exactly one column per record field, and each maps
    onto that field."""
    text = (REPO / "docs" / "sheet.md").read_text("utf-8")
    table = text.split("| Column | Record field | Notes |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", table, re.M)
    assert sorted(set(_leaf_columns(Record))) == sorted(column for column, _ in rows)
    assert [] == [c for c, field in rows if column_path(c) != column_path(field) or c != field]


def test_example_sheet_has_every_column() -> None:
    """examples/refill-day.csv has a column for every record field."""
    header = (EXAMPLES / "refill-day.csv").read_text("utf-8").splitlines()[0].split(",")
    assert sorted(set(_leaf_columns(Record))) == sorted(header)


def test_point_8_and_10_columns_hold_numbers_and_booleans() -> None:
    """Issue 11 points 8 and 10: a max_per_day column holds a whole number, the MRI's two
    columns true or false, as a YAML record would."""
    names = [
        "dosing.patient_bolus.max_per_day",
        "dosing.previous_patient_bolus.max_per_day",
        "since_last_visit.mri.pump_emptied_before",
        "since_last_visit.mri.interrogated_after",
    ]
    plan = column_plan([column_path(name) for name in names])
    expected = {
        "dosing": {
            "patient_bolus": {"max_per_day": 8},
            "previous_patient_bolus": {"max_per_day": 4},
        },
        "since_last_visit": {"mri": {"pump_emptied_before": True, "interrogated_after": False}},
    }
    assert (expected, []) == row_document(plan, ["8", "4", "true", "false"])
