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
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from itbcheck.exceptions import InvalidRecordError, Problem
from itbcheck.fields import shown
from itbcheck.reading import MAX_INPUT_BYTES, load_document
from itbcheck.records import Record, parse_record
from itbcheck.sheetlines import (
    carriage_returns,
    cr_line_ends_problem,
    open_quote_problem,
    refuse_cr_only,
)
from itbcheck.stages import Stage

STEPS = ("dosing", "prescription", "steps")
BOLUSES = ("dosing", "prescription", "boluses")
INTEGER_COLUMNS = frozenset({("record_version",), ("patient", "age_years")})
BOOLEAN_COLUMNS = frozenset({("patient", "renal_impairment")})
LIST_COLUMNS = frozenset({("refill", "drugs")})  # names separated by ';': "baclofen; clonidine"

_PATH = re.compile(r"[a-z_]+(?:\.[a-z_]+)*", re.ASCII)
_OVERRIDE = re.compile(r"overrides\[([0-9])\]\.([a-z_]+)", re.ASCII)
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)", re.ASCII)  # as the YAML reader's integers
_STEP = re.compile(r"(\S+)\s+(\S.*)")
_BOLUS = re.compile(r"(?:(\S+)\s+)?(dose|volume)\s+(\S.*)")

ColumnPath = tuple[str | int, ...]
Column = tuple[str, ColumnPath, str | int]  # how cells are read, the sections, the field


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
        broken = {p.location.split("[")[0] for p in self.syntax if p.kind == "compact"}
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


def column_path(name: str) -> ColumnPath:
    """Where a column's cells go in the record: `refill.fill_volume` is ('refill',
    'fill_volume'), `overrides[0].rule` is ('overrides', 0, 'rule'). Any other name is kept
    whole, so the record reports it as an unknown field, under its own name."""
    override = _OVERRIDE.fullmatch(name)
    if override:
        return ("overrides", int(override.group(1)), override.group(2))
    return tuple(name.split(".")) if _PATH.fullmatch(name) else (name,)


def header_problems(names: list[str]) -> list[Problem]:
    """Why a header cannot be used: a column named twice, or one column inside another."""
    problems = []
    paths = [column_path(name) for name in names]
    for index, name in enumerate(names):
        if name and name in names[:index]:
            problems.append(Problem("header", f"column {name!r} appears twice", kind="header"))
        outer = [o for o in paths if len(o) < len(paths[index]) and paths[index][: len(o)] == o]
        if outer:
            message = f"column {name!r} is inside column {names[paths.index(outer[0])]!r}"
            problems.append(Problem("header", message, kind="header"))
    return problems


def _compact(cell: str, path: ColumnPath) -> tuple[list[dict[str, str]], list[Problem]]:
    """Steps 'HH:MM RATE; ...' or boluses '[HH:MM] dose|volume QUANTITY; ...' as records."""
    items: list[dict[str, str]] = []
    problems: list[Problem] = []
    where = ".".join(map(str, path))
    for index, item in enumerate(part.strip(" ") for part in cell.split(";")):
        if path == STEPS:
            step = _STEP.fullmatch(item)
            if step:
                items.append({"start": step.group(1), "rate": step.group(2)})
                continue
            message = "write each step as 'HH:MM RATE', like '07:00 20 mcg/h'"
        else:
            bolus = _BOLUS.fullmatch(item)
            if bolus:
                time, kind, quantity = bolus.groups()
                items.append({kind: quantity, **({"time": time} if time else {})})
                continue
            message = "write each bolus as '[HH:MM] dose 25 mcg' or '[HH:MM] volume 0.01 mL'"
        problems.append(Problem(f"{where}[{index}]", message, shown(item), "compact"))
    return items, problems


def _kind(path: ColumnPath) -> str:
    if path == ("",):
        return "unnamed"
    if path in {STEPS, BOLUSES}:
        return "compact"
    if path in INTEGER_COLUMNS:
        return "integer"
    if path in LIST_COLUMNS:
        return "list"
    return "boolean" if path in BOOLEAN_COLUMNS else "text"


def column_plan(paths: list[ColumnPath]) -> list[Column]:
    """For each column: how its cells are read, the sections it sits in, and its field."""
    return [(_kind(path), path[:-1], path[-1]) for path in paths]


