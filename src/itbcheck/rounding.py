"""Numbers as a nurse types them: rounded to the step the pump's programmer accepts
(`PumpProfile.programmer_resolution`), in the safe direction where one is safe.

A highest dose under a ceiling rounds down (rounding up would cross it), the days until the
alarm round down (booking a day late is the danger), a worst-case dose rounds up; everything
else rounds to the nearest step. Only what a person reads is rounded: the checks compare exact
values, and the JSON output keeps them exact. A profile without the table, or a unit it has no
step for, shows the number exactly as before.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from itbcheck.findings import Figure, Rounding
from itbcheck.profiles import PumpProfile
from itbcheck.units import format_number, format_quantity, wide_enough

_MODES = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "nearest": ROUND_HALF_UP}


def steps_of(profile: PumpProfile) -> dict[str, Decimal]:
    """The programmer's step for each unit, or nothing when the profile gives none."""
    resolution = profile.programmer_resolution
    return {} if resolution is None else resolution.steps()


def rounded(value: Decimal, step: Decimal, direction: Rounding = "nearest") -> Decimal:
    """`value` as a whole number of `step`s, rounded `direction`."""
    count = (value / step).to_integral_value(
        rounding=_MODES[direction], context=wide_enough(value / step, 0)
    )
    return count * step


def typed_number(value: Decimal, unit: str, steps: dict[str, Decimal], direction: Rounding) -> str:
    """The number as the programmer takes it; exact (to four places) without a step."""
    step = steps.get(unit)
    if step is None:
        return format_number(value)
    exponent = step.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_number(rounded(value, step, direction), places)


def typed_quantity(
    value: Decimal, unit: str, profile: PumpProfile, direction: Rounding = "nearest"
) -> str:
    """`value unit`, rounded to the profile's programmer step for the unit."""
    steps = steps_of(profile)
    if unit not in steps:
        return format_quantity(value, unit)
    return f"{typed_number(value, unit, steps, direction)} {unit}"


def typed_figure(figure: Figure, steps: dict[str, Decimal]) -> str:
    """A figure's number as shown to a person: rounded as the figure says."""
    return typed_number(figure.value, figure.unit, steps, figure.rounding)
