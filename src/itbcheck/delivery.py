"""The drug the patient receives, minute by minute, from the moment the pump restarts.

The per-number checks judge what was typed; this model judges what reaches the catheter tip:
the flex steps or continuous rate by clock time, every scheduled bolus, the bridge bolus running
instead of the programmed flow, and the old drug left in the pump tubing and catheter, which
leaves first. Pure and deterministic; time is minutes after the visit, so no clock is read.

Arithmetic inside is exact (`Fraction`): a flow of 24 mcg/day at 2000 mcg/mL is a repeating
decimal per minute, and 28 digits of it do not add up to the day's dose again. Totals leave the
model as `Decimal`.

The pump moves volume; the patient gets volume x the concentration that volume holds. So the
model is the cumulative volume pumped, P(t), piecewise linear with a jump at each bolus, and the
drug D(t) = g(P(t)), where g charges the first `dead` mL at the old strength and the rest at the
strength in the reservoir. Every flow, bolus and bridge is scaled by the same band factor: the
pump's timer is exact, its volume is not. The most drug in any window of W minutes is reached
with the window's start or end on a breakpoint, so the maxima are exact, not sampled.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from itbcheck.dosing import MINUTES_PER_DAY, DoseSummary
from itbcheck.records import Record

HORIZON_MINUTES = 2 * MINUTES_PER_DAY
HOUR = 60


@dataclass(frozen=True)
class Window:
    """The most drug delivered in a window that starts `start` minutes after the restart."""

    start: Decimal
    drug_mcg: Decimal


@dataclass(frozen=True)
class Curve:
    """Cumulative volume pumped over the first 48 h: `times` are breakpoints (minutes after the
    restart), `volumes` the volume pumped just before each (bolus jumps excluded), `rates` the
    flow from each breakpoint to the next (mL/min) and `jumps` the bolus volume given at it."""

    restart: dt.datetime
    times: tuple[Fraction, ...]
    volumes: tuple[Fraction, ...]
    rates: tuple[Fraction, ...]
    jumps: tuple[Fraction, ...]
    dead_ml: Fraction
    old_mcg_per_ml: Fraction
    new_mcg_per_ml: Fraction

    def pumped(self, minute: Fraction, *, with_jump: bool) -> Fraction:
        """Volume pumped by `minute`; `with_jump` counts a bolus given at that very minute."""
        index = bisect.bisect_right(self.times, minute) - 1
        index = max(index, 0)
        at = self.times[index]
        volume = self.volumes[index] + self.rates[index] * (minute - at)
        if with_jump or minute > at:
            volume += self.jumps[index]
        return volume

    def drug(self, minute: Fraction, *, with_jump: bool) -> Fraction:
        volume = self.pumped(minute, with_jump=with_jump)
        old = min(volume, self.dead_ml)
        return old * self.old_mcg_per_ml + (volume - old) * self.new_mcg_per_ml

    def delivered(self, start: Decimal, end: Decimal) -> Decimal:
        """Drug delivered from `start` to `end` minutes after the restart, a bolus at `start`
        included and one at `end` not."""
        drug = self.drug(Fraction(end), with_jump=False) - self.drug(
            Fraction(start), with_jump=False
        )
        return _decimal(drug)

    def washed_out(self) -> Fraction | None:
        """Minutes until the old drug has left the catheter; None if not within the horizon."""
        for time, volume, jump in zip(self.times, self.volumes, self.jumps, strict=True):
            if volume >= self.dead_ml:
                return time
            if volume + jump >= self.dead_ml:
                return time  # a bolus at this minute pushes the rest out
        return None

    def most_in(self, minutes: int, *, after: Fraction = Fraction(0)) -> Window:
        """The window of `minutes` starting at `after` or later, inside the horizon, with the
        most drug delivered."""
        scaled = self._scaled
        per = scaled.per_minute
        first, last = math.ceil(after * per), (HORIZON_MINUTES - minutes) * per
        best: tuple[int, int] | None = None  # (drug, start), scaled
        for point in scaled.times:
            for start, closed_end in ((point, False), (point - minutes * per, True)):
                if not first <= start <= last:
                    continue
                # [start, end): a bolus at the start counts, one at the end does not; the
                # mirror window (start, end] counts the bolus at its end instead.
                end = start + minutes * per
                drug = scaled.drug(end, with_jump=closed_end) - scaled.drug(
                    start, with_jump=closed_end
                )
                if best is None or drug > best[0] or (drug == best[0] and start < best[1]):
                    best = (drug, start)
        if best is None:
            return Window(_decimal(after), _decimal(Fraction(-1)))
        drug, start = best
        return Window(_decimal(Fraction(start, per)), _decimal(Fraction(drug, scaled.per_mcg)))

    @functools.cached_property
    def _scaled(self) -> _Scaled:
        return _Scaled.of(self)

    def longest_gap(self) -> tuple[Decimal, Decimal]:
        """The longest stretch (start, minutes) with no flow and no bolus."""
        best = (Fraction(0), Fraction(0))
        start: Fraction | None = None
        ends = (*self.times[1:], Fraction(HORIZON_MINUTES))
        for time, end, rate, jump in zip(self.times, ends, self.rates, self.jumps, strict=True):
            if jump:
                start = None
            if rate == 0:
                start = time if start is None else start
                if end - start > best[1]:
                    best = (start, end - start)
            else:
                start = None
        return _decimal(best[0]), _decimal(best[1])

    def clock(self, minute: Decimal | Fraction) -> str:
        """The wall-clock time `minute` after the restart. Only the time of day: a date could
        run past the calendar's end for a visit near year 9999."""
        of_day = (self.restart.hour * 60 + self.restart.minute + int(minute)) % MINUTES_PER_DAY
        return f"{of_day // 60:02d}:{of_day % 60:02d}"


