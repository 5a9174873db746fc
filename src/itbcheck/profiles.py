"""Pump profiles: the device facts a check may rely on, each with its source and whether an
engineer has verified it against the device manual.

Profiles are TOML files in `pump_profiles/` (shipped inside the package). A value that is
absent or `verified = false` is never used as a hard limit: a check that needs it reports
that it could not check, instead of trusting an unconfirmed number. `validate_profile` lists
every problem of a file (so it cannot be used) and every missing or unverified fact.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from itbcheck.exceptions import ConfigurationError, Problem
from itbcheck.fields import (
    BolusDose,
    Concentration,
    DoseRate,
    Duration,
    PositiveVolume,
    Volume,
    VolumeRate,
    problems_from,
    shown,
)
from itbcheck.pumplabelling import (
    LABELLING_FACTS,
    AgeFact,
    ConcentrationFact,
    LabelFact,
    WarningFact,
    label_text,
    labelling_problems,
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


def trusted(
    fact: VolumeFact | VolumeRateFact | DurationFact | ConcentrationFact | None,
) -> Measured | None:
    """The fact's value if it may be used as a limit: present and verified."""
    return fact.value if fact is not None and fact.verified else None


def labelling_of(profile: PumpProfile) -> dict[str, LabelFact]:
    """The labelling facts a profile states, by name, in file order."""
    found = {name: getattr(profile, name) for name in LABELLING_FACTS}
    return {name: fact for name, fact in found.items() if fact is not None}


def profiles_folder() -> Traversable:
    """The shipped profiles: inside the installed package (a wheel force-includes them), or
    beside `src/` in a checkout (an editable install or `PYTHONPATH=src` links only `src/`).
    Neither there: a configuration error naming both places, never an internal error."""
    packaged = resources.files("itbcheck") / "pump_profiles"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "pump_profiles"
    if checkout.is_dir():
        return checkout
    raise ConfigurationError(
        [
            Problem(
                "pump_profiles",
                f"no pump profiles folder: looked in {packaged} and {checkout}; reinstall itbcheck",
                kind="missing_profiles",
            )
        ],
        "profiles",
    )


def shipped_profile_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in profiles_folder().iterdir()
        if entry.name.endswith(".toml")
    )


def profile_names() -> list[str]:
    """Every profile a record may name: the shipped ones and the site's (site.py)."""
    from itbcheck.site import site_profiles

    return sorted([*shipped_profile_names(), *site_profiles()])


def _decimal_percent(data: dict[str, object]) -> None:
    # TOML gives 14.5 as a float; the profile's number is the decimal the engineer wrote.
    # A bool is an int to Python; it is left alone, so validation refuses it with its location.
    band = data.get("accuracy_band")
    if isinstance(band, dict):
        percent = band.get("percent")
        if isinstance(percent, float | int) and not isinstance(percent, bool):
            band["percent"] = Decimal(str(percent))


@dataclass(frozen=True)
class ProfileReport:
    """What validating one profile file found: every problem (the file cannot be used) and
    every warning (a fact that is missing or unverified, so checks will not rely on it)."""

    source: str
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    profile: PumpProfile | None

    @property
    def valid(self) -> bool:
        return not self.problems


_FACTS: dict[str, type[_Fact]] = {
    name: info.annotation
    for name, info in PumpProfile.model_fields.items()
    if isinstance(info.annotation, type) and issubclass(info.annotation, _Fact)
}

# Clearer words for the few pydantic messages a profile author meets, by (field, error kind).
_CLEARER = {
    ("percent", "greater_than_equal"): "the accuracy band must be between 0 and 50 %",
    ("percent", "less_than_equal"): "the accuracy band must be between 0 and 50 %",
    ("percent", "is_instance_of"): "write the percent as a number, like 14.5",
    ("source", "string_too_short"): "say where the number comes from (at least 10 characters)",
    ("source", "missing"): "missing source: every fact says where its number comes from",
}


def _clearer(problem: Problem) -> Problem:
    message = _CLEARER.get((problem.location.rsplit(".", 1)[-1], problem.kind))
    return problem if message is None else replace(problem, message=message)


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


def _valid_facts(data: dict[str, object]) -> dict[str, _Fact]:
    """The facts that are valid on their own (the others are reported by the whole-profile
    validation)."""
    found: dict[str, _Fact] = {}
    for name, model in _FACTS.items():
        try:
            found[name] = model.model_validate(data.get(name))
        except ValidationError:
            continue
    return found


_AS_VOLUME, _AS_RATE = TypeAdapter(Volume), TypeAdapter(VolumeRate)


def _value(data: dict[str, object], name: str, adapter: TypeAdapter[Measured]) -> Measured | None:
    """A fact's value if it is well written, whatever else is wrong with the fact, so every
    impossible combination is reported in one pass."""
    table = data.get(name)
    try:
        return adapter.validate_python(table.get("value") if isinstance(table, dict) else None)
    except ValidationError:
        return None


