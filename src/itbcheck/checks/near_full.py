"""A residual near full: a pump that delivered almost nothing, told apart from an early refill by
the programmer's expected residual and the calendar since the last fill. Part of the residual
check (checks/residual.py), which has already found the residual's figures usable."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import CheckContext, CodeInfo, finding
from itbcheck.checks.history import last_visit_on_pump
from itbcheck.checks.programmed_use import use_since_fill
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.units import format_number, format_quantity

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
    "cannot be confirmed. A dose change recorded after the fill (previous_dose_changed_at) "
    "counts the time before it at the dose of the visit on file; with no visit on file that "
    "part is not known: only the time since the change counts as certainly due, a residual "
    "that the current dose for the whole time also explains is an early refill, and any other "
    "is judged as with no date. A residual near full that matches both the programmer "
    "and the days since the last fill is an early refill: no finding.",
    why="The patient has had little or no drug (withdrawal), and restarting a pump that stalled "
    "or was blocked at the full dose has caused coma within an hour. But an early refill a few "
    "days after the last is also near full, and re-titrating it from a low dose would cause "
    "withdrawal, so a residual that the programmer and the calendar both expect is not a STOP.",
    source="[20] Maino 2017 (gap over 1 mL in a 20 mL pump or 2 mL in a 40 mL pump is "
    "potentially consequential); [21] Sgouros 2010 (19 mL left in a 20 mL pump, coma within an "
    "hour of restart); [11] FDA 2011 pocket-fill recall. Judging against the expected residual "
    "and the days since the last fill, with the gap threshold as the tolerance, is itbcheck's "
    "choice.",
    example="19.2 mL aspirated from a 20 mL pump, 3.1 mL expected: STOP. 19.1 mL aspirated, "
    "19 mL expected, filled to 20 mL 5 days ago at 0.2 mL/day (1 mL due, at most 0.9 mL "
    "delivered): no finding. The same without previous_fill_date: STOP until the date is "
    "recorded.",
)


def _ml(name: str, value: Decimal) -> Figure:
    return Figure(name, value, "mL")


def near_full(
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
    on_store = last_visit_on_pump(context)
    on_file = on_store if filled is None else None
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
    use = use_since_fill(context, filled, on_store) if filled is not None else None
    if use is not None:
        figures += [
            Figure("days_since_fill", use.days, "day"),
            Figure("previous_flow", use.flow, "mL/day"),
        ]
    if use is not None and (use.volume is not None or use.least_volume - left > threshold):
        assert filled is not None
        due = use.least_volume
        if use.changed_days is not None:
            figures.append(Figure("days_since_dose_change", use.changed_days, "day"))
        if use.earlier_flow is not None:
            figures.append(Figure("flow_before_dose_change", use.earlier_flow, "mL/day"))
        figures.append(_ml("due_since_fill", due))
        if due - left <= threshold:
            return  # an early refill: the calendar expects the pump to be this full
        since = (
            f"in the {format_number(use.days)} days since the fill on {filled.isoformat()}"
            if use.volume is not None
            else f"in the {format_number(use.changed_days or Decimal(0), 2)} days since the dose "
            "change after the fill alone"
        )
        message = (
            f"Aspirated {shown} {where}: at most "
            f"{format_quantity(left, 'mL')} left the reservoir, but "
            f"{format_quantity(due, 'mL')} was due {since}"
            + (" (the last visit on file)" if on_file is not None else "")
            + ". The pump delivered almost nothing."
        )
        if on_file is not None:
            action += (
                " If the pump was filled after that visit (a refill not on file), record "
                "refill.previous_fill_date and check again."
            )
    elif use is not None and use.flow * use.days - left <= threshold:
        # The dose before the change is not known; the dose since, for the whole time, also
        # expects the pump this full: an early refill, as it was before the change was recorded.
        return
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
            "nothing with a programmer that is wrong too. "
            + (
                "Without the date of the last fill the two cannot be told apart."
                if use is None
                else "The dose changed after the last fill and the dose before is not on file, "
                "so the two cannot be told apart."
            )
        )
        action = (
            "Before restarting, read the date of the last refill from the pump log or the last "
            "refill sheet, record it as refill.previous_fill_date (and previous_fill_volume) "
            "and check again. Do not re-titrate an early refill from a low dose: that causes "
            "withdrawal."
            if use is None
            else "Before restarting, read from the pump log the volume it delivered since the "
            f"last fill and compare it with the {format_quantity(left, 'mL')} that at most "
            "left the reservoir; check the fill visit in itbcheck so its dose is on file. Do "
            "not re-titrate an early refill from a low dose: that causes withdrawal."
        )
    else:
        return
    yield finding(RESIDUAL_NEAR_FULL, message=message, action=action, figures=figures)
