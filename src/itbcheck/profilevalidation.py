"""Validating a pump profile's TOML text: every problem that makes the file unusable (syntax,
the model's own rules, values impossible together, the labelling, a name that is not the
file's) and every warning (a fact missing or unverified, so checks will not rely on it), in
one pass, so an engineer fixes a file once. The profile model is in `profiles`.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, replace
from decimal import Decimal

from pydantic import TypeAdapter, ValidationError

from itbcheck.exceptions import ConfigurationError, Problem
from itbcheck.fields import Volume, VolumeRate, problems_from, shown
from itbcheck.profiles import _FACTS, PumpProfile, _Fact, labelling_of, written
from itbcheck.pumplabelling import labelling_problems
from itbcheck.units import Measured


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
        profile._source_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
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


def parse_profile(text: str, source: str, file_name: str | None = None) -> PumpProfile:
    """The profile in `text`, or `ConfigurationError` listing every problem."""
    report = validate_profile(text, source, file_name)
    if report.profile is None:
        raise ConfigurationError(list(report.problems), source)
    return report.profile
