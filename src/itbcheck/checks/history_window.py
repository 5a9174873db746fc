"""The increase added up over the policy's [history] window: steps small per visit, from the
visits on file and a change the record places between the last of them and this visit, against
one step's increase limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from itbcheck.checks._registry import Check, CheckContext, CodeInfo, finding
from itbcheck.checks.history import last_on_file
from itbcheck.checks.titration import increase_limit_percent
from itbcheck.findings import Figure, Finding, Hazard, Severity
from itbcheck.units import format_number, format_quantity

HISTORY_WINDOW_INCREASE = CodeInfo(
    code="HISTORY_WINDOW_INCREASE",
    severity=Severity.CAUTION,
    hazard=Hazard.OVERDOSE,
    title="Total increase over the policy's window above the increase limit",
    meaning="From the dose before the first change in the window to this prescription, the "
    "daily dose rose by more than one step's increase limit; the changes are counted, a change "
    "the record places between the last visit and this one (previous_dose_changed_at) among "
    "them.",
    why="Steps small per visit can add up to a large increase per week.",
    source="[1] Lioresal label; [2] Gablofen label (titration per 24 h); [6] Saulino 2016 "
    "(large steps at high doses). Comparing the week's total with one step's limit is "
    "itbcheck's choice.",
    example="100 -> 130 -> 169 -> 219.7 mcg/day in 7 days: +119.7 % in 3 changes: CAUTION.",
)


def check_window_increase(context: CheckContext) -> Iterator[Finding]:
    found = last_on_file(context)
    if found is None:
        return
    history, last = found
    window = context.policy.history.window.value  # hours
    start = context.record.visit_time - dt.timedelta(hours=float(window))
    inside = [visit for visit in history.visits if start <= visit.visit_time]
    dose = context.dose
    # A change programmed at a visit not on file, inside the window, is a step too.
    changed_at = context.record.dosing.previous_dose_changed_at
    between = (
        changed_at > last.visit_time
        and changed_at >= start
        and dose.previous_daily_dose_mcg_per_day != last.prescribed_mcg_per_day
    )
    changes = (
        sum(visit.dose_changed for visit in inside)
        + between
        + (dose.change_percent not in (None, 0))
    )
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
    Check("history_window_increase", check_window_increase, (HISTORY_WINDOW_INCREASE,)),
)
