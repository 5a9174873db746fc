"""The sections of the record as written: the patient, the pump, the refill, the overrides and
the events since the last visit, each a frozen model that forbids unknown keys and reads its
quantities once, through the field types of `fields`. The dosing section is in `prescription`;
the whole record and the rules across its sections are in `records`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from itbcheck.fields import (
    CalendarDate,
    Concentration,
    OverrideLimit,
    PositiveVolume,
    ProfileName,
    Text,
    Volume,
)
from itbcheck.stages import Stage
from itbcheck.units import Kind


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Patient(_Model):
    id: Text = Field(description="Hospital identifier; only ever logged as a keyed token.")
    origin: Literal["spinal", "cerebral"] = Field(description="Origin of the spasticity.")
    age_years: int = Field(ge=0, le=130)
    renal_impairment: bool


class Pump(_Model):
    profile: ProfileName = Field(description="Name of a pump profile, e.g. synchromed-ii-20ml.")
    serial: Text = Field(description="Pump serial number; only ever logged as a keyed token.")
    status_at_arrival: Literal["running", "stopped", "stalled", "empty"] = Field(
        description="What the interrogation showed before the refill."
    )
    catheter_volume: PositiveVolume | None = Field(
        default=None,
        description="Volume of the implanted catheter, from the implant record; leave it out "
        "when unknown ('0 mL' is refused: every catheter holds drug).",
    )
    end_of_service: CalendarDate | None = Field(
        default=None,
        description="End-of-service (EOS) date, if shown: the day the pump stops delivering.",
    )
    elective_replacement: CalendarDate | None = Field(
        default=None,
        description="Elective replacement indicator (ERI) date, if shown: replace the pump "
        "before its end of service.",
    )


# Drugs given intrathecally alone or in admixtures (issue 11 point 9). A record may list them
# all; anything but baclofen alone is DRUG_NOT_SUPPORTED (STOP). A name outside this list is
# refused with the record (fail closed): a misspelt "baclofen" could be baclofen alone, or not.
DrugName = Literal[
    "baclofen",
    "bupivacaine",
    "clonidine",
    "fentanyl",
    "hydromorphone",
    "morphine",
    "sufentanil",
    "ziconotide",
]


def _no_repeats(drugs: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(drugs)) != len(drugs):
        raise PydanticCustomError("drugs", "name each drug once")
    return drugs


class Refill(_Model):
    drug: Literal["baclofen"]
    drugs: Annotated[tuple[DrugName, ...], AfterValidator(_no_repeats)] | None = Field(
        default=None,
        min_length=1,
        max_length=8,
        strict=False,
        description="Every drug in the syringe, when it may hold more than baclofen, e.g. "
        "[baclofen, clonidine]. Leave it out for baclofen alone.",
    )
    product_source: Literal["labelled", "compounded"] | None = Field(
        default=None,
        description="Where the syringe's drug comes from: a labelled commercial product, or "
        "compounded or diluted by a pharmacy.",
    )
    injection_site: Literal["reservoir", "catheter_access_port"] | None = Field(
        default=None,
        validate_default=True,
        description="Where the drug was injected: the reservoir fill port, or (an error) the "
        "catheter access port. Required after programming; a before-fill record leaves it out.",
    )
    previous_concentration: Concentration = Field(
        description="Concentration the pump held before this refill."
    )
    previous_fill_volume: Volume | None = Field(
        default=None, description="Reservoir volume after the previous refill."
    )
    previous_fill_date: CalendarDate | None = Field(
        default=None,
        description="Date of the previous refill (pump log or last refill sheet); with it a "
        "residual near full can be told apart from an early refill.",
    )
    dispensed_concentration: Concentration = Field(description="Concentration in the syringe.")
    programmed_concentration: Concentration = Field(
        description="Concentration entered in the programmer."
    )
    expected_residual: Volume | None = Field(
        default=None, description="Residual volume the programmer expects before the refill."
    )
    aspirated_residual: Volume | None = Field(
        default=None, description="Residual volume actually aspirated; '0 mL' if nothing came back."
    )
    fill_volume: Volume
    programmed_reservoir_volume: Volume | None = Field(
        default=None,
        validate_default=True,
        description="Reservoir volume entered in the programmer. Required after programming; "
        "a before-fill record leaves it out.",
    )
    low_reservoir_alarm: Volume

    @field_validator("injection_site", "programmed_reservoir_volume", mode="after")
    @classmethod
    def _known_after_the_fill(cls, value: object, info: ValidationInfo) -> object:
        # Fail closed: only a record parsed for the before-fill stage may leave these out.
        if value is None and stage_of(info) is not Stage.BEFORE_FILL:
            raise PydanticCustomError("missing", "missing field")
        return value


class Override(_Model):
    rule: Literal[
        "daily_dose_range", "restart_dose", "bolus_limit", "refill_increase", "pump_labelling"
    ] = Field(description="The soft limit this override lifts.")
    approved_limit: OverrideLimit = Field(
        description="A daily dose ('900 mcg/day') for daily_dose_range, restart_dose, "
        "refill_increase and pump_labelling; a bolus ('150 mcg') for bolus_limit."
    )
    approver: Text
    reason: Text

    @model_validator(mode="after")
    def _limit_fits_rule(self) -> Override:
        wanted = Kind.MASS if self.rule == "bolus_limit" else Kind.DOSE_RATE
        if self.approved_limit.kind is not wanted:
            raise PydanticCustomError(
                "override",
                f"the approved limit of a {self.rule} override is {wanted.example}",
            )
        return self


class Mri(_Model):
    """An MRI scan since the last visit, and what was done about the pump."""

    date: CalendarDate
    pump_emptied_before: bool | None = Field(
        default=None, description="Prometra: the reservoir was emptied before the scan."
    )
    interrogated_after: bool | None = Field(
        default=None, description="The pump was interrogated after the scan and was running."
    )


class CatheterRevision(_Model):
    """A catheter revised or replaced since the last visit."""

    date: CalendarDate
    new_catheter_volume: PositiveVolume | None = Field(
        default=None, description="Volume of the catheter as revised, from the operation note."
    )


class PumpReplacement(_Model):
    """A new pump implanted since the last visit."""

    date: CalendarDate
    implant_concentration: Concentration | None = Field(
        default=None, description="Strength the new pump was filled and primed with at implant."
    )


class SinceLastVisit(_Model):
    """Events since the last refill that change what the checks may assume."""

    mri: Mri | None = None
    catheter_revision: CatheterRevision | None = None
    pump_replacement: PumpReplacement | None = None


def stage_of(info: ValidationInfo) -> Stage:
    """The stage a record is parsed for; after programming (the complete record) unless the
    caller says otherwise."""
    context = info.context if isinstance(info.context, dict) else {}
    stage = context.get("stage", Stage.AFTER_PROGRAMMING)
    return stage if isinstance(stage, Stage) else Stage.AFTER_PROGRAMMING
