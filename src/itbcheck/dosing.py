"""The arithmetic of a prescription: 24-hour totals, pump flow and the dose actually delivered.

Pure functions over an already-validated `Record`; all values exact `Decimal`s in the
canonical units their names carry. Sources: [28] ISMP smart-pump concentration principle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from itbcheck.records import Bolus, ContinuousPrescription, FlexPrescription, FlexStep, Record

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class StepShare:
    """One flex step and the drug it contributes to the 24-hour total."""

    index: int
    start: dt.time
    minutes: int
    rate_mcg_per_day: Decimal
    dose_mcg: Decimal


@dataclass(frozen=True)
class BolusShare:
    """One scheduled bolus: the volume the pump gives, the drug the programmer counts, and
    the drug the patient receives at the concentration actually in the reservoir."""

    index: int
    time: dt.time | None
    volume_ml: Decimal
    programmed_mcg: Decimal
    delivered_mcg: Decimal


@dataclass(frozen=True)
class DoseSummary:
    basal_daily_dose_mcg_per_day: Decimal
    bolus_daily_dose_mcg_per_day: Decimal
    prescribed_daily_dose_mcg_per_day: Decimal
    previous_daily_dose_mcg_per_day: Decimal
    dispensed_concentration_mcg_per_ml: Decimal
    programmed_concentration_mcg_per_ml: Decimal
    pump_daily_volume_ml_per_day: Decimal
    delivered_daily_dose_mcg_per_day: Decimal
    concentration_factor: Decimal
    hours_since_last_change: Decimal
    steps: tuple[StepShare, ...]
    boluses: tuple[BolusShare, ...]

    @property
    def change_percent(self) -> Decimal | None:
        """Signed change from the previous dose, in percent; None from a previous dose of zero."""
        previous = self.previous_daily_dose_mcg_per_day
        if previous == 0:
            return None
        return (self.prescribed_daily_dose_mcg_per_day - previous) * 100 / previous


def _hours(span: dt.timedelta) -> Decimal:
    """Exact hours in a time span; float seconds or truncation would hide sub-second order."""
    microseconds = (span.days * 86400 + span.seconds) * 10**6 + span.microseconds
    return Decimal(microseconds) / Decimal(3600 * 10**6)


def _minutes(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def flex_shares(steps: tuple[FlexStep, ...]) -> tuple[StepShare, ...]:
    """Each step runs from its start to the next step's start; the last runs to midnight."""
    ends = [_minutes(step.start) for step in steps[1:]] + [MINUTES_PER_DAY]
    shares = []
    for index, (step, end) in enumerate(zip(steps, ends, strict=True)):
        minutes = end - _minutes(step.start)
        dose = step.rate.value * minutes / MINUTES_PER_DAY
        shares.append(StepShare(index, step.start, minutes, step.rate.value, dose))
    return tuple(shares)


def bolus_shares(
    boluses: tuple[Bolus, ...], *, dispensed: Decimal, programmed: Decimal
) -> tuple[BolusShare, ...]:
    shares = []
    for index, bolus in enumerate(boluses):
        # Multiply before dividing, so that whole numbers stay whole in Decimal.
        if bolus.dose is not None:
            counted = bolus.dose.value
            volume = counted / programmed
            delivered = counted * dispensed / programmed
        else:
            assert bolus.volume is not None  # the model requires exactly one of the two
            volume = bolus.volume.value
            counted = volume * programmed
            delivered = volume * dispensed
        shares.append(BolusShare(index, bolus.time, volume, counted, delivered))
    return tuple(shares)


def summarise(record: Record) -> DoseSummary:
    prescription = record.dosing.prescription
    steps: tuple[StepShare, ...] = ()
    if isinstance(prescription, ContinuousPrescription):
        basal = prescription.daily_dose.value
    else:
        assert isinstance(prescription, FlexPrescription)
        steps = flex_shares(prescription.steps)
        basal = sum((share.dose_mcg for share in steps), Decimal(0))
    dispensed = record.refill.dispensed_concentration.value
    programmed = record.refill.programmed_concentration.value
    boluses = bolus_shares(prescription.boluses, dispensed=dispensed, programmed=programmed)
    prescribed = basal + sum((bolus.programmed_mcg for bolus in boluses), Decimal(0))
    # The pump turns the programmed dose into a flow using the concentration it was told;
    # the patient receives that flow at the concentration actually in the reservoir.
    daily_volume = prescribed / programmed
    since_change = record.visit_time - record.dosing.previous_dose_changed_at
    return DoseSummary(
        basal_daily_dose_mcg_per_day=basal,
        bolus_daily_dose_mcg_per_day=sum((b.programmed_mcg for b in boluses), Decimal(0)),
        prescribed_daily_dose_mcg_per_day=prescribed,
        previous_daily_dose_mcg_per_day=record.dosing.previous_daily_dose.value,
        dispensed_concentration_mcg_per_ml=dispensed,
        programmed_concentration_mcg_per_ml=programmed,
        pump_daily_volume_ml_per_day=daily_volume,
        delivered_daily_dose_mcg_per_day=prescribed * dispensed / programmed,
        concentration_factor=dispensed / programmed,
        hours_since_last_change=_hours(since_change),
        steps=steps,
        boluses=boluses,
    )
