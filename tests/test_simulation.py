"""`itbcheck simulate`: the reservoir, the drug delivered, and the alarm and empty days at the
programmed rate and at both ends of the accuracy band, against hand derivations.

Hand derivations ([16] SynchroMed over-infusion notices; [6] Saulino 2016):
days to alarm = (fill - alarm volume) /
daily volume, days to empty = fill / daily volume; the low and high rates are the daily volume
x (1 - 0.145) and x (1 + 0.145) for a SynchroMed II. Visits are at 2026-11-27 10:30 UTC.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from itbcheck.checking import profile_of
from itbcheck.cli import ExitCode
from itbcheck.cli._simulate_output import TIMELINE_HEADER, render_simulation, timeline_rows
from itbcheck.lab.simulation import Simulation, simulate
from itbcheck.reading import load_document
from itbcheck.records import Record, parse_record
from tests.checks.profile_variants import unverified, variant_profile
from tests.conftest import CHECK_FIXTURES, EXAMPLES, REPO, audit_entries, check_file, run_cli

FORTY_ML = CHECK_FIXTURES / "refill_40_ml_day_52_before_worst_case_alarm.yaml"
FLEX = CHECK_FIXTURES / "flex_schedule_bolus_24_once.yaml"
BRIDGE = CHECK_FIXTURES / "bridge_0_4_ml_over_12_h.yaml"
NO_BRIDGE = CHECK_FIXTURES / "bridge_missing_500_to_2000.yaml"
CLEAR = EXAMPLES / "visit-clear.yaml"
ONE_DAY = Decimal(1)


def _record(path: Path) -> Record:
    return parse_record(load_document(path.read_bytes(), path.name), path.name)


def _simulated(path: Path, step: Decimal = ONE_DAY) -> Simulation:
    record = _record(path)
    return simulate(record, profile_of(record), step_days=step)


def _rounded(value: Decimal | None) -> Decimal | None:
    """To three places, as the hand derivations are written."""
    return None if value is None else value.quantize(Decimal("0.001"))


def _days(simulation: Simulation) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """(rate, days to alarm, days to empty) for each rate, rounded to three places."""
    return [
        (s.rate, _rounded(s.days_to_alarm), _rounded(s.days_to_empty)) for s in simulation.scenarios
    ]


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# Each case: fixture, then (rate, days to alarm, days to empty) by hand.
DAY_CASES = [
    pytest.param(
        # 300 mcg/day / 500 mcg/mL = 0.6 mL/day, 40 mL filled, 2 mL alarm.
        # Alarm 38 / 0.6 = 63.333; 38 / (0.6 x 0.855) = 38 / 0.513 = 74.074;
        # 38 / (0.6 x 1.145) = 38 / 0.687 = 55.313. Empty 40 / 0.6 = 66.667;
        # 40 / 0.513 = 77.973; 40 / 0.687 = 58.224.
        FORTY_ML,
        [
            ("nominal", Decimal("63.333"), Decimal("66.667")),
            ("low", Decimal("74.074"), Decimal("77.973")),
            ("high", Decimal("55.313"), Decimal("58.224")),
        ],
        id="continuous-40-ml",
    ),
    pytest.param(
        # Flex 19 mcg/h x 24 h = 456 mcg + one 24 mcg bolus = 480 mcg/day / 2000 mcg/mL =
        # 0.24 mL/day; 18 mL filled, 2 mL alarm. Alarm 16 / 0.24 = 66.667;
        # 16 / 0.2052 = 77.973; 16 / 0.2748 = 58.224. Empty 18 / 0.24 = 75;
        # 18 / 0.2052 = 87.719; 18 / 0.2748 = 65.502.
        FLEX,
        [
            ("nominal", Decimal("66.667"), Decimal("75.000")),
            ("low", Decimal("77.973"), Decimal("87.719")),
            ("high", Decimal("58.224"), Decimal("65.502")),
        ],
        id="flex-with-bolus",
    ),
    pytest.param(
        # 500 -> 2000 mcg/mL at 400 mcg/day: 0.2 mL/day after a 0.4 mL bridge over 12 h
        # (0.5 day). Nominal alarm 0.5 + (16 - 0.4) / 0.2 = 78.5; low: bridge 0.4 x 0.855 =
        # 0.342 mL, then 0.171 mL/day: 0.5 + 15.658 / 0.171 = 92.067; high: 0.458 mL, then
        # 0.229 mL/day: 0.5 + 15.542 / 0.229 = 68.369. Empty 0.5 + 17.6 / 0.2 = 88.5;
        # 0.5 + 17.658 / 0.171 = 103.763; 0.5 + 17.542 / 0.229 = 77.103.
        BRIDGE,
        [
            ("nominal", Decimal("78.500"), Decimal("88.500")),
            ("low", Decimal("92.067"), Decimal("103.763")),
            ("high", Decimal("68.369"), Decimal("77.103")),
        ],
        id="concentration-change-with-bridge",
    ),
]


@pytest.mark.parametrize(("path", "expected"), DAY_CASES)
def test_alarm_and_empty_days(
    path: Path, expected: list[tuple[str, Decimal | None, Decimal | None]]
) -> None:
    """Alarm and empty days at the nominal, low and high rates are the hand-derived ones."""
    assert expected == _days(_simulated(path))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # Day 63.333 = 63 days 8 h after 10:30, 2027-01-29 18:30; 74.074 = 74 days 1.8 h,
        # 2027-02-09; 55.313 = 55 days 7.5 h, 2027-01-21. Empty 66.667, 2027-02-02 02:30.
        pytest.param(FORTY_ML, ["2027-01-29", "2027-02-09", "2027-01-21", "2027-02-02"], id="40"),
        # Day 78.5 = 2027-02-13 22:30; 92.067 = 2027-02-27 12:06; 68.369 = 2027-02-03 19:21.
        # Empty 88.5 = 2027-02-23 22:30.
        pytest.param(BRIDGE, ["2027-02-13", "2027-02-27", "2027-02-03", "2027-02-23"], id="bridge"),
    ],
)
def test_alarm_and_empty_dates(path: Path, expected: list[str]) -> None:
    """The alarm date at each rate and the nominal empty date are the hand-derived dates."""
    nominal, low, high = _simulated(path).scenarios
    dates = [nominal.alarm_date, low.alarm_date, high.alarm_date, nominal.empty_date]
    assert [dt.date.fromisoformat(text) for text in expected] == dates


@pytest.mark.parametrize("path", [FORTY_ML, FLEX, NO_BRIDGE, CLEAR], ids=lambda p: p.stem)
def test_nominal_and_high_days_are_the_forecast_of_check(path: Path) -> None:
    """Without a bridge bolus, the nominal and high-rate days are exactly the ones `check`
    forecasts, so the two commands never disagree."""
    outlook = check_file(path).forecast
    nominal, _, high = _simulated(path).scenarios
    expected = (
        outlook.days_to_alarm_nominal,
        outlook.days_to_alarm_worst,
        outlook.days_to_empty_nominal,
        outlook.days_to_empty_worst,
    )
    actual = (nominal.days_to_alarm, high.days_to_alarm, nominal.days_to_empty, high.days_to_empty)
    assert expected == actual


def test_check_forecast_counts_the_bridge_bolus() -> None:
    """A 0.4 mL bridge over 0.5 day draws 0.3 mL more than 0.5 day at 0.2 mL/day, bringing
    every date 0.3 / 0.2 = 1.5 days forward; check's forecast now agrees with simulate
    (regression: it used to ignore the bridge and promise 1.5 days too many)."""
    outlook = check_file(BRIDGE).forecast
    without = check_file(NO_BRIDGE).forecast
    nominal, _, high = _simulated(BRIDGE).scenarios
    assert outlook.days_to_alarm_nominal is not None
    assert outlook.days_to_alarm_worst is not None
    assert without.days_to_alarm_nominal is not None
    expected = (Decimal(0), Decimal(0), Decimal("1.5"))
    actual = (
        _rounded(outlook.days_to_alarm_nominal - (nominal.days_to_alarm or 0)),
        _rounded(outlook.days_to_alarm_worst - (high.days_to_alarm or 0)),
        _rounded(without.days_to_alarm_nominal - outlook.days_to_alarm_nominal),
    )
    assert expected == actual


def test_drug_delivered_with_a_bridge() -> None:
    """The bridge clears the 0.4 mL dead volume of 500 mcg/mL in 0.5 day (200 mcg), then the
    new drug runs at 0.2 mL/day x 2000 mcg/mL = 400 mcg/day: 400 mcg by day 1, 800 by day 2."""
    rows = _simulated(BRIDGE, Decimal("0.5")).rows
    expected = [Decimal(0), Decimal(200), Decimal(400), Decimal(600), Decimal(800)]
    assert expected == [row.delivered_mcg[0] for row in rows[:5]]


def test_drug_delivered_without_a_bridge() -> None:
    """Without a bridge the 0.4 mL of 500 mcg/mL drug runs at the new 0.2 mL/day: 100 mcg/day,
    a quarter of 400, for 2 days; then 400 mcg/day."""
    rows = _simulated(NO_BRIDGE).rows
    expected = [Decimal(0), Decimal(100), Decimal(200), Decimal(600), Decimal(1000)]
    assert expected == [row.delivered_mcg[0] for row in rows[:5]]


def test_reservoir_by_day_at_each_rate() -> None:
    """Day 10 of the 40 mL pump: 40 - 6 = 34 mL nominal, 40 - 5.13 = 34.87 mL low, and
    40 - 6.87 = 33.13 mL high; 3000 mcg delivered nominally (6 mL x 500 mcg/mL)."""
    row = _simulated(FORTY_ML).rows[10]
    expected = (
        Decimal(10),
        dt.date(2026, 12, 7),
        (Decimal("34"), Decimal("34.87"), Decimal("33.13")),
        Decimal(3000),
    )
    assert expected == (row.day, row.date, row.reservoir_ml, row.delivered_mcg[0])


def test_appointment_is_marked_with_the_reservoir_then() -> None:
    """The 40 mL pump's appointment on day 52 leaves 40 - 31.2 = 8.8 mL nominal and
    40 - 35.724 = 4.276 mL at the high rate; the row of day 52 carries the event."""
    simulation = _simulated(FORTY_ML)
    nominal, _, high = simulation.scenarios
    expected = (Decimal("8.8"), Decimal("4.276"), ("appointment",))
    actual = (
        nominal.reservoir_at_appointment_ml,
        high.reservoir_at_appointment_ml,
        simulation.rows[52].events,
    )
    assert expected == actual


def test_csv_shape() -> None:
    """--csv prints the pinned header and one row per step: 10 days in 12 h steps is 21 rows
    of 9 cells, the first at day 0 with the full 18 mL."""
    result = run_cli("simulate", "--csv", "--step", "12 h", "--until", "10 day", str(CLEAR))
    rows = _csv(result.stdout)
    assert (0, "") == (result.exit_code, result.stderr)
    assert list(TIMELINE_HEADER) == rows[0]
    assert [
        "day",
        "date",
        "reservoir_nominal_ml",
        "reservoir_low_ml",
        "reservoir_high_ml",
        "delivered_nominal_mcg",
        "delivered_low_mcg",
        "delivered_high_mcg",
        "events",
    ] == rows[0]
    assert (21, {9}) == (len(rows) - 1, {len(row) for row in rows})
    assert ["0", "2026-11-27", "18", "18", "18", "0", "0", "0", ""] == rows[1]
    assert ["10", "2026-12-07"] == rows[-1][:2]


def test_default_horizon_reaches_the_last_empty_day() -> None:
    """By default the timeline runs to the low rate's empty day (87.7), rounded up to day 88."""
    rows = _simulated(CLEAR).rows
    assert (Decimal(88), ("empty_low",)) == (rows[-1].day, rows[-1].events)


