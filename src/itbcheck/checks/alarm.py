"""The low-reservoir alarm as set in the pump against the pump's own value, and a residual
that shows the pump already ran below its alarm (a late refill)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from itbcheck.catheter import trusted_catheter_volume
from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.profiles import trusted
from itbcheck.units import format_quantity

_ALARM_SOURCE = (
    "[8] Withdrawal before the alarm 2004 (withdrawal 1-7 days before a 2 mL alarm; raising it "
    "to 4 mL stopped recurrences); [15] TGA 2016 SynchroMed alert (the alarm is calculated, "
    "not measured); pump profile low_reservoir_alarm ([17] SynchroMed II labelling, [18] "
    "Prometra II labelling). Half the profile's value as the STOP level is itbcheck's choice "
    "(policy alarm.stop_below_percent)."
)

ALARM_BELOW_PROFILE = CodeInfo(
    code="ALARM_BELOW_PROFILE",
    severity=Severity.CAUTION,
    hazard=Hazard.WITHDRAWAL,
    title="Low-reservoir alarm set below the pump's alarm value",
    meaning="The low_reservoir_alarm set in the pump is below the pump profile's verified alarm "
    "value (SynchroMed II 2 mL, Prometra II 3 mL): CAUTION; below the policy's share of it "
    "(half by default): STOP. The reservoir forecast uses the profile's value instead.",
    why="An alarm set too low sounds when the pump is nearly empty, or not at all before it "
    "runs dry; withdrawal has started days before a 2 mL alarm.",
    source=_ALARM_SOURCE,
    example="Prometra II (3 mL), alarm set to 2 mL: CAUTION; set to 0 mL or 1 mL: STOP.",
)
RESIDUAL_BELOW_ALARM = CodeInfo(
    code="RESIDUAL_BELOW_ALARM",
    severity=Severity.CAUTION,
    hazard=Hazard.WITHDRAWAL,
    title="Residual below the low-reservoir alarm volume: the refill was late",
    meaning="The aspirated residual is above 0 mL but below the alarm volume (the pump's "
    "setting or the profile's value, whichever is larger): CAUTION. Below the dead volume "
    "(verified pump tubing plus a plausible catheter volume, as much of it as is known): STOP.",
    why="The pump ran below its alarm before this refill, so the patient may already be "
    "under-dosed; below the dead volume the pump may have run dry and the patient be in "
    "withdrawal now.",
    source=_ALARM_SOURCE + " [9] Gillette refill guidance (refill before the alarm date).",
    example="0.6 mL aspirated with a 2 mL alarm: CAUTION; 0.1 mL with 0.14 mL tubing and "
    "0.26 mL catheter: STOP.",
)


def _ml(name: str, value: Decimal) -> Figure:
    return Figure(name, value, "mL")


def check_alarm_setting(context: CheckContext) -> Iterator[Finding]:
    pump_alarm = trusted(context.profile.low_reservoir_alarm)
    written = context.record.refill.low_reservoir_alarm.value
    if pump_alarm is None or written >= pump_alarm.value:
        return
    half = pump_alarm.value * context.policy.alarm.stop_below_percent / 100
    stop = written < half
    yield finding(
        ALARM_BELOW_PROFILE,
        severity=Severity.STOP if stop else Severity.CAUTION,
        message=f"The low-reservoir alarm is set to {format_quantity(written, 'mL')}, below the "
        f"{format_quantity(pump_alarm.value, 'mL')} of profile {context.profile.name}"
        + (f", and below {format_quantity(half, 'mL')}, the STOP level" if stop else "")
        + f"; the next refill is judged against {format_quantity(pump_alarm.value, 'mL')}.",
        action=f"Set the low-reservoir alarm to at least {format_quantity(pump_alarm.value, 'mL')}"
        " in the programmer, then check again.",
        figures=[
            _ml("alarm_set", written),
            _ml("profile_alarm", pump_alarm.value),
            _ml("stop_below", half),
        ],
    )


def check_residual_below_alarm(context: CheckContext) -> Iterator[Finding]:
    aspirated = context.record.refill.aspirated_residual
    if aspirated is None or aspirated.value == 0:
        return  # nothing aspirated is RESIDUAL_NOT_ASPIRATED
    residual = aspirated.value
    alarm = context.forecast.alarm_volume_ml
    if residual >= alarm:
        return
    tubing = trusted(context.profile.pump_tubing_volume)
    catheter = trusted_catheter_volume(context.record, context.profile)
    dead = sum((part.value for part in (tubing, catheter) if part is not None), Decimal(0))
    stop = residual < dead
    unknown = [
        name for name, part in (("pump tubing", tubing), ("catheter", catheter)) if part is None
    ]
    known = " (known part: no " + " or ".join(unknown) + " volume)" if unknown and dead else ""
    yield finding(
        RESIDUAL_BELOW_ALARM,
        severity=Severity.STOP if stop else Severity.CAUTION,
        message=f"Aspirated {format_quantity(residual, 'mL')}, below the "
        f"{format_quantity(alarm, 'mL')} alarm volume: the refill was late and the patient may "
        "already be under-dosed."
        + (
            f" It is below the {format_quantity(dead, 'mL')} dead volume{known}: the pump may "
            "have run dry."
            if stop
            else ""
        ),
        action="Assess for withdrawal now (returning spasticity, itching, fever, low blood "
        "pressure) and tell the physician"
        + (
            "; do not restart at the full dose until the physician decides."
            if stop
            else "; book the next refill earlier than the alarm date."
        ),
        figures=[
            _ml("aspirated_residual", residual),
            _ml("alarm_volume", alarm),
            *([_ml("dead_volume", dead)] if dead else []),
        ],
    )


CHECKS = (
    Check("alarm_setting", check_alarm_setting, (ALARM_BELOW_PROFILE,)),
    Check("residual_below_alarm", check_residual_below_alarm, (RESIDUAL_BELOW_ALARM,)),
)
