"""The refill-and-programming record, as written on the refill sheet and the programmer screen.

Every model forbids unknown keys and is frozen. Quantities are text with a unit
(`"2000 mcg/mL"`); they are checked and normalised here, once, by `units.parse_quantity`, so
the checks only ever see exact canonical values (`.value`) next to what was written (`.text`).
The format is documented, with an annotated example, in docs/record-format.md.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from itbcheck.exceptions import InvalidRecordError, Problem
from itbcheck.fields import (
    BolusDose,
    CalendarDate,
    ClockTime,
    Concentration,
    DoseRate,
    Duration,
    OverrideLimit,
    PositiveVolume,
    ProfileName,
    Text,
    Timestamp,
    Volume,
    problems_from,
    shown,
)
from itbcheck.stages import Stage
from itbcheck.units import Kind

RECORD_VERSION = 1


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


def _whole_number(value: object) -> object:
    # Literal[1] alone would accept 1.0, True or Decimal("1"); a version is a plain integer.
    if type(value) is not int:
        raise PydanticCustomError("version", "write the record version as the integer 1")
    return value


class Record(_Model):
    record_version: Annotated[Literal[1], BeforeValidator(_whole_number)]
    visit_time: Timestamp
    patient: Patient
    pump: Pump
    refill: Refill
    dosing: Dosing
    next_refill: CalendarDate
    # Lists arrive from YAML and JSON; the tuple keeps the frozen record immutable.
    overrides: tuple[Override, ...] = Field(default=(), max_length=10, strict=False)
    since_last_visit: SinceLastVisit | None = Field(
        default=None, description="MRI, catheter revision or pump replacement since the last visit."
    )


def _field_names(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        for argument in (info.annotation, *typing.get_args(info.annotation)):
            for inner in (argument, *typing.get_args(argument)):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    names |= _field_names(inner)
    return names


_FIELD_NAMES = frozenset(_field_names(Record) | {"record"})


def is_schema_location(location: str) -> bool:
    """True when every part of a problem's location is a field name of the record format."""
    parts = re.sub(r"\[\d+\]", "", location).split(".")
    return all(part in _FIELD_NAMES for part in parts)


def stage_of(info: ValidationInfo) -> Stage:
    """The stage a record is parsed for; after programming (the complete record) unless the
    caller says otherwise."""
    context = info.context if isinstance(info.context, dict) else {}
    stage = context.get("stage", Stage.AFTER_PROGRAMMING)
    return stage if isinstance(stage, Stage) else Stage.AFTER_PROGRAMMING


def parse_record(
    data: object, source: str = "record", stage: Stage = Stage.AFTER_PROGRAMMING
) -> Record:
    """Validate already-loaded data into a `Record`, or raise `InvalidRecordError` listing
    every problem found. At `Stage.BEFORE_FILL` the fields of `STAGES[stage].not_yet_known`
    may be left out; every other field is required as always."""
    try:
        record = Record.model_validate(data, context={"stage": stage})
    except ValidationError as error:
        raise InvalidRecordError(problems_from(error), source) from None
    problems = [
        *_schedule_problems(record),
        *_date_problems(record),
        *_since_visit_problems(record),
    ]
    if problems:
        raise InvalidRecordError(problems, source)
    return record


def _schedule_problems(record: Record) -> list[Problem]:
    """Cross-field rules pydantic cannot see field by field: a flex day must start at 00:00
    and its steps must be in time order, or the 24-hour total would be a guess."""
    prescription = record.dosing.prescription
    if not isinstance(prescription, FlexPrescription):
        return []
    problems: list[Problem] = []
    starts = [step.start for step in prescription.steps]
    if starts[0] != dt.time(0, 0):
        problems.append(
            Problem(
                "dosing.prescription.steps[0].start",
                "the first flex step must start at 00:00",
                shown(starts[0].strftime("%H:%M")),
                "flex_schedule",
            )
        )
    for index in range(1, len(starts)):
        if starts[index] <= starts[index - 1]:
            problems.append(
                Problem(
                    f"dosing.prescription.steps[{index}].start",
                    "flex steps must be in increasing time order",
                    shown(starts[index].strftime("%H:%M")),
                    "flex_schedule",
                )
            )
    return problems


def _date_problems(record: Record) -> list[Problem]:
    """Dates that contradict each other: a previous refill after this visit, or an elective
    replacement date after the end of service it warns of."""
    problems: list[Problem] = []
    filled = record.refill.previous_fill_date
    if filled is not None and filled > record.visit_time.date():
        problems.append(
            Problem(
                "refill.previous_fill_date",
                "the previous refill must be on or before the day of this visit",
                shown(filled.isoformat()),
                "date_order",
            )
        )
    eri, eos = record.pump.elective_replacement, record.pump.end_of_service
    if eri is not None and eos is not None and eri > eos:
        problems.append(
            Problem(
                "pump.elective_replacement",
                "the elective replacement date must be on or before the end of service",
                shown(eri.isoformat()),
                "date_order",
            )
        )
    return problems


def _since_visit_problems(record: Record) -> list[Problem]:
    """An event "since the last visit" dated after this visit contradicts the record."""
    since = record.since_last_visit
    if since is None:
        return []
    visit_day = record.visit_time.date()
    events = {
        "mri": since.mri,
        "catheter_revision": since.catheter_revision,
        "pump_replacement": since.pump_replacement,
    }
    return [
        Problem(
            f"since_last_visit.{name}.date",
            "an event since the last visit cannot be after the visit day",
            shown(event.date.isoformat()),
            "since_last_visit",
        )
        for name, event in events.items()
        if event is not None and event.date > visit_day
    ]