def test_text_output_fits_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line of the summary and table fits an 80-column terminal."""
    # Run from the fixture's folder with its bare name: the first line echoes the path given,
    # and the checkout's own path (any length) is not part of what itbcheck lays out.
    monkeypatch.chdir(BRIDGE.parent)
    result = run_cli("simulate", BRIDGE.name, "--step", "12 h")
    assert 0 == result.exit_code
    assert [] == [line for line in result.stdout.splitlines() if len(line) > 80]


def test_text_output_shows_the_days() -> None:
    """The summary gives each rate's alarm day and date, nominal first."""
    out = run_cli("simulate", str(FORTY_ML)).stdout
    expected = "  alarm, day          63.3 2027-01-29   74.1 2027-02-09   55.3 2027-01-21"
    assert expected in out.splitlines()


def test_set_changes_the_record_before_simulating() -> None:
    """--set refill.fill_volume=20 mL gives (20 - 2) / 0.24 = 75 days to the nominal alarm."""
    result = run_cli("simulate", "--csv", str(CLEAR), "--set", "refill.fill_volume=20 mL")
    events = {e: row[0] for row in _csv(result.stdout)[1:] for e in row[-1].split()}
    assert "75" == events["alarm_nominal"]


def test_stopped_pump_never_alarms() -> None:
    """At 0 mcg/day the reservoir stays full: the alarm and empty days are 'never'."""
    result = run_cli("simulate", str(CLEAR), "--set", "dosing.prescription.daily_dose=0 mcg/day")
    lines = result.stdout.splitlines()
    assert "  alarm, day          never             never             never" in lines


