"""A refill sheet: many visits in one file, read one row at a time.

Two formats (docs/sheet.md): CSV with a header of flat column names that map onto the record
(`patient.id`, `refill.fill_volume`, ...), and JSON lines, one record per line. Rows are read
lazily from a binary stream, so memory does not grow with the file. A row that cannot become a
record document (an empty line, too many cells, bytes that are not UTF-8) still comes out, with
its line number and problems; nothing here raises for a bad row. Only a sheet whose header
cannot be read at all is refused, with `InvalidRecordError`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from itbcheck.exceptions import InvalidRecordError, Problem
from itbcheck.reading import MAX_INPUT_BYTES, load_document
from itbcheck.records import Record, parse_record
from itbcheck.sheetcells import (
    DEFAULT_DIALECT,
    SAVE_AS_UTF8,
    SheetDialect,
    encoding_advice,
    semicolon_problem,
    split_header,
)
from itbcheck.sheetcolumns import (
    Column,
    column_path,
    column_plan,
    header_problems,
    row_document,
    unit_problems,
)
from itbcheck.sheetlines import (
    carriage_returns,
    cr_line_ends_problem,
    open_quote_problem,
    refuse_cr_only,
)
from itbcheck.stages import Stage

# Problems of a cell that was left out of the document: the record's own problem for that
# field (`missing`) would only repeat them.
LEFT_OUT = frozenset({"compact", "date_format", "formula", "cell_error"})


@dataclass(frozen=True)
class Row:
    """One row of a sheet: where it starts, its bytes as read, and what it holds. `document`
    is None when the row is not even a record document (`problems` says why); `syntax` holds
    problems of a compact cell, reported together with the record's own."""

    line: int
    raw: bytes
    document: object = None
    problems: tuple[Problem, ...] = ()
    syntax: tuple[Problem, ...] = ()
    json: bool = False

    def read(self) -> bytes:
        """The row's bytes as read (the `read` step of `assess`)."""
        return self.raw

    def load(self, raw: bytes, source: str) -> object:
        """The row's record document, or `InvalidRecordError` (the `load` step of `assess`)."""
        if self.problems:
            raise InvalidRecordError(list(self.problems), source)
        if self.json:
            try:
                return load_document(raw.rstrip(b"\r\n"), "row.json")
            except InvalidRecordError as error:
                raise InvalidRecordError(list(error.problems), source) from None
        return self.document

    def parse(
        self, document: object, source: str, stage: Stage = Stage.AFTER_PROGRAMMING
    ) -> Record:
        """The record, or every problem of the row: its compact cells' and the record's.
        `stage`: the web form's check before the fill parses its row for that stage."""
        if not self.syntax:
            return parse_record(document, source, stage)
        # A broken compact cell was left out of the document; the record would only call it
        # missing, so its own problems stand for it.
        broken = {p.location.split("[")[0] for p in self.syntax if p.kind in LEFT_OUT}
        try:
            parse_record(document, source, stage)
            found: list[Problem] = []
        except InvalidRecordError as error:
            found = [p for p in error.problems if p.location.split("[")[0] not in broken]
        raise InvalidRecordError([*self.syntax, *found], source)


def _problem(message: str, kind: str) -> tuple[Problem, ...]:
    return (Problem("record", message, kind=kind),)


