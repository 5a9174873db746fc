"""What a sheet's lines can hide (issue 10, point 14): visits swallowed by a CSV quote left
open, JSON lines run together by CR-only line ends, and cells that are only white space.

The sheets are built from `examples/visit-clear.yaml`, which is CLEAR as a row of its own, so
any other result comes from the lines around it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from itbcheck.cli import ExitCode
from itbcheck.sheet import read_sheet
from tests.conftest import EXAMPLES, audit_entries, run_cli
from tests.sheets import cells_of, csv_text, document_of, jsonl_text

CLEAR = document_of(EXAMPLES / "visit-clear.yaml")
HEADER, ROW = csv_text([cells_of(CLEAR)]).splitlines()


def _sheet(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _problems(text: str) -> dict[int, list[str]]:
    """Each row's line number and the messages of its problems, read as `sheet` reads them."""
    rows = read_sheet(io.BytesIO(text.encode("utf-8")), "sheet.csv", jsonl=False)
    return {row.line: [p.message for p in (*row.problems, *row.syntax)] for row in rows}


def test_point_14_a_quote_left_open_names_every_line_and_the_hidden_visits(
    tmp_path: Path, audit_log: Path
) -> None:
    """Six CLEAR rows on lines 2-7, the second with a quote opened and never closed: the row
    on line 3 spans lines 3-7 and may hide the 4 visits on lines 4-7; the sheet exits 3, not 0,
    and only the two rows read get an entry."""
    rows = [ROW] * 6
    rows[1] = ROW.replace(",baclofen,", ',"baclofen,')
    path = _sheet(tmp_path, "day.csv", "\n".join([HEADER, *rows]) + "\n")
    result = run_cli("sheet", str(path), "--format", "jsonl")
    expected = (
        "the row spans lines 3-7: a quote left open may have taken in up to 4 more visit(s) "
        "on lines 4-7, which were not checked; close the quote, or quote the whole cell"
    )
    assert ExitCode.INVALID_RECORD == result.exit_code
    assert [2, 3] == [entry["line"] for entry in audit_entries(audit_log)]
    assert expected in result.stdout


def test_point_14_a_quote_that_closes_rows_later_cannot_hide_them(
    tmp_path: Path, audit_log: Path
) -> None:
    """A quote opened in the last cell of line 3 and closed in the last cell of line 6 reads as
    one row with the right number of cells; it is refused by its lines (3-6, 3 visits), not
    only, as before, by the length of the text that swallowed them."""
    header = HEADER + ",dosing.change_reason"
    rows = [ROW + ",", ROW + ',"Dose raised', ROW + ",", ROW + ",", ROW + ',as planned"', ROW + ","]
    text = "\n".join([header, *rows]) + "\n"
    path = _sheet(tmp_path, "day.csv", text)
    result = run_cli("sheet", str(path))
    assert ExitCode.INVALID_RECORD == result.exit_code
    assert [2, 3, 7] == [entry["line"] for entry in audit_entries(audit_log)]
    assert [
        "the row spans lines 3-6: a quote left open may have taken in up to 3 more visit(s) "
        "on lines 4-6, which were not checked; close the quote, or quote the whole cell"
    ] == _problems(text)[3]


def test_point_14_a_reason_written_on_two_lines_is_not_a_hidden_row() -> None:
    """A properly quoted cell with a line break spans two lines, and its second line does not
    look like a row: the row is read with no problem."""
    header = HEADER + ",dosing.change_reason"
    text = f'{header}\n{ROW},"Dose raised 20 %\nafter review"\n{ROW},\n'
    assert {2: [], 4: []} == _problems(text)


def test_point_14_a_bad_row_on_two_lines_names_both() -> None:
    """A row with too many cells whose quoted break spans lines 2-3 names both lines."""
    text = f'{HEADER}\n{ROW},"x\ny"\n'
    assert [
        f"too many cells: {HEADER.count(',') + 2}, the header has {HEADER.count(',') + 1}",
        "the row spans lines 2-3: a quote left open may have taken in up to 1 more visit(s) "
        "on line 3, which were not checked; close the quote, or quote the whole cell",
    ] == _problems(text)[2]


def test_point_14_jsonl_with_cr_only_line_ends_is_refused(tmp_path: Path) -> None:
    """Three JSON records separated by CR alone are refused as a whole (exit 3), with one line
    that says why and how to fix it, instead of being read as one bad row."""
    text = jsonl_text([CLEAR] * 3).replace("\n", "\r")
    path = _sheet(tmp_path, "day.jsonl", text)
    result = run_cli("sheet", str(path))
    expected = (
        f"{path}: sheet: the line ends are CR only (old Mac style), so the file reads as one "
        "line holding up to 3 records; save it with LF or CRLF line ends\n"
    )
    assert (ExitCode.INVALID_RECORD, expected) == (result.exit_code, result.stderr)


def test_point_14_a_later_jsonl_line_with_cr_inside_is_a_bad_row(tmp_path: Path) -> None:
    """CRLF line ends are fine; a later line holding two records joined by a CR is refused as
    a row that may hold 2 records, and the sheet exits 3."""
    one = jsonl_text([CLEAR]).rstrip("\n")
    path = _sheet(tmp_path, "day.jsonl", f"{one}\r\n{one}\r{one}\r\n{one}\r\n")
    result = run_cli("sheet", str(path), "--format", "jsonl")
    assert ExitCode.INVALID_RECORD == result.exit_code
    assert (
        "the line holds 1 carriage return(s) (CR), so up to 2 records run together on it; "
        "save the file with LF or CRLF line ends"
    ) in result.stdout


@pytest.mark.parametrize("blank", [" ", "   ", "\u00a0", "\u3000", " \t\u00a0 "])
def test_point_14_a_cell_of_white_space_is_an_empty_cell(blank: str) -> None:
    """A CSV cell holding only white space, a no-break or ideographic space included, is
    read as empty, a field not given: the row's document equals the one with an empty cell."""
    header = HEADER + ",dosing.change_reason"
    text = f"{header}\n{ROW},{blank}\n{ROW},\n"
    first, second = read_sheet(io.BytesIO(text.encode("utf-8")), "sheet.csv", jsonl=False)
    assert second.document == first.document
    assert "change_reason" not in first.document["dosing"]  # type: ignore[index]