def test_unknown_field_in_set_is_an_invalid_record() -> None:
    """A --set path that is not a record field is refused like a misspelt key in a record."""
    result = run_cli("simulate", str(CLEAR), "--set", "refill.fill_volum=20 mL")
    expected = (
        ExitCode.INVALID_RECORD,
        "",
        f"{CLEAR}: refill.fill_volum: unknown field (got '20 mL')\n",
    )
    assert expected == (result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "refill.fill_volume"], "write an edit as PATH=VALUE"),
        (["--step", "1 mL"], "--step: wrong kind of quantity"),
        (["--step", "1 min", "--until", "365 day"], "time steps is more than 10000"),
    ],
    ids=["edit-without-value", "step-not-a-duration", "too-many-steps"],
)
def test_bad_options_are_usage_errors(args: list[str], message: str) -> None:
    """A malformed edit, step or time span is a usage error: one line, nothing on stdout."""
    result = run_cli("simulate", str(CLEAR), *args)
    assert (ExitCode.USAGE, "", 1) == (
        result.exit_code,
        result.stdout,
        len(result.stderr.splitlines()),
    )
    assert message in result.stderr


def test_unverified_band_leaves_low_and_high_empty() -> None:
    """With no verified accuracy band only the nominal rate is simulated; the low and high CSV
    cells stay empty and the summary says why."""
    record = _record(CLEAR)
    profile = variant_profile(record.pump.profile, unverified("accuracy_band"))
    simulation = simulate(record, profile, step_days=ONE_DAY, until_days=ONE_DAY)
    rows = list(timeline_rows(simulation))
    assert ["1", "2026-11-28", "17.76", "", "", "480", "", "", ""] == rows[1]
    assert "no verified accuracy band" in render_simulation(simulation, "visit-clear.yaml")


