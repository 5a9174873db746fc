"""Pump profiles: the device facts a check may rely on, each with its source and whether an
engineer has verified it against the device manual.

Profiles are TOML files in `pump_profiles/` (shipped inside the package). A value that is
absent or `verified = false` is never used as a hard limit: a check that needs it reports
that it could not check, instead of trusting an unconfirmed number. This module holds the
profile model and the facts it states; `profilevalidation.validate_profile` lists every
problem of a file (so it cannot be used) and every missing or unverified fact;
`profilefiles` finds the shipped files and loads a profile by name, and `site` the site's own.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from itbcheck.fields import (
    BolusDose,
    Concentration,
    DoseRate,
    Duration,
    PositiveVolume,
    Volume,
    VolumeRate,
)
from itbcheck.pumplabelling import (
    LABELLING_FACTS,
    AgeFact,
    ConcentrationFact,
    LabelFact,
    WarningFact,
    label_text,
)
from itbcheck.units import Measured

PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}", re.ASCII)
Source = Annotated[str, StringConstraints(min_length=10)]


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    verified: bool
    source: Source


class VolumeFact(_Fact):
    value: Volume | None = None


class VolumeRateFact(_Fact):
    value: VolumeRate | None = None


class DurationFact(_Fact):
    value: Duration | None = None


# TOML writes the band as a number; the schema says so (pydantic would also offer a string).
Percent = Annotated[
    Decimal,
    Field(ge=0, le=50),
    WithJsonSchema(
        {"type": "number", "minimum": 0, "maximum": 50, "description": "± percent of flow"}
    ),
]


class PercentFact(_Fact):
    percent: Percent | None = None


class ResolutionFact(_Fact):
    """The smallest step the pump's programmer accepts for each kind of number a nurse types.
    Only for showing numbers (rounded to a step, in the safe direction); never a limit."""

    dose_rate: DoseRate
    bolus_dose: BolusDose
    volume: PositiveVolume
    volume_rate: VolumeRate
    concentration: Concentration
    days: Duration  # days until the alarm or empty, as the findings give them

    @model_validator(mode="after")
    def _steps_above_zero(self) -> ResolutionFact:
        if self.dose_rate.value <= 0 or self.volume_rate.value <= 0:
            raise PydanticCustomError("resolution", "a programmer step must be above zero")
        return self

    def steps(self) -> dict[str, Decimal]:
        """The step for each figure unit, in that unit."""
        return {
            "mcg/day": self.dose_rate.value,
            "mcg": self.bolus_dose.value,
            "mL": self.volume.value,
            "mL/day": self.volume_rate.value,
            "mcg/mL": self.concentration.value,
            "day": self.days.value / 24,
        }


class PumpProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    # Not a field: no file can state its own digest (set by profilevalidation).
    _source_sha256: str | None = PrivateAttr(default=None)

    name: Annotated[str, StringConstraints(pattern=f"^{PROFILE_NAME.pattern}$")]
    description: Annotated[str, StringConstraints(min_length=1)]
    profile_version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    reservoir_capacity: VolumeFact
    accuracy_band: PercentFact
    low_reservoir_alarm: VolumeFact
    pump_tubing_volume: VolumeFact
    residual_gap_threshold: VolumeFact
    drug_stability_limit: DurationFact
    min_rate: VolumeRateFact
    max_rate: VolumeRateFact
    catheter_volume_min: VolumeFact
    catheter_volume_max: VolumeFact
    # Optional: without it numbers are shown exactly as computed.
    programmer_resolution: ResolutionFact | None = None
    # What the pump's labelling says about baclofen (issue 11 point 5). Optional: a profile
    # that leaves one out, or has no verified value, leaves it unchecked, and a record that
    # depends on it says so (PUMP_LABELLING_UNCHECKED); nothing is assumed.
    labelled_min_age: AgeFact | None = None
    labelled_concentration_min: ConcentrationFact | None = None
    labelled_concentration_max: ConcentrationFact | None = None
    compounded_drug_warning: WarningFact | None = None

    @property
    def version(self) -> str:
        return f"{self.name}@{self.profile_version}"

    @property
    def source_sha256(self) -> str | None:
        """The SHA-256 of the profile file's text, for the audit entry: a site may edit its
        profile without changing profile_version; None for a profile not read from text."""
        return self._source_sha256


def trusted(
    fact: VolumeFact | VolumeRateFact | DurationFact | ConcentrationFact | None,
) -> Measured | None:
    """The fact's value if it may be used as a limit: present and verified."""
    return fact.value if fact is not None and fact.verified else None


def labelling_of(profile: PumpProfile) -> dict[str, LabelFact]:
    """The labelling facts a profile states, by name, in file order."""
    found = {name: getattr(profile, name) for name in LABELLING_FACTS}
    return {name: fact for name, fact in found.items() if fact is not None}


_FACTS: dict[str, type[_Fact]] = {
    name: info.annotation
    for name, info in PumpProfile.model_fields.items()
    if isinstance(info.annotation, type) and issubclass(info.annotation, _Fact)
}


def facts_of(profile: PumpProfile) -> dict[str, _Fact]:
    """Every device fact of a profile, by name, in file order."""
    return {name: getattr(profile, name) for name in _FACTS}


def written(fact: _Fact | LabelFact) -> str | None:
    """A fact's number as the profile writes it, or None when it has none."""
    if isinstance(fact, LabelFact):
        return label_text(fact)
    if isinstance(fact, PercentFact):
        return None if fact.percent is None else f"{fact.percent} %"
    value: Measured | None = getattr(fact, "value", None)
    return None if value is None else value.text
