"""What the checks see of the visits on file: plain values, no database. A `History` is the
past of one patient, oldest first, or the reason it could not be read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class PastVisit:
    """One visit on file, as the checks use it: the numbers of the record as checked then."""

    visit_time: dt.datetime
    pump_token: str
    profile: str
    dispensed_mcg_per_ml: Decimal
    prescribed_mcg_per_day: Decimal
    previous_mcg_per_day: Decimal
    pump_ml_per_day: Decimal
    fill_ml: Decimal
    verdict: str
    audit_seq: int | None

    @property
    def dose_changed(self) -> bool:
        """True when that visit changed the daily dose."""
        return self.prescribed_mcg_per_day != self.previous_mcg_per_day


@dataclass(frozen=True)
class History:
    """The visits on file for this visit's patient (oldest first), the token of this visit's
    pump, or why the store could not be read (`unavailable`): then the cross-visit checks are
    not made and a finding says so."""

    pump_token: str | None = None
    visits: tuple[PastVisit, ...] = ()
    unavailable: str | None = None
    # The reservoir capacity of the last visit's profile, when it differs from this record's:
    # resolved by the lookup, so the checks need not read profile files.
    last_capacity_ml: Decimal | None = None
    # The most patient boluses a day the last visit allowed, when this record states previous
    # ones; None when not looked up.
    last_patient_bolus_mcg_per_day: Decimal | None = None

    @property
    def last(self) -> PastVisit | None:
        return self.visits[-1] if self.visits else None
