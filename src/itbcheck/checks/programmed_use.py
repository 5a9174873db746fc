"""The volume a pump was programmed to deliver between its last fill and this visit.

Titration steps are often programmed at visits with no refill, which are not on file. The
record's `previous_dose_changed_at`, when it falls after the fill, splits the time since the fill
in two: before it the pump ran at the fill's flow, after it at the flow of the record's previous
daily dose. The flow before is known only from the visit on file; without it only the part
after the change is certain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from itbcheck.checks._registry import CheckContext
from itbcheck.history.model import PastVisit


@dataclass(frozen=True)
class ProgrammedUse:
    """`days` since the fill; the last `changed_days` of them (None: the dose did not change
    after the fill) at `flow` mL/day, the ones before at `earlier_flow` (None: not known)."""

    days: Decimal
    flow: Decimal
    changed_days: Decimal | None = None
    earlier_flow: Decimal | None = None

    @property
    def earlier_days(self) -> Decimal:
        return self.days if self.changed_days is None else self.days - self.changed_days

    @property
    def volume(self) -> Decimal | None:
        """mL the pump was programmed to deliver since the fill; None when part of it ran at a
        flow that is not known."""
        if self.changed_days is None:
            return self.flow * self.days
        if self.earlier_flow is None:
            return None
        return self.earlier_flow * self.earlier_days + self.flow * self.changed_days

    @property
    def least_volume(self) -> Decimal:
        """The least the pump was programmed to deliver: a part at an unknown flow counts as
        nothing."""
        known = self.volume
        if known is not None:
            return known
        assert self.changed_days is not None  # volume is only None after a change
        return self.flow * self.changed_days


def programmed_use(
    days: Decimal,
    flow: Decimal,
    *,
    split: dt.datetime | None,
    visit_time: dt.datetime,
    earlier_flow: Decimal | None,
) -> ProgrammedUse:
    """The use over `days` ending at `visit_time`, at `flow` since `split` (the dose change,
    when it fell after the fill; None when it did not) and at `earlier_flow` before it. A change
    that would leave no time before it (a date-only fill later the same day) is no split."""
    if split is None:
        return ProgrammedUse(days, flow)
    # Whole seconds, exactly: record times are to the minute.
    changed_days = Decimal((visit_time - split) // dt.timedelta(seconds=1)) / 86400
    if changed_days >= days:
        return ProgrammedUse(days, flow)
    if earlier_flow == flow:
        return ProgrammedUse(days, flow)
    return ProgrammedUse(days, flow, max(changed_days, Decimal(0)), earlier_flow)


# A date written without a time zone is some clinic's local date: UTC-12:00 to UTC+14:00.
_WEST, _EAST = dt.timedelta(hours=12), dt.timedelta(hours=14)


def may_fall_on(instant: dt.datetime, day: dt.date) -> bool:
    """True when `instant` is on the calendar `day` somewhere on Earth: a visit on file is
    stored in UTC, and the record's fill date is the clinic's own."""
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    return start - _EAST <= instant < start + dt.timedelta(days=1) + _WEST


def is_later_day(day: dt.date, instant: dt.datetime) -> bool:
    """True when the calendar `day` begins after `instant` everywhere on Earth."""
    return dt.datetime.combine(day, dt.time(), dt.UTC) - _EAST > instant


def use_since_fill(
    context: CheckContext, filled: dt.date, on_store: PastVisit | None
) -> ProgrammedUse:
    """What the pump was programmed to deliver from the fill on `filled` to this visit, whole
    days, at the strength it holds; a dose change dated after that day splits it. The dose
    before the change is the one prescribed at the fill, known when `on_store` (the visit on
    file) can be that fill."""
    record = context.record
    days = Decimal((record.visit_time.date() - filled).days)
    strength = record.refill.previous_concentration.value
    changed_at = record.dosing.previous_dose_changed_at
    # Dated as written, in its own offset: the fill date is the clinic's local date too.
    after_fill = changed_at.date() > filled
    earlier = (
        on_store.prescribed_mcg_per_day / strength
        if on_store is not None and may_fall_on(on_store.visit_time, filled)
        else None
    )
    return programmed_use(
        days,
        context.dose.previous_daily_dose_mcg_per_day / strength,
        split=changed_at if after_fill else None,
        visit_time=record.visit_time,
        earlier_flow=earlier,
    )
