"""The residual: what came back out of the reservoir against what the programmer expected."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.checks.near_full import RESIDUAL_NEAR_FULL, near_full
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
RESIDUAL_FROM_EMPTY_PUMP = CodeInfo(
    code="RESIDUAL_FROM_EMPTY_PUMP",
    severity=Severity.STOP,
    hazard=Hazard.OVERDOSE,
    title="A pump that arrived empty, yet a residual above its alarm volume",
    meaning="pump.status_at_arrival is empty, but the aspirated or the expected residual is more "
    "than the low-reservoir alarm volume: an empty reservoir cannot hold it. Either the aspirate "
    "came from outside the reservoir (the pocket) or the pump was not empty, and the restart "
    "checks judged an interruption that did not happen.",
    why="Drug drawn from the pocket means the needle is not in the reservoir: the refill would "
    "go into the pocket, the route of 8 deaths in 351 reported pocket fills.",
    source="[11] FDA 2011 pocket-fill recall; [20] Maino 2017 (the residual confirms needle "
    "placement). Taking the alarm volume as the most an empty pump can hold is itbcheck's "
    "choice: a pump alarms low before it is empty.",
    example="Status empty, 5 mL expected and 5 mL aspirated, alarm at 2 mL: STOP.",
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
    yield from _from_empty_pump(context, expected.value, aspirated.value)
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
        yield from near_full(
            context, expected.value, aspirated.value, threshold.value, capacity.value
        )
    yield from _delivery_ratio(context, expected.value, aspirated.value)


def _from_empty_pump(
    context: CheckContext, expected: Decimal, aspirated: Decimal
) -> Iterator[Finding]:
    alarm = context.forecast.alarm_volume_ml
    if context.record.pump.status_at_arrival != "empty" or max(expected, aspirated) <= alarm:
        return
    yield finding(
        RESIDUAL_FROM_EMPTY_PUMP,
        message=f"The pump arrived empty, yet the programmer expects "
        f"{format_quantity(expected, 'mL')} and {format_quantity(aspirated, 'mL')} was "
        f"aspirated, more than the {format_quantity(alarm, 'mL')} alarm volume: an empty "
        "reservoir cannot hold it. The aspirate may have come from the pocket, or the pump was "
        "not empty.",
        action="Do not inject. Confirm needle placement in the reservoir (template, aspiration) "
        "and interrogate the pump again; correct the status or the residuals and check again.",
        figures=[
            _ml("expected_residual", expected),
            _ml("aspirated_residual", aspirated),
            _ml("alarm_volume", alarm),
        ],
    )


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
        (
            RESIDUAL_GAP,
            RESIDUAL_NOT_ASPIRATED,
            RESIDUAL_FROM_EMPTY_PUMP,
            RESIDUAL_NEAR_FULL,
            DELIVERY_RATIO,
        ),
    ),
)