def row_document(plan: list[Column], cells: list[str]) -> tuple[dict[str, Any], list[Problem]]:
    """The record document of one row's cells (an empty cell is a field not given), and the
    problems of its compact cells. Cells are taken as written, except that integer and
    true/false columns hold numbers and booleans when written as such; any other text is left
    for the record to refuse with its reason."""
    document: dict[Any, Any] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(cells):
        if not cell.strip():  # white space only, a no-break or ideographic space included
            continue
        kind, sections, name = plan[index]
        value: object = cell
        if kind == "integer" and _INTEGER.fullmatch(cell):
            value = int(cell)
        elif kind == "boolean" and cell in {"true", "false"}:
            value = cell == "true"
        elif kind == "list":
            value = [item.strip(" ") for item in cell.split(";")]
        elif kind == "unnamed":
            message = f"cell {index + 1} has a value, but its column has no name"
            problems.append(Problem("record", message, kind="unnamed_column"))
            continue
        elif kind == "compact":
            value, found = _compact(cell, (*sections, name))
            problems += found
            if found:
                continue
        target = document
        for section in sections:
            target = target.setdefault(section, {})
        target[name] = value
    overrides = document.get("overrides")
    if isinstance(overrides, dict) and all(isinstance(key, int) for key in overrides):
        document["overrides"] = [overrides[key] for key in sorted(overrides)]
    return document, problems


def read_csv(stream: IO[bytes], source: str) -> Iterator[Row]:
    """Rows of a CSV sheet; raises `InvalidRecordError` only when the header is unusable."""
    feed = _Feed(stream)
    reader = csv.reader(feed, strict=True)
    try:
        names = next(reader)
    except StopIteration:
        raise InvalidRecordError(_problems("empty: no header row", "empty"), source) from None
    except csv.Error as error:
        raise InvalidRecordError(_problems(f"header: {error}", "syntax"), source) from None
    _, _, bad = feed.take()
    problems = header_problems(names)
    if not any(names):
        problems.append(Problem("header", "the first line must name the columns", kind="header"))
    if bad:
        problems.append(Problem("header", "not valid UTF-8, or too long", kind="encoding"))
    if problems:
        raise InvalidRecordError(problems, f"{source}:1")
    plan = column_plan([column_path(name) for name in names])
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
        yield _csv_row(line, raw, bad, plan, cells)


def _problems(message: str, kind: str) -> list[Problem]:
    return [Problem("sheet", message, kind=kind)]


def _csv_row(
    line: int,
    raw: bytes,
    bad: bool,
    plan: list[Column],
    cells: list[str],
) -> Row:
    row = _csv_row_as_read(line, raw, bad, plan, cells)
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
) -> Row:
    if bad or len(raw) > MAX_INPUT_BYTES:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            message = f"not valid UTF-8 (byte {error.start} of the row)"
            return Row(line, raw, problems=_problem(message, "encoding"))
        return Row(line, raw, problems=_problem("row too long for a record", "too_large"))
    if not any(cell.strip() for cell in cells):
        return Row(line, raw, problems=_problem("empty line", "empty"))
    if len(cells) != len(plan):
        many = "many" if len(cells) > len(plan) else "few"
        message = f"too {many} cells: {len(cells)}, the header has {len(plan)}"
        return Row(line, raw, problems=_problem(message, f"too_{many}_cells"))
    document, syntax = row_document(plan, cells)
    return Row(line, raw, document, syntax=tuple(syntax))


def looks_like_jsonl(name: str, first: bytes) -> bool:
    """JSON lines for a .jsonl or .ndjson file, CSV for a .csv file; otherwise JSON lines
    exactly when the first byte that is not a space or byte-order mark is '{'."""
    if name.endswith((".jsonl", ".ndjson")):
        return True
    if name.endswith(".csv"):
        return False
    return first.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"{")


def read_sheet(stream: IO[bytes], source: str, *, jsonl: bool) -> Iterator[Row]:
    """The rows of a sheet, one at a time, in file order."""
    return read_jsonl(stream, source) if jsonl else read_csv(stream, source)