def _consistency_problems(data: dict[str, object], facts: dict[str, _Fact]) -> list[Problem]:
    """Values that are each well written but impossible together."""
    problems = [
        Problem(f"{name}.verified", "verified = true needs a value: give it, or set false")
        for name, fact in facts.items()
        if fact.verified and written(fact) is None
    ]
    capacity = _value(data, "reservoir_capacity", _AS_VOLUME)
    for name, what in (
        ("low_reservoir_alarm", "alarm"),
        ("residual_gap_threshold", "gap threshold"),
    ):
        volume = _value(data, name, _AS_VOLUME)
        if capacity is not None and volume is not None and volume.value >= capacity.value:
            message = f"the {what} must be below the reservoir capacity ({capacity.text})"
            problems.append(Problem(f"{name}.value", message, shown(volume.text), "inconsistent"))
    shortest = _value(data, "catheter_volume_min", _AS_VOLUME)
    longest = _value(data, "catheter_volume_max", _AS_VOLUME)
    if shortest is not None and longest is not None and shortest.value > longest.value:
        message = f"the catheter minimum is above the maximum ({longest.text})"
        problems.append(
            Problem("catheter_volume_min.value", message, shown(shortest.text), "inconsistent")
        )
    low, high = _value(data, "min_rate", _AS_RATE), _value(data, "max_rate", _AS_RATE)
    if low is not None and high is not None and low.value > high.value:
        message = f"the minimum rate is above the maximum rate ({high.text})"
        problems.append(Problem("min_rate.value", message, shown(low.text), "inconsistent"))
    return problems


def _warnings(facts: dict[str, _Fact]) -> list[Problem]:
    warnings = []
    for name, fact in facts.items():
        number = written(fact)
        if number is None:
            message, kind = "no value: reported as unchecked where needed", "no_value"
        elif not fact.verified:
            message = f"not verified ({number}): not used as a limit"
            kind = "unverified"
        else:
            continue
        warnings.append(Problem(name, message, kind=kind))
    return warnings


def validate_profile(text: str, source: str, file_name: str | None = None) -> ProfileReport:
    """Every problem and warning of one profile's TOML text. `file_name` (without `.toml`)
    is the name the profile must carry, when it comes from a file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problem = Problem("profile", f"not valid TOML: {error}", kind="syntax")
        return ProfileReport(source, (problem,), (), None)
    _decimal_percent(data)
    problems: list[Problem] = []
    profile = None
    try:
        profile = PumpProfile.model_validate(data)
    except ValidationError as error:
        problems += [_clearer(problem) for problem in problems_from(error)]
    facts = _valid_facts(data)
    problems += _consistency_problems(data, facts)
    if profile is not None:
        problems += labelling_problems(labelling_of(profile))
    name = data.get("name")
    if file_name is not None and isinstance(name, str) and name != file_name:
        message = f"does not match the file name: expected {file_name!r}"
        problems.append(Problem("name", message, shown(name), "name_mismatch"))
    return ProfileReport(
        source, tuple(problems), tuple(_warnings(facts)), None if problems else profile
    )


def validate_profile_file(path: Path) -> ProfileReport:
    """Validate the profile file at `path`; its name must be the file's name."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        problem = Problem("profile", f"cannot read: {reason}", kind="unreadable")
        return ProfileReport(str(path), (problem,), (), None)
    return validate_profile(text, str(path), path.stem)


def validate_shipped_profiles() -> list[ProfileReport]:
    """A report for every profile shipped with itbcheck."""
    return [
        validate_profile(
            (profiles_folder() / f"{name}.toml").read_text("utf-8"),
            f"pump_profiles/{name}.toml",
            name,
        )
        for name in shipped_profile_names()
    ]


def parse_profile(text: str, source: str, file_name: str | None = None) -> PumpProfile:
    """The profile in `text`, or `ConfigurationError` listing every problem."""
    report = validate_profile(text, source, file_name)
    if report.profile is None:
        raise ConfigurationError(list(report.problems), source)
    return report.profile


def load_profile(name: str) -> PumpProfile:
    """The shipped or site profile called `name`. Names are plain words, so they cannot leave
    the profiles folders."""
    from itbcheck.site import site_profiles

    site = site_profiles()
    if name in site:
        return site_profile(site[name])
    if not PROFILE_NAME.fullmatch(name) or name not in shipped_profile_names():
        known = ", ".join(profile_names())
        raise ConfigurationError(
            [Problem("pump.profile", f"unknown pump profile; known: {known}", name)], "profiles"
        )
    text = (profiles_folder() / f"{name}.toml").read_text("utf-8")
    return parse_profile(text, f"pump_profiles/{name}.toml", name)


def site_profile(path: Path) -> PumpProfile:
    """A site's profile file, held to the same rules as a shipped one."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise ConfigurationError(
            [Problem("profile", f"cannot read: {reason}", kind="unreadable")], str(path)
        ) from None
    return parse_profile(text, str(path), path.stem)
