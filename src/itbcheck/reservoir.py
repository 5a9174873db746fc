"""The reservoir over time: when the low-reservoir alarm sounds and when the pump runs dry,
at the programmed flow and at the top of the pump's accuracy band.

The alarm is calculated by the pump from the programmed rate, not measured, so an
over-infusing pump can run empty without alarming ([15] TGA 2016 SynchroMed alert): the worst
case is what the next appointment must beat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from itbcheck.dosing import DoseSummary
from itbcheck.profiles import PumpProfile, trusted
from itbcheck.records import Record


@dataclass(frozen=True)
class Forecast:
    """Days from the visit; None where the pump never gets there (a stopped pump)."""

    fill_volume_ml: Decimal
    alarm_volume_ml: Decimal
    daily_volume_ml_per_day: Decimal
    accuracy_band_percent: Decimal | None
    days_to_alarm_nominal: Decimal | None
    days_to_alarm_worst: Decimal | None
    days_to_empty_nominal: Decimal | None
    days_to_empty_worst: Decimal | None
    appointment_days: int

    @property
    def worst_daily_volume_ml_per_day(self) -> Decimal | None:
        if self.accuracy_band_percent is None:
            return None
        return self.daily_volume_ml_per_day * (100 + self.accuracy_band_percent) / 100


_ZERO = Decimal(0)  # made once: four dates a row compare with it


def _days(volume: Decimal, daily: Decimal | None) -> Decimal | None:
    if daily is None or daily <= 0:
        return None
    return max(volume, _ZERO) / daily


def alarm_volume(record: Record, profile: PumpProfile) -> Decimal:
    """The alarm volume the reservoir is judged against: the one set in the pump, or the
    profile's verified alarm value when that is larger (an alarm set too low sounds too late)."""
    written = record.refill.low_reservoir_alarm.value
    profile_alarm = trusted(profile.low_reservoir_alarm)
    return written if profile_alarm is None else max(written, profile_alarm.value)


def forecast(record: Record, dose: DoseSummary, profile: PumpProfile) -> Forecast:
    fill = record.refill.fill_volume.value
    alarm = alarm_volume(record, profile)
    band_fact = profile.accuracy_band
    band = band_fact.percent if band_fact.verified else None
    # Every allowed patient bolus is counted as given, for both pumps: the reservoir empties at
    # what the patient takes, whatever the brand ([34] Prometra PTC guide dates the refill the
    # same way). Without patient boluses this is the programmed flow.
    daily = dose.most_daily_volume_ml_per_day
    worst = None if band is None else daily * (100 + band) / 100
    # A bridge bolus runs instead of the programmed flow for its programmed duration: what it
    # draws beyond that flow brings every date forward. A fast pump runs both fast, so the
    # extra volume scales with the accuracy band too.
    bridge = record.dosing.bridge_bolus
    programmed_flow = dose.pump_daily_volume_ml_per_day
    extra = Decimal(0)
    if bridge is not None and programmed_flow > 0:
        extra = bridge.volume.value - programmed_flow * bridge.duration.value / 24
    extra_worst = extra if band is None else extra * (100 + band) / 100
    return Forecast(
        fill_volume_ml=fill,
        alarm_volume_ml=alarm,
        daily_volume_ml_per_day=daily,
        accuracy_band_percent=band,
        days_to_alarm_nominal=_days(fill - alarm - extra, daily),
        days_to_alarm_worst=_days(fill - alarm - extra_worst, worst),
        days_to_empty_nominal=_days(fill - extra, daily),
        days_to_empty_worst=_days(fill - extra_worst, worst),
        appointment_days=(record.next_refill - record.visit_time.date()).days,
    )


def date_after(visit_time: dt.datetime, days: Decimal) -> dt.date:
    """The calendar date (in the visit's time zone) a number of days after the visit. A date
    past the end of the calendar (a dose far too small for its fill lasts millions of years) is
    shown as its last day, 9999-12-31; the checks compare days, never these dates."""
    try:
        return (visit_time + dt.timedelta(seconds=float(days * 86400))).date()
    except OverflowError:
        return dt.date.max


def refill_due_by(outlook: Forecast, margin_days: Decimal) -> Decimal | None:
    """The last day after the visit a refill may come: the earliest alarm (worst case when the
    band is verified, else nominal) less the margin; None when nothing flows."""
    earliest = (
        outlook.days_to_alarm_worst
        if outlook.days_to_alarm_worst is not None
        else outlook.days_to_alarm_nominal
    )
    return None if earliest is None else earliest - margin_days


def latest_safe_refill(visit_time: dt.datetime, limit_days: Decimal) -> dt.date | None:
    """The calendar date of the last whole day at or before `limit_days` after the visit
    (appointments are whole days); None when that day is not after the visit."""
    latest_day = int(limit_days.to_integral_value(rounding=ROUND_FLOOR))
    if latest_day <= 0:
        return None
    try:
        return visit_time.date() + dt.timedelta(days=latest_day)
    except OverflowError:
        return dt.date.max
