"""The grid of a sweep: its axes, the record fields each sets, and how their values are
written on the command line (`500,1000,2000`, `100:1000:50`) or in a grid file (TOML, YAML or
JSON). Documented in docs/simulate-and-sweep.md."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from itbcheck.exceptions import InvalidRecordError
from itbcheck.lab.variants import Edit, VariantError
from itbcheck.reading import load_document
from itbcheck.units import Kind, parse_quantity

MAX_VALUES = 100_000
MAX_INTERVAL_DAYS = 36_500  # a hundred years: anything longer is a typing slip
_NUMBER = re.compile(r"(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,12})?", re.ASCII)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Axis:
    """One dimension of the grid: its option and grid-file key, its CSV column, and the record
    fields a value sets."""

    name: str
    column: str
    kind: Kind | None
    edits: Callable[[Decimal, dt.date], list[Edit]]


def _concentration(value: Decimal, _: dt.date) -> list[Edit]:
    text = f"{_plain(value)} mcg/mL"
    fields = ("dispensed_concentration", "programmed_concentration", "previous_concentration")
    # The strength does not change at this refill, so no bridge bolus either.
    return [*((("refill", name), text) for name in fields), (("dosing", "bridge_bolus"), None)]


def _dose(value: Decimal, _: dt.date) -> list[Edit]:
    text = f"{_plain(value)} mcg/day"
    return [
        (("dosing", "prescription"), {"mode": "continuous", "daily_dose": text}),
        (("dosing", "previous_daily_dose"), text),
    ]


def _fill(value: Decimal, _: dt.date) -> list[Edit]:
    text = f"{_plain(value)} mL"
    return [(("refill", "fill_volume"), text), (("refill", "programmed_reservoir_volume"), text)]


def _interval(value: Decimal, visit: dt.date) -> list[Edit]:
    return [(("next_refill",), (visit + dt.timedelta(days=int(value))).isoformat())]


AXES = (
    Axis("concentrations", "concentration_mcg_per_ml", Kind.CONCENTRATION, _concentration),
    Axis("doses", "daily_dose_mcg_per_day", Kind.DOSE_RATE, _dose),
    Axis("fills", "fill_volume_ml", Kind.VOLUME, _fill),
    Axis("intervals", "interval_days", None, _interval),
)
_UNITS = {Kind.CONCENTRATION: "mcg/mL", Kind.DOSE_RATE: "mcg/day", Kind.VOLUME: "mL"}
AXIS_NAMES = tuple(axis.name for axis in AXES)

Grid = dict[str, tuple[Decimal, ...]]


def _number(axis: Axis, text: str) -> Decimal:
    if not _NUMBER.fullmatch(text):
        raise VariantError(f"--{axis.name}: {text!r} is not a plain number like 500 or 0.5")
    value = Decimal(text)
    if axis.kind is None:
        if value != value.to_integral_value():
            raise VariantError(f"--{axis.name}: {text!r} is not a whole number of days")
        if value > MAX_INTERVAL_DAYS:
            raise VariantError(f"--{axis.name}: {text!r}: at most {MAX_INTERVAL_DAYS} days")
        return value
    try:
        parse_quantity(
            f"{text} {_UNITS[axis.kind]}", axis.kind, allow_zero=axis.kind is not Kind.CONCENTRATION
        )
    except ValueError as error:
        raise VariantError(f"--{axis.name}: {text!r}: {error}") from None
    return value


def _expanded(axis: Axis, item: str) -> list[Decimal]:
    parts = [part.strip() for part in item.split(":")]
    if len(parts) == 1:
        return [_number(axis, parts[0])]
    if len(parts) != 3:
        raise VariantError(f"--{axis.name}: {item!r}: write a range as START:STOP:STEP")
    start, stop, step = (_number(axis, part) for part in parts)
    if step <= 0 or stop < start:
        raise VariantError(f"--{axis.name}: {item!r}: needs STEP > 0 and STOP >= START")
    count = int((stop - start) / step) + 1
    if count > MAX_VALUES:
        raise VariantError(f"--{axis.name}: {item!r} gives {count} values; at most {MAX_VALUES}")
    return [start + step * index for index in range(count)]


def parse_axis(name: str, text: str) -> tuple[Decimal, ...]:
    """`500,1000,2000` or `100:1000:50` (STOP included when a step lands on it), or a mix."""
    axis = AXES[AXIS_NAMES.index(name)]
    values = [value for item in text.split(",") for value in _expanded(axis, item.strip())]
    if len(values) > MAX_VALUES:
        raise VariantError(f"--{name}: {len(values)} values; at most {MAX_VALUES}")
    if len(set(values)) != len(values):
        raise VariantError(f"--{name}: a value is given twice")
    return tuple(values)


def _axis_text(name: str, value: object) -> str:
    items = value if isinstance(value, list) else [value]
    texts = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | Decimal):
            raise VariantError(f"grid file: {name}: write numbers, or text like '100:1000:50'")
        texts.append(str(item))
    if not texts:
        raise VariantError(f"grid file: {name}: give at least one value")
    return ",".join(texts)


def parse_grid_file(raw: bytes, name: str) -> Grid:
    """A grid file: TOML (`.toml`), YAML or JSON, with any of the keys in `AXIS_NAMES`; each a
    list of numbers or text in the command-line syntax."""
    try:
        if name.endswith(".toml"):
            data: Any = tomllib.loads(raw.decode("utf-8"), parse_float=Decimal)
        else:
            data = load_document(raw, name)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise VariantError(f"grid file {name}: not valid TOML: {error}") from None
    except InvalidRecordError as error:
        reason = "; ".join(problem.message for problem in error.problems)
        raise VariantError(f"grid file {name}: {reason}") from None
    if not isinstance(data, Mapping):
        raise VariantError(f"grid file {name}: expected a table of {', '.join(AXIS_NAMES)}")
    unknown = sorted(set(data) - set(AXIS_NAMES))
    if unknown:
        raise VariantError(
            f"grid file {name}: unknown key {unknown[0]!r}; known: {', '.join(AXIS_NAMES)}"
        )
    return {key: parse_axis(key, _axis_text(key, value)) for key, value in data.items()}
