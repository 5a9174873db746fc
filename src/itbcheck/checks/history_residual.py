"""The residual carried forward from the last visit on file: its fill less what the pump was
programmed to deliver since, across the pump's accuracy band, against the programmer's expected
residual and the aspirated one. A dose change the record places after that visit (a titration
visit with no refill) is counted at its own flow from its own time (`programmed_use`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.checks.history import last_visit_on_pump
from itbcheck.checks.programmed_use import ProgrammedUse, programmed_use
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.history.model import PastVisit
from itbcheck.profiles import trusted
from itbcheck.units import format_number, format_quantity

_RESIDUAL_SOURCE = (
    "[20] Maino 2017 (the residual is the measure of what the pump delivered); [16] SynchroMed "
    "over-infusion notices (accuracy band); [21] Sgouros 2010. Carrying the previous visit's "
    "fill and flow forward, counting a dose change recorded since at its own flow, and taking "
    "the gap threshold as the least tolerance ([20]) are itbcheck's choice, because the "
    "programmer's expected residual was itself typed at that visit."
)

HISTORY_RESIDUAL_PROGRAMMER = CodeInfo(
    code="HISTORY_RESIDUAL_PROGRAMMER",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Programmer's expected residual outside what the last visit allows",
    meaning="The expected residual in the record is outside the residual carried forward from "
    "the last visit's fill, the time elapsed and its programmed flow, across the pump's "
    "accuracy band (on the low side also less every allowed patient bolus), or within the "
    "profile's residual gap threshold where that is wider (a "
    "short interval: aspiration measures no closer). When the record's previous_dose_changed_at "
    "is after that visit, the time since the change is counted at the flow of the record's "
    "previous daily dose (at the concentration programmed then).",
    why="The programmer's expectation was typed at the last visit; if it is wrong, so is every "
    "comparison made with it.",
    source=_RESIDUAL_SOURCE,
    example="Fill 20 mL, 0.48 mL/day for 28 days: 6.56 mL, 4.61 to 8.51 mL at 14.5 %; "
    "programmer expects 9.0 mL: STOP.",
)
HISTORY_RESIDUAL_ASPIRATED = CodeInfo(
    code="HISTORY_RESIDUAL_ASPIRATED",
    severity=Severity.STOP,
    hazard=Hazard.EITHER,
    title="Aspirated residual outside what the last visit allows",
    meaning="The aspirated residual is outside the residual carried forward from the last "
    "visit, across the accuracy band (or the residual gap threshold where that is wider): "
    "below it the pump gave more than programmed (overdose); above it less (withdrawal now, a "
    "device fault).",
    why="It is the residual check made independent of what the programmer was told.",
    source=_RESIDUAL_SOURCE,
    example="4.61 to 8.51 mL expected, 3.9 mL aspirated: STOP, overdose.",
)


def _ml(name: str, value: Decimal) -> Figure:
    return Figure(name, value.quantize(Decimal("0.01")), "mL")


def _use_since(context: CheckContext, last: PastVisit) -> ProgrammedUse:
    """What the pump was programmed to deliver since the last visit on file."""
    record = context.record
    days = Decimal((record.visit_time - last.visit_time) / dt.timedelta(hours=1)) / 24
    changed_at = record.dosing.previous_dose_changed_at
    if changed_at <= last.visit_time:
        return ProgrammedUse(days, last.pump_ml_per_day)
    dose = context.dose.previous_daily_dose_mcg_per_day
    # The pump turns a dose into a flow through the concentration programmed at the last visit,
    # right or wrong: that is what this check follows.
    flow = (
        dose * last.pump_ml_per_day / last.prescribed_mcg_per_day
        if last.prescribed_mcg_per_day
        else dose / record.refill.previous_concentration.value
    )
    return programmed_use(
        days,
        flow,
        split=changed_at,
        visit_time=record.visit_time,
        earlier_flow=last.pump_ml_per_day,
    )


def _patient_bolus_volume(context: CheckContext, last: PastVisit, days: Decimal) -> Decimal:
    """The most the allowed patient boluses can have taken from the reservoir since the last
    visit, at the concentration programmed then."""
    per_day = context.dose.previous_patient_bolus_mcg_per_day
    if not per_day:
        return Decimal(0)
    strength = (
        last.prescribed_mcg_per_day / last.pump_ml_per_day
        if last.pump_ml_per_day
        else context.record.refill.previous_concentration.value
    )
    return per_day / strength * days


def _basis(
    last: PastVisit, use: ProgrammedUse, changed_at: dt.datetime
) -> tuple[str, list[Figure]]:
    """How the carried-forward residual was reached, in words and figures."""
    if use.changed_days is None:
        words = (
            f"{format_quantity(last.pump_ml_per_day, 'mL/day')} for "
            f"{format_number(use.days, 2)} days"
        )
        return words, [Figure("previous_flow", last.pump_ml_per_day, "mL/day")]
    words = (
        f"{format_quantity(last.pump_ml_per_day, 'mL/day')} for "
        f"{format_number(use.earlier_days, 2)} days, then "
        f"{format_quantity(use.flow.quantize(Decimal('0.001')), 'mL/day')} for "
        f"{format_number(use.changed_days, 2)} days from the dose change of "
        f"{changed_at.isoformat()}"
    )
    return words, [
        Figure("previous_flow", last.pump_ml_per_day, "mL/day"),
        Figure("flow_since_change", use.flow.quantize(Decimal("0.001")), "mL/day"),
        Figure("days_since_change", use.changed_days.quantize(Decimal("0.01")), "day"),
    ]


def check_residual_forward(context: CheckContext) -> Iterator[Finding]:
    last = last_visit_on_pump(context)
    refill = context.record.refill
    if last is None or context.record.pump.status_at_arrival != "running":
        return
    percent = context.profile.accuracy_band.percent
    if percent is None:  # an unverified band: the profile checks already say so
        return
    use = _use_since(context, last)
    used = use.volume
    assert used is not None  # the flow before any change is the last visit's own
    spread = used * percent / 100
    # Aspiration cannot measure a residual closer than the profile's gap threshold: after a
    # short interval (an early refill) the band alone is narrower than that.
    threshold = trusted(context.profile.residual_gap_threshold)
    measured = threshold is not None and threshold.value > spread
    tolerance = threshold.value if threshold is not None and measured else spread
    # Patient boluses, each as allowed, may have taken up to this much more: only the low side
    # moves, since the patient may have given none.
    boluses = _patient_bolus_volume(context, last, use.days)
    low_side = max((used + boluses) * percent / 100, tolerance) if boluses else tolerance
    nominal = max(last.fill_ml - used, Decimal(0))
    low = max(last.fill_ml - used - boluses - low_side, Decimal(0))
    high = max(last.fill_ml - used + tolerance, Decimal(0))
    span = f"{format_quantity(low.quantize(Decimal('0.01')), 'mL')} to " + format_quantity(
        high.quantize(Decimal("0.01")), "mL"
    )
    flows, flow_figures = _basis(last, use, context.record.dosing.previous_dose_changed_at)
    across = (
        f"within the {format_quantity(tolerance, 'mL')} residual threshold, wider than "
        f"±{format_number(percent)} %"
        if measured
        else f"across ±{format_number(percent)} %"
    )
    if boluses:
        most = format_quantity(boluses.quantize(Decimal("0.01")), "mL")
        flows += f", and up to {most} of patient boluses"
    basis = (
        f"last fill {format_quantity(last.fill_ml, 'mL')}, {flows}: "
        f"{format_quantity(nominal.quantize(Decimal('0.01')), 'mL')} nominal, {span} {across}"
    )
    figures = [
        _ml("previous_fill", last.fill_ml),
        *flow_figures,
        Figure("days_elapsed", use.days.quantize(Decimal("0.01")), "day"),
        _ml("carried_forward_nominal", nominal),
        _ml("carried_forward_low", low),
        _ml("carried_forward_high", high),
        *([_ml("patient_bolus_most", boluses)] if boluses else []),
        *([_ml("threshold", tolerance)] if measured else []),
    ]
    expected = refill.expected_residual
    if expected is not None and not low <= expected.value <= high:
        yield finding(
            HISTORY_RESIDUAL_PROGRAMMER,
            message=f"The programmer expects {expected.text}, outside {span} ({basis}).",
            action="Check the last visit's fill, flow and reservoir volume as programmed; "
            "correct the programmer before the refill.",
            figures=[*figures, _ml("expected_residual", expected.value)],
        )
    aspirated = refill.aspirated_residual
    if aspirated is not None and aspirated.value != 0 and not low <= aspirated.value <= high:
        below = aspirated.value < low
        yield finding(
            HISTORY_RESIDUAL_ASPIRATED,
            message=f"Aspirated {aspirated.text}, {'below' if below else 'above'} {span} "
            f"({basis}): the pump delivered {'more' if below else 'less'} than programmed.",
            action="Do not refill until the pump and catheter are checked; look for "
            + ("over-infusion or an earlier pocket fill." if below else "a stall or occlusion."),
            figures=[*figures, _ml("aspirated_residual", aspirated.value)],
            hazard=Hazard.OVERDOSE if below else Hazard.WITHDRAWAL,
        )


CHECKS: tuple[Check, ...] = (
    Check(
        "history_residual",
        check_residual_forward,
        (HISTORY_RESIDUAL_PROGRAMMER, HISTORY_RESIDUAL_ASPIRATED),
    ),
)
