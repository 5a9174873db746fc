"""The refill-and-programming record, as written on the refill sheet and the programmer screen.

Every model forbids unknown keys and is frozen. Quantities are text with a unit
(`"2000 mcg/mL"`); they are checked and normalised here, once, by `units.parse_quantity`, so
the checks only ever see exact canonical values (`.value`) next to what was written (`.text`).
The format is documented, with an annotated example, in docs/record-format.md.

The sections are in `recordsections` (patient, pump, refill, overrides, events since the last
visit) and `prescription` (dosing); this module holds the whole record, its parsing, and the
rules across sections that pydantic cannot see field by field.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, ValidationError
from pydantic_core import PydanticCustomError

from itbcheck.exceptions import InvalidRecordError, Problem
from itbcheck.fields import CalendarDate, Timestamp, problems_from, shown
from itbcheck.prescription import Dosing, FlexPrescription
from itbcheck.recordsections import Override, Patient, Pump, Refill, SinceLastVisit, _Model
from itbcheck.stages import Stage

RECORD_VERSION = 1


def _whole_number(value: object) -> object:
    # Literal[1] alone would accept 1.0, True or Decimal("1"); a version is a plain integer.
    if type(value) is not int:
        raise PydanticCustomError("version", "write the record version as the integer 1")
    return value


class Record(_Model):
    record_version: Annotated[Literal[1], BeforeValidator(_whole_number)]
    visit_time: Timestamp
    patient: Patient
    pump: Pump
    refill: Refill
    dosing: Dosing
    next_refill: CalendarDate
    # Lists arrive from YAML and JSON; the tuple keeps the frozen record immutable.
    overrides: tuple[Override, ...] = Field(default=(), max_length=10, strict=False)
    since_last_visit: SinceLastVisit | None = Field(
        default=None, description="MRI, catheter revision or pump replacement since the last visit."
    )


def _field_names(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        for argument in (info.annotation, *typing.get_args(info.annotation)):
            for inner in (argument, *typing.get_args(argument)):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    names |= _field_names(inner)
    return names


_FIELD_NAMES = frozenset(_field_names(Record) | {"record"})


def is_schema_location(location: str) -> bool:
    """True when every part of a problem's location is a field name of the record format."""
    parts = re.sub(r"\[\d+\]", "", location).split(".")
    return all(part in _FIELD_NAMES for part in parts)


def parse_record(
    data: object, source: str = "record", stage: Stage = Stage.AFTER_PROGRAMMING
) -> Record:
    """Validate already-loaded data into a `Record`, or raise `InvalidRecordError` listing
    every problem found. At `Stage.BEFORE_FILL` the fields of `STAGES[stage].not_yet_known`
    may be left out; every other field is required as always."""
    try:
        record = Record.model_validate(data, context={"stage": stage})
    except ValidationError as error:
        raise InvalidRecordError(problems_from(error), source) from None
    problems = [
        *_schedule_problems(record),
        *_date_problems(record),
        *_since_visit_problems(record),
    ]
    if problems:
        raise InvalidRecordError(problems, source)
    return record


def _schedule_problems(record: Record) -> list[Problem]:
    """Cross-field rules pydantic cannot see field by field: a flex day must start at 00:00
    and its steps must be in time order, or the 24-hour total would be a guess."""
    prescription = record.dosing.prescription
    if not isinstance(prescription, FlexPrescription):
        return []
    problems: list[Problem] = []
    starts = [step.start for step in prescription.steps]
    if starts[0] != dt.time(0, 0):
        problems.append(
            Problem(
                "dosing.prescription.steps[0].start",
                "the first flex step must start at 00:00",
                shown(starts[0].strftime("%H:%M")),
                "flex_schedule",
            )
        )
    for index in range(1, len(starts)):
        if starts[index] <= starts[index - 1]:
            problems.append(
                Problem(
                    f"dosing.prescription.steps[{index}].start",
                    "flex steps must be in increasing time order",
                    shown(starts[index].strftime("%H:%M")),
                    "flex_schedule",
                )
            )
    return problems


def _date_problems(record: Record) -> list[Problem]:
    """Dates that contradict each other: a previous refill after this visit, or an elective
    replacement date after the end of service it warns of."""
    problems: list[Problem] = []
    filled = record.refill.previous_fill_date
    if filled is not None and filled > record.visit_time.date():
        problems.append(
            Problem(
                "refill.previous_fill_date",
                "the previous refill must be on or before the day of this visit",
                shown(filled.isoformat()),
                "date_order",
            )
        )
    eri, eos = record.pump.elective_replacement, record.pump.end_of_service
    if eri is not None and eos is not None and eri > eos:
        problems.append(
            Problem(
                "pump.elective_replacement",
                "the elective replacement date must be on or before the end of service",
                shown(eri.isoformat()),
                "date_order",
            )
        )
    return problems


def _since_visit_problems(record: Record) -> list[Problem]:
    """An event "since the last visit" dated after this visit, or before the previous refill
    (refill.previous_fill_date), contradicts the record. Before the refill it would also stand
    checks down that the refill still needs: a pump replacement dated before it hides the
    residual of the pump that was refilled."""
    since = record.since_last_visit
    if since is None:
        return []
    visit_day = record.visit_time.date()
    filled = record.refill.previous_fill_date
    events = {
        "mri": since.mri,
        "catheter_revision": since.catheter_revision,
        "pump_replacement": since.pump_replacement,
    }
    problems = []
    for name, event in events.items():
        if event is None:
            continue
        if event.date > visit_day:
            reason = "an event since the last visit cannot be after the visit day"
        elif filled is not None and event.date < filled:
            reason = (
                "an event since the last visit cannot be before the previous refill "
                f"(refill.previous_fill_date {filled.isoformat()})"
            )
        else:
            continue
        problems.append(
            Problem(
                f"since_last_visit.{name}.date",
                reason,
                shown(event.date.isoformat()),
                "since_last_visit",
            )
        )
    return problems
