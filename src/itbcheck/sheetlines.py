"""What a sheet's physical lines can hide: visits swallowed by a CSV quote left open, and JSON
lines run together by carriage-return (CR) line ends.

A stray opening quote in a CSV cell takes the lines after it into that cell, up to the next
quote; the visits on those lines would get no result, no audit entry and no mention. So a
CSV row that spans several lines says which lines and how many visits they may hold, and is
never checked: it is a problem of its row when the row is already bad, and also when the row
parsed but a line inside it looks like a row of its own. A quoted line break in a free-text
cell (a reason written on two lines) is not such a line and passes.
"""

from __future__ import annotations

import csv

from itbcheck.exceptions import InvalidRecordError, Problem


def physical_lines(raw: bytes) -> list[bytes]:
    """The lines of a row's bytes as read, without their line ends."""
    return [line.removesuffix(b"\r") for line in raw.removesuffix(b"\n").split(b"\n")]


def _looks_like_a_row(line: bytes, columns: int) -> bool:
    """A line that on its own reads as at least half the header's cells (and at least two)."""
    cells = next(csv.reader([line.decode("utf-8", "replace")]), [])
    return len(cells) >= max(2, columns // 2)


def open_quote_problem(first: int, raw: bytes, columns: int, *, bad: bool) -> Problem | None:
    """For a CSV row spanning more than one line: the lines it spans and how many visits they
    may hide. Given for a `bad` row whatever its lines hold; for a row that parsed, only when a
    line after its first looks like a row of its own. None for a row of one line."""
    if b"\n" not in raw.removesuffix(b"\n"):
        return None  # one line, as almost every row is: no need to split it into lines
    lines = physical_lines(raw)
    after = [line for line in lines[1:] if line.strip()]
    if not bad and not any(_looks_like_a_row(line, columns) for line in after):
        return None
    last = first + len(lines) - 1
    taken = f"line {last}" if last == first + 1 else f"lines {first + 1}-{last}"
    message = (
        f"the row spans lines {first}-{last}: a quote left open may have taken in up to "
        f"{len(after)} more visit(s) on {taken}, which were not checked; close the quote, "
        "or quote the whole cell"
    )
    return Problem("record", message, kind="open_quote")


def carriage_returns(line: bytes) -> int:
    """Carriage returns in a JSON line, apart from the CR of a CRLF line end."""
    body = line[:-2] if line.endswith(b"\r\n") else line.removesuffix(b"\n")
    return body.count(b"\r")


def _records_in(line: bytes) -> int:
    return sum(1 for part in line.split(b"\r") if part.strip())


def cr_line_ends_problem(line: bytes) -> Problem:
    """A JSON line holding carriage returns: CR-only line ends run records together."""
    message = (
        f"the line holds {carriage_returns(line)} carriage return(s) (CR), so up to "
        f"{_records_in(line)} records run together on it; save the file with LF or CRLF "
        "line ends"
    )
    return Problem("record", message, kind="line_ends")


def refuse_cr_only(line: bytes, source: str) -> InvalidRecordError:
    """The sheet as a whole, when its first line already holds carriage returns: its line ends
    are CR only (old Mac style), so the file would read as one row."""
    message = (
        "the line ends are CR only (old Mac style), so the file reads as one line holding up "
        f"to {_records_in(line)} records; save it with LF or CRLF line ends"
    )
    return InvalidRecordError([Problem("sheet", message, kind="line_ends")], source)