def test_simulate_writes_no_audit_entry(audit_log: Path) -> None:
    """simulate is an engineer's tool: it leaves the audit log untouched."""
    result = run_cli("simulate", str(CLEAR))
    assert (0, []) == (result.exit_code, audit_entries(audit_log))


def test_plot_without_matplotlib_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without matplotlib, --plot fails at once with one line naming the extra to install, and
    no file."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    target = tmp_path / "plot.png"
    result = run_cli("simulate", str(CLEAR), "--plot", str(target))
    expected = (
        ExitCode.USAGE,
        "",
        "error: --plot needs matplotlib, which is not installed: pip install 'itbcheck[plot]'\n",
        False,
    )
    assert expected == (result.exit_code, result.stdout, result.stderr, target.exists())


def test_plot_is_a_png(tmp_path: Path) -> None:
    """--plot writes a PNG file and says so on stderr (matplotlib is a test dependency)."""
    target = tmp_path / "plot.png"
    result = run_cli("simulate", str(CLEAR), "--plot", str(target))
    assert (0, f"plot written to {target}\n") == (result.exit_code, result.stderr)
    assert b"\x89PNG\r\n\x1a\n" == target.read_bytes()[:8]


def test_documented_example_is_real_output() -> None:
    """The simulate example in docs/simulate-and-sweep.md is what the command prints."""
    text = (REPO / "docs" / "simulate-and-sweep.md").read_text("utf-8")
    command = '$ itbcheck simulate examples/visit-clear.yaml --step "7 day"\n'
    shown = text.split(command, 1)[1].split("```", 1)[0]
    actual = run_cli("simulate", str(CLEAR), "--step", "7 day").stdout
    assert shown == actual.replace(str(CLEAR), "examples/visit-clear.yaml")


def test_point_15_column_test_does_not_depend_on_the_checkout_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 10 point 15: run from the fixture folder, the first line echoes only the name."""
    monkeypatch.chdir(BRIDGE.parent)
    result = run_cli("simulate", BRIDGE.name, "--step", "12 h")
    assert f"simulate  {BRIDGE.name}" == result.stdout.splitlines()[0]
