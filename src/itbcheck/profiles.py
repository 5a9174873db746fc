"""Pump profiles: the device facts a check may rely on, each with its source and whether an
engineer has verified it against the device manual.

Profiles are TOML files in `pump_profiles/` (shipped inside the package). A value that is
absent or `verified = false` is never used as a hard limit: a check that needs it reports
that it could not check, instead of trusting an unconfirmed number.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from itbcheck.exceptions import ConfigurationError, Problem
from itbcheck.fields import Duration, Volume, VolumeRate, problems_from
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


class PercentFact(_Fact):
    percent: Annotated[Decimal, Field(ge=0, le=50)] | None = None


class PumpProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: Annotated[str, StringConstraints(pattern=PROFILE_NAME.pattern)]
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

    @property
    def version(self) -> str:
        return f"{self.name}@{self.profile_version}"


def trusted(fact: VolumeFact | VolumeRateFact | DurationFact) -> Measured | None:
    """The fact's value if it may be used as a limit: present and verified."""
    return fact.value if fact.verified else None


def _profiles_folder() -> Traversable:
    return resources.files("itbcheck") / "pump_profiles"


def profile_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in _profiles_folder().iterdir()
        if entry.name.endswith(".toml")
    )


def _decimal_percent(data: dict[str, object]) -> None:
    # TOML gives 14.5 as a float; the profile's number is the decimal the engineer wrote.
    band = data.get("accuracy_band")
    if isinstance(band, dict) and isinstance(band.get("percent"), float | int):
        band["percent"] = Decimal(str(band["percent"]))


def parse_profile(text: str, source: str) -> PumpProfile:
    try:
        data = tomllib.loads(text)
        _decimal_percent(data)
        return PumpProfile.model_validate(data)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError([Problem("profile", f"not valid TOML: {error}")], source) from None
    except ValidationError as error:
        problems = problems_from(error)
        raise ConfigurationError(problems, source) from None


def load_profile(name: str) -> PumpProfile:
    """The shipped profile called `name`. Names are plain words, so they cannot leave the
    profiles folder."""
    if not PROFILE_NAME.fullmatch(name) or name not in profile_names():
        known = ", ".join(profile_names())
        raise ConfigurationError(
            [Problem("pump.profile", f"unknown pump profile; known: {known}", name)], "profiles"
        )
    text = (_profiles_folder() / f"{name}.toml").read_text("utf-8")
    profile = parse_profile(text, f"pump_profiles/{name}.toml")
    if profile.name != name:
        raise ConfigurationError(
            [Problem("name", "does not match the file name", profile.name)],
            f"pump_profiles/{name}.toml",
        )
    return profile
