"""The reservoir and the drug delivered, step by step after a refill: at the programmed flow and
at both ends of the pump's accuracy band, with the alarm, empty and appointment days.

Pure and exact (`Decimal`), for the engineers' `itbcheck simulate`. The flow, fill, alarm
volume, band and appointment come from `dosing.summarise` and `reservoir.forecast`, the numbers
`check` uses; without a bridge bolus the nominal and high-rate days are the forecast's own.
What this adds ([16] SynchroMed over-infusion notices; [6] Saulino 2016):

- the low end of the band, rate x (1 - band): the reservoir lasts longest, the patient gets
  least;
- the volume drawn over time, the flow being the 24-hour average of the prescription (flex
  steps and boluses included), as `check` uses it;
- a concentration change: the dead volume (pump tubing + catheter) holds the old drug, which
  reaches the patient first; a bridge bolus pumps its volume over its duration instead of the
  programmed flow, then the programmed flow runs. Every flow, bridge included, is scaled by
  the same band factor: the pump's timer is exact, its volume is not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from itbcheck.dosing import DoseSummary, summarise
from itbcheck.lab.variants import VariantError
from itbcheck.profiles import PumpProfile, trusted
from itbcheck.records import Record
from itbcheck.reservoir import Forecast, date_after, forecast

MAX_ROWS = 10_000
RATES = ("nominal", "low", "high")


@dataclass(frozen=True)
class Bridge:
    volume_ml: Decimal
    days: Decimal


@dataclass(frozen=True)
class Scenario:
    """One flow: `rate` is nominal, low or high; `band_percent` the signed change applied."""

    rate: str
    band_percent: Decimal
    daily_volume_ml_per_day: Decimal
    days_to_alarm: Decimal | None
    days_to_empty: Decimal | None
    alarm_date: dt.date | None
    empty_date: dt.date | None
    reservoir_at_appointment_ml: Decimal
    delivered_by_appointment_mcg: Decimal


@dataclass(frozen=True)
class Row:
    """One time step; `reservoir_ml` and `delivered_mcg` follow the simulation's scenarios.
    `events` names what happens after the previous step and up to this one."""

    day: Decimal
    date: dt.date
    reservoir_ml: tuple[Decimal, ...]
    delivered_mcg: tuple[Decimal, ...]
    events: tuple[str, ...]


@dataclass(frozen=True)
class Simulation:
    record: Record
    profile: PumpProfile
    dose: DoseSummary
    forecast: Forecast
    old_concentration_mcg_per_ml: Decimal
    dead_volume_ml: Decimal | None
    bridge: Bridge | None
    step_days: Decimal
    scenarios: tuple[Scenario, ...]
    rows: tuple[Row, ...]

    @property
    def concentration_changes(self) -> bool:
        return self.old_concentration_mcg_per_ml != self.dose.dispensed_concentration_mcg_per_ml


@dataclass(frozen=True)
class _Pump:
    """How one scenario draws from the reservoir, and what reaches the patient."""

    fill: Decimal
    flow: Decimal
    bridge_volume: Decimal
    bridge_days: Decimal
    dead: Decimal
    old: Decimal
    new: Decimal

    def pumped(self, day: Decimal) -> Decimal:
        if day <= self.bridge_days:
            drawn = self.bridge_volume * day / self.bridge_days if self.bridge_days else Decimal(0)
        else:
            drawn = self.bridge_volume + self.flow * (day - self.bridge_days)
        return min(drawn, self.fill)

    def day_reaching(self, volume: Decimal) -> Decimal | None:
        """The day the pump has drawn `volume`; None if it never does."""
        if volume <= 0:
            return Decimal(0)
        if volume <= self.bridge_volume:
            return volume * self.bridge_days / self.bridge_volume
        if self.flow <= 0:
            return None
        if not self.bridge_days:
            return volume / self.flow  # the forecast's formula, kept identical
        return self.bridge_days + (volume - self.bridge_volume) / self.flow

    def delivered(self, day: Decimal) -> Decimal:
        drawn = self.pumped(day)
        old_part = min(drawn, self.dead)
        return old_part * self.old + (drawn - old_part) * self.new


def _scaled(value: Decimal, band: Decimal) -> Decimal:
    # Written as the forecast writes its worst case, so the same flows give the same days.
    return value if band == 0 else value * (100 + band) / 100


def _bridge(record: Record) -> Bridge | None:
    bolus = record.dosing.bridge_bolus
    if bolus is None:
        return None
    return Bridge(bolus.volume.value, bolus.duration.value / 24)


def dead_volume(record: Record, profile: PumpProfile) -> Decimal | None:
    """Pump tubing (verified profile value) plus catheter (record); None if either is unknown."""
    tubing = trusted(profile.pump_tubing_volume)
    catheter = record.pump.catheter_volume
    if tubing is None or catheter is None:
        return None
    return tubing.value + catheter.value


def _horizon(until: Decimal | None, step: Decimal, pumps: list[_Pump], appointment: int) -> int:
    if until is None:
        ends = [pump.day_reaching(pump.fill) for pump in pumps]
        until = max([Decimal(appointment), *(end for end in ends if end is not None)])
    steps = int((until / step).to_integral_value(rounding=ROUND_CEILING))
    if steps + 1 > MAX_ROWS:
        raise VariantError(
            f"{steps + 1} time steps is more than {MAX_ROWS}: use a longer --step or a shorter "
            "--until"
        )
    return max(steps, 1)


def _events(scenarios: tuple[Scenario, ...], appointment: int) -> list[tuple[Decimal, str]]:
    events = [(Decimal(appointment), "appointment")]
    for scenario in scenarios:
        for what, day in (("alarm", scenario.days_to_alarm), ("empty", scenario.days_to_empty)):
            if day is not None:
                events.append((day, f"{what}_{scenario.rate}"))
    return sorted(events, key=lambda event: event[0])


def simulate(
    record: Record, profile: PumpProfile, *, step_days: Decimal, until_days: Decimal | None = None
) -> Simulation:
    """Step through time from the visit, `step_days` at a time, up to `until_days` or, by
    default, to the appointment or the last day the reservoir runs empty, whichever is later."""
    if step_days <= 0:
        raise VariantError("the time step must be longer than zero")
    dose = summarise(record)
    outlook = forecast(record, dose, profile)
    new = dose.dispensed_concentration_mcg_per_ml
    old = record.refill.previous_concentration.value
    dead = dead_volume(record, profile) if old != new else Decimal(0)
    bridge = _bridge(record)
    band = outlook.accuracy_band_percent
    bands = [Decimal(0)] if band is None else [Decimal(0), -band, band]
    pumps = [
        _Pump(
            fill=outlook.fill_volume_ml,
            flow=_scaled(outlook.daily_volume_ml_per_day, signed),
            bridge_volume=Decimal(0) if bridge is None else _scaled(bridge.volume_ml, signed),
            bridge_days=Decimal(0) if bridge is None else bridge.days,
            dead=dead or Decimal(0),
            old=old,
            new=new,
        )
        for signed in bands
    ]
    appointment = max(Decimal(outlook.appointment_days), Decimal(0))
    scenarios = []
    for rate, signed, pump in zip(RATES, bands, pumps, strict=False):
        alarm = pump.day_reaching(outlook.fill_volume_ml - outlook.alarm_volume_ml)
        empty = pump.day_reaching(outlook.fill_volume_ml)
        scenarios.append(
            Scenario(
                rate=rate,
                band_percent=signed,
                daily_volume_ml_per_day=pump.flow,
                days_to_alarm=alarm,
                days_to_empty=empty,
                alarm_date=None if alarm is None else date_after(record.visit_time, alarm),
                empty_date=None if empty is None else date_after(record.visit_time, empty),
                reservoir_at_appointment_ml=pump.fill - pump.pumped(appointment),
                delivered_by_appointment_mcg=pump.delivered(appointment),
            )
        )
    steps = _horizon(until_days, step_days, pumps, outlook.appointment_days)
    events = _events(tuple(scenarios), outlook.appointment_days)
    rows = []
    for index in range(steps + 1):
        day = step_days * index
        after = step_days * (index - 1) if index else Decimal("-Infinity")
        rows.append(
            Row(
                day=day,
                date=date_after(record.visit_time, day),
                reservoir_ml=tuple(pump.fill - pump.pumped(day) for pump in pumps),
                delivered_mcg=tuple(pump.delivered(day) for pump in pumps),
                events=tuple(name for when, name in events if after < when <= day),
            )
        )
    return Simulation(
        record=record,
        profile=profile,
        dose=dose,
        forecast=outlook,
        old_concentration_mcg_per_ml=old,
        dead_volume_ml=dead,
        bridge=bridge,
        step_days=step_days,
        scenarios=tuple(scenarios),
        rows=tuple(rows),
    )
