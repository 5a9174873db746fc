"""What the labels allow (issue 11 points 4 and 5): the age the therapy is labelled for, the
highest strength the drug labels make, and the limits of the pump's own labelling (age,
baclofen strengths, compounded drugs). A limit the pump profile does not state, or has not
verified, is never assumed: the record says it stayed unchecked."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, covering_override, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.policy import is_one_of
from itbcheck.profiles import trusted
from itbcheck.units import format_quantity

AGE_BELOW_LABELLED = CodeInfo(
    code="AGE_BELOW_LABELLED",
    severity=Severity.CAUTION,
    hazard=Hazard.OVERDOSE,
    title="Patient younger than the therapy is labelled for",
    meaning="The patient is younger than the age the intrathecal baclofen labels are written "
    "for (policy age_bands.labelled_from_age_years, 4 years by default). The therapy is "
    "off-label at this age; the record is not wrong. The dose is still checked against the "
    "youngest age band's range.",
    why="Safety and effectiveness below 4 years have not been established; a small child can "
    "react to doses an older child tolerates (the labels allow a 25 mcg screening dose for very "
    "small patients).",
    source="[2] Gablofen label (indicated from age 4; not established below it); [1] Lioresal "
    "label. CAUTION, not STOP, is itbcheck's choice: the child already has a pump, and "
    "refusing every refill would cause withdrawal.",
    example="age_years 3: CAUTION.",
)
CONCENTRATION_ABOVE_LABELLED = CodeInfo(
    code="CONCENTRATION_ABOVE_LABELLED",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Concentration above the highest labelled strength",
    meaning="The dispensed concentration is above the highest strength any label makes "
    "(policy labelled_concentration.highest, 2000 mcg/mL by default), so it was compounded "
    "outside every label. No override lifts it.",
    why="A strength above every label is compounded, often off strength, and a slip of a "
    "factor (3000 for 300) looks exactly like it; the whole reservoir is at stake.",
    source="[1] Lioresal label; [2] Gablofen label; [3] Generic baclofen injection labels "
    "(highest strength 2000 mcg/mL); [4] Compounded ITB potency 2009. The STOP is itbcheck's "
    "choice.",
    example="dispensed_concentration '3000 mcg/mL': STOP.",
)
PUMP_LABEL_AGE = CodeInfo(
    code="PUMP_LABEL_AGE",
    severity=Severity.STOP,
    hazard=Hazard.DEVICE,
    title="Patient younger than the pump is labelled for",
    meaning="The pump profile's verified labelling gives a minimum age for baclofen "
    "(labelled_min_age) and the patient is younger.",
    why="Outside its labelling the pump's safety and effectiveness are not established for "
    "this patient; the implant team, not the refill nurse, must decide to go on.",
    source="[18] Prometra II labelling: for baclofen, indicated for patients 12 years and "
    "older. The STOP follows issue 11 point 5; the pump_labelling override (the implanting "
    "team's recorded decision, up to an approved daily dose) making it a CAUTION is itbcheck's "
    "choice, because a child who already has the pump must still get refills.",
    example="age_years 10 with a prometra-ii-20ml pump: STOP; with a pump_labelling override "
    "approved to at least the prescribed dose: CAUTION.",
)
PUMP_LABEL_CONCENTRATION = CodeInfo(
    code="PUMP_LABEL_CONCENTRATION",
    severity=Severity.STOP,
    hazard=Hazard.DEVICE,
    title="Concentration outside the pump's labelled strengths",
    meaning="The dispensed concentration is outside the baclofen strengths the pump's verified "
    "labelling covers (labelled_concentration_min to labelled_concentration_max).",
    why="The pump's labelling warns that drugs outside it can cause pump failure, which stops "
    "the infusion (withdrawal) or delivers the wrong amount.",
    source="[18] Prometra II labelling: indicated for baclofen 500-2000 mcg/mL.",
    example="dispensed_concentration '250 mcg/mL' in a prometra-ii-20ml pump: STOP.",
)
COMPOUNDED_IN_PUMP = CodeInfo(
    code="COMPOUNDED_IN_PUMP",
    severity=Severity.CAUTION,
    hazard=Hazard.DEVICE,
    title="Compounded drug in a pump whose labelling warns against it",
    meaning="refill.product_source is 'compounded' and the pump profile's verified labelling "
    "warns against compounded or unapproved drugs.",
    why="Unapproved and compounded drugs raised SynchroMed pump failure (motor stall) from 2.4 "
    "% to 7.0 % at 78 months, and compounded baclofen is often off strength.",
    source="[31] FDA 2013 SynchroMed unapproved-drug recall; [32] Prometra consumer brief "
    "statement; [4] Compounded ITB potency 2009. CAUTION, not STOP, is itbcheck's choice: the "
    "risk grows over months and the product is the prescriber's and pharmacy's choice, which "
    "a STOP at every refill would only teach staff to work around.",
    example="product_source 'compounded' in a synchromed-ii-20ml pump: CAUTION.",
)
PUMP_LABELLING_UNCHECKED = CodeInfo(
    code="PUMP_LABELLING_UNCHECKED",
    severity=Severity.NOTE,
    hazard=Hazard.DEVICE,
    title="Pump labelling limit not checked",
    meaning="The record depends on a labelling limit the pump profile does not state or has "
    "not verified: a minimum age (for a patient under the adult age), the labelled strengths "
    "(for a strength that is not a standard one), or a warning against compounded drugs (for "
    "a compounded product). Nothing is assumed; the limit stays unchecked.",
    why="A missing limit is not 'no limit'; the nurse and the engineer see what was not checked.",
    source="[17] SynchroMed II labelling; [18] Prometra II labelling.",
    example="age_years 8 with a synchromed-ii-20ml pump (no verified labelled age): NOTE.",
)


def check_labelled_age(context: CheckContext) -> Iterator[Finding]:
    age = context.record.patient.age_years
    labelled = context.policy.age_bands.labelled_from_age_years
    if age >= labelled:
        return
    yield finding(
        AGE_BELOW_LABELLED,
        message=f"The patient is {age} years old; intrathecal baclofen is labelled from age "
        f"{labelled}. The therapy is off-label; the dose is checked against the youngest age "
        "band.",
        action="Confirm that the implanting team's plan covers this refill and dose, and watch "
        "closely for drowsiness, slow breathing and low muscle tone.",
        figures=[
            Figure("age", Decimal(age), "years"),
            Figure("labelled_from_age", Decimal(labelled), "years"),
        ],
    )


def check_concentration_highest(context: CheckContext) -> Iterator[Finding]:
    dispensed = context.record.refill.dispensed_concentration.value
    highest = context.policy.labelled_concentration.highest.value
    if dispensed <= highest:
        return
    yield finding(
        CONCENTRATION_ABOVE_LABELLED,
        message=f"{format_quantity(dispensed, 'mcg/mL')} is above the highest labelled strength "
        f"of {format_quantity(highest, 'mcg/mL')}; an override cannot lift it.",
        action="Do not fill the pump. Return the syringe to pharmacy and confirm the "
        "prescription; only the clinic's policy can raise this limit.",
        figures=[
            Figure("dispensed_concentration", dispensed, "mcg/mL"),
            Figure("highest_labelled_concentration", highest, "mcg/mL"),
        ],
    )


def _age_finding(context: CheckContext, unchecked: list[str]) -> Iterator[Finding]:
    profile, age = context.profile, context.record.patient.age_years
    fact = profile.labelled_min_age
    minimum = fact.years if fact is not None and fact.verified else None
    if minimum is None:
        adult = context.policy.age_bands.bands[-1].below_age_years
        if age < adult:
            unchecked.append("labelled_min_age")
        return
    if age >= minimum:
        return
    figures = [
        Figure("age", Decimal(age), "years"),
        Figure("pump_labelled_min_age", Decimal(minimum), "years"),
    ]
    message = (
        f"The patient is {age} years old; the {profile.name} labelling covers baclofen "
        f"from age {minimum}"
    )
    dose = context.dose.prescribed_daily_dose_mcg_per_day
    approval = covering_override(context, "pump_labelling", dose)
    if approval is None:
        yield finding(
            PUMP_LABEL_AGE,
            message=message + ", and no pump_labelling override records the team's decision.",
            action="Do not fill until the implanting team's decision to use the pump outside "
            "its labelling is recorded: an override (rule pump_labelling) with approver, reason "
            "and the highest daily dose approved.",
            figures=figures,
        )
        return
    # A child who already has the pump must still get refills: the team's recorded decision
    # turns the STOP into a CAUTION, never into silence (issue 11: no STOP a record cannot clear).
    yield finding(
        PUMP_LABEL_AGE,
        severity=Severity.CAUTION,
        message=message + f"; use outside the labelling approved by {approval.approver} "
        f"({approval.reason}) up to {format_quantity(approval.approved_limit.value, 'mcg/day')}.",
        action="Proceed as approved; watch for drowsiness, slow breathing and low muscle tone.",
        figures=[*figures, Figure("approved_limit", approval.approved_limit.value, "mcg/day")],
    )


def _concentration_finding(context: CheckContext, unchecked: list[str]) -> Iterator[Finding]:
    profile = context.profile
    dispensed = context.record.refill.dispensed_concentration
    low = trusted(profile.labelled_concentration_min)
    high = trusted(profile.labelled_concentration_max)
    if not is_one_of(dispensed, context.policy.concentration.standard):
        unchecked += [
            name
            for name, value in (
                ("labelled_concentration_min", low),
                ("labelled_concentration_max", high),
            )
            if value is None
        ]
    value = dispensed.value
    if value > context.policy.labelled_concentration.highest.value:
        return  # above every label: CONCENTRATION_ABOVE_LABELLED says it once
    outside = [(name, bound) for name, bound in (("min", low), ("max", high)) if bound is not None]
    for side, bound in outside:
        if (value < bound.value) if side == "min" else (value > bound.value):
            word = "below the lowest" if side == "min" else "above the highest"
            yield finding(
                PUMP_LABEL_CONCENTRATION,
                message=f"{format_quantity(value, 'mcg/mL')} is {word} baclofen strength the "
                f"{profile.name} labelling covers ({format_quantity(bound.value, 'mcg/mL')}).",
                action="Do not fill the pump. Obtain a strength within the pump's labelling "
                "from pharmacy, or have the prescriber confirm the pump can be used with it.",
                figures=[
                    Figure("dispensed_concentration", value, "mcg/mL"),
                    Figure(f"pump_labelled_concentration_{side}", bound.value, "mcg/mL"),
                ],
            )


def _compounded_finding(context: CheckContext, unchecked: list[str]) -> Iterator[Finding]:
    if context.record.refill.product_source != "compounded":
        return
    fact = context.profile.compounded_drug_warning
    if fact is None or not fact.verified or fact.warns is None:
        unchecked.append("compounded_drug_warning")
        return
    if not fact.warns:
        return
    yield finding(
        COMPOUNDED_IN_PUMP,
        message=f"The syringe holds compounded baclofen; the {context.profile.name} labelling "
        "warns against compounded or unapproved drugs (pump failure, off-strength product).",
        action="Confirm with the prescriber and pharmacy that no labelled product will do, "
        "and that the strength was assayed; watch at each refill for a residual that does not "
        "match the programmer (a stalling pump).",
    )


def check_pump_labelling(context: CheckContext) -> Iterator[Finding]:
    unchecked: list[str] = []
    yield from _age_finding(context, unchecked)
    yield from _concentration_finding(context, unchecked)
    yield from _compounded_finding(context, unchecked)
    if unchecked:
        yield finding(
            PUMP_LABELLING_UNCHECKED,
            message=f"Profile {context.profile.name} has no verified {', '.join(unchecked)}: "
            "this record depends on it, so it was not checked against the pump's labelling.",
            action="Check the pump's labelling by hand for this patient and strength; a "
            "biomedical engineer can add the verified value to the profile.",
        )


CHECKS = (
    Check("labelled_age", check_labelled_age, (AGE_BELOW_LABELLED,)),
    Check("concentration_highest", check_concentration_highest, (CONCENTRATION_ABOVE_LABELLED,)),
    Check(
        "pump_labelling",
        check_pump_labelling,
        (PUMP_LABEL_AGE, PUMP_LABEL_CONCENTRATION, COMPOUNDED_IN_PUMP, PUMP_LABELLING_UNCHECKED),
    ),
)
