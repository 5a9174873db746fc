"""The dosing section of the record as written: the prescription (a continuous daily dose or a
flex day of steps) and its scheduled boluses, the bridge bolus of a concentration change,
patient-activated boluses, and the dose, change and interruption the new prescription follows.
The arithmetic over it is in `dosing`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from itbcheck.fields import (
    BolusDose,
    ClockTime,
    DoseRate,
    Duration,
    PositiveVolume,
    Text,
    Timestamp,
)
from itbcheck.recordsections import _Model


class Bolus(_Model):
    """A scheduled bolus, written as the drug dose or as the volume the pump gives."""

    time: ClockTime | None = None
    dose: BolusDose | None = None
    volume: PositiveVolume | None = None

    @model_validator(mode="after")
    def _dose_or_volume(self) -> Bolus:
        if (self.dose is None) == (self.volume is None):
            raise PydanticCustomError("bolus", "give exactly one of dose or volume")
        return self


class BridgeBolus(_Model):
    """The bolus programmed on a concentration change to clear the old drug at its own rate."""

    volume: PositiveVolume
    duration: Duration


class FlexStep(_Model):
    start: ClockTime
    rate: DoseRate


class ContinuousPrescription(_Model):
    mode: Literal["continuous"]
    daily_dose: DoseRate
    boluses: tuple[Bolus, ...] = Field(default=(), max_length=48, strict=False)


class FlexPrescription(_Model):
    mode: Literal["flex"]
    steps: tuple[FlexStep, ...] = Field(min_length=1, max_length=48, strict=False)
    boluses: tuple[Bolus, ...] = Field(default=(), max_length=48, strict=False)


Prescription = Annotated[ContinuousPrescription | FlexPrescription, Field(discriminator="mode")]


class PatientBolus(_Model):
    """Boluses the patient may give with a personal therapy manager (SynchroMed) or patient
    therapy controller (Prometra): the dose of one activation, the lockout between two, and the
    most activations in 24 hours."""

    dose: BolusDose = Field(description="Drug of one activation, such as '50 mcg'.")
    lockout: Duration = Field(description="Shortest time between two activations, such as '4 h'.")
    max_per_day: int = Field(ge=1, le=96, description="Most activations allowed in 24 hours.")


class Dosing(_Model):
    previous_daily_dose: DoseRate
    previous_dose_changed_at: Timestamp = Field(description="When the daily dose last changed.")
    change_reason: Text | None = Field(
        default=None, description="Why the dose is lowered or stopped; required to stop a pump."
    )
    prescription: Prescription
    bridge_bolus: BridgeBolus | None = Field(
        default=None, description="Bridge bolus programmed for a concentration change."
    )
    dose_before_interruption: DoseRate | None = Field(
        default=None,
        description="Daily dose the pump gave before it was stopped, when previous_daily_dose "
        "is 0 mcg/day; needed to check a restart from zero.",
    )
    pump_off_for: Duration | None = Field(
        default=None,
        description="How long the pump delivered nothing before this restart ('2 h', '3 day').",
    )
    patient_bolus: PatientBolus | None = Field(
        default=None, description="Patient-activated boluses allowed from this visit on."
    )
    previous_patient_bolus: PatientBolus | None = Field(
        default=None,
        description="Patient-activated boluses allowed before this visit; left out: none.",
    )
