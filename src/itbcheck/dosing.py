"""The arithmetic of a prescription: 24-hour totals, pump flow and the dose actually delivered.

Pure functions over an already-validated `Record`; all values exact `Decimal`s in the
canonical units their names carry. Sources: [28] ISMP smart-pump concentration principle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from itbcheck.prescription import (
    Bolus,
    ContinuousPrescription,
    FlexPrescription,
    FlexStep,
    PatientBolus,
)
from itbcheck.records import Record

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
class PatientBolusShare:
    """The patient-activated boluses at their worst: every allowed activation used, as early as
    the lockout allows. `programmed_mcg` is one activation as the programmer counts it;
    `volume_ml` what the pump gives for it; `delivered_mcg` what the patient receives at the
    concentration in the reservoir."""

    programmed_mcg: Decimal
    volume_ml: Decimal
    delivered_mcg: Decimal
    lockout_minutes: Decimal
    max_per_day: int

    @property
    def daily_max_mcg_per_day(self) -> Decimal:
        return self.programmed_mcg * self.max_per_day

    @property
    def most_in_hour(self) -> int:
        """Activations that fit in one hour: one, then one per lockout after it, at most the
        day's allowance (60 minutes hold ceil(60 / lockout) of them, end excluded)."""
        fit = int((Decimal(60) / self.lockout_minutes).to_integral_value(rounding=ROUND_CEILING))
        return min(fit, self.max_per_day)


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
    # Patient-activated boluses (issue 11 point 8), counted once here for every check: the
    # most the patient can receive per day is the prescribed dose plus every allowed activation.
    patient_bolus: PatientBolusShare | None = None
    previous_patient_bolus_mcg_per_day: Decimal = Decimal(0)

    @property
    def patient_bolus_daily_max_mcg_per_day(self) -> Decimal:
        pb = self.patient_bolus
        return Decimal(0) if pb is None else pb.daily_max_mcg_per_day

    @property
    def most_daily_dose_mcg_per_day(self) -> Decimal:
        """The prescribed dose plus every patient bolus allowed in 24 hours, as programmed."""
        return self.prescribed_daily_dose_mcg_per_day + self.patient_bolus_daily_max_mcg_per_day

    @property
    def previous_most_daily_dose_mcg_per_day(self) -> Decimal:
        """The most the patient could receive per day before this visit."""
        return self.previous_daily_dose_mcg_per_day + self.previous_patient_bolus_mcg_per_day

    @property
    def most_daily_volume_ml_per_day(self) -> Decimal:
        """The pump's daily volume with every allowed patient bolus given: what the reservoir
        forecast counts down ([34] Prometra PTC guide dates the refill the same way)."""
        return self.most_daily_dose_mcg_per_day / self.programmed_concentration_mcg_per_ml

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


def patient_bolus_share(
    bolus: PatientBolus, *, dispensed: Decimal, programmed: Decimal
) -> PatientBolusShare:
    counted = bolus.dose.value
    return PatientBolusShare(
        programmed_mcg=counted,
        volume_ml=counted / programmed,
        delivered_mcg=counted * dispensed / programmed,
        lockout_minutes=bolus.lockout.value * 60,
        max_per_day=bolus.max_per_day,
    )


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
    bolus_daily = sum((bolus.programmed_mcg for bolus in boluses), Decimal(0))
    prescribed = basal + bolus_daily
    # The pump turns the programmed dose into a flow using the concentration it was told;
    # the patient receives that flow at the concentration actually in the reservoir.
    daily_volume = prescribed / programmed
    since_change = record.visit_time - record.dosing.previous_dose_changed_at
    return DoseSummary(
        basal_daily_dose_mcg_per_day=basal,
        bolus_daily_dose_mcg_per_day=bolus_daily,
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
        patient_bolus=None
        if record.dosing.patient_bolus is None
        else patient_bolus_share(
            record.dosing.patient_bolus, dispensed=dispensed, programmed=programmed
        ),
        previous_patient_bolus_mcg_per_day=Decimal(0)
        if record.dosing.previous_patient_bolus is None
        else record.dosing.previous_patient_bolus.dose.value
        * record.dosing.previous_patient_bolus.max_per_day,
    )
