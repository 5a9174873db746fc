"""The drug the patient receives, minute by minute, from the moment the pump restarts.

The per-number checks judge what was typed; this model judges what reaches the catheter tip:
the flex steps or continuous rate by clock time, every scheduled bolus, the bridge bolus running
instead of the programmed flow, and the old drug left in the pump tubing and catheter, which
leaves first. Pure and deterministic; time is minutes after the visit, so no clock is read.

Arithmetic inside is exact: a flow of 24 mcg/day at 2000 mcg/mL is a repeating decimal per
minute, and 28 digits of it do not add up to the day's dose again. So the model counts in whole
numbers of units chosen for each curve (`Curve`, in `itbcheck.deliverycurve`): every time,
volume and drug it holds is an integer multiple of its unit, and every sum, product and
comparison is exact, as with `Fraction`, and many times faster (issue 14). Totals leave the
model as `Decimal`.

The pump moves volume; the patient gets volume x the concentration that volume holds. So the
model is the cumulative volume pumped, P(t), piecewise linear with a jump at each bolus, and the
drug D(t) = g(P(t)), where g charges the first `dead` mL at the old strength and the rest at the
strength in the reservoir. Every flow, bolus and bridge is scaled by the same band factor: the
pump's timer is exact, its volume is not. The most drug in any window of W minutes is reached
with the window's start or end on a breakpoint, or at the first or last start allowed (the
drug in a window is piecewise linear in its start), so the maxima are exact, not sampled.
"""

from __future__ import annotations

import math
from decimal import Decimal

from itbcheck.deliverycurve import HORIZON_MINUTES, HOUR, Curve, Window
from itbcheck.deliveryschedule import (
    basal_changes,
    bolus_minutes,
    patient_bolus_minutes,
    press_times,
)
from itbcheck.dosing import MINUTES_PER_DAY, DoseSummary, PatientBolusShare
from itbcheck.records import Record

__all__ = [
    "HORIZON_MINUTES",
    "HOUR",
    "Curve",
    "Window",
    "curve",
    "patient_bolus_minutes",
]


def _ratio(numerator: int, denominator: int) -> tuple[int, int]:
    """numerator / denominator in lowest terms with a positive denominator, like `Fraction`."""
    if denominator == 0:
        raise ZeroDivisionError(f"{numerator}/0")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    common = math.gcd(numerator, denominator)
    return numerator // common, denominator // common


def curve(
    record: Record,
    dose: DoseSummary,
    dead_ml: Decimal,
    *,
    band_percent: Decimal = Decimal(0),
    patient_boluses: bool = True,
) -> Curve:
    """The delivery curve of a checked record at the programmed flow (`band_percent` 0) or at
    either end of the pump's accuracy band (`+band`, `-band`). `dead_ml` is the old drug left
    in the pump tubing and catheter; 0 when the strength does not change. With
    `patient_boluses`, every allowed patient-activated bolus is given as early as the lockout
    allows (the worst case for the old drug and for any 24 hours); without, the programmed
    schedule alone.

    Built in whole numbers straight from the record's `Decimal`s, each an exact ratio of two
    integers."""
    pb = dose.patient_bolus if patient_boluses else None
    straight = not dose.steps and not dose.boluses and record.dosing.bridge_bolus is None
    if straight and pb is None and not dead_ml:
        return _straight(record, dose, band_percent)
    return _built(record, dose, dead_ml, band_percent=band_percent, pb=pb)


