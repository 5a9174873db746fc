"""A sheet's columns: where each column's cells go in the record, and how one row's cells
become a record document (docs/sheet.md). Shared by the CSV and Excel readers and the web
form, so that there is one way to turn cells into a record."""

from __future__ import annotations

import re
from typing import Any

from itbcheck.exceptions import Problem
from itbcheck.fields import shown
from itbcheck.sheetcells import (
    DEFAULT_DIALECT,
    SheetDialect,
    boolean,
    date_cell,
    kind_of,
    with_unit,
)

STEPS = ("dosing", "prescription", "steps")
BOLUSES = ("dosing", "prescription", "boluses")
INTEGER_COLUMNS = frozenset(
    {
        ("record_version",),
        ("patient", "age_years"),
        ("dosing", "patient_bolus", "max_per_day"),
        ("dosing", "previous_patient_bolus", "max_per_day"),
    }
)
BOOLEAN_COLUMNS = frozenset(
    {
        ("patient", "renal_impairment"),
        ("since_last_visit", "mri", "pump_emptied_before"),
        ("since_last_visit", "mri", "interrogated_after"),
    }
)
LIST_COLUMNS = frozenset({("refill", "drugs")})  # names separated by ';': "baclofen; clonidine"

_PATH = re.compile(r"[a-z_]+(?:\.[a-z_]+)*", re.ASCII)
_OVERRIDE = re.compile(r"overrides\[([0-9])\]\.([a-z_]+)", re.ASCII)
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)", re.ASCII)  # as the YAML reader's integers
_STEP = re.compile(r"(\S+)\s+(\S.*)")
_BOLUS = re.compile(r"(?:(\S+)\s+)?(dose|volume)\s+(\S.*)")

ColumnPath = tuple[str | int, ...]
# How cells are read, the sections, the field, and the unit its header gives, if any.
Column = tuple[str, ColumnPath, str | int, str | None]


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
    if path in BOOLEAN_COLUMNS:
        return "boolean"
    if path in LIST_COLUMNS:
        return "list"
    return kind_of(path) or "text"


def column_plan(paths: list[ColumnPath], units: list[str | None] | None = None) -> list[Column]:
    """For each column: how its cells are read, the sections it sits in, its field, and the
    unit its header gives."""
    given = units or [None] * len(paths)
    return [
        (_kind(path), path[:-1], path[-1], unit) for path, unit in zip(paths, given, strict=True)
    ]


def unit_problems(names: list[str], plan: list[Column]) -> list[Problem]:
    """A unit in the header of a column that holds no quantity."""
    return [
        Problem("header", f"column {name!r} holds no quantity, so its header takes no unit")
        for name, (kind, _, _, unit) in zip(names, plan, strict=True)
        if unit is not None and kind != "quantity"
    ]


def _typed(kind: str, cell: str, unit: str | None) -> object:
    """A cell of a plain column as its document value: a whole number, true/false, a list of
    names or a quantity with the header's unit when written as such, else the text."""
    if kind == "integer" and _INTEGER.fullmatch(cell):
        return int(cell)
    if kind == "boolean" and boolean(cell) is not None:
        return boolean(cell)
    if kind == "list":
        return [item.strip(" ") for item in cell.split(";")]
    if kind == "quantity":
        return with_unit(cell, unit)
    return cell


def row_document(
    plan: list[Column], cells: list[str], dialect: SheetDialect = DEFAULT_DIALECT
) -> tuple[dict[str, Any], list[Problem]]:
    """The record document of one row's cells (an empty cell is a field not given), and the
    problems of its compact and date cells. Cells are taken as written, except that integer
    and true/false columns hold numbers and booleans when written as such (`TRUE` too), a
    number under a header with a unit is a quantity of it, and a date in the clinic's declared
    format is written in ISO form (docs/sheet.md); any other text is left for the record to
    refuse with its reason."""
    document: dict[Any, Any] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(cells):
        if not cell or cell.isspace():  # white space only, a no-break or ideographic space too
            continue
        kind, sections, name, unit = plan[index]
        value: object = cell
        # Most cells are text, or a quantity whose header gives no unit: taken as written,
        # which is all `_typed` does with them, so they are spared its call and the tests below.
        if kind != "text" and (kind != "quantity" or unit):
            value = _typed(kind, cell, unit)
        if kind in {"date", "timestamp"}:
            value, problem = date_cell(cell, kind, (*sections, name), dialect)
            if problem is not None:
                problems.append(problem)
                continue
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
            if section not in target:  # not setdefault: it would build a dict to throw away
                target[section] = {}
            target = target[section]
        target[name] = value
    overrides = document.get("overrides")
    if isinstance(overrides, dict) and all(isinstance(key, int) for key in overrides):
        document["overrides"] = [overrides[key] for key in sorted(overrides)]
    return document, problems
