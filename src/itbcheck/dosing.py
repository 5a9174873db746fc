"""The arithmetic of a prescription: 24-hour totals, pump flow and the dose actually delivered.

Pure functions over an already-validated `Record`; all values exact `Decimal`s in the
canonical units their names carry. Formulas: itb-reference.md section 8.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from itbcheck.records import ContinuousPrescription, FlexPrescription, FlexStep, Record

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

    @property
    def change_percent(self) -> Decimal | None:
        """Signed change from the previous dose, in percent; None from a previous dose of zero."""
        previous = self.previous_daily_dose_mcg_per_day
        if previous == 0:
            return None
        return (self.prescribed_daily_dose_mcg_per_day - previous) * 100 / previous


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


def summarise(record: Record) -> DoseSummary:
    prescription = record.dosing.prescription
    steps: tuple[StepShare, ...] = ()
    if isinstance(prescription, ContinuousPrescription):
        basal = prescription.daily_dose.value
    else:
        assert isinstance(prescription, FlexPrescription)
        steps = flex_shares(prescription.steps)
        basal = sum((share.dose_mcg for share in steps), Decimal(0))
    boluses = sum((bolus.dose.value for bolus in prescription.boluses), Decimal(0))
    prescribed = basal + boluses
    dispensed = record.refill.dispensed_concentration.value
    programmed = record.refill.programmed_concentration.value
    # The pump turns the programmed dose into a flow using the concentration it was told;
    # the patient receives that flow at the concentration actually in the reservoir.
    daily_volume = prescribed / programmed
    since_change = record.visit_time - record.dosing.previous_dose_changed_at
    return DoseSummary(
        basal_daily_dose_mcg_per_day=basal,
        bolus_daily_dose_mcg_per_day=boluses,
        prescribed_daily_dose_mcg_per_day=prescribed,
        previous_daily_dose_mcg_per_day=record.dosing.previous_daily_dose.value,
        dispensed_concentration_mcg_per_ml=dispensed,
        programmed_concentration_mcg_per_ml=programmed,
        pump_daily_volume_ml_per_day=daily_volume,
        delivered_daily_dose_mcg_per_day=prescribed * dispensed / programmed,
        concentration_factor=dispensed / programmed,
        hours_since_last_change=Decimal(int(since_change.total_seconds())) / 3600,
        steps=steps,
    )
