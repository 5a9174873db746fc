"""What a pump's own labelling says about baclofen (issue 11 point 5): the optional facts a
pump profile may state, each with whether it is verified and its source. They live apart from
the device facts of `profiles` because they are optional: a profile that leaves one out, or
does not verify it, leaves that limit unchecked, and the check says so."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from itbcheck.exceptions import Problem
from itbcheck.fields import Concentration, shown

Source = Annotated[str, StringConstraints(min_length=10)]

# The optional tables of a profile, in file order.
LABELLING_FACTS = (
    "labelled_min_age",
    "labelled_concentration_min",
    "labelled_concentration_max",
    "compounded_drug_warning",
)


class LabelFact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    verified: bool
    source: Source


class ConcentrationFact(LabelFact):
    value: Concentration | None = None


class AgeFact(LabelFact):
    years: int | None = Field(default=None, ge=0, le=130)


class WarningFact(LabelFact):
    """Whether the labelling warns against something; `warns` absent: not stated."""

    warns: bool | None = None


def label_text(fact: LabelFact) -> str | None:
    """A labelling fact's value as the profile writes it, or None when it has none."""
    if isinstance(fact, AgeFact):
        return None if fact.years is None else f"{fact.years} years"
    if isinstance(fact, WarningFact):
        return None if fact.warns is None else ("warns" if fact.warns else "does not warn")
    if isinstance(fact, ConcentrationFact) and fact.value is not None:
        return fact.value.text
    return None


def labelling_problems(facts: dict[str, LabelFact]) -> list[Problem]:
    """The labelling facts' impossible combinations: verified without a value, or a labelled
    minimum strength above the maximum."""
    problems = [
        Problem(f"{name}.verified", "verified = true needs a value: give it, or set false")
        for name, fact in facts.items()
        if fact.verified and label_text(fact) is None
    ]
    low, high = (
        fact.value if isinstance(fact, ConcentrationFact) else None
        for fact in (
            facts.get("labelled_concentration_min"),
            facts.get("labelled_concentration_max"),
        )
    )
    if low is not None and high is not None and low.value > high.value:
        message = f"the labelled minimum is above the labelled maximum ({high.text})"
        where = "labelled_concentration_min.value"
        problems.append(Problem(where, message, shown(low.text), "inconsistent"))
    return problems
