"""What the patient receives over time: the busiest hour, the busiest day, flex steps far above
the day's mean, and stretches with no drug at all (boluses added up: `checks.bolus`).

The per-number checks judge each bolus and the 24-hour total; these judge the delivery curve
(`itbcheck.delivery`), so a day's dose moved into one hour, or ten small boluses given at once,
cannot pass because each number alone is within range.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.catheter import trusted_catheter_volume
from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.checks.bolus import BOLUS_SOURCE, bolus_sums, judge
from itbcheck.delivery import HORIZON_MINUTES, HOUR, Curve, Window, curve
from itbcheck.dosing import MINUTES_PER_DAY
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.profiles import trusted
from itbcheck.units import format_number, format_quantity

DELIVERY_PEAK_HOUR = CodeInfo(
    code="DELIVERY_PEAK_HOUR",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Too much drug in one hour",
    meaning="In the busiest hour of the first 48 hours after the restart (flex steps, boluses and "
    "the old drug in the tubing and catheter together), the drug delivered beyond the mean "
    "hourly dose reaches the bolus levels: CAUTION from 25 mcg, STOP from 100 mcg (policy "
    "[bolus]); a bolus_limit override that approves the amount makes a STOP a CAUTION. Reported "
    "when it is worse than what the bolus checks found alone. Patient-activated boluses are "
    "added to the busiest hour, as many as the lockout lets into one hour (the old drug first "
    "where a stronger one is still in the catheter); in any 24 hours they are given as early as "
    "the lockout allows.",
    why="A schedule can hold the right 24-hour total and still give most of it at once, like a "
    "once-daily step programmed to repeat every hour, or 23 hours of nothing and the day's dose "
    "in the last one.",
    source=BOLUS_SOURCE,
    example="0 mcg/h from 00:00, 480 mcg/h from 23:00: 23:00-00:00 gives 480 mcg, 24 times "
    "the mean hourly dose of 20 mcg: STOP.",
)
FLEX_STEP_ABOVE_MEAN = CodeInfo(
    code="FLEX_STEP_ABOVE_MEAN",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Flex step far above the day's mean rate",
    meaning="A flex step runs faster than the policy's multiple (5 by default) of the mean basal "
    "rate of the day.",
    why="Steps that far above the average concentrate the day's dose into a few hours: the "
    "hourly-instead-of-daily error, or a dose typed into the wrong step.",
    source="[13] ISMP flex schedule; the multiple of 5 is itbcheck's choice (policy [flex]).",
    example="Mean 20 mcg/h and a step of 480 mcg/h: 24 times the mean: STOP.",
)
DELIVERY_GAP = CodeInfo(
    code="DELIVERY_GAP",
    severity=Severity.CAUTION,
    hazard=Hazard.WITHDRAWAL,
    title="Hours with no drug at all",
    meaning="The schedule delivers nothing, no flow and no bolus, for at least the policy's gap "
    "(4 hours by default), across midnight included.",
    why="Abrupt interruption of intrathecal baclofen causes withdrawal; the CSF elimination "
    "half-life was 0.9 to 5 hours, so after 4 hours with nothing the CSF level may have halved "
    "or fallen further.",
    source="[1] Lioresal label (boxed warning); [40] CSF baclofen kinetics. The 4 h gap is "
    "itbcheck's choice (policy [flex]).",
    example="0 mcg/h from 22:00 to 04:00: 6 hours with nothing: CAUTION.",
)
DELIVERY_DAY_ABOVE_CEILING = CodeInfo(
    code="DELIVERY_DAY_ABOVE_CEILING",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="More than the hard ceiling in some 24 hours",
    meaning="The prescribed daily dose is within the ceiling, but in some 24 hours of the first "
    "48 after the restart the patient receives more than the hard ceiling: the old, stronger "
    "drug in the pump tubing and catheter pushed out at the new flow, or a bridge bolus.",
    why="The ceiling is about the drug the patient receives, whatever the programmer shows.",
    source="[1] Lioresal label; [2] Gablofen label (limited experience above 1000 mcg/day); "
    "[6] Saulino 2016 (the old drug in the dead volume on a concentration change).",
    example="800 mcg/day, 2000 to 500 mcg/mL, 0.4 mL dead volume, no bridge: 1400 mcg in the "
    "first 24 hours: STOP.",
)


def _strength_changes(context: CheckContext) -> bool:
    old = context.record.refill.previous_concentration.value
    return old != context.dose.dispensed_concentration_mcg_per_ml


def _dead_volume(context: CheckContext) -> Decimal | None:
    """The old drug's volume in the pump tubing and catheter: 0 without a strength change, None
    when it is not known to be right."""
    if not _strength_changes(context):
        return Decimal(0)
    tubing = trusted(context.profile.pump_tubing_volume)
    catheter = trusted_catheter_volume(context.record, context.profile)
    if tubing is None or catheter is None:
        return None
    return tubing.value + catheter.value


def delivery_curve(context: CheckContext, *, patient_boluses: bool = True) -> Curve | None:
    """The curve at the programmed flow, with the old drug only where the strength changes,
    and (unless `patient_boluses` is False) every allowed patient bolus as early as the lockout
    allows. None when the strength changes and the dead volume is not known to be right: the
    bridge checks already refuse that record, and a curve built on a guess would mislead."""
    dead = _dead_volume(context)
    if dead is None:
        return None
    return curve(context.record, context.dose, dead, patient_boluses=patient_boluses)


def patient_bolus_hour(context: CheckContext) -> tuple[int, Decimal]:
    """The patient boluses the lockout lets into one hour, and the most drug they carry: at
    the strength in the reservoir, or, where a stronger old drug is still in the tubing and
    catheter, that old drug first (a press at the restart pushes it out)."""
    pb = context.dose.patient_bolus
    if pb is None:
        return 0, Decimal(0)
    count = pb.most_in_hour
    drug = pb.delivered_mcg * count
    old = context.record.refill.previous_concentration.value
    new = context.dose.dispensed_concentration_mcg_per_ml
    dead = _dead_volume(context)
    if dead is not None and old > new:
        volume = pb.volume_ml * count
        first = min(volume, dead)
        drug = first * old + (volume - first) * new
    return count, drug


def _span(line: Curve, start: Decimal, minutes: Decimal) -> str:
    return f"{line.clock(start)}-{line.clock(start + minutes)}"


def check_curve(context: CheckContext) -> Iterator[Finding]:
    dose = context.dose
    if dose.prescribed_daily_dose_mcg_per_day == 0:
        return  # a stopped pump: the stop checks judge it
    yield from _steps(context)
    # The programmed schedule alone: a patient may never press, so patient boluses fill no gap,
    # and they are added to the busiest hour below rather than placed in it.
    programmed = delivery_curve(context, patient_boluses=False)
    # A gap is a matter of flow alone, so it is judged even where the strengths are unknown.
    yield from _gap(
        context,
        programmed or curve(context.record, context.dose, Decimal(0), patient_boluses=False),
    )
    if programmed is None:
        return
    # On a strength change the bridge checks judge the old drug's way out; the busiest hour is
    # judged from the moment it has gone.
    washed_out = programmed.washed_out()
    busiest = None
    if washed_out is not None and washed_out <= HORIZON_MINUTES - HOUR:
        busiest = programmed.most_in(HOUR, after=washed_out)
    yield from _peak_hour(context, programmed, busiest)
    # Any 24 hours: every allowed patient bolus as early as the lockout allows. Without patient
    # boluses that is the programmed curve already built: building it again doubled a row's cost.
    line = programmed if dose.patient_bolus is None else delivery_curve(context)
    if line is not None:
        yield from _day(context, line)


def _peak_hour(context: CheckContext, line: Curve, busiest: Window | None) -> Iterator[Finding]:
    """The busiest programmed hour, plus the patient boluses the lockout lets into one hour:
    the patient presses when they choose, so the worst hour is the busiest one with every press
    that fits in it (issue 11 point 8). `busiest` is None when the old drug has not gone within
    the horizon: then only the presses are judged, in the restart's hour."""
    mean = context.dose.delivered_daily_dose_mcg_per_day / 24
    presses, pressed = patient_bolus_hour(context)
    if busiest is None and not presses:
        return
    base = Window(Decimal(0), mean) if busiest is None else busiest
    extra = base.drug_mcg + pressed - mean
    tier, approved = judge(context, extra)
    if tier < Severity.CAUTION:
        return  # below the bolus levels, whatever the boluses alone found: the sums are spared
    bolus_tier = max(
        (judge(context, s.drug_mcg)[0] for s in bolus_sums(context)), default=Severity.NOTE
    )
    if tier <= bolus_tier:
        return
    hour = Window(base.start, base.drug_mcg + pressed)
    times = format_number(hour.drug_mcg / mean, 1) if mean else "many"
    yield finding(
        DELIVERY_PEAK_HOUR,
        message=f"{_span(line, hour.start, Decimal(HOUR))}: "
        f"{format_quantity(hour.drug_mcg, 'mcg')}, {times} times the mean hourly dose of "
        f"{format_quantity(mean, 'mcg')}"
        + (
            f", with {presses} patient bolus{'es' if presses > 1 else ''} "
            f"({format_quantity(pressed, 'mcg')}) pressed in it"
            if presses
            else ""
        )
        + (f"; {approved}." if approved else "."),
        action="Check the flex steps' rates and units (per hour or per day), the bolus "
        "times and any bridge bolus against the prescription, and reprogram."
        + (
            " Check the patient bolus dose and lockout too: the patient may press in the "
            "busiest hour."
            if presses
            else ""
        ),
        figures=[
            Figure("peak_hour_drug", hour.drug_mcg, "mcg"),
            Figure("mean_hourly_dose", mean, "mcg"),
            Figure("extra_drug", extra, "mcg"),
            *([Figure("patient_bolus_drug", pressed, "mcg")] if presses else []),
        ],
        severity=tier,
    )


