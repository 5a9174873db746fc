"""What a restart is judged against: the interruption it follows (the dose before it, how the
record says so, how long the pump gave nothing) and the most the patient can receive per day on
either side of it, patient boluses included."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from itbcheck.checks._registry import CheckContext
from itbcheck.findings import Figure
from itbcheck.units import format_number, format_quantity


@dataclass(frozen=True)
class Interruption:
    """What a restart is judged against: the dose before the interruption, how the record
    says so, and how long the pump gave nothing (None when not recorded)."""

    before: Decimal
    figure: str
    what: str
    off_hours: Decimal | None
    off_text: str | None


@dataclass(frozen=True)
class MostPerDay:
    """A restart judged on the most per day: the dose plus every allowed patient bolus, after
    the restart and before the interruption. Without patient boluses on either side these are
    the doses themselves, and the words and figures are the doses' alone."""

    dose: Decimal
    boluses: Decimal  # every allowed patient bolus a day after the restart
    dose_before: Decimal
    boluses_before: Decimal  # as recorded for before this visit
    any_boluses: bool

    @property
    def new(self) -> Decimal:
        return self.dose + self.boluses

    @property
    def before(self) -> Decimal:
        return self.dose_before + self.boluses_before

    @property
    def note(self) -> str:
        return " Every allowed patient bolus is counted as given." if self.any_boluses else ""

    @property
    def in_all(self) -> str:
        return " in all" if self.any_boluses else ""

    def restart_text(self) -> str:
        """The restart dose, and the most with patient boluses when there are any."""
        text = format_quantity(self.dose, "mcg/day")
        if self.any_boluses:
            text += f", {format_quantity(self.new, 'mcg/day')} with every allowed patient bolus"
        return text

    def before_text(self) -> str:
        """The most before, and what it was made of when patient boluses were part of it."""
        text = format_quantity(self.before, "mcg/day")
        if self.boluses_before:
            text += (
                f" ({format_quantity(self.dose_before, 'mcg/day')} and "
                f"{format_quantity(self.boluses_before, 'mcg/day')} of patient boluses)"
            )
        return text

    def figures(self) -> list[Figure]:
        if not self.any_boluses:
            return []
        return [
            Figure("patient_bolus_daily_max", self.boluses, "mcg/day"),
            Figure("previous_patient_bolus_daily_max", self.boluses_before, "mcg/day"),
            Figure("most_daily_dose", self.new, "mcg/day"),
            Figure("most_before_interruption", self.before, "mcg/day"),
        ]


def most_per_day(context: CheckContext, stop: Interruption) -> MostPerDay:
    """Patient-activated boluses deliver drug as surely as the basal when pressed: after an
    interruption tolerance has fallen for all of it, so the restart is judged on the most the
    patient can receive per day against the most before (the patient boluses recorded for
    before this visit)."""
    dose = context.dose
    before = dose.previous_patient_bolus_mcg_per_day
    return MostPerDay(
        dose=dose.prescribed_daily_dose_mcg_per_day,
        boluses=dose.patient_bolus_daily_max_mcg_per_day,
        dose_before=stop.before,
        boluses_before=before,
        any_boluses=dose.patient_bolus is not None or before > 0,
    )


def is_documented_restart_from_zero(context: CheckContext) -> bool:
    """A restart from 0 mcg/day with the dose before it and the time off recorded: judged by
    this check, not as an increase or a second change within 24 h."""
    dose, dosing = context.dose, context.record.dosing
    return (
        dose.previous_daily_dose_mcg_per_day == 0
        and dose.prescribed_daily_dose_mcg_per_day > 0
        and dosing.dose_before_interruption is not None
        and dosing.pump_off_for is not None
    )


def interruption_restarted(context: CheckContext) -> Interruption | None:
    """The interruption this visit restarts after, or None when it restarts nothing: the pump
    ran on arrival at a dose above zero, stays at zero, or restarts from zero undocumented (the
    titration check then names the fields to fill in)."""
    record, dose = context.record, context.dose
    status, dosing = record.pump.status_at_arrival, record.dosing
    if dose.prescribed_daily_dose_mcg_per_day == 0:
        return None
    off = dosing.pump_off_for
    hours, text = (None, None) if off is None else (off.value, format_quantity(off.value, "h"))
    previous = dose.previous_daily_dose_mcg_per_day
    before = dosing.dose_before_interruption
    if previous == 0 and before is not None and off is not None:
        what = "was set to 0 mcg/day" if status == "running" else f"was {status} on arrival"
        # Set to zero at previous_dose_changed_at, it has given nothing since: a shorter
        # pump_off_for contradicts the record, and the longer time is the one judged.
        since = dose.hours_since_last_change
        if hours is not None and since > hours:
            text = (
                f"{format_number(since, 1)} h (set to 0 mcg/day at "
                f"{dosing.previous_dose_changed_at.isoformat()}, although pump_off_for says "
                f"{text})"
            )
            hours = since
        return Interruption(before.value, "dose_before_interruption", what, hours, text)
    if status == "running":
        return None
    return Interruption(previous, "previous_daily_dose", f"was {status} on arrival", hours, text)
