"""The form's repeated rows: a flex day's steps and the boluses, each row a pair of inputs named
after the record's list item (`dosing.prescription.steps[0].start`), so a row becomes part of
the record the way a sheet's cell does; a bolus amount's unit says whether it is a dose or a
volume."""

from __future__ import annotations

from itbcheck.units import VOLUME_SPELLINGS, Kind, unit_spellings

STEP_ROWS = 13  # a flex day of up to 13 steps; the record allows 48, the sheet's cell more
BOLUS_ROWS = 6
STEPS = "dosing.prescription.steps"
BOLUSES = "dosing.prescription.boluses"


def step_names(index: int) -> tuple[str, str]:
    """The start and rate inputs of flex step row `index`."""
    return f"{STEPS}[{index}].start", f"{STEPS}[{index}].rate"


def bolus_names(index: int) -> tuple[str, str]:
    """The time and amount inputs of bolus row `index`; the amount's unit says dose or
    volume."""
    return f"{BOLUSES}[{index}].time", f"{BOLUSES}[{index}].amount"


BOLUS_UNITS = unit_spellings(Kind.MASS) + sorted(VOLUME_SPELLINGS)
