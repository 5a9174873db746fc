"""The residual: what came back out of the reservoir against what the programmer expected."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.checks.history import last_visit_on_pump
from itbcheck.checks.since_visit import pump_replaced
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.profiles import trusted
from itbcheck.units import format_number, format_quantity

_SOURCE = (
    "[20] Maino 2017 (gap over 1 mL in a 20 mL pump or 2 mL in a "
    "40 mL pump is potentially consequential); [21] Sgouros 2010 (19 mL left in "
    "a 20 mL pump, coma within an hour of restart); [11] FDA 2011 pocket-fill recall."
)

RESIDUAL_GAP = CodeInfo(
    code="RESIDUAL_GAP",
    severity=Severity.STOP,
    hazard=Hazard.EITHER,
    title="Aspirated residual differs from the expected residual",
    meaning="The residual aspirated differs from the programmer's expected residual by more than "
    "the pump profile's threshold. Less than expected points to over-infusion, a leak or an "
    "earlier pocket fill (overdose); more than expected points to under-delivery, a stall or an "
    "occlusion (withdrawal now, overdose on restart).",
    why="The residual is the only measurement of what the pump really delivered.",
    source=_SOURCE,
    example="Expected 5 mL, aspirated 2.5 mL in a 20 mL pump (threshold 1 mL): STOP, overdose.",
)
RESIDUAL_NOT_ASPIRATED = CodeInfo(
    code="RESIDUAL_NOT_ASPIRATED",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="Nothing aspirated, or no residual recorded",
    meaning="The aspirated residual is 0 mL or missing, or the expected residual is missing. "
    "Nothing aspirated from a pump that arrived empty (status_at_arrival empty) is reported with "
    "hazard withdrawal: the patient has been without drug, and the needle placement still "
    "cannot be confirmed by aspiration.",
    why="When nothing comes back the needle may not be in the reservoir: the next injection could "
    "go into the pocket, the route of 8 deaths in 351 reported pocket fills.",
    source=_SOURCE,
    example="aspirated_residual '0 mL': STOP.",
)
RESIDUAL_NEAR_FULL = CodeInfo(
    code="RESIDUAL_NEAR_FULL",
    severity=Severity.STOP,
    hazard=Hazard.WITHDRAWAL,
    title="Residual near full capacity: the pump delivered almost nothing",
    meaning="The aspirated residual is within the gap threshold of the previous fill volume (of "
    "the reservoir's capacity when that is not recorded), and nothing shows it is an early "
    "refill: it is more than the threshold above the programmer's expected residual, or the "
    "programmed flow since refill.previous_fill_date (without it, since the last visit on "
    "file with this pump, whose fill volume is used too) should have emptied more than the "
    "threshold beyond what can have left the reservoir, or (no date known) the early refill "
    "cannot be confirmed. A residual near full that matches both the programmer and the "
    "days since the last fill is an early refill: no finding.",
    why="The patient has had little or no drug (withdrawal), and restarting a pump that stalled "
    "or was blocked at the full dose has caused coma within an hour. But an early refill a few "
    "days after the last is also near full, and re-titrating it from a low dose would cause "
    "withdrawal, so a residual that the programmer and the calendar both expect is not a STOP.",
    source=_SOURCE + " Judging against the expected residual and the days since the last fill, "
    "with the gap threshold as the tolerance, is itbcheck's choice.",
    example="19.2 mL aspirated from a 20 mL pump, 3.1 mL expected: STOP. 19.1 mL aspirated, "
    "19 mL expected, filled to 20 mL 5 days ago at 0.2 mL/day (1 mL due, at most 0.9 mL "
    "delivered): no finding. The same without previous_fill_date: STOP until the date is "
    "recorded.",
)
DELIVERY_RATIO = CodeInfo(
    code="DELIVERY_RATIO",
    severity=Severity.NOTE,
    hazard=Hazard.DEVICE,
    title="Delivered volume since the last refill",
    meaning="Volume actually delivered since the last refill (last fill minus aspirated) over the "
    "volume the programmer expected to deliver (last fill minus expected residual). Reported as "
    "a NOTE within the pump's accuracy band, CAUTION outside it.",
    why="SynchroMed II over-infusion is defined as more than 14.5 % above the programmed rate; a "
    "drift is an early sign of a failing pump or catheter.",
    source="Regulator alerts 2014/2016 on SynchroMed II accuracy: [16] SynchroMed over-infusion "
    "notices; [15] TGA 2016 SynchroMed alert.",
    example="Last fill 20 mL, expected 4 mL, aspirated 3.8 mL: 16.2 / 16 = 1.013, NOTE.",
)


def _ml(name: str, value: Decimal) -> Figure:
    return Figure(name, value, "mL")


def check_residual(context: CheckContext) -> Iterator[Finding]:
    refill = context.record.refill
    profile = context.profile
    expected, aspirated = refill.expected_residual, refill.aspirated_residual
    if expected is None or aspirated is None or aspirated.value == 0:
        missing = [
            name
            for name in ("expected_residual", "aspirated_residual")
            if getattr(refill, name) is None
        ]
        what = f"no {' or '.join(missing)} recorded" if missing else "nothing was aspirated"
        # An empty pump gives nothing back: the patient has been without drug (withdrawal);
        # needle placement still cannot be confirmed by aspiration, so the STOP stays.
        empty = not missing and context.record.pump.status_at_arrival == "empty"
        yield finding(
            RESIDUAL_NOT_ASPIRATED,
            hazard=Hazard.WITHDRAWAL if empty else None,
            message=f"The residual cannot be reconciled: {what}"
            + (" from a pump that arrived empty." if empty else "."),
            action="Do not inject. Confirm needle placement in the reservoir (template, "
            "aspiration) before any drug goes in; if in doubt, image the pump and call the "
            "implanting team."
            + (
                " Assess for withdrawal now: the patient has had no drug since the pump ran dry."
                if empty
                else ""
            ),
            figures=[_ml("aspirated_residual", aspirated.value)] if aspirated else [],
        )
        return
    if pump_replaced(context.record):
        return  # the previous refill was in another pump: PUMP_REPLACED says so
    threshold = trusted(profile.residual_gap_threshold)
    capacity = trusted(profile.reservoir_capacity)
    gap = expected.value - aspirated.value
    # Made into figures only for a finding: most residuals are within the threshold.
    residuals = (("expected_residual", expected.value), ("aspirated_residual", aspirated.value))
    if threshold is None:
        yield finding(
            RESIDUAL_GAP,
            severity=Severity.CAUTION,
            hazard=Hazard.DEVICE,
            message=f"The residual gap ({format_quantity(gap.copy_abs(), 'mL')}) could not be "
            f"judged: profile {profile.name} has no verified residual-gap threshold.",
            action="Compare the residual by hand with the manufacturer's guidance, and have "
            "biomedical engineering verify the profile.",
            figures=[_ml(*pair) for pair in residuals],
        )
    elif gap.copy_abs() > threshold.value:
        less = gap > 0
        yield finding(
            RESIDUAL_GAP,
            hazard=Hazard.OVERDOSE if less else Hazard.WITHDRAWAL,
            message=f"Aspirated {format_quantity(aspirated.value, 'mL')}, expected "
            f"{format_quantity(expected.value, 'mL')}: "
            f"{format_quantity(gap.copy_abs(), 'mL')} {'less' if less else 'more'} than expected,"
            f" beyond the {format_quantity(threshold.value, 'mL')} threshold. "
            + (
                "Points to over-infusion, a leak or an earlier pocket fill."
                if less
                else "Points to under-delivery, a stall or an occlusion."
            ),
            action=(
                "Do not refill. Assess for overdose now; check the pocket for drug and the pump "
                "log; call the physician."
                if less
                else "Do not restart at the full dose. Assess for withdrawal; interrogate the "
                "pump for a stall or occlusion; call the physician."
            ),
            figures=[
                *(_ml(*pair) for pair in residuals),
                _ml("gap", gap.copy_abs()),
                _ml("threshold", threshold.value),
            ],
        )
    if capacity is not None and threshold is not None:
        yield from _near_full(
            context, expected.value, aspirated.value, threshold.value, capacity.value
        )
    yield from _delivery_ratio(context, expected.value, aspirated.value)


def _near_full(
    context: CheckContext,
    expected: Decimal,
    aspirated: Decimal,
    threshold: Decimal,
    capacity: Decimal,
) -> Iterator[Finding]:
    """No delivery, told apart from an early refill: near full is judged against the previous
    fill (the capacity when it is not recorded), and a near-full residual is a STOP only when
    the programmer or the calendar says more should have gone."""
    refill = context.record.refill
    record_fill = refill.previous_fill_volume
    filled = refill.previous_fill_date
    on_file = last_visit_on_pump(context) if filled is None else None
    if on_file is not None:  # the visit store knows the last fill: its date and volume
        filled = on_file.visit_time.astimezone(context.record.visit_time.tzinfo).date()
    last_fill = (
        record_fill.value
        if record_fill is not None
        else on_file.fill_ml
        if on_file is not None
        else None
    )
    full = last_fill if last_fill is not None else capacity
    if aspirated < full - threshold:
        return
    left = max(full - aspirated, Decimal(0))  # the most that can have left the reservoir
    figures = [
        _ml("aspirated_residual", aspirated),
        _ml("previous_fill_volume" if last_fill is not None else "capacity", full),
        _ml("expected_residual", expected),
        _ml("threshold", threshold),
    ]
    shown = format_quantity(aspirated, "mL")
    where = (
        f"from a reservoir filled to {format_quantity(full, 'mL')}"
        if last_fill is not None
        else f"from a {format_quantity(full, 'mL')} reservoir"
    )
    action = (
        "No routine restart. Assess for withdrawal, interrogate for a stall or occlusion, and "
        "re-titrate from a low dose under physician supervision."
    )
    if filled is not None:
        days = Decimal((context.record.visit_time.date() - filled).days)
        flow = context.dose.previous_daily_dose_mcg_per_day / refill.previous_concentration.value
        due = flow * days
        figures += [
            Figure("days_since_fill", days, "day"),
            Figure("previous_flow", flow, "mL/day"),
            _ml("due_since_fill", due),
        ]
        if due - left <= threshold:
            return  # an early refill: the calendar expects the pump to be this full
        message = (
            f"Aspirated {shown} {where}: at most "
            f"{format_quantity(left, 'mL')} left the reservoir, but "
            f"{format_quantity(due, 'mL')} was due in the {format_number(days)} days since the "
            f"fill on {filled.isoformat()}"
            + (" (the last visit on file)" if on_file is not None else "")
            + ". The pump delivered almost nothing."
        )
    elif aspirated - expected > threshold:
        message = (
            f"Aspirated {shown} {where}, "
            f"{format_quantity(aspirated - expected, 'mL')} above the expected "
            f"{format_quantity(expected, 'mL')}: the pump delivered almost nothing since the "
            "last refill."
        )
    elif aspirated >= capacity - threshold:
        # Only the old near-capacity rule here, so a small fill that the programmer expects
        # to be nearly intact is not a new STOP.
        message = (
            f"Aspirated {shown} {where}, as the programmer expects "
            f"({format_quantity(expected, 'mL')}): an early refill, or a pump that delivered "
            "nothing with a programmer that is wrong too. Without the date of the last fill the "
            "two cannot be told apart."
        )
        action = (
            "Before restarting, read the date of the last refill from the pump log or the last "
            "refill sheet, record it as refill.previous_fill_date (and previous_fill_volume) "
            "and check again. Do not re-titrate an early refill from a low dose: that causes "
            "withdrawal."
        )
    else:
        return
    yield finding(RESIDUAL_NEAR_FULL, message=message, action=action, figures=figures)


def _delivery_ratio(
    context: CheckContext, expected: Decimal, aspirated: Decimal
) -> Iterator[Finding]:
    last_fill = context.record.refill.previous_fill_volume
    band = context.forecast.accuracy_band_percent
    if last_fill is None or last_fill.value - expected <= 0:
        return
    planned = last_fill.value - expected
    actual = last_fill.value - aspirated
    ratio = actual / planned
    figures = [
        _ml("previous_fill_volume", last_fill.value),
        _ml("expected_delivered", planned),
        _ml("actual_delivered", actual),
        Figure("delivered_ratio", ratio, "x"),
    ]
    outside = band is not None and (ratio - 1).copy_abs() * 100 > band
    unknown = "" if band is not None else " The profile has no verified accuracy band to judge it."
    yield finding(
        DELIVERY_RATIO,
        severity=Severity.CAUTION if outside else Severity.NOTE,
        message=f"Delivered {format_quantity(actual, 'mL')} of the "
        f"{format_quantity(planned, 'mL')} programmed since the last refill "
        f"(ratio {format_number(ratio, 3)})"
        + (
            f", outside the ±{format_number(band)} % accuracy band."
            if outside and band is not None
            else "."
        )
        + unknown,
        action="Report the pump's accuracy to biomedical engineering and the physician; consider "
        "a pump and catheter assessment."
        if outside
        else "None needed; recorded for the pump's accuracy history.",
        figures=[*figures, *([Figure("accuracy_band", band, "%")] if band is not None else [])],
    )


CHECKS = (
    Check(
        "residual",
        check_residual,
        (RESIDUAL_GAP, RESIDUAL_NOT_ASPIRATED, RESIDUAL_NEAR_FULL, DELIVERY_RATIO),
    ),
)
