"""From the form's fields to a record, through the refill sheet's own conversion.

The form posts flat fields named by the record's dotted paths, exactly the sheet's column
names. Here they become the cells of one sheet row: a quantity's number and unit picker are
joined into its text ("18 mL"), flex steps and boluses into the sheet's compact cells; then
`sheet.row_document` makes the record document and `sheet.Row.parse` validates it with
`parse_record`, so the form has no second way to read a record. Nothing is checked here.

Both directions are here too: a prefill (`{"refill.fill_volume": "18 mL"}`, as a previous
visit gives it) becomes the form's values, number and unit apart; a problem's location
becomes the field it is shown beside.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from itbcheck.exceptions import InvalidRecordError, Problem
from itbcheck.fields import Text, problems_from, shown
from itbcheck.records import Record
from itbcheck.sheet import Row, column_path, column_plan, row_document
from itbcheck.stages import Stage
from itbcheck.units import VOLUME_SPELLINGS, Kind
from itbcheck.web.inputs import UNIT
from itbcheck.web.layout import FIELDS, NURSE_FIELDS
from itbcheck.web.rows import BOLUS_ROWS, BOLUSES, STEP_ROWS, STEPS, bolus_names, step_names

RECORD_VERSION_CELL = "1"  # the form writes record version 1; the nurse never sees it
_QUANTITY_TEXT = re.compile(r"(\S+) (\S+)")
_ROW_ITEM = re.compile(r"(dosing\.prescription\.(?:steps|boluses))\[(\d+)\](.*)")

FormValues = Mapping[str, str]


@dataclass(frozen=True)
class Visit:
    """One form visit as a sheet row, the nurses who checked it, and where each compact
    item came from: `rows[STEPS][2] == 5` when the third step was typed in form row 5."""

    row: Row
    nurses: dict[str, str]
    nurse_problems: tuple[Problem, ...]
    rows: dict[str, list[int]] = field(default_factory=dict)

    def parse(
        self, document: object, source: str, stage: Stage = Stage.AFTER_PROGRAMMING
    ) -> Record:
        """The record, or every problem of the form: the record's and the nurses' together.
        Before the fill, the fields not known yet may be empty (`stages.STAGES`)."""
        try:
            record = self.row.parse(document, source, stage)
        except InvalidRecordError as error:
            raise InvalidRecordError([*error.problems, *self.nurse_problems], source) from None
        if self.nurse_problems:
            raise InvalidRecordError(list(self.nurse_problems), source)
        return record


def _value(values: FormValues, name: str) -> str:
    return values.get(name, "").strip()


def _quantity(values: FormValues, name: str) -> str:
    """The number and its picked unit, as the record writes a quantity. A number box that
    already holds a unit ('2 mg/mL', typed out of habit) is taken whole, unit as typed, and
    the picker is not used: the record then accepts or refuses that unit with its reason."""
    number = _value(values, name)
    unit = _value(values, name + UNIT)
    if not number or " " in number:
        return number
    return f"{number} {unit}" if unit else number


def _compact_rows(values: FormValues) -> tuple[dict[str, str], dict[str, list[int]], list[Problem]]:
    """The steps and boluses cells, which form row each item came from, and a ';' typed into
    a row (it would split one row into two items of the compact cell)."""
    cells: dict[str, str] = {}
    origin: dict[str, list[int]] = {STEPS: [], BOLUSES: []}
    problems: list[Problem] = []
    for path, count in ((STEPS, STEP_ROWS), (BOLUSES, BOLUS_ROWS)):
        items: list[str] = []
        for index in range(count):
            first, second = step_names(index) if path == STEPS else bolus_names(index)
            when, amount = _value(values, first), _quantity(values, second)
            if not when and not amount:
                continue
            if ";" in when + amount:
                where = f"{path}[{index}]"
                typed = shown(f"{when} {amount}".strip())
                problems.append(Problem(where, "';' is not accepted here", typed, "compact"))
                continue
            if path == BOLUSES:
                unit = _value(values, second + UNIT)
                kind = "volume" if unit in VOLUME_SPELLINGS else "dose"
                amount = f"{kind} {amount}"
            items.append(f"{when} {amount}".strip())
            origin[path].append(index)
        if items:
            cells[path] = "; ".join(items)
    return cells, origin, problems


def visit_of(values: FormValues) -> Visit:
    """The form's values as one sheet row (its bytes: the cells as canonical JSON)."""
    cells: dict[str, str] = {"record_version": RECORD_VERSION_CELL}
    for name, spec in FIELDS.items():
        if spec.kind in {"steps", "boluses"} or name in NURSE_FIELDS:
            continue
        cells[name] = _quantity(values, name) if spec.quantity else _value(values, name)
    compact, origin, problems = _compact_rows(values)
    problems += [
        Problem("record", f"unknown form field {shown(name)}", kind="unknown_field")
        for name in values
        if name not in known_names()
    ]
    cells.update(compact)
    names = sorted(cells)
    document, syntax = row_document(
        column_plan([column_path(name) for name in names]), [cells[n] for n in names]
    )
    raw = json.dumps(cells, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    row = Row(0, raw.encode("utf-8"), document, syntax=(*problems, *syntax))
    nurses = {name: _value(values, name) for name in NURSE_FIELDS}
    return Visit(row, nurses, tuple(_nurse_problems(nurses)), origin)


def _nurse_problems(nurses: dict[str, str]) -> list[Problem]:
    from pydantic import TypeAdapter, ValidationError

    adapter: TypeAdapter[str] = TypeAdapter(Text)
    problems: list[Problem] = []
    for name, text in nurses.items():
        if not text:
            problems.append(Problem(name, "missing field", None, "missing"))
            continue
        try:
            adapter.validate_python(text)
        except ValidationError as error:
            problems += [Problem(name, p.message, p.value, p.kind) for p in problems_from(error)]
    return problems


def split_quantity(text: str, units: list[str]) -> tuple[str, str]:
    """'2000 mcg/mL' as ('2000', 'mcg/mL') when the unit is one the picker offers; otherwise
    the whole text stays in the number box, for the record to refuse with its reason."""
    match = _QUANTITY_TEXT.fullmatch(text.strip())
    if match and match.group(2) in units:
        return match.group(1), match.group(2)
    return text, ""


def values_from_prefill(prefill: Mapping[str, str]) -> dict[str, str]:
    """A prefill keyed by record path, quantities in full ("2000 mcg/mL"; a flex step's rate
    under `dosing.prescription.steps[0].rate`), as the form's values."""
    values: dict[str, str] = {}
    for name, text in prefill.items():
        spec = FIELDS.get(name)
        units = _units_of(name)
        if units is None and spec is None:
            continue
        if units:
            number, unit = split_quantity(text, units)
            values[name] = number
            if unit:
                values[name + UNIT] = unit
        else:
            values[name] = text
    return values


def _units_of(name: str) -> list[str] | None:
    """The unit spellings of a quantity input, [] for another known input, None if unknown."""
    from itbcheck.units import unit_spellings
    from itbcheck.web.rows import BOLUS_UNITS

    spec = FIELDS.get(name)
    if spec is not None:
        return spec.units
    for index in range(STEP_ROWS):
        start, rate = step_names(index)
        if name == rate:
            return unit_spellings(Kind.DOSE_RATE)
        if name == start:
            return []
    for index in range(BOLUS_ROWS):
        time, amount = bolus_names(index)
        if name == amount:
            return BOLUS_UNITS
        if name == time:
            return []
    return None


def merged(values: FormValues, prefill: Mapping[str, str]) -> dict[str, str]:
    """The form's values with a prefill filling the fields left empty; typed values stay."""
    result = dict(values)
    for name, text in values_from_prefill(prefill).items():
        number = name.removesuffix(UNIT)
        if not values.get(number, "").strip():
            result[name] = text
    return result


def field_of(location: str, visit: Visit) -> str:
    """The input (or row) a problem is shown beside: its own field, the form row a step or
    bolus came from, else the nearest enclosing field; 'record' when none is on the form."""
    item = _ROW_ITEM.fullmatch(location)
    if item:
        path, index = item.group(1), int(item.group(2))
        rows = visit.rows.get(path, [])
        row = rows[index] if index < len(rows) else index
        return f"{path}[{row}]"
    if location in FIELDS:
        return location
    parts = location.split(".")
    for end in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:end]) in FIELDS:
            return ".".join(parts[:end])
    return "dosing.prescription.mode" if location.startswith("dosing.prescription") else "record"


@functools.cache
def known_names() -> frozenset[str]:
    """Every input the form has; a post with any other field is refused, never ignored."""
    names = {"lookup"}
    for name, spec in FIELDS.items():
        names.add(name)
        if spec.quantity:
            names.add(name + UNIT)
    for index in range(STEP_ROWS):
        start, rate = step_names(index)
        names |= {start, rate, rate + UNIT}
    for index in range(BOLUS_ROWS):
        time, amount = bolus_names(index)
        names |= {time, amount, amount + UNIT}
    return frozenset(names)
