"""Checks across visits: this record against the visits on file for the same patient
(`CheckContext.previous`). Without history (`previous` is None: no store, `--no-history`, or
a first visit) they say nothing; with history that could not be read, one CAUTION says the
cross-visit checks were not made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.checks.titration import increase_limit_percent
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.history.model import History, PastVisit
from itbcheck.units import format_number, format_quantity

_RESIDUAL_SOURCE = (
    "[20] Maino 2017 (the residual is the measure of what the pump delivered); [16] SynchroMed "
    "over-infusion notices (accuracy band); [21] Sgouros 2010. Carrying the previous visit's "
    "fill and flow forward is itbcheck's choice, because the programmer's expected residual "
    "was itself typed at that visit."
)
_RECORD_SOURCE = (
    "The strength and dose carried from one visit to the next feed the concentration and "
    "titration checks ([28] ISMP smart-pump concentration principle; [1] Lioresal label). "
    "Comparing them with the last visit on file is itbcheck's choice, because they are "
    "retyped by hand at every visit."
)

HISTORY_UNAVAILABLE = CodeInfo(
    code="HISTORY_UNAVAILABLE",
    severity=Severity.CAUTION,
    hazard=Hazard.RECORD,
    title="Visit history expected but not readable: cross-visit checks not made",
    meaning="A visit store is configured but could not be read (locked, corrupt, missing, or "
    "no audit key to compute the tokens). The record was checked alone.",
    why="A record checked without its history can hide a slip made at the last visit; missing "
    "history is never a reason for CLEAR.",
    source=_RECORD_SOURCE,
    example="The store is locked by another writer: CAUTION, checked without history.",
)
HISTORY_VISIT_ORDER = CodeInfo(
    code="HISTORY_VISIT_ORDER",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Visit earlier than, or at the same time as, the last visit on file",
    meaning="The visit time is before the last visit on file, or equal to it with a different "
    "pump.",
    why="Time runs forward: a wrong visit date makes every elapsed-time calculation wrong.",
    source=_RECORD_SOURCE,
    example="Last visit 2026-11-27 10:30, this one 2026-10-30 10:30: STOP.",
)
HISTORY_PUMP_CHANGED = CodeInfo(
    code="HISTORY_PUMP_CHANGED",
    severity=Severity.CAUTION,
    hazard=Hazard.DEVICE,
    title="Different pump serial or profile than at the last visit",
    meaning="The pump serial (by token) or profile differs from the last visit on file: a "
    "replaced pump, or a wrong serial. The residual forecast is not carried over.",
    why="A residual expected from another pump's fill and flow means nothing; a wrong serial "
    "means the record may belong to another pump.",
    source=_RECORD_SOURCE,
    example="Last visit synchromed-ii-20ml, this one synchromed-ii-40ml: CAUTION.",
)
HISTORY_RESIDUAL_PROGRAMMER = CodeInfo(
    code="HISTORY_RESIDUAL_PROGRAMMER",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Programmer's expected residual outside what the last visit allows",
    meaning="The expected residual in the record is outside the residual carried forward from "
    "the last visit's fill, the time elapsed and its programmed flow, across the pump's "
    "accuracy band.",
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
    "visit, across the accuracy band: below it the pump gave more than programmed (overdose); "
    "above it less (withdrawal now, a device fault).",
    why="It is the residual check made independent of what the programmer was told.",
    source=_RESIDUAL_SOURCE,
    example="4.61 to 8.51 mL expected, 3.9 mL aspirated: STOP, overdose.",
)
HISTORY_PREVIOUS_MISMATCH = CodeInfo(
    code="HISTORY_PREVIOUS_MISMATCH",
    severity=Severity.STOP,
    hazard=Hazard.RECORD,
    title="Previous strength or dose differs from the last visit on file",
    meaning="The record's previous concentration differs from the concentration dispensed at "
    "the last visit, or its previous daily dose from the dose prescribed then.",
    why="The concentration-change, bridge and titration checks all start from these values.",
    source=_RECORD_SOURCE,
    example="Last visit dispensed 2000 mcg/mL, this record says previous 500 mcg/mL: STOP.",
)
HISTORY_CHANGE_TIME = CodeInfo(
    code="HISTORY_CHANGE_TIME",
    severity=Severity.CAUTION,
    hazard=Hazard.RECORD,
    title="Last dose change earlier than the last visit that changed the dose",
    meaning="The last visit on file changed the daily dose, yet the record says the dose last "
    "changed before that visit.",
    why="The 24-hour change check counts from this time.",
    source=_RECORD_SOURCE,
    example="Last visit changed the dose on 2026-11-27; the record says 2026-10-01: CAUTION.",
)
HISTORY_WINDOW_INCREASE = CodeInfo(
    code="HISTORY_WINDOW_INCREASE",
    severity=Severity.CAUTION,
    hazard=Hazard.OVERDOSE,
    title="Total increase over the policy's window above the increase limit",
    meaning="From the dose before the first change in the window to this prescription, the "
    "daily dose rose by more than one step's increase limit; the changes are counted.",
    why="Steps small per visit can add up to a large increase per week.",
    source="[1] Lioresal label; [2] Gablofen label (titration per 24 h); [6] Saulino 2016 "
    "(large steps at high doses). Comparing the week's total with one step's limit is "
    "itbcheck's choice.",
    example="100 -> 130 -> 169 -> 219.7 mcg/day in 7 days: +119.7 % in 3 changes: CAUTION.",
)


def _ml(name: str, value: Decimal) -> Figure:
    return Figure(name, value.quantize(Decimal("0.01")), "mL")


def check_unavailable(context: CheckContext) -> Iterator[Finding]:
    history = context.previous
    if history is not None and history.unavailable is not None:
        yield finding(
            HISTORY_UNAVAILABLE,
            message=f"Cross-visit checks were not made: {history.unavailable}.",
            action="Check the record against the last visit's sheet by hand; ask whoever looks "
            "after itbcheck to repair the visit store.",
        )


def _last(context: CheckContext) -> tuple[History, PastVisit] | None:
    history = context.previous
    if history is None or history.unavailable is not None or history.last is None:
        return None
    return history, history.last


def check_order_and_pump(context: CheckContext) -> Iterator[Finding]:
    found = _last(context)
    if found is None:
        return
    history, last = found
    now = context.record.visit_time
    if now <= last.visit_time:
        yield finding(
            HISTORY_VISIT_ORDER,
            message=f"This visit ({now.isoformat()}) is not after the last visit on file "
            f"({last.visit_time.isoformat()}).",
            action="Correct the visit time, or the patient or pump on the record.",
        )
    if history.pump_token != last.pump_token or context.record.pump.profile != last.profile:
        yield finding(
            HISTORY_PUMP_CHANGED,
            message=f"The pump differs from the last visit's (profile {last.profile} then, "
            f"{context.record.pump.profile} now, or another serial): the residual forecast and "
            "previous values cannot be carried over.",
            action="Confirm the pump was replaced; if not, correct the serial or profile.",
        )


def _same_pump(context: CheckContext) -> PastVisit | None:
    found = _last(context)
    if found is None:
        return None
    history, last = found
    if (
        history.pump_token != last.pump_token
        or context.record.pump.profile != last.profile
        or context.record.visit_time <= last.visit_time
    ):
        return None
    return last


def check_residual_forward(context: CheckContext) -> Iterator[Finding]:
    last = _same_pump(context)
    refill = context.record.refill
    if last is None or context.record.pump.status_at_arrival != "running":
        return
    days = Decimal((context.record.visit_time - last.visit_time) / dt.timedelta(hours=1)) / 24
    used = last.pump_ml_per_day * days
    percent = context.profile.accuracy_band.percent
    if percent is None:  # an unverified band: the profile checks already say so
        return
    band = percent / 100
    nominal = max(last.fill_ml - used, Decimal(0))
    low = max(last.fill_ml - used * (1 + band), Decimal(0))
    high = max(last.fill_ml - used * (1 - band), Decimal(0))
    span = f"{format_quantity(low.quantize(Decimal('0.01')), 'mL')} to " + format_quantity(
        high.quantize(Decimal("0.01")), "mL"
    )
    basis = (
        f"last fill {format_quantity(last.fill_ml, 'mL')}, "
        f"{format_quantity(last.pump_ml_per_day, 'mL/day')} for {format_number(days, 2)} days: "
        f"{format_quantity(nominal.quantize(Decimal('0.01')), 'mL')} nominal, {span} across "
        f"±{format_number(percent)} %"
    )
    figures = [
        _ml("previous_fill", last.fill_ml),
        Figure("previous_flow", last.pump_ml_per_day, "mL/day"),
        Figure("days_elapsed", days.quantize(Decimal("0.01")), "day"),
        _ml("carried_forward_nominal", nominal),
        _ml("carried_forward_low", low),
        _ml("carried_forward_high", high),
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


def check_previous_values(context: CheckContext) -> Iterator[Finding]:
    last = _same_pump(context)
    if last is None:
        return
    dose, dosing = context.dose, context.record.dosing
    strength = context.record.refill.previous_concentration
    if strength.value != last.dispensed_mcg_per_ml:
        yield finding(
            HISTORY_PREVIOUS_MISMATCH,
            message=f"Previous concentration {strength.text}, but "
            f"{format_quantity(last.dispensed_mcg_per_ml, 'mcg/mL')} was dispensed last time.",
            action="Confirm what the pump holds; correct the record before programming.",
            figures=[
                Figure("previous_concentration", strength.value, "mcg/mL"),
                Figure("last_dispensed", last.dispensed_mcg_per_ml, "mcg/mL"),
            ],
        )
    if dose.previous_daily_dose_mcg_per_day != last.prescribed_mcg_per_day:
        yield finding(
            HISTORY_PREVIOUS_MISMATCH,
            message=f"Previous daily dose {dosing.previous_daily_dose.text}, but "
            f"{format_quantity(last.prescribed_mcg_per_day, 'mcg/day')} was prescribed last time.",
            action="Confirm the dose the pump runs; correct the record before programming.",
            figures=[
                Figure("previous_daily_dose", dose.previous_daily_dose_mcg_per_day, "mcg/day"),
                Figure("last_prescribed", last.prescribed_mcg_per_day, "mcg/day"),
            ],
        )
    if last.dose_changed and dosing.previous_dose_changed_at < last.visit_time:
        yield finding(
            HISTORY_CHANGE_TIME,
            message=f"The dose last changed at the visit of {last.visit_time.isoformat()}, but "
            f"the record says {dosing.previous_dose_changed_at.isoformat()}.",
            action="Correct the time of the last dose change.",
        )


def check_window_increase(context: CheckContext) -> Iterator[Finding]:
    found = _last(context)
    if found is None:
        return
    history, _ = found
    window = context.policy.history.window.value  # hours
    start = context.record.visit_time - dt.timedelta(hours=float(window))
    inside = [visit for visit in history.visits if start <= visit.visit_time]
    dose = context.dose
    changes = sum(visit.dose_changed for visit in inside) + (dose.change_percent not in (None, 0))
    if not inside or changes < 2:
        return
    baseline = inside[0].previous_mcg_per_day
    if baseline == 0:
        return
    total = (dose.prescribed_daily_dose_mcg_per_day - baseline) * 100 / baseline
    limit, _ = increase_limit_percent(context)
    if total > limit:
        yield finding(
            HISTORY_WINDOW_INCREASE,
            message=f"The daily dose rose {format_number(total, 1)} % in "
            f"{format_number(window / 24, 1)} days ({changes} changes, from "
            f"{format_quantity(baseline, 'mcg/day')} to "
            f"{format_quantity(dose.prescribed_daily_dose_mcg_per_day, 'mcg/day')}), above "
            f"one step's limit of {limit} %.",
            action="Review the titration as a whole before programming this step.",
            figures=[
                Figure("window_start_dose", baseline, "mcg/day"),
                Figure("total_increase", total.quantize(Decimal("0.1")), "%"),
                Figure("changes_in_window", Decimal(changes), "changes"),
                Figure("limit", limit, "%"),
            ],
        )


CHECKS: tuple[Check, ...] = (
    Check("history_unavailable", check_unavailable, (HISTORY_UNAVAILABLE,)),
    Check(
        "history_order_and_pump",
        check_order_and_pump,
        (HISTORY_VISIT_ORDER, HISTORY_PUMP_CHANGED),
    ),
    Check(
        "history_residual",
        check_residual_forward,
        (HISTORY_RESIDUAL_PROGRAMMER, HISTORY_RESIDUAL_ASPIRATED),
    ),
    Check(
        "history_previous_values",
        check_previous_values,
        (HISTORY_PREVIOUS_MISMATCH, HISTORY_CHANGE_TIME),
    ),
    Check("history_window_increase", check_window_increase, (HISTORY_WINDOW_INCREASE,)),
)


def last_visit_on_pump(context: CheckContext) -> PastVisit | None:
    """The last visit on file with this pump and profile, before this visit: the previous
    fill, for the early-refill judgement of RESIDUAL_NEAR_FULL (checks/residual.py)."""
    return _same_pump(context)
