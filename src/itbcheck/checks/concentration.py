"""The drug's concentration: what the programmer holds against what is in the syringe, and
whether the strength is one that is made for refills."""

from __future__ import annotations

from collections.abc import Iterator

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.policy import is_one_of
from itbcheck.units import format_number, format_quantity

CONCENTRATION_MISMATCH = CodeInfo(
    code="CONCENTRATION_MISMATCH",
    severity=Severity.STOP,
    hazard=Hazard.EITHER,
    title="Programmer concentration differs from the syringe",
    meaning="The concentration entered in the programmer is not the one dispensed. The pump "
    "sets its flow from the programmed concentration, so the patient receives the prescribed "
    "dose times (dispensed / programmed). Hazard is overdose when the syringe is stronger, "
    "withdrawal when it is weaker.",
    why="A wrong concentration in the programmer is a classic 4-fold overdose.",
    source="[28] ISMP smart-pump concentration principle: delivered dose = programmed dose x "
    "(concentration in reservoir / concentration programmed).",
    example="800 mcg/day prescribed, 500 mcg/mL programmed, 2000 mcg/mL in the syringe: the pump "
    "runs 1.6 mL/day and delivers 3200 mcg/day, 4 times the dose: STOP.",
)
CONCENTRATION_SCREENING = CodeInfo(
    code="CONCENTRATION_SCREENING",
    severity=Severity.STOP,
    hazard=Hazard.WITHDRAWAL,
    title="Screening strength dispensed for a refill",
    meaning="The dispensed concentration is a screening strength (50 mcg/mL), made for a single "
    "test bolus, not for filling a pump.",
    why="At 50 mcg/mL the pump needs 10 to 40 times the volume: the reservoir runs out within "
    "days, or the dose falls short if the programmer holds a refill strength.",
    source="[1] Lioresal label; [2] Gablofen label: 50 mcg/mL is for screening only. The STOP "
    "for a refill is itbcheck's choice.",
    example="dispensed_concentration '50 mcg/mL': STOP.",
    before_fill_action="Return the syringe to pharmacy and obtain the prescribed refill strength.",
)
CONCENTRATION_NONSTANDARD = CodeInfo(
    code="CONCENTRATION_NONSTANDARD",
    severity=Severity.CAUTION,
    hazard=Hazard.EITHER,
    title="Non-standard concentration",
    meaning="The dispensed concentration is not a commercial refill strength (500, 1000 or 2000 "
    "mcg/mL by default), so it was diluted or compounded. Hazard either: compounded product is "
    "found both stronger and weaker than its label, so the patient may get more or less than "
    "prescribed.",
    why="Compounded intrathecal baclofen is often off strength: over 40 % of samples were more "
    "than 5 % off and 22 % more than 10 % off.",
    source="[4] Compounded ITB potency 2009; [5] Compounded ITB potency 2012. Commercial "
    "strengths: [1] Lioresal label; [2] Gablofen label; [3] Generic baclofen injection labels.",
    example="dispensed_concentration '1500 mcg/mL': CAUTION.",
)


def check_concentration_match(context: CheckContext) -> Iterator[Finding]:
    dose = context.dose
    dispensed = dose.dispensed_concentration_mcg_per_ml
    programmed = dose.programmed_concentration_mcg_per_ml
    if dispensed == programmed:
        return
    factor = dose.concentration_factor
    stronger = factor > 1
    yield finding(
        CONCENTRATION_MISMATCH,
        hazard=Hazard.OVERDOSE if stronger else Hazard.WITHDRAWAL,
        message=f"Programmer holds {format_quantity(programmed, 'mcg/mL')} but the syringe holds "
        f"{format_quantity(dispensed, 'mcg/mL')}: the pump will run "
        f"{format_quantity(dose.pump_daily_volume_ml_per_day, 'mL/day')} and deliver "
        f"{format_quantity(dose.delivered_daily_dose_mcg_per_day, 'mcg/day')}, "
        f"{format_number(factor, 2)} times the "
        f"{format_quantity(dose.prescribed_daily_dose_mcg_per_day, 'mcg/day')} prescribed.",
        action="Do not start the pump. Check the syringe label against the prescription, enter "
        "the dispensed concentration in the programmer, and check again.",
        figures=[
            Figure("dispensed_concentration", dispensed, "mcg/mL"),
            Figure("programmed_concentration", programmed, "mcg/mL"),
            Figure("prescribed_daily_dose", dose.prescribed_daily_dose_mcg_per_day, "mcg/day"),
            Figure("pump_daily_volume", dose.pump_daily_volume_ml_per_day, "mL/day"),
            Figure("delivered_daily_dose", dose.delivered_daily_dose_mcg_per_day, "mcg/day"),
            Figure("delivered_factor", factor, "x"),
        ],
    )


def check_concentration_strength(context: CheckContext) -> Iterator[Finding]:
    dispensed = context.record.refill.dispensed_concentration
    policy = context.policy.concentration
    screening = is_one_of(dispensed, policy.screening)
    if not screening and is_one_of(dispensed, policy.standard):
        return  # a standard strength, most rows: nothing to format
    shown = format_quantity(dispensed.value, "mcg/mL")
    figure = Figure("dispensed_concentration", dispensed.value, "mcg/mL")
    if screening:
        yield finding(
            CONCENTRATION_SCREENING,
            message=f"{shown} is a screening strength, not a refill strength.",
            action="Do not start the pump: it now holds a screening strength. Call the "
            "physician, who decides how to empty and refill it with the prescribed refill "
            "strength.",
            figures=[figure],
        )
    elif not is_one_of(dispensed, policy.standard):
        standard = ", ".join(format_number(option.value) for option in policy.standard)
        yield finding(
            CONCENTRATION_NONSTANDARD,
            message=f"{shown} is not a standard refill strength ({standard} mcg/mL).",
            action="Confirm with pharmacy that this strength was prescribed and how it was "
            "prepared; compounded product may be off strength.",
            figures=[figure],
        )


CHECKS = (
    Check("concentration_match", check_concentration_match, (CONCENTRATION_MISMATCH,)),
    Check(
        "concentration_strength",
        check_concentration_strength,
        (CONCENTRATION_SCREENING, CONCENTRATION_NONSTANDARD),
    ),
)
