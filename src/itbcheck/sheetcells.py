"""How one sheet cell becomes a record value, for sheets written by hand or saved from Excel.

Excel changes a sheet when it saves it: booleans become `TRUE`/`FALSE`, an ISO date typed as
`2027-01-15` comes back as `15/01/2027` or `1/15/2027` (the order is the computer's locale),
and the file may be in a legacy code page or use semicolons. itbcheck accepts what is
unambiguous and refuses what is not: a date in another order than ISO is read only with the
clinic's declared `--date-format`, never guessed. A column's header may carry the unit of its
quantities (`refill.fill_volume (mL)`), so a cell holding only a number is that many of it.
Which columns hold quantities, dates and timestamps comes from the record model itself.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel

from itbcheck.exceptions import Problem
from itbcheck.fields import shown
from itbcheck.units import Measured

SAVE_AS_UTF8 = "in Excel, save as CSV UTF-8 (Comma delimited)"
_HEADER_UNIT = re.compile(r"(\S+) \(([^()]+)\)")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# A date as a spreadsheet shows it, in some order: 1/2/2027, 01.02.27, 1-2-2027 13:05.
_LOCALE_DATE = re.compile(r"[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4}(?:[ T].*)?", re.ASCII)
_DIRECTIVES = re.compile(r"%.")


@dataclass(frozen=True)
class SheetDialect:
    """What a clinic declares about its sheets: the CSV delimiter, and the order of the dates
    its spreadsheet writes (a `strptime` format with %d, %m and %Y), if not ISO."""

    delimiter: str = ","
    date_format: str | None = None


DEFAULT_DIALECT = SheetDialect()


def dialect_problems(dialect: SheetDialect) -> list[str]:
    """Why a declared delimiter or date format cannot be used, one line each."""
    problems = []
    if dialect.delimiter not in {",", ";", "\t"}:
        problems.append(f"--delimiter: {dialect.delimiter!r}: use ',' or ';' or a tab")
    if dialect.date_format is not None:
        found = _DIRECTIVES.findall(dialect.date_format)
        if sorted(found) != ["%Y", "%d", "%m"]:
            problems.append(
                f"--date-format: {dialect.date_format!r}: give day, month and four-digit year "
                "once each, as %d, %m and %Y, e.g. %d/%m/%Y"
            )
    return problems


@cache
def field_kinds() -> dict[tuple[str, ...], str]:
    """`quantity`, `timestamp` or `date` for each field path of the record that holds one."""

    def walk(model: type[BaseModel], prefix: tuple[str, ...]) -> dict[tuple[str, ...], str]:
        kinds: dict[tuple[str, ...], str] = {}
        for name, info in model.model_fields.items():
            seen: list[object] = []
            pending: list[object] = [info.annotation]
            while pending:
                annotation = pending.pop()
                seen.append(annotation)
                pending.extend(typing.get_args(annotation))
            for inner in seen:
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    kinds.update(walk(inner, (*prefix, name)))
            if Measured in seen:
                kinds[(*prefix, name)] = "quantity"
            elif dt.datetime in seen:
                kinds[(*prefix, name)] = "timestamp"
            elif dt.date in seen:
                kinds[(*prefix, name)] = "date"
        return kinds

    from itbcheck.records import Record

    return walk(Record, ())


def kind_of(path: tuple[str | int, ...]) -> str | None:
    """The kind of a column's field (see `field_kinds`), list indices ignored."""
    return field_kinds().get(tuple(part for part in path if isinstance(part, str)))


def split_header(name: str) -> tuple[str, str | None]:
    """A header cell as its column name and the unit written after it, if any:
    `refill.fill_volume (mL)` is ('refill.fill_volume', 'mL')."""
    found = _HEADER_UNIT.fullmatch(name)
    return (found.group(1), found.group(2).strip()) if found else (name, None)


def with_unit(cell: str, unit: str | None) -> str:
    """A cell holding only a number, in a column whose header gives the unit, as that many of
    the unit; any other cell as written."""
    return f"{cell} {unit}" if unit and _NUMBER.fullmatch(cell) else cell


_BOOLEANS = {"true": True, "false": False, "TRUE": True, "FALSE": False}


def boolean(cell: str) -> bool | None:
    """True or False for `true`/`false`, or `TRUE`/`FALSE` as Excel writes them; None for
    anything else (`True`, ` true`), which the record then refuses."""
    return _BOOLEANS.get(cell)


def _declared(cell: str, kind: str, date_format: str) -> str | None:
    """The cell in ISO form when it is written in the declared format, else None."""
    formats = [date_format]
    if kind == "timestamp":
        formats = [f"{date_format} %H:%M", f"{date_format} %H:%M:%S"]
    for form in formats:
        try:
            parsed = dt.datetime.strptime(cell, form)  # no zone: the record asks for one
        except ValueError:
            continue
        return parsed.date().isoformat() if kind == "date" else parsed.isoformat()
    return None


def date_cell(
    cell: str, kind: str, path: tuple[str | int, ...], dialect: SheetDialect
) -> tuple[str, Problem | None]:
    """A date or timestamp cell of the column at `path`: as written when ISO; converted to ISO
    when written in the clinic's declared format; refused when written as a spreadsheet shows
    dates otherwise, because its day and month order would be a guess. A timestamp converted
    so has no time zone, which the record then asks for."""
    if _ISO_DATE.match(cell):
        return cell, None
    if dialect.date_format is not None:
        converted = _declared(cell, kind, dialect.date_format)
        if converted is not None:
            return converted, None
    if not _LOCALE_DATE.fullmatch(cell):
        return cell, None
    example = "2027-01-15" if kind == "date" else "2026-11-27T10:30:00+00:00"
    if dialect.date_format is None:
        message = (
            f"a date written as a spreadsheet shows it is not read, since its day and month "
            f"order would be a guess: write it as {example}, or give the sheet's date order "
            "with --date-format (for example %d/%m/%Y)"
        )
    else:
        message = (
            f"not written in the declared date format {dialect.date_format}"
            + (" HH:MM" if kind == "timestamp" else "")
            + f", nor as {example}"
        )
    where = ".".join(map(str, path))  # named only for a problem: most dates are ISO already
    return cell, Problem(where, message, shown(cell), "date_format")


def encoding_advice(start: int) -> str:
    """Why a row is not read when its bytes are not UTF-8."""
    return (
        f"not valid UTF-8 (byte {start} of the row): the file is probably in a legacy code "
        f"page such as Windows-1252; {SAVE_AS_UTF8}"
    )


def semicolon_problem(header: str, dialect: SheetDialect) -> Problem | None:
    """A header separated by semicolons read with the comma (Excel writes such CSV where the
    decimal mark is a comma): the sheet is refused as a whole, with the advice."""
    if dialect.delimiter != "," or header.count(";") <= header.count(","):
        return None
    message = (
        f"the columns are separated by semicolons, not commas: {SAVE_AS_UTF8}, or declare "
        "the separator with --delimiter ';'"
    )
    return Problem("header", message, kind="delimiter")
