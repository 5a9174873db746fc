"""When things happen after the restart: the basal's changes by clock time, every scheduled
bolus, and the patient's presses at their worst. The delivery curve (`itbcheck.delivery`) is
built on these times; pure and deterministic, no clock is read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from itbcheck.deliverycurve import HORIZON_MINUTES
from itbcheck.dosing import MINUTES_PER_DAY, DoseSummary
from itbcheck.records import Record


def clock_minute(time: dt.time) -> int:
    """Minutes since midnight."""
    return time.hour * 60 + time.minute


def basal_changes(record: Record, dose: DoseSummary, start: int) -> list[tuple[int, Decimal]]:
    """(minute after restart, programmed dose rate in mcg/day) at each change of the basal."""
    if not dose.steps:
        return [(0, dose.basal_daily_dose_mcg_per_day)]
    changes = []
    for day in range(-1, 3):
        for share in dose.steps:
            at = day * MINUTES_PER_DAY + clock_minute(share.start) - start
            changes.append((at, share.rate_mcg_per_day))
    changes.sort()
    current = [rate for at, rate in changes if at <= 0][-1]
    return [(0, current), *[(at, rate) for at, rate in changes if 0 < at < HORIZON_MINUTES]]


def bolus_minutes(record: Record, dose: DoseSummary, start: int) -> list[tuple[int, Decimal]]:
    """(minute after restart, volume) of each bolus's first time in the horizon; it repeats
    every 24 hours. A bolus with no time is counted at the start of the day's highest basal
    step (the moment it adds most to an hour), or at the restart on a continuous
    prescription."""
    untimed_at = 0
    if dose.steps:
        top = max(dose.steps, key=lambda share: share.rate_mcg_per_day)
        untimed_at = (clock_minute(top.start) - start) % MINUTES_PER_DAY
    return [
        (
            untimed_at
            if share.time is None
            else (clock_minute(share.time) - start) % MINUTES_PER_DAY,
            share.volume_ml,
        )
        for share in dose.boluses
    ]


def patient_bolus_minutes(dose: DoseSummary) -> list[Fraction]:
    """Minutes after the restart of every patient-activated bolus in the horizon, at their
    worst: each as early as the lockout allows, and no more than `max_per_day` in any 24 hours
    ([34] Prometra PTC guide: the allotted boluses within 24 hours, the lockout between two)."""
    pb = dose.patient_bolus
    if pb is None:
        return []
    lockout, per_minute = pb.lockout_minutes.as_integer_ratio()
    return [Fraction(at, per_minute) for at in press_times(lockout, pb.max_per_day, per_minute)]


def press_times(lockout: int, max_per_day: int, per_minute: int) -> list[int]:
    """`patient_bolus_minutes` in 1/`per_minute` minutes, `lockout` in the same unit."""
    day, horizon = MINUTES_PER_DAY * per_minute, HORIZON_MINUTES * per_minute
    times: list[int] = []
    at = 0
    while at < horizon:
        times.append(at)
        at = times[-1] + lockout
        if len(times) >= max_per_day:
            at = max(at, times[-max_per_day] + day)
    return times