@dataclass(frozen=True)
class _Scaled:
    """A curve in whole numbers, for the window search: time in 1/`per_minute` minutes,
    volume in 1/`per_ml` mL, drug in 1/`per_mcg` mcg. Each unit is a common denominator of
    what it measures, so every sum, product and comparison is exact, as with `Fraction`, and
    many times faster (issue 14: the search was most of a sheet row's time)."""

    per_minute: int
    per_ml: int
    per_mcg: int
    times: tuple[int, ...]
    volumes: tuple[int, ...]
    rates: tuple[int, ...]  # volume units per time unit
    jumps: tuple[int, ...]
    dead: int
    old: int  # drug units per volume unit
    new: int

    @classmethod
    def of(cls, line: Curve) -> _Scaled:
        per_minute = math.lcm(*(time.denominator for time in line.times))
        per_ml = math.lcm(
            per_minute * math.lcm(*(rate.denominator for rate in line.rates)),
            line.dead_ml.denominator,
            *(volume.denominator for volume in line.volumes),
            *(jump.denominator for jump in line.jumps),
        )
        strengths = math.lcm(line.old_mcg_per_ml.denominator, line.new_mcg_per_ml.denominator)

        def whole(value: Fraction, unit: int) -> int:
            times, left = divmod(unit, value.denominator)
            if left:  # cannot happen: each unit is a common denominator
                raise ArithmeticError(f"{value} is not a whole number of 1/{unit}")
            return value.numerator * times

        return cls(
            per_minute=per_minute,
            per_ml=per_ml,
            per_mcg=per_ml * strengths,
            times=tuple(whole(time, per_minute) for time in line.times),
            volumes=tuple(whole(volume, per_ml) for volume in line.volumes),
            rates=tuple(whole(rate, per_ml // per_minute) for rate in line.rates),
            jumps=tuple(whole(jump, per_ml) for jump in line.jumps),
            dead=whole(line.dead_ml, per_ml),
            old=whole(line.old_mcg_per_ml, strengths),
            new=whole(line.new_mcg_per_ml, strengths),
        )

    def drug(self, time: int, *, with_jump: bool) -> int:
        """`Curve.drug` in these units."""
        index = max(bisect.bisect_right(self.times, time) - 1, 0)
        at = self.times[index]
        volume = self.volumes[index] + self.rates[index] * (time - at)
        if with_jump or time > at:
            volume += self.jumps[index]
        old = min(volume, self.dead)
        return old * self.old + (volume - old) * self.new


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _clock_minute(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def _basal_changes(record: Record, dose: DoseSummary, start: int) -> list[tuple[int, Decimal]]:
    """(minute after restart, programmed dose rate in mcg/day) at each change of the basal."""
    if not dose.steps:
        return [(0, dose.basal_daily_dose_mcg_per_day)]
    changes = []
    for day in range(-1, 3):
        for share in dose.steps:
            at = day * MINUTES_PER_DAY + _clock_minute(share.start) - start
            changes.append((at, share.rate_mcg_per_day))
    changes.sort()
    current = [rate for at, rate in changes if at <= 0][-1]
    return [(0, current), *[(at, rate) for at, rate in changes if 0 < at < HORIZON_MINUTES]]


def _bolus_minutes(record: Record, dose: DoseSummary, start: int) -> list[tuple[int, Decimal]]:
    """(minute after restart, volume) of every bolus given in the horizon. A bolus with no time
    is counted at the start of the day's highest basal step (the moment it adds most to an
    hour), or at the restart on a continuous prescription."""
    untimed_at = 0
    if dose.steps:
        top = max(dose.steps, key=lambda share: share.rate_mcg_per_day)
        untimed_at = (_clock_minute(top.start) - start) % MINUTES_PER_DAY
    given = []
    for share in dose.boluses:
        first = (
            untimed_at
            if share.time is None
            else (_clock_minute(share.time) - start) % MINUTES_PER_DAY
        )
        given += [(at, share.volume_ml) for at in range(first, HORIZON_MINUTES, MINUTES_PER_DAY)]
    return given


def patient_bolus_minutes(dose: DoseSummary) -> list[Fraction]:
    """Minutes after the restart of every patient-activated bolus in the horizon, at their
    worst: each as early as the lockout allows, and no more than `max_per_day` in any 24 hours
    ([34] Prometra PTC guide: the allotted boluses within 24 hours, the lockout between two)."""
    pb = dose.patient_bolus
    if pb is None:
        return []
    lockout = Fraction(pb.lockout_minutes)
    times: list[Fraction] = []
    at = Fraction(0)
    while at < HORIZON_MINUTES:
        times.append(at)
        at = times[-1] + lockout
        if len(times) >= pb.max_per_day:
            at = max(at, times[-pb.max_per_day] + MINUTES_PER_DAY)
    return times


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
    schedule alone."""
    factor = (100 + Fraction(band_percent)) / 100
    programmed = Fraction(dose.programmed_concentration_mcg_per_ml)
    restart = record.visit_time
    start = restart.hour * 60 + restart.minute
    flows: dict[Decimal, Fraction] = {}  # a flex day's few rates recur over the horizon

    def flow(rate: Decimal) -> Fraction:
        if rate not in flows:
            flows[rate] = Fraction(rate) / programmed / MINUTES_PER_DAY * factor
        return flows[rate]

    per_minute: list[tuple[Fraction, Fraction]] = [
        (Fraction(at), flow(rate)) for at, rate in _basal_changes(record, dose, start)
    ]
    bridge = record.dosing.bridge_bolus
    if bridge is not None:
        bridge_end = Fraction(bridge.duration.value) * 60
        bridge_rate = Fraction(bridge.volume.value) / bridge_end * factor
        after = [(at, rate) for at, rate in per_minute if at <= bridge_end][-1][1]
        per_minute = [
            (Fraction(0), bridge_rate),
            (bridge_end, after),
            *[(at, rate) for at, rate in per_minute if at > bridge_end],
        ]
    boluses: dict[Fraction, Fraction] = {}
    for at, bolus_ml in _bolus_minutes(record, dose, start):
        given = Fraction(at)
        boluses[given] = boluses.get(given, Fraction(0)) + Fraction(bolus_ml) * factor
    if patient_boluses and dose.patient_bolus is not None:
        pb_ml = Fraction(dose.patient_bolus.volume_ml) * factor
        for given in patient_bolus_minutes(dose):
            boluses[given] = boluses.get(given, Fraction(0)) + pb_ml
    rate_at = dict(per_minute)
    points = sorted(set(rate_at) | set(boluses))
    times: list[Fraction] = []
    volumes: list[Fraction] = []
    rates: list[Fraction] = []
    jumps: list[Fraction] = []
    volume, rate = Fraction(0), Fraction(0)
    for point in points:
        if times:
            volume += rate * (point - times[-1]) + jumps[-1]
        rate = rate_at.get(point, rate)
        times.append(point)
        volumes.append(volume)
        rates.append(rate)
        jumps.append(boluses.get(point, Fraction(0)))
    dead = Fraction(dead_ml)
    _mark_washout(times, volumes, rates, jumps, dead)
    return Curve(
        restart=restart,
        times=tuple(times),
        volumes=tuple(volumes),
        rates=tuple(rates),
        jumps=tuple(jumps),
        dead_ml=dead,
        old_mcg_per_ml=Fraction(record.refill.previous_concentration.value),
        new_mcg_per_ml=Fraction(dose.dispensed_concentration_mcg_per_ml),
    )


def _mark_washout(
    times: list[Fraction],
    volumes: list[Fraction],
    rates: list[Fraction],
    jumps: list[Fraction],
    dead_ml: Fraction,
) -> None:
    """Add a breakpoint where the old drug runs out inside a flow segment: the drug rate changes
    there, so a window may start or end on it."""
    if dead_ml <= 0:
        return
    for index, (time, volume, rate) in enumerate(zip(times, volumes, rates, strict=True)):
        after_jump = volume + jumps[index]
        if after_jump >= dead_ml:
            return  # reached at a breakpoint (or by a bolus) already
        end = times[index + 1] if index + 1 < len(times) else Fraction(HORIZON_MINUTES)
        if rate > 0 and after_jump + rate * (end - time) > dead_ml:
            at = time + (dead_ml - after_jump) / rate
            times.insert(index + 1, at)
            volumes.insert(index + 1, dead_ml)
            rates.insert(index + 1, rate)
            jumps.insert(index + 1, Fraction(0))
            return