def _steps(context: CheckContext) -> Iterator[Finding]:
    if not context.dose.steps:
        return  # a continuous rate has no step to judge
    mean = context.dose.basal_daily_dose_mcg_per_day / 24
    multiple = context.policy.flex.max_rate_multiple
    fast = [s for s in context.dose.steps if s.rate_mcg_per_day / 24 > mean * multiple]
    if not fast:
        return
    step = max(fast, key=lambda s: s.rate_mcg_per_day)
    rate = step.rate_mcg_per_day / 24
    yield finding(
        FLEX_STEP_ABOVE_MEAN,
        message=f"Step {step.index + 1} from {step.start.strftime('%H:%M')} runs at "
        f"{format_quantity(rate, 'mcg/h')}, {format_number(rate / mean, 1)} times the day's mean "
        f"basal rate of {format_quantity(mean, 'mcg/h')} (at most {multiple} times).",
        action="Check the step's rate and unit (per hour or per day) against the prescription and "
        "reprogram.",
        figures=[
            Figure("step_rate", rate, "mcg/h"),
            Figure("mean_rate", mean, "mcg/h"),
            Figure("max_rate_multiple", Decimal(multiple), "x"),
        ],
    )


def _gap(context: CheckContext, line: Curve) -> Iterator[Finding]:
    start, minutes = line.longest_gap()
    limit = context.policy.flex.max_gap.value
    if minutes / 60 < limit:
        return
    shown = (
        f"at least {format_quantity(minutes / 60, 'h')}"
        if minutes >= MINUTES_PER_DAY
        else (format_quantity(minutes / 60, "h"))
    )
    yield finding(
        DELIVERY_GAP,
        message=f"{_span(line, start, minutes)}: no drug for {shown}, at or above the "
        f"{format_quantity(limit, 'h')} limit.",
        action="Check the schedule with the prescriber; watch for itching, fever and returning "
        "spasticity.",
        figures=[Figure("gap", minutes / 60, "h"), Figure("max_gap", limit, "h")],
    )


