"""The delivery curve once built, and what the checks ask of it: the most drug in a window, the
longest stretch with nothing, the moment the old drug has gone, the drug between two minutes.

It counts in whole numbers of units chosen for each curve (`itbcheck.delivery` builds it and
says why): every sum, product and comparison is exact, as with `Fraction`, and many times
faster. Numbers leave it as `Decimal`, of the exact value, as they always have.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from itbcheck.dosing import MINUTES_PER_DAY

HORIZON_MINUTES = 2 * MINUTES_PER_DAY
HOUR = 60
_RESTART = Fraction(0)
_RESTART_MINUTE = Decimal(0)  # as the search writes it: Decimal(0) / Decimal(1)
_NO_GAP = (Decimal(0), Decimal(0))


@dataclass(frozen=True)
class Window:
    """The most drug delivered in a window that starts `start` minutes after the restart."""

    start: Decimal
    drug_mcg: Decimal


@dataclass(frozen=True)
class Curve:
    """Cumulative volume pumped over the first 48 h, in whole units: time in 1/`per_minute`
    minutes, volume in 1/`per_ml` mL, drug in 1/`per_mcg` mcg. `times` are breakpoints after
    the restart, `volumes` the volume pumped just before each (bolus jumps excluded), `rates`
    the flow from each breakpoint to the next (volume units per time unit) and `jumps` the bolus
    volume given at it; `dead` is the old drug's volume, `old` and `new` the strengths (drug
    units per volume unit). Each unit is a common denominator of what it measures. `daily`:
    the flow and the boluses repeat every 24 hours from the restart and no old drug is left
    (no bridge, no patient boluses, no dead volume), so every window that starts on the
    second day delivers exactly what the one 24 hours earlier does."""

    restart: dt.datetime
    per_minute: int
    per_ml: int
    per_mcg: int
    times: tuple[int, ...]
    volumes: tuple[int, ...]
    rates: tuple[int, ...]
    jumps: tuple[int, ...]
    dead: int
    old: int
    new: int
    daily: bool = False

    def _drug(self, time: int, *, with_jump: bool) -> int:
        """Drug delivered by `time`; `with_jump` counts a bolus given at that very time."""
        index = max(bisect.bisect_right(self.times, time) - 1, 0)
        at = self.times[index]
        volume = self.volumes[index] + self.rates[index] * (time - at)
        if with_jump or time > at:
            volume += self.jumps[index]
        old = min(volume, self.dead)
        return old * self.old + (volume - old) * self.new

    def delivered(self, start: Decimal, end: Decimal) -> Decimal:
        """Drug delivered from `start` to `end` minutes after the restart, a bolus at `start`
        included and one at `end` not. Any minute, on the unit or between two of them."""
        drug = self._drug_between(Fraction(end)) - self._drug_between(Fraction(start))
        return _decimal(drug.numerator, drug.denominator)

    def _drug_between(self, minute: Fraction) -> Fraction:
        """`_drug` (without a bolus at that minute) at any minute, in mcg."""
        time = minute * self.per_minute
        index = max(bisect.bisect_right(self.times, time) - 1, 0)
        at = self.times[index]
        volume = self.volumes[index] + self.rates[index] * (time - at)
        if time > at:
            volume += self.jumps[index]
        old = min(volume, Fraction(self.dead))
        return (old * self.old + (volume - old) * self.new) / self.per_mcg

    def washed_out(self) -> Fraction | None:
        """Minutes until the old drug has left the catheter; None if not within the horizon."""
        for time, volume, jump in zip(self.times, self.volumes, self.jumps, strict=True):
            if volume >= self.dead or volume + jump >= self.dead:  # or a bolus pushes it out
                return Fraction(time, self.per_minute) if time else _RESTART
        return None

    def most_in(self, minutes: int, *, after: Fraction = Fraction(0)) -> Window:
        """The window of `minutes` starting at `after` or later, inside the horizon, with the
        most drug delivered.

        Each breakpoint is tried as a window's start, [start, end): a bolus at the start counts,
        one at the end does not; and as its end, the mirror window (start, end] that counts the
        bolus at its end instead; and so are the first and the last start allowed. `_drug` is
        written out in the loop: the breakpoint's own side needs no search, and a call per side
        was most of the search's time."""
        per = self.per_minute
        width = minutes * per
        first = -(-after.numerator * per // after.denominator)  # ceil(after * per)
        last = HORIZON_MINUTES * per - width
        if self.daily and first <= 0:
            # A window starting on the second day has a twin 24 hours earlier, also tried
            # (the breakpoints repeat daily too) and no earlier than `first`, that delivers
            # exactly as much and wins the tie as the earlier start: the second day's
            # windows cannot change the answer, so they are not tried. Halves the search.
            last = min(last, MINUTES_PER_DAY * per - 1)
            if first == 0 and minutes == MINUTES_PER_DAY:
                # And every 24 hours deliver the same, so every window tried ties and the
                # earliest, from the restart, wins: only that one is counted. Nothing has been
                # pumped at the restart (volumes[0] is 0), so its drug is the drug by `width`.
                drug = self._drug(width, with_jump=False)
                return Window(_RESTART_MINUTE, _decimal(drug, self.per_mcg))
        times, volumes, rates, jumps = self.times, self.volumes, self.rates, self.jumps
        dead, old, new = self.dead, self.old, self.new

        def charged(volume: int) -> int:  # the drug in `volume` pumped: the old drug first
            return volume * old if volume <= dead else dead * old + (volume - dead) * new

        best = self._at_the_ends(first, last, width)  # (drug, start)
        for index, point in enumerate(times):
            if point - width > last:
                break  # this breakpoint and every later one start windows too late
            start = point
            if first <= start <= last:
                end = start + width
                other = bisect.bisect_right(times, end) - 1
                at = times[other]
                to = volumes[other] + rates[other] * (end - at)
                if end > at:
                    to += jumps[other]
                since = volumes[index]
                drug = charged(to) - charged(since)
                if best is None or drug > best[0] or (drug == best[0] and start < best[1]):
                    best = (drug, start)
            start = point - width
            if first <= start <= last:
                other = max(bisect.bisect_right(times, start) - 1, 0)
                since = volumes[other] + rates[other] * (start - times[other]) + jumps[other]
                to = volumes[index] + jumps[index]
                drug = charged(to) - charged(since)
                if best is None or drug > best[0] or (drug == best[0] and start < best[1]):
                    best = (drug, start)
        if best is None:
            return Window(_decimal(after.numerator, after.denominator), Decimal(-1))
        drug, start = best
        return Window(_decimal(start, per), _decimal(drug, self.per_mcg))

    def _at_the_ends(self, first: int, last: int, width: int) -> tuple[int, int] | None:
        """The better of the windows at the first and the last start allowed. The drug in a
        window is piecewise linear in its start, so its most is at a start or an end on a
        breakpoint, or at one of these two: a bridge that runs into the second day can leave
        the most in the 24 hours that end at hour 48, on no breakpoint."""
        best = None
        for start in (first, last) if first <= last else ():
            drug = self._drug(start + width, with_jump=False) - self._drug(start, with_jump=False)
            if best is None or drug > best[0]:  # a tie keeps the earlier start, `first`
                best = (drug, start)
        return best

    def longest_gap(self) -> tuple[Decimal, Decimal]:
        """The longest stretch (start, minutes) with no flow and no bolus."""
        if 0 not in self.rates:
            return _NO_GAP  # what the search below finds when the flow never stops
        best_start, best_length = 0, 0
        start: int | None = None
        ends = (*self.times[1:], HORIZON_MINUTES * self.per_minute)
        for time, end, rate, jump in zip(self.times, ends, self.rates, self.jumps, strict=True):
            if jump:
                start = None
            if rate == 0:
                start = time if start is None else start
                if end - start > best_length:
                    best_start, best_length = start, end - start
            else:
                start = None
        return _decimal(best_start, self.per_minute), _decimal(best_length, self.per_minute)

    def clock(self, minute: Decimal | Fraction) -> str:
        """The wall-clock time `minute` after the restart. Only the time of day: a date could
        run past the calendar's end for a visit near year 9999."""
        of_day = (self.restart.hour * 60 + self.restart.minute + int(minute)) % MINUTES_PER_DAY
        return f"{of_day // 60:02d}:{of_day % 60:02d}"


def _decimal(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator as the `Decimal` the model has always given: of the reduced
    fraction, in the current context."""
    common = math.gcd(numerator, denominator)
    return Decimal(numerator // common) / Decimal(denominator // common)