def _straight(record: Record, dose: DoseSummary, band_percent: Decimal) -> Curve:
    """`_built` for the commonest record, one continuous rate and nothing else: the curve is
    one straight line from the restart. It spares the day-by-day schedule, the bolus table
    and the columns' loop, half of a curve's cost, and gives the very same `Curve`: the time
    unit is the minute (no bridge, no lockout), the volume unit the flow's denominator (the
    lcm `_built` takes, with a dead volume of 0), one breakpoint at 0 with nothing pumped yet
    and no bolus, and no washout to mark."""
    band_n, band_d = band_percent.as_integer_ratio()
    rate_n, rate_d = dose.basal_daily_dose_mcg_per_day.as_integer_ratio()
    programmed_n, programmed_d = dose.programmed_concentration_mcg_per_ml.as_integer_ratio()
    flow_n, per_ml = _ratio(
        rate_n * programmed_d * (100 * band_d + band_n),
        rate_d * programmed_n * MINUTES_PER_DAY * 100 * band_d,
    )
    old_n, old_d = record.refill.previous_concentration.value.as_integer_ratio()
    new_n, new_d = dose.dispensed_concentration_mcg_per_ml.as_integer_ratio()
    strengths = math.lcm(old_d, new_d)
    return Curve(
        restart=record.visit_time,
        per_minute=1,
        per_ml=per_ml,
        per_mcg=per_ml * strengths,
        times=(0,),
        volumes=(0,),
        rates=(flow_n,),
        jumps=(0,),
        dead=0,
        old=old_n * (strengths // old_d),
        new=new_n * (strengths // new_d),
        daily=True,
    )


def _built(
    record: Record,
    dose: DoseSummary,
    dead_ml: Decimal,
    *,
    band_percent: Decimal,
    pb: PatientBolusShare | None,
) -> Curve:
    """`curve` for any record: every flow and bolus volume as a ratio in lowest terms first,
    then units that are common denominators of them all, then the curve in those units."""
    band_n, band_d = band_percent.as_integer_ratio()
    factor = (100 * band_d + band_n, 100 * band_d)  # (100 + band) / 100
    restart = record.visit_time
    start = restart.hour * 60 + restart.minute
    per_minute = _time_unit(record, pb)
    changes = _flows(record, dose, start=start, per_minute=per_minute, factor=factor)
    given: list[tuple[int, tuple[int, int]]] = []  # (time, volume in mL) of every bolus
    for first, bolus_ml in bolus_minutes(record, dose, start):
        volume = _scaled(bolus_ml, factor)
        given += [
            (at * per_minute, volume) for at in range(first, HORIZON_MINUTES, MINUTES_PER_DAY)
        ]
    if pb is not None:
        lockout, lockout_d = pb.lockout_minutes.as_integer_ratio()
        press = _scaled(pb.volume_ml, factor)
        presses = press_times(lockout * (per_minute // lockout_d), pb.max_per_day, per_minute)
        given += [(at, press) for at in presses]
    dead_n, dead_d = dead_ml.as_integer_ratio()
    # The volume unit: a common denominator of every bolus and of the dead volume, and fine
    # enough that each flow moves a whole number of units per time unit.
    per_ml = math.lcm(
        per_minute * math.lcm(*{rate_d for _, (_, rate_d) in changes}),
        dead_d,
        *{volume_d for _, (_, volume_d) in given},
    )
    jump_at: dict[int, int] = {}
    for at, (volume_n, volume_d) in given:
        jump_at[at] = jump_at.get(at, 0) + volume_n * (per_ml // volume_d)
    times, volumes, rates, jumps = _segments(
        {at: rate_n * (per_ml // (per_minute * rate_d)) for at, (rate_n, rate_d) in changes},
        jump_at,
    )
    dead = dead_n * (per_ml // dead_d)
    finer = _mark_washout(
        times, volumes, rates, jumps, dead=dead, horizon=HORIZON_MINUTES * per_minute
    )
    old_n, old_d = record.refill.previous_concentration.value.as_integer_ratio()
    new_n, new_d = dose.dispensed_concentration_mcg_per_ml.as_integer_ratio()
    strengths = math.lcm(old_d, new_d)
    return Curve(
        restart=restart,
        per_minute=per_minute * finer,
        per_ml=per_ml * finer,
        per_mcg=per_ml * finer * strengths,
        times=tuple(times),
        volumes=tuple(volumes),
        rates=tuple(rates),
        jumps=tuple(jumps),
        dead=dead * finer,
        old=old_n * (strengths // old_d),
        new=new_n * (strengths // new_d),
        # The basal changes and the boluses are laid out day by day from the restart; a
        # bridge, the patient's presses and the old drug's washout are not.
        daily=record.dosing.bridge_bolus is None and pb is None and dead == 0,
    )


def _scaled(value: Decimal, factor: tuple[int, int]) -> tuple[int, int]:
    """`value` x `factor` as a ratio in lowest terms."""
    value_n, value_d = value.as_integer_ratio()
    return _ratio(value_n * factor[0], value_d * factor[1])


def _time_unit(record: Record, pb: PatientBolusShare | None) -> int:
    """Whole minutes, or a fraction of one where a bridge or a lockout ends between two."""
    per_minute = 1
    bridge = record.dosing.bridge_bolus
    if bridge is not None:
        hours_n, hours_d = bridge.duration.value.as_integer_ratio()
        per_minute = _ratio(hours_n * 60, hours_d)[1]
    if pb is not None:
        per_minute = math.lcm(per_minute, pb.lockout_minutes.as_integer_ratio()[1])
    return per_minute


def _flows(
    record: Record, dose: DoseSummary, *, start: int, per_minute: int, factor: tuple[int, int]
) -> list[tuple[int, tuple[int, int]]]:
    """(time, flow in mL/min as a ratio) at each change of the flow: the basal by clock time,
    and the bridge bolus running instead of it from the restart."""
    programmed_n, programmed_d = dose.programmed_concentration_mcg_per_ml.as_integer_ratio()
    flows: dict[Decimal, tuple[int, int]] = {}  # a flex day's few rates recur over the horizon
    changes = []
    for at, rate in basal_changes(record, dose, start):
        flow = flows.get(rate)
        if flow is None:
            rate_n, rate_d = rate.as_integer_ratio()
            flow = flows[rate] = _ratio(
                rate_n * programmed_d * factor[0],
                rate_d * programmed_n * MINUTES_PER_DAY * factor[1],
            )
        changes.append((at * per_minute, flow))
    bridge = record.dosing.bridge_bolus
    if bridge is None:
        return changes
    hours_n, hours_d = bridge.duration.value.as_integer_ratio()
    end_n, end_d = _ratio(hours_n * 60, hours_d)  # minutes
    end = end_n * (per_minute // end_d)
    volume_n, volume_d = bridge.volume.value.as_integer_ratio()
    bridge_rate = _ratio(volume_n * end_d * factor[0], volume_d * end_n * factor[1])
    after = [(at, rate) for at, rate in changes if at <= end][-1][1]
    return [(0, bridge_rate), (end, after), *[(at, rate) for at, rate in changes if at > end]]


def _segments(
    rate_at: dict[int, int], jump_at: dict[int, int]
) -> tuple[list[int], list[int], list[int], list[int]]:
    """`Curve`'s four columns for a flow that changes to `rate_at[t]` at t, and a bolus
    `jump_at[t]`."""
    times: list[int] = []
    volumes: list[int] = []
    rates: list[int] = []
    jumps: list[int] = []
    volume, rate, jump = 0, 0, 0
    for point in sorted(rate_at.keys() | jump_at.keys()):
        if times:
            volume += rate * (point - times[-1]) + jump
        rate = rate_at.get(point, rate)
        jump = jump_at.get(point, 0)
        times.append(point)
        volumes.append(volume)
        rates.append(rate)
        jumps.append(jump)
    return times, volumes, rates, jumps


def _mark_washout(
    times: list[int],
    volumes: list[int],
    rates: list[int],
    jumps: list[int],
    *,
    dead: int,
    horizon: int,
) -> int:
    """Add a breakpoint where the old drug runs out inside a flow segment: the drug rate
    changes there, so a window may start or end on it. That moment may fall between two time
    units: then every time and volume is counted in units `finer` times smaller (the rates,
    volume per time, stay as they are), so that it falls on one. Returns `finer`, 1 when
    nothing changed."""
    if dead <= 0:
        return 1
    for index, (time, volume, rate) in enumerate(zip(times, volumes, rates, strict=True)):
        after_jump = volume + jumps[index]
        if after_jump >= dead:
            return 1  # reached at a breakpoint (or by a bolus) already
        end = times[index + 1] if index + 1 < len(times) else horizon
        if rate > 0 and after_jump + rate * (end - time) > dead:
            left = dead - after_jump
            finer = rate // math.gcd(left, rate)
            if finer > 1:
                times[:] = [at * finer for at in times]
                volumes[:] = [pumped * finer for pumped in volumes]
                jumps[:] = [given * finer for given in jumps]
            times.insert(index + 1, time * finer + left * finer // rate)
            volumes.insert(index + 1, dead * finer)
            rates.insert(index + 1, rate)
            jumps.insert(index + 1, 0)
            return finer
    return 1
