"""Whether the record's catheter volume can be trusted: the one place that decides it, so the
plausibility check and every check that builds an action on the catheter volume (the bridge
bolus, the dead volume) agree.

A catheter volume is implausible when it lies outside the profile's verified catheter range
(Prometra II: 20 to 110 cm x 0.0026 mL/cm), or when it is at least the reservoir capacity,
which no catheter holds whatever its model. With no verified range the volume is unchecked:
used, but reported (CATHETER_VOLUME_UNCHECKED) where it matters. "0 mL" never gets here: the
record format refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from itbcheck.profiles import PumpProfile, trusted
from itbcheck.records import Record
from itbcheck.units import Measured, format_quantity


@dataclass(frozen=True)
class CatheterRange:
    """The verified plausible catheter volumes of a pump profile, in mL."""

    low_ml: Decimal
    high_ml: Decimal


def _ml(value: Decimal) -> str:
    return format_quantity(value, "mL")


def catheter_range(profile: PumpProfile) -> CatheterRange | None:
    """The profile's catheter range when both ends are verified; None otherwise."""
    low = trusted(profile.catheter_volume_min)
    high = trusted(profile.catheter_volume_max)
    if low is None or high is None:
        return None
    return CatheterRange(low.value, high.value)


def implausible_because(record: Record, profile: PumpProfile) -> str | None:
    """Why the record's catheter volume cannot be right, or None when it is absent, within
    the verified range, or unchecked (no verified range)."""
    catheter = record.pump.catheter_volume
    if catheter is None:
        return None
    volume = catheter.value
    capacity = trusted(profile.reservoir_capacity)
    if capacity is not None and volume >= capacity.value:
        return f"at least the {_ml(capacity.value)} reservoir capacity"
    plausible = catheter_range(profile)
    if plausible is None:
        return None
    if volume < plausible.low_ml:
        return f"below the {profile.name} catheter minimum of {_ml(plausible.low_ml)}"
    if volume > plausible.high_ml:
        return f"above the {profile.name} catheter maximum of {_ml(plausible.high_ml)}"
    return None


def trusted_catheter_volume(record: Record, profile: PumpProfile) -> Measured | None:
    """The record's catheter volume if an action may be built on it: present and not
    implausible. None tells a check to treat the dead volume as unknown."""
    if implausible_because(record, profile) is not None:
        return None
    return record.pump.catheter_volume
