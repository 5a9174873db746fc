"""Field types shared by every input model (record, policy, profile), and the location
format of their validation errors.

A quantity field holds a `Measured`: the text as written and its exact canonical value,
parsed once, here, by `units.parse_quantity`. Dates and times must be written as text in ISO
form; timestamps need a time zone, because a record without one cannot be ordered in time.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from itbcheck.exceptions import Problem, UnitError
from itbcheck.units import Kind, Measured, parse_quantity, quantity_parser


def _parsed_as(kind: Kind, *, allow_zero: bool = True) -> PlainValidator:
    parse = quantity_parser(kind, allow_zero=allow_zero)

    def validate(value: object) -> Measured:
        try:
            return parse(value)
        except UnitError as error:
            raise PydanticCustomError("quantity", str(error)) from None

    return PlainValidator(validate, json_schema_input_type=str)


def _schema(kind: Kind) -> WithJsonSchema:
    # A field's own description replaces this one in the schema; the examples stay, so every
    # quantity field still shows that it is text with a unit.
    examples = re.findall(r"'([^']+)'", kind.example)
    return WithJsonSchema(
        {"type": "string", "description": f"{kind.example}, unit required", "examples": examples}
    )


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
PositiveVolume = Annotated[
    Measured, _parsed_as(Kind.VOLUME, allow_zero=False), _AS_WRITTEN, _schema(Kind.VOLUME)
]
BolusDose = Annotated[
    Measured, _parsed_as(Kind.MASS, allow_zero=False), _AS_WRITTEN, _schema(Kind.MASS)
]
Duration = Annotated[
    Measured, _parsed_as(Kind.DURATION, allow_zero=False), _AS_WRITTEN, _schema(Kind.DURATION)
]


def _override_limit(value: object) -> Measured:
    # A daily dose for the dose rules, an amount for bolus_limit: each spelling fits exactly
    # one, and the override model checks that it fits its rule.
    try:
        return parse_quantity(value, Kind.DOSE_RATE)
    except UnitError as as_rate:
        try:
            return parse_quantity(value, Kind.MASS, allow_zero=False)
        except UnitError:
            raise PydanticCustomError("quantity", str(as_rate)) from None


OverrideLimit = Annotated[
    Measured,
    PlainValidator(_override_limit, json_schema_input_type=str),
    _AS_WRITTEN,
    WithJsonSchema(
        {
            "type": "string",
            "description": "a daily dose such as '900 mcg/day', or for bolus_limit an amount "
            "such as '150 mcg', unit required",
            "examples": ["900 mcg/day", "150 mcg"],
        }
    ),
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
# JSON Schema's "time" format is RFC 3339 (08:00:00Z), which a record refuses: say HH:MM.
_CLOCK_SCHEMA = WithJsonSchema(
    {"type": "string", "pattern": f"^{_CLOCK.pattern}$", "description": "24-hour clock, HH:MM"}
)
ClockTime = Annotated[
    dt.time, BeforeValidator(_from_text(_clock, "'08:00' (24-hour clock)")), _CLOCK_SCHEMA
]


def _no_control_characters(text: str) -> str:
    # Escapes such as "\u0000" or a right-to-left override would reach terminals and exports.
    # ASCII text, nearly every identifier and name, is asked in one call: the only ASCII
    # characters in Cc or Cf are the controls (0-31, 127), and they are exactly the ASCII
    # characters `str.isprintable` refuses; the per-character lookup is for the rest.
    if text.isascii():
        if not text.isprintable():
            raise PydanticCustomError("control_character", "control characters are not accepted")
        return text
    categories = {unicodedata.category(ch) for ch in text}
    if categories & {"Cc", "Cf"}:
        raise PydanticCustomError("control_character", "control characters are not accepted")
    # A line or paragraph separator (U+2028, U+2029) breaks the line in a terminal table, a
    # printed report or any reader that splits lines, so one text would read as two; a
    # private-use character shows as nothing anyone can read. Neither belongs in a record.
    if categories & {"Zl", "Zp"}:
        raise PydanticCustomError(
            "line_separator", "line and paragraph separators are not accepted"
        )
    if "Co" in categories:
        raise PydanticCustomError(
            "private_use_character", "private-use characters are not accepted"
        )
    return text


def _not_blank(text: str) -> str:
    # Text that is only whitespace (spaces, no-break U+00A0, ideographic U+3000, ...) says
    # nothing: a blank change_reason is no reason and a blank approver approves nothing. Tabs
    # and newlines are control characters, refused above; str.isspace covers the rest.
    if text.isspace():
        raise PydanticCustomError(
            "blank", "blank text (only spaces) counts as missing: write it, or leave it out"
        )
    return text


def _plain_text(text: str) -> str:
    # One validator, the two rules in their order: a text with a control character is refused
    # for that, whether or not it is blank too, as when they were two validators in a row.
    return _not_blank(_no_control_characters(text))


Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_plain_text),
]
ProfileName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


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


_MESSAGES = {
    "extra_forbidden": ("unknown_field", "unknown field"),
    "missing": ("missing", "missing field"),
    "union_tag_not_found": ("missing", "missing field 'mode': write continuous or flex"),
    "union_tag_invalid": ("invalid", "mode must be continuous or flex"),
}


def shown(value: object) -> str:
    """An input value as a nurse would write it, short, for an error line (never logged)."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, int | Decimal | float):
        text = str(value)
    elif isinstance(value, dict):
        text = "a mapping"
    elif isinstance(value, list | tuple):
        text = "a list"
    else:
        text = type(value).__name__
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 60 else text[:57] + "..."


def problems_from(error: ValidationError) -> list[Problem]:
    """One Problem per pydantic error: where, what (in plain words), and what was written."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        kind, message = _MESSAGES.get(item["type"], (item["type"], item["msg"]))
        value = None if kind == "missing" else shown(item.get("input"))
        location = location_of(item["loc"])
        if location == "pump.profile" and kind == "string_pattern_mismatch":
            message = _not_a_profile_name()
        problems.append(Problem(location, message, value, kind))
    return problems


def _not_a_profile_name() -> str:
    """A record's pump.profile that cannot be a profile name, and the names it could be."""
    from itbcheck.profilefiles import profile_names  # profiles itself builds on this module

    return f"not a pump profile name; known: {', '.join(profile_names())}"
