"""The refill-and-programming record, as written on the refill sheet and the programmer screen.

Every model forbids unknown keys and is frozen. Quantities are text with a unit
(`"2000 mcg/mL"`); they are checked and normalised here, once, by `units.parse_quantity`, so
the checks only ever see exact canonical values (`.value`) next to what was written (`.text`).
The format is documented, with an annotated example, in docs/record-format.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from itbcheck.exceptions import InvalidRecordError, Problem, UnitError
from itbcheck.units import Kind, Measured, parse_quantity

RECORD_VERSION = 1


def _parsed_as(kind: Kind, *, allow_zero: bool = True) -> PlainValidator:
    def validate(value: object) -> Measured:
        try:
            return parse_quantity(value, kind, allow_zero=allow_zero)
        except UnitError as error:
            raise PydanticCustomError("quantity", str(error)) from None

    return PlainValidator(validate, json_schema_input_type=str)


def _schema(kind: Kind) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "description": f"{kind.example}, unit required"})


_AS_WRITTEN = PlainSerializer(lambda measured: measured.text, return_type=str)

Concentration = Annotated[
    Measured,
    _parsed_as(Kind.CONCENTRATION, allow_zero=False),
    _AS_WRITTEN,
    _schema(Kind.CONCENTRATION),
]
DoseRate = Annotated[Measured, _parsed_as(Kind.DOSE_RATE), _AS_WRITTEN, _schema(Kind.DOSE_RATE)]
Volume = Annotated[Measured, _parsed_as(Kind.VOLUME), _AS_WRITTEN, _schema(Kind.VOLUME)]
VolumeRate = Annotated[
    Measured, _parsed_as(Kind.VOLUME_RATE), _AS_WRITTEN, _schema(Kind.VOLUME_RATE)
]
BolusDose = Annotated[
    Measured, _parsed_as(Kind.MASS, allow_zero=False), _AS_WRITTEN, _schema(Kind.MASS)
]
Duration = Annotated[
    Measured, _parsed_as(Kind.DURATION, allow_zero=False), _AS_WRITTEN, _schema(Kind.DURATION)
]


def _from_text(parse: Callable[[str], Any], example: str) -> Callable[[object], Any]:
    def validate(value: object) -> Any:
        if not isinstance(value, str):
            raise PydanticCustomError("text_expected", f"write it as text, like {example}")
        try:
            return parse(value)
        except PydanticCustomError:
            raise
        except ValueError:
            raise PydanticCustomError(
                "format", f"not a valid date or time, write it like {example}"
            ) from None

    return validate


def _aware(text: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise PydanticCustomError(
            "timezone", "add the time zone, like 2026-11-27T10:30:00+00:00 or ...Z"
        )
    return parsed


_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]", re.ASCII)


def _clock(text: str) -> dt.time:
    if not _CLOCK.fullmatch(text):
        raise ValueError(text)
    return dt.time.fromisoformat(text)


Timestamp = Annotated[
    dt.datetime, BeforeValidator(_from_text(_aware, "'2026-11-27T10:30:00+00:00'"))
]
CalendarDate = Annotated[
    dt.date, BeforeValidator(_from_text(dt.date.fromisoformat, "'2027-01-15'"))
]
ClockTime = Annotated[dt.time, BeforeValidator(_from_text(_clock, "'08:00' (24-hour clock)"))]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ProfileName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Patient(_Model):
    id: Text = Field(description="Hospital identifier; only ever logged as a keyed token.")
    origin: Literal["spinal", "cerebral"] = Field(description="Origin of the spasticity.")
    age_years: int = Field(ge=0, le=130)
    renal_impairment: bool


class Pump(_Model):
    profile: ProfileName = Field(description="Name of a pump profile, e.g. synchromed-ii-20ml.")
    serial: Text = Field(description="Pump serial number; only ever logged as a keyed token.")


class Refill(_Model):
    drug: Literal["baclofen"]
    dispensed_concentration: Concentration = Field(description="Concentration in the syringe.")
    programmed_concentration: Concentration = Field(
        description="Concentration entered in the programmer."
    )
    expected_residual: Volume | None = Field(
        default=None, description="Residual volume the programmer expects before the refill."
    )
    aspirated_residual: Volume | None = Field(
        default=None, description="Residual volume actually aspirated; '0 mL' if nothing came back."
    )
    fill_volume: Volume
    programmed_reservoir_volume: Volume = Field(
        description="Reservoir volume entered in the programmer."
    )
    low_reservoir_alarm: Volume


class Bolus(_Model):
    time: ClockTime | None = None
    dose: BolusDose


class FlexStep(_Model):
    start: ClockTime
    rate: DoseRate


class ContinuousPrescription(_Model):
    mode: Literal["continuous"]
    daily_dose: DoseRate
    boluses: tuple[Bolus, ...] = Field(default=(), max_length=48, strict=False)


class FlexPrescription(_Model):
    mode: Literal["flex"]
    steps: tuple[FlexStep, ...] = Field(min_length=1, max_length=48, strict=False)
    boluses: tuple[Bolus, ...] = Field(default=(), max_length=48, strict=False)


Prescription = Annotated[ContinuousPrescription | FlexPrescription, Field(discriminator="mode")]


class Dosing(_Model):
    previous_daily_dose: DoseRate
    previous_dose_changed_at: Timestamp = Field(description="When the daily dose last changed.")
    change_reason: Text | None = Field(
        default=None, description="Why the dose is lowered or stopped; required to stop a pump."
    )
    prescription: Prescription


class Override(_Model):
    rule: Literal["daily_dose_range"] = Field(description="The soft limit this override lifts.")
    approved_limit: DoseRate
    approver: Text
    reason: Text


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


def location_of(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in {"continuous", "flex"} and parts and parts[-1] == ".prescription":
            continue  # pydantic names the union branch; the reader only needs the field
        else:
            parts.append(f".{item}")
    return "".join(parts).lstrip(".") or "record"


def _problems(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        kind, message = item["type"], item["msg"]
        if kind == "extra_forbidden":
            kind, message = "unknown_field", "unknown field"
        elif kind == "missing":
            message = "missing field"
        shown = None if kind == "missing" else _shown(item.get("input"))
        problems.append(Problem(location_of(item["loc"]), message, shown, kind))
    return problems


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_record(data: object, source: str = "record") -> Record:
    """Validate already-loaded data into a `Record`, or raise `InvalidRecordError` listing
    every problem found."""
    try:
        record = Record.model_validate(data)
    except ValidationError as error:
        raise InvalidRecordError(_problems(error), source) from None
    problems = _schedule_problems(record)
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
                starts[0].strftime("%H:%M"),
            )
        )
    for index in range(1, len(starts)):
        if starts[index] <= starts[index - 1]:
            problems.append(
                Problem(
                    f"dosing.prescription.steps[{index}].start",
                    "flex steps must be in increasing time order",
                    starts[index].strftime("%H:%M"),
                    "flex_schedule",
                )
            )
    return problems
