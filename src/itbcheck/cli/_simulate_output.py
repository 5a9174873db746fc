"""What `simulate` and `sweep` show: the simulation's summary and timeline for an 80-column
terminal, its timeline as CSV, and the sweep's CSV rows and verdict counts. Headers are pinned
by tests/test_simulation.py and tests/test_sweep.py."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from itbcheck.lab.grid import AXES
from itbcheck.lab.simulation import RATES, Scenario, Simulation
from itbcheck.lab.sweep import Outcome
from itbcheck.output import printable
from itbcheck.units import format_number, format_quantity

WIDTH = 80

TIMELINE_HEADER = (
    "day",
    "date",
    *(f"reservoir_{rate}_ml" for rate in RATES),
    *(f"delivered_{rate}_mcg" for rate in RATES),
    "events",
)
SWEEP_HEADER = ("index", *(axis.column for axis in AXES), "verdict", "finding_codes", "note_codes")
VERDICTS = ("CLEAR", "CAUTION", "STOP", "INVALID")


def _title(scenario: Scenario) -> str:
    if scenario.band_percent == 0:
        return scenario.rate
    sign = "+" if scenario.band_percent > 0 else "-"
    return f"{scenario.rate} {sign}{format_number(abs(scenario.band_percent))} %"


def _day(day: Decimal | None, date: dt.date | None) -> str:
    if day is None or date is None:
        return "never"
    return f"{format_number(day, 1)} {date.isoformat()}"


def _line(label: str, cells: Iterable[str]) -> str:
    return f"  {label:<20}" + "".join(f"{cell:<18}" for cell in cells).rstrip()


def _notes(simulation: Simulation) -> list[str]:
    dose = simulation.dose
    notes = []
    if simulation.forecast.accuracy_band_percent is None:
        notes.append(
            f"Profile {simulation.profile.name} has no verified accuracy band: nominal flow only."
        )
    else:
        notes.append(
            "The pump computes its alarm from the programmed flow: at the high rate the "
            "reservoir reaches the alarm volume before the alarm sounds."
        )
    if simulation.concentration_changes:
        change = (
            f"{format_quantity(simulation.old_concentration_mcg_per_ml, 'mcg/mL')} -> "
            f"{format_quantity(dose.dispensed_concentration_mcg_per_ml, 'mcg/mL')}"
        )
        if simulation.dead_volume_ml is None:
            notes.append(
                f"Concentration {change}, dead volume unknown (catheter volume or verified "
                "tubing volume missing): delivered drug counts the new drug from the start."
            )
        else:
            notes.append(
                f"Concentration {change}: the first "
                f"{format_quantity(simulation.dead_volume_ml, 'mL')} pumped (tubing and "
                "catheter) delivers the old drug."
            )
    if simulation.bridge is not None:
        notes.append(
            f"Bridge bolus {format_quantity(simulation.bridge.volume_ml, 'mL')} over "
            f"{format_quantity(simulation.bridge.days, 'day')} replaces the programmed flow "
            "first; every date counts its volume."
        )
    return notes


def render_summary(simulation: Simulation, source: str) -> list[str]:
    record, dose, outlook = simulation.record, simulation.dose, simulation.forecast
    scenarios = simulation.scenarios
    band = outlook.accuracy_band_percent
    appointment = record.next_refill.isoformat()
    lines = [
        f"simulate  {printable(source)}",
        f"  pump       {simulation.profile.version}, accuracy band "
        + ("not verified" if band is None else f"{format_number(band)} %"),
        f"  dose       {format_quantity(dose.prescribed_daily_dose_mcg_per_day, 'mcg/day')} at "
        f"{format_quantity(dose.programmed_concentration_mcg_per_ml, 'mcg/mL')} programmed, "
        f"{format_quantity(dose.dispensed_concentration_mcg_per_ml, 'mcg/mL')} in the syringe",
        f"  reservoir  {format_quantity(outlook.fill_volume_ml, 'mL')} filled, low-reservoir "
        f"alarm at {format_quantity(outlook.alarm_volume_ml, 'mL')}",
        f"  visit      {record.visit_time.isoformat(sep=' ', timespec='minutes')}; appointment "
        f"day {outlook.appointment_days} ({appointment})",
        "",
        _line("", (_title(scenario) for scenario in scenarios)),
        _line("flow, mL/day", (format_number(s.daily_volume_ml_per_day) for s in scenarios)),
        _line("alarm, day", (_day(s.days_to_alarm, s.alarm_date) for s in scenarios)),
        _line("empty, day", (_day(s.days_to_empty, s.empty_date) for s in scenarios)),
        _line(
            "left at appt, mL",
            (format_number(s.reservoir_at_appointment_ml, 3) for s in scenarios),
        ),
        _line(
            "alarm - appt, days",
            (
                "never"
                if s.days_to_alarm is None
                else format_number(s.days_to_alarm - outlook.appointment_days, 1)
                for s in scenarios
            ),
        ),
        "",
    ]
    for note in _notes(simulation):
        lines += textwrap.wrap(note, WIDTH, initial_indent="  ", subsequent_indent="  ")
    return lines


def render_simulation(simulation: Simulation, source: str) -> str:
    """The summary, then one line per time step with the events since the step before;
    events wrap onto continuation lines."""
    rates = "".join(f"{scenario.rate:>8}" for scenario in simulation.scenarios)
    lines = [
        *render_summary(simulation, source),
        "",
        f"{'day':>6}  {'date':<10}  {'reservoir, mL':^24}{'delivered,':>13}  events",
        f"{'':>6}  {'':<10}  {rates:<24}{'mcg nominal':>13}",
    ]
    events_at = 6 + 2 + 10 + 2 + 24 + 13 + 2
    for row in simulation.rows:
        volumes = "".join(f"{format_number(volume, 3):>8}" for volume in row.reservoir_ml)
        text = (
            f"{format_number(row.day, 3):>6}  {row.date.isoformat():<10}  {volumes:<24}"
            f"{format_number(row.delivered_mcg[0], 1):>13}"
        )
        wrapped = _joined([event.replace("_", " ") for event in row.events], WIDTH - events_at)
        lines.append(f"{text}  {wrapped[0]}".rstrip())
        lines += [" " * events_at + more for more in wrapped[1:]]
    return "\n".join(lines) + "\n"


def _joined(events: list[str], width: int) -> list[str]:
    """Events joined by commas into lines of at most `width`, never splitting one."""
    lines = [""]
    for event in events:
        if lines[-1] and len(lines[-1]) + 2 + len(event) > width:
            lines[-1] += ","
            lines.append(event)
        else:
            lines[-1] += f", {event}" if lines[-1] else event
    return lines


def timeline_rows(simulation: Simulation) -> Iterable[list[str]]:
    """The timeline as CSV rows under `TIMELINE_HEADER`; a rate the profile cannot give is an
    empty cell."""
    rates = [scenario.rate for scenario in simulation.scenarios]
    for row in simulation.rows:
        reservoir = dict(zip(rates, row.reservoir_ml, strict=True))
        delivered = dict(zip(rates, row.delivered_mcg, strict=True))
        yield [
            format_number(row.day, 6),
            row.date.isoformat(),
            *(_cell(reservoir.get(rate)) for rate in RATES),
            *(_cell(delivered.get(rate)) for rate in RATES),
            " ".join(row.events),
        ]


def _cell(value: Decimal | None) -> str:
    return "" if value is None else format_number(value, 6)


def sweep_row(outcome: Outcome) -> list[str]:
    return [
        str(outcome.index),
        *(format_number(value, 6) for value in outcome.values),
        outcome.verdict,
        " ".join(outcome.finding_codes),
        " ".join(outcome.note_codes),
    ]


def render_counts(total: int, verdicts: Counter[str], codes: Counter[str], sizes: str) -> str:
    """Counts per verdict, then per finding code, most frequent first."""
    lines = [f"sweep: {total} combinations ({sizes})"]
    for verdict in VERDICTS:
        count = verdicts.get(verdict, 0)
        share = f"{count * 100 / total:.1f} %" if total else "-"
        if count or verdict != "INVALID":
            lines.append(f"  {verdict:<8} {count:>10}  {share:>7}")
    if codes:
        lines.append("  finding codes (CAUTION and STOP), combinations with each:")
        for code, count in sorted(codes.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"    {code:<34} {count:>10}")
    return "\n".join(lines) + "\n"