def _lines(stream: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Physical lines, each at most MAX_INPUT_BYTES: (bytes, whole). A longer line is cut
    there, the rest of it skipped, and flagged as not whole."""
    while True:
        line = stream.readline(MAX_INPUT_BYTES + 1)
        if not line:
            return
        if len(line) <= MAX_INPUT_BYTES or line.endswith(b"\n"):
            yield line, True
            continue
        while line and not line.endswith(b"\n"):
            line = stream.readline(MAX_INPUT_BYTES)
        yield b"\n", False


def read_jsonl(stream: IO[bytes], source: str = "sheet") -> Iterator[Row]:
    """One row per line; each non-empty line is loaded as a JSON record when it is checked.
    A line with carriage returns inside is refused: a sheet whose first line has them (CR-only
    line ends) as a whole, with `InvalidRecordError`; a later line as a bad row."""
    for number, (line, whole) in enumerate(_lines(stream), start=1):
        if not whole:
            yield Row(number, b"", problems=_problem("line too long for a record", "too_large"))
        elif carriage_returns(line) and number == 1:
            raise refuse_cr_only(line, source)
        elif carriage_returns(line):
            yield Row(number, line, problems=(cr_line_ends_problem(line),))
        elif not line.strip():
            yield Row(number, line, problems=_problem("empty line", "empty"))
        else:
            yield Row(number, line, json=True)


class _Feed:
    """Decoded lines for `csv.reader`, remembering the bytes of the row being read."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.source = _lines(stream)
        self.line = 0
        self.pending: list[bytes] = []
        self.cut = False

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        raw, whole = next(self.source)
        self.line += 1
        self.pending.append(raw)
        self.cut = self.cut or not whole
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # kept in place, so the row it belongs to is refused
            self.cut, text = True, raw.decode("utf-8", "replace")
        return text.removeprefix("\ufeff") if self.line == 1 else text

    def take(self) -> tuple[int, bytes, bool]:
        """First line number, bytes, and whether a line of the row was too long or not UTF-8."""
        first, raw, bad = self.line - len(self.pending) + 1, b"".join(self.pending), self.cut
        self.pending, self.cut = [], False
        return first, raw, bad


def read_csv(
    stream: IO[bytes], source: str, dialect: SheetDialect = DEFAULT_DIALECT
) -> Iterator[Row]:
    """Rows of a CSV sheet; raises `InvalidRecordError` only when the header is unusable."""
    feed = _Feed(stream)
    reader = csv.reader(feed, strict=True, delimiter=dialect.delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        raise InvalidRecordError(_problems("empty: no header row", "empty"), source) from None
    except csv.Error as error:
        raise InvalidRecordError(_problems(f"header: {error}", "syntax"), source) from None
    _, raw_header, bad = feed.take()
    names, units = zip(*map(split_header, headers), strict=True) if headers else ((), ())
    plan = column_plan([column_path(name) for name in names], list(units))
    problems = header_problems(list(names)) + unit_problems(list(names), plan)
    if not any(names):
        problems.append(Problem("header", "the first line must name the columns", kind="header"))
    if bad:
        message = f"not valid UTF-8 (a legacy code page?), or too long; {SAVE_AS_UTF8}"
        problems.append(Problem("header", message, kind="encoding"))
    semicolons = semicolon_problem(raw_header.decode("utf-8", "replace"), dialect)
    if semicolons is not None:
        problems = [semicolons]  # the rest follows from reading one column
    if problems:
        raise InvalidRecordError(problems, f"{source}:1")
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line, raw, _ = feed.take()
            spans = open_quote_problem(line, raw, len(plan), bad=True)
            syntax = _problem(f"not valid CSV: {error}", "syntax")
            yield Row(line, raw, problems=syntax + ((spans,) if spans else ()))
            continue
        line, raw, bad = feed.take()
        yield _csv_row(line, raw, bad, plan, cells, dialect=dialect)


def _problems(message: str, kind: str) -> list[Problem]:
    return [Problem("sheet", message, kind=kind)]


def _csv_row(
    line: int,
    raw: bytes,
    bad: bool,
    plan: list[Column],
    cells: list[str],
    *,
    dialect: SheetDialect,
) -> Row:
    row = _csv_row_as_read(line, raw, bad, plan, cells, dialect=dialect)
    spans = open_quote_problem(line, raw, len(plan), bad=bool(row.problems))
    if spans is None:
        return row
    if row.problems:
        return Row(line, raw, problems=(*row.problems, spans))
    return Row(line, raw, row.document, syntax=(*row.syntax, spans))


def _csv_row_as_read(
    line: int,
    raw: bytes,
    bad: bool,
    plan: list[Column],
    cells: list[str],
    *,
    dialect: SheetDialect,
) -> Row:
    if bad or len(raw) > MAX_INPUT_BYTES:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            return Row(line, raw, problems=_problem(encoding_advice(error.start), "encoding"))
        return Row(line, raw, problems=_problem("row too long for a record", "too_large"))
    if not any(cell.strip() for cell in cells):
        return Row(line, raw, problems=_problem("empty line", "empty"))
    if len(cells) != len(plan):
        many = "many" if len(cells) > len(plan) else "few"
        message = f"too {many} cells: {len(cells)}, the header has {len(plan)}"
        return Row(line, raw, problems=_problem(message, f"too_{many}_cells"))
    document, syntax = row_document(plan, cells, dialect)
    return Row(line, raw, document, syntax=tuple(syntax))


def looks_like_jsonl(name: str, first: bytes) -> bool:
    """JSON lines for a .jsonl or .ndjson file, CSV for a .csv file; otherwise JSON lines
    exactly when the first byte that is not a space or byte-order mark is '{'."""
    if name.endswith((".jsonl", ".ndjson")):
        return True
    if name.endswith(".csv"):
        return False
    return first.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"{")


def read_sheet(
    stream: IO[bytes], source: str, *, jsonl: bool, dialect: SheetDialect = DEFAULT_DIALECT
) -> Iterator[Row]:
    """The rows of a sheet, one at a time, in file order."""
    return read_jsonl(stream, source) if jsonl else read_csv(stream, source, dialect)


def read_any_sheet(
    stream: IO[bytes], source: str, first: bytes, dialect: SheetDialect = DEFAULT_DIALECT
) -> Iterator[Row]:
    """The rows of a sheet in whichever format it is: an Excel workbook, JSON lines or CSV."""
    from itbcheck.sheetxlsx import looks_like_xlsx, read_xlsx

    if looks_like_xlsx(source, first):
        return read_xlsx(stream, source, dialect)
    return read_sheet(stream, source, jsonl=looks_like_jsonl(source, first), dialect=dialect)


__all__ = ["Row", "column_path", "column_plan", "read_sheet", "row_document"]
