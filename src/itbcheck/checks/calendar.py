"""The residual against the calendar the record itself gives: a fill of
`refill.previous_fill_volume` on `refill.previous_fill_date`, emptied since at the previous
daily dose over the strength in the pump. Checked alone, without a visit store: with the fill on
file the cross-visit residual checks (checks/history_residual.py) make the same comparison.

The fill's hour is not recorded, so the time since it is the calendar days, give or take one;
the tolerance is the pump's accuracy band over that, or the profile's residual gap threshold
where that is wider. Patient boluses may have added up to their daily most."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from itbcheck.catheter import trusted_catheter_volume
from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.checks.history import last_visit_on_pump
from itbcheck.checks.programmed_use import may_fall_on, use_since_fill
from itbcheck.checks.since_visit import pump_replaced
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.profiles import trusted
from itbcheck.units import format_number, format_quantity

_SOURCE = (
    "[20] Maino 2017 (the residual is the measure of what the pump delivered; the gap "
    "threshold); [16] SynchroMed over-infusion notices (accuracy band); [21] Sgouros 2010. "
    "Judging the residual against the record's own fill date, volume and dose, a day either "
    "way, is itbcheck's choice, because a strength programmed wrong at the last refill makes "
    "the programmer's expected residual agree with an overdose."
)

RESIDUAL_CALENDAR_ASPIRATED = CodeInfo(
    code="RESIDUAL_CALENDAR_ASPIRATED",
    severity=Severity.STOP,
    hazard=Hazard.EITHER,
    title="Aspirated residual impossible for the fill date, volume and dose recorded",
    meaning="From refill.previous_fill_volume filled on refill.previous_fill_date, the previous "
    "daily dose over the previous concentration (patient boluses at most as allowed) leaves a "
    "range of residuals after the days since, a day either way, across the accuracy band or "
    "the gap threshold where wider, and on the low side a bridge bolus at the last refill "
    "(pump tubing and catheter volume, where known). An aspirated residual below it means the "
    "pump delivered "
    "more than programmed (overdose); above it, less (withdrawal; a residual near the fill "
    "is RESIDUAL_NEAR_FULL instead). A pump not running on arrival is judged for less only "
    "with dosing.pump_off_for, whose hours it subtracts. Not made when the pump was replaced "
    "or the fill is the last visit on file (the cross-visit checks make it), nor with a "
    "profile whose accuracy band or gap threshold is unverified (which the profile checks "
    "say).",
    why="A strength programmed wrong at the last refill makes the programmer expect what the "
    "pump delivered, so the programmer and the aspirate agree on a 4-times overdose; only the "
    "calendar shows it. The patient may by now depend on the higher dose.",
    source=_SOURCE,
    example="20 mL filled 20 days ago at 0.2 mL/day: at least 15 mL should remain; 2.9 mL "
    "aspirated (17.1 mL delivered, 4.3 times): STOP, overdose.",
)
RESIDUAL_CALENDAR_EXPECTED = CodeInfo(
    code="RESIDUAL_CALENDAR_EXPECTED",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Programmer's expected residual impossible for the fill date, volume and dose",
    meaning="The programmer's expected residual is outside the range RESIDUAL_CALENDAR_ASPIRATED "
    "computes from the record's fill date, fill volume and previous dose: the programmer's "
    "strength or reservoir volume, or the record's date, volume or dose, is wrong. Like it, "
    "not made for an aspirated residual near the fill (RESIDUAL_NEAR_FULL judges that).",
    why="The programmer computes its expectation from what it was told at the last refill; when "
    "that contradicts the record, one of them is wrong, and every other residual comparison "
    "rests on it.",
    source=_SOURCE,
    example="20 mL filled 20 days ago at 0.2 mL/day, the programmer expects 3.1 mL (15 to 17 "
    "mL possible): STOP.",
)


@dataclass(frozen=True)
class _Range:
    """The residuals the calendar allows, and how they were reached."""

    low: Decimal | None  # None: the most delivered is not known (a dose change, dose unknown)
    high: Decimal | None  # None: the least is not known (a pump off for a time not recorded)
    basis: str
    figures: list[Figure]


def _allowed(context: CheckContext, fill: Decimal, threshold: Decimal) -> _Range:
    record, dose = context.record, context.dose
    filled = record.refill.previous_fill_date
    assert filled is not None
    strength = record.refill.previous_concentration.value
    # No visit on file is this fill (check_calendar leaves those to HISTORY_RESIDUAL_*): the
    # dose before a change after it is not known.
    use = use_since_fill(context, filled, None)
    days, flow = use.days, use.flow
    percent = context.forecast.accuracy_band_percent
    assert percent is not None  # check_calendar makes no judgement without a verified band
    boluses = dose.previous_patient_bolus_mcg_per_day / strength  # at most, a day
    # A bridge bolus at the last refill (the record cannot say whether there was one) took up
    # to the pump tubing and catheter volumes from the reservoir at once.
    bridge = _bridge_most(context)
    # A pump that was not running gave nothing for the time recorded as off; without that time
    # the least it gave is not known. It never gave more than when running.
    off = record.dosing.pump_off_for
    running = record.pump.status_at_arrival == "running"
    high = None
    if running or off is not None:
        idle = Decimal(0) if running or off is None else off.value / 24
        least = max(use.least_volume - flow * (1 + idle), Decimal(0)) * (100 - percent) / 100
        high = max(fill - min(least, max(use.least_volume - threshold, Decimal(0))), Decimal(0))
    low = None
    if use.volume is not None:
        most = (use.volume + flow + boluses * (days + 1)) * (100 + percent) / 100 + bridge
        low = max(fill - max(most, use.volume + threshold), Decimal(0))
    figures = [
        Figure("previous_fill_volume", fill, "mL"),
        Figure("days_since_fill", days, "day"),
        Figure("previous_flow", flow, "mL/day"),
        Figure("programmed_since_fill", use.least_volume, "mL"),
        *([Figure("residual_low", low.quantize(Decimal("0.01")), "mL")] if low is not None else []),
        *(
            [Figure("residual_high", high.quantize(Decimal("0.01")), "mL")]
            if high is not None
            else []
        ),
        Figure("threshold", threshold, "mL"),
    ]
    basis = (
        f"{format_quantity(fill, 'mL')} filled on {filled.isoformat()}, "
        f"{format_quantity(flow, 'mL/day')} for {format_number(days)} days (a day either way)"
        + (f" at ±{format_number(percent)} %" if percent else "")
        + (", every allowed patient bolus counted" if boluses else "")
        + (
            f", up to {format_quantity(bridge, 'mL')} of a bridge at the last refill"
            if bridge
            else ""
        )
        + (
            f", less the {format_quantity(off.value, 'h')} recorded off"
            if not running and off is not None
            else ""
        )
    )
    return _Range(low, high, basis, figures)


def _bridge_most(context: CheckContext) -> Decimal:
    """Pump tubing and catheter volume, where known and trusted: the most a bridge bolus at the
    last refill can have taken."""
    tubing = trusted(context.profile.pump_tubing_volume)
    catheter = trusted_catheter_volume(context.record, context.profile)
    return sum((part.value for part in (tubing, catheter) if part is not None), start=Decimal(0))


def _range_text(allowed: _Range) -> str:
    def shown(value: Decimal) -> str:
        return format_quantity(value.quantize(Decimal("0.01")), "mL")

    if allowed.high == 0:
        return "nothing (the pump should have run empty)"
    if allowed.low is None and allowed.high is not None:
        return f"at most {shown(allowed.high)}"
    if allowed.high is None and allowed.low is not None:
        return f"at least {shown(allowed.low)}"
    assert allowed.low is not None
    assert allowed.high is not None
    return f"{shown(allowed.low)} to {shown(allowed.high)}"


def check_calendar(context: CheckContext) -> Iterator[Finding]:
    record = context.record
    refill = record.refill
    fill, filled = refill.previous_fill_volume, refill.previous_fill_date
    threshold = trusted(context.profile.residual_gap_threshold)
    # Without a verified band a long interval's normal drift could pass for an overdose: the
    # profile checks already say the band is unverified, as HISTORY_RESIDUAL_* do.
    unverified_band = context.forecast.accuracy_band_percent is None
    if fill is None or filled is None or threshold is None or unverified_band:
        return
    if pump_replaced(record):
        return
    on_file = last_visit_on_pump(context)
    if on_file is not None and may_fall_on(on_file.visit_time, filled):
        return  # the fill is on file: HISTORY_RESIDUAL_* compare with it
    aspirated = refill.aspirated_residual
    if aspirated is not None and aspirated.value >= fill.value - threshold.value:
        return  # near the fill: RESIDUAL_NEAR_FULL judges it against the same calendar
    allowed = _allowed(context, fill.value, threshold.value)
    span = _range_text(allowed)
    expected = refill.expected_residual
    if expected is not None and _outside(expected.value, allowed):
        yield finding(
            RESIDUAL_CALENDAR_EXPECTED,
            message=f"The programmer expects {format_quantity(expected.value, 'mL')}, but "
            f"{allowed.basis} leaves {span}: the programmer's strength or reservoir volume, or "
            "the record's fill date, volume or dose, is wrong.",
            action="Compare the programmer's concentration, reservoir volume and dose with the "
            "last refill sheet and this record; correct whichever is wrong and check again.",
            figures=[*allowed.figures, Figure("expected_residual", expected.value, "mL")],
        )
    if aspirated is None or aspirated.value == 0 or not _outside(aspirated.value, allowed):
        return
    less = allowed.low is not None and aspirated.value < allowed.low
    delivered = fill.value - aspirated.value
    yield finding(
        RESIDUAL_CALENDAR_ASPIRATED,
        hazard=Hazard.OVERDOSE if less else Hazard.WITHDRAWAL,
        message=f"Aspirated {format_quantity(aspirated.value, 'mL')}, but {allowed.basis} "
        f"leaves {span}: the pump delivered {format_quantity(delivered, 'mL')}, "
        + (
            "more than it was programmed to. Points to over-infusion, a strength programmed "
            "wrong at the last refill, or an earlier pocket fill."
            if less
            else "less than it was programmed to. Points to a stall, an occlusion or a "
            "catheter leak, or a wrong fill date, volume or dose in the record."
        ),
        action=(
            "Do not refill or reprogram yet. Assess for overdose now; read the pump log and the "
            "last refill's programming; call the physician: the patient may now depend on the "
            "higher dose, and dropping to the recorded one risks withdrawal."
            if less
            else "Do not restart at the full dose. Assess for withdrawal; interrogate the pump "
            "for a stall or occlusion; confirm the fill date, volume and dose; call the "
            "physician."
        ),
        figures=[*allowed.figures, Figure("aspirated_residual", aspirated.value, "mL")],
    )


def _outside(residual: Decimal, allowed: _Range) -> bool:
    above = allowed.high is not None and residual > allowed.high
    return above or (allowed.low is not None and residual < allowed.low)


CHECKS = (
    Check(
        "residual_calendar",
        check_calendar,
        (RESIDUAL_CALENDAR_ASPIRATED, RESIDUAL_CALENDAR_EXPECTED),
    ),
)