def _day(context: CheckContext, line: Curve) -> Iterator[Finding]:
    ceiling = context.policy.daily_dose.hard_ceiling.value
    dose = context.dose
    unbridged = _strength_changes(context) and context.record.dosing.bridge_bolus is None
    if dose.most_daily_dose_mcg_per_day > ceiling or dose.concentration_factor != 1:
        return  # DOSE_ABOVE_CEILING or CONCENTRATION_MISMATCH is the STOP to act on
    if unbridged:
        return  # BRIDGE_MISSING is the STOP to act on
    day = line.most_in(MINUTES_PER_DAY)
    if day.drug_mcg <= ceiling:
        return
    yield finding(
        DELIVERY_DAY_ABOVE_CEILING,
        message=f"{format_quantity(day.drug_mcg, 'mcg')} in the 24 hours from "
        f"{line.clock(day.start)} (hour {format_number(day.start / 60, 1)} after the restart), "
        f"above the {format_quantity(ceiling, 'mcg/day')} ceiling.",
        action="Program a bridge bolus that clears the old drug at its own rate, or check the "
        "bridge's volume and duration, then check again.",
        figures=[
            Figure("most_in_24_hours", day.drug_mcg, "mcg"),
            Figure("hard_ceiling", ceiling, "mcg/day"),
        ],
    )


CHECKS = (
    Check(
        "delivery_curve",
        check_curve,
        (DELIVERY_PEAK_HOUR, FLEX_STEP_ABOVE_MEAN, DELIVERY_GAP, DELIVERY_DAY_ABOVE_CEILING),
    ),
)
