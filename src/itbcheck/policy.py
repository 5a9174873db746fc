"""The clinic's policy: every limit the checks apply, read from a documented TOML file.

The default ships in `itbcheck/data/policy.toml`; a clinic passes its own with `--policy`.
"""

from __future__ import annotations

import hashlib
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
)

from itbcheck.exceptions import ConfigurationError, Problem
from itbcheck.fields import BolusDose, Concentration, DoseRate, Duration, problems_from
from itbcheck.units import Measured

Source = Annotated[str, StringConstraints(min_length=10)]
Percent = Annotated[int, Field(ge=0, le=100)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DailyDosePolicy(_Section):
    typical_min: DoseRate
    typical_max: DoseRate
    hard_ceiling: DoseRate
    ceiling_includes_accuracy_band: bool
    source: Source


class IncreasePolicy(_Section):
    max_percent_spinal: Percent
    max_percent_cerebral: Percent
    max_percent_paediatric: Percent
    paediatric_below_age_years: int = Field(ge=0, le=130)
    source: Source


class RefillIncreasePolicy(_Section):
    """Larger increases allowed at a periodic refill than in titration (issue 11 point 1)."""

    max_percent_spinal: Percent
    max_percent_cerebral: Percent
    max_percent_paediatric: Percent
    stable_for: Duration
    source: Source


class ChangesPolicy(_Section):
    window: Duration
    source: Source


class DecreasePolicy(_Section):
    caution_above_percent: Percent
    source: Source


class ConcentrationPolicy(_Section):
    standard: tuple[Concentration, ...] = Field(strict=False)
    screening: tuple[Concentration, ...] = Field(strict=False)
    source: Source


class LabelledConcentrationPolicy(_Section):
    """The highest strength the drug labels make: above it is STOP (issue 11 point 5)."""

    highest: Concentration
    source: Source


class AgeBand(_Section):
    """The soft daily-dose range for patients from `from_age_years` up to (not including)
    `below_age_years`; patients older than every band get `[daily_dose]`."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    from_age_years: int = Field(ge=0, le=130)
    below_age_years: int = Field(ge=1, le=131)
    typical_min: DoseRate
    typical_max: DoseRate
    source: Source


class AgeBandsPolicy(_Section):
    """Children's dose ranges, and the youngest age the therapy is labelled for."""

    labelled_from_age_years: int = Field(ge=0, le=130)
    bands: tuple[AgeBand, ...] = Field(min_length=1, max_length=10, strict=False)
    source: Source


class ReservoirPolicy(_Section):
    refill_margin: Duration
    source: Source


class AlarmPolicy(_Section):
    stop_below_percent: Percent
    source: Source


class RefillPolicy(_Section):
    default_max_interval: Duration
    source: Source


class RestartPolicy(_Section):
    reduction_percent: Percent
    short_stop_up_to: Duration
    source: Source


class BolusPolicy(_Section):
    caution_at: BolusDose
    stop_at: BolusDose
    source: Source


class FlexPolicy(_Section):
    max_rate_multiple: int = Field(ge=1, le=100)
    max_gap: Duration
    source: Source


class BridgePolicy(_Section):
    rate_tolerance_percent: Percent
    source: Source


class HistoryPolicy(_Section):
    window: Duration
    source: Source


class ServicePolicy(_Section):
    eri_to_end_of_service: Duration
    source: Source


class Policy(_Section):
    # The SHA-256 of the file it was read from, for the audit entry: a clinic may edit its
    # policy without changing policy_version. Not a field: no file can state its own digest.
    _source_sha256: str | None = PrivateAttr(default=None)

    policy_version: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    daily_dose: DailyDosePolicy
    increase: IncreasePolicy
    changes: ChangesPolicy
    refill_increase: RefillIncreasePolicy
    decrease: DecreasePolicy
    concentration: ConcentrationPolicy
    reservoir: ReservoirPolicy
    alarm: AlarmPolicy
    refill: RefillPolicy
    restart: RestartPolicy
    bolus: BolusPolicy
    flex: FlexPolicy
    bridge: BridgePolicy
    history: HistoryPolicy
    service: ServicePolicy
    labelled_concentration: LabelledConcentrationPolicy
    age_bands: AgeBandsPolicy

    @property
    def source_sha256(self) -> str | None:
        """The SHA-256 of the policy file's text; None for a policy not read from text."""
        return self._source_sha256

    def dose_range(self, age_years: int) -> tuple[DoseRate, DoseRate, str]:
        """The soft daily-dose range for a patient of this age, and the band's name."""
        for band in self.age_bands.bands:
            if band.from_age_years <= age_years < band.below_age_years:
                return band.typical_min, band.typical_max, band.name
        return self.daily_dose.typical_min, self.daily_dose.typical_max, "adult"


def _band_problems(policy: Policy) -> list[Problem]:
    """Bands must start at age 0, follow each other without a gap or overlap, and each keep
    typical_min < typical_max <= the hard ceiling."""
    problems = []
    start = 0
    ceiling = policy.daily_dose.hard_ceiling.value
    for index, band in enumerate(policy.age_bands.bands):
        where = f"age_bands.bands[{index}]"
        if band.from_age_years != start or band.below_age_years <= band.from_age_years:
            message = f"bands must run on from age {start} without a gap or overlap"
            problems.append(Problem(where, message))
        if not band.typical_min.value < band.typical_max.value <= ceiling:
            problems.append(Problem(where, "needs typical_min < typical_max <= hard_ceiling"))
        start = band.below_age_years
    return problems


def _consistency_problems(policy: Policy) -> list[Problem]:
    dose = policy.daily_dose
    problems = []
    if not dose.typical_min.value < dose.typical_max.value <= dose.hard_ceiling.value:
        problems.append(Problem("daily_dose", "needs typical_min < typical_max <= hard_ceiling"))
    if not policy.bolus.caution_at.value < policy.bolus.stop_at.value:
        problems.append(Problem("bolus", "needs caution_at < stop_at"))
    titration, refill = policy.increase, policy.refill_increase
    if not (
        titration.max_percent_spinal <= refill.max_percent_spinal
        and titration.max_percent_cerebral <= refill.max_percent_cerebral
        and titration.max_percent_paediatric <= refill.max_percent_paediatric
    ):
        problems.append(
            Problem("refill_increase", "each refill limit must be at least its [increase] limit")
        )
    if refill.stable_for.value < policy.changes.window.value:
        problems.append(Problem("refill_increase", "needs stable_for >= changes.window"))
    return problems + _band_problems(policy)


def parse_policy(text: str, source: str) -> Policy:
    try:
        data = tomllib.loads(text)
        policy = Policy.model_validate(data)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError([Problem("policy", f"not valid TOML: {error}")], source) from None
    except ValidationError as error:
        problems = problems_from(error)
        raise ConfigurationError(problems, source) from None
    problems = _consistency_problems(policy)
    if problems:
        raise ConfigurationError(problems, source)
    policy._source_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return policy


def load_policy(path: Path | None = None) -> Policy:
    """The policy at `path`, or the shipped default."""
    if path is None:
        text = (resources.files("itbcheck") / "data" / "policy.toml").read_text("utf-8")
        return parse_policy(text, "default policy")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError([Problem("policy", f"cannot read: {error}")], str(path)) from None
    return parse_policy(text, str(path))


def is_one_of(value: Measured, options: tuple[Measured, ...]) -> bool:
    # `in` over a list rather than any() over a generator: three checks ask on every row. The
    # same answer: `in` also takes an identical object as equal, which differs from == only
    # for NaN, and no quantity is NaN (units.parse_quantity refuses it).
    return value.value in [option.value for option in options]
