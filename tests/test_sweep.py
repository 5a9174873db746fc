"""`itbcheck sweep`: every point of a grid gets exactly the verdict and codes `check` gives
for the same record, in a fixed order whatever the number of processes, as streamed CSV."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import itertools
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from itbcheck.checking import check_record
from itbcheck.cli import ExitCode
from itbcheck.findings import Severity
from itbcheck.lab.grid import parse_axis, parse_grid_file
from itbcheck.lab.sweep import plan_sweep, run_sweep
from itbcheck.lab.variants import VariantError
from itbcheck.policy import load_policy
from itbcheck.reading import load_document
from itbcheck.records import parse_record
from tests.conftest import EXAMPLES, REPO, audit_entries, run_cli

CLEAR = EXAMPLES / "visit-clear.yaml"
BASE: dict[str, Any] = load_document(CLEAR.read_bytes(), CLEAR.name)
VISIT = dt.date(2026, 11, 27)
HEADER = [
    "index",
    "concentration_mcg_per_ml",
    "daily_dose_mcg_per_day",
    "fill_volume_ml",
    "interval_days",
    "verdict",
    "finding_codes",
    "note_codes",
]
# 2 x 3 x 2 x 3 = 36 points, across CLEAR, CAUTION (1500 mcg/mL is non-standard) and STOP
# (900 mcg/day is above the typical range; day 90 is after the alarm).
CONCENTRATIONS, DOSES, FILLS, INTERVALS = (
    ["1500", "2000"],
    ["300", "600", "900"],
    ["18", "20"],
    [30, 60, 90],
)
GRID = [
    "--concentrations",
    "1500,2000",
    "--doses",
    "300:900:300",
    "--fills",
    "18,20",
    "--intervals",
    "30,60,90",
]

# The example in docs/simulate-and-sweep.md.
DOC_GRID = ["--concentrations", "1500,2000", "--doses", "300:900:300", "--intervals", "30,60,90"]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _by_hand(concentration: str, dose: str, fill: str, days: int) -> dict[str, Any]:
    """The base record with the fields each axis is documented to set, set one by one."""
    data = copy.deepcopy(BASE)
    for field in ("dispensed_concentration", "programmed_concentration", "previous_concentration"):
        data["refill"][field] = f"{concentration} mcg/mL"
    data["dosing"]["prescription"] = {"mode": "continuous", "daily_dose": f"{dose} mcg/day"}
    data["dosing"]["previous_daily_dose"] = f"{dose} mcg/day"
    data["refill"]["fill_volume"] = f"{fill} mL"
    data["refill"]["programmed_reservoir_volume"] = f"{fill} mL"
    data["next_refill"] = (VISIT + dt.timedelta(days=days)).isoformat()
    return data


def test_small_grid_matches_check_record() -> None:
    """Every row of a 36-point sweep is what check_record gives for that record, built by
    hand, in index order."""
    result = run_cli("sweep", str(CLEAR), *GRID)
    policy = load_policy()
    expected = []
    points = itertools.product(CONCENTRATIONS, DOSES, FILLS, INTERVALS)
    for index, (concentration, dose, fill, days) in enumerate(points):
        checked = check_record(parse_record(_by_hand(concentration, dose, fill, days)), policy)
        codes = [f.code for f in checked.findings if f.severity is not Severity.NOTE]
        notes = [f.code for f in checked.findings if f.severity is Severity.NOTE]
        values = [str(index), concentration, dose, fill, str(days)]
        expected.append([*values, str(checked.verdict), " ".join(codes), " ".join(notes)])
    rows = _rows(result.stdout)
    assert 0 == result.exit_code
    assert [HEADER, *expected] == rows
    assert {"CLEAR", "CAUTION", "STOP"} == {row[5] for row in rows[1:]}


def test_csv_header_is_pinned() -> None:
    """The CSV header is the documented one, whatever the axes swept."""
    assert HEADER == _rows(run_cli("sweep", str(CLEAR)).stdout)[0]


def test_unswept_axes_show_the_base_record() -> None:
    """With no axis given the sweep is the base record alone: 2000 mcg/mL, 480 mcg/day, 18 mL,
    next refill day 49, CLEAR as `check` says."""
    rows = _rows(run_cli("sweep", str(CLEAR)).stdout)
    assert ["0", "2000", "480", "18", "49", "CLEAR", ""] == rows[1][:7]


def test_two_jobs_give_the_same_output_as_one(tmp_path: Path) -> None:
    """--jobs 2 writes byte for byte the CSV --jobs 1 writes, in the same order."""
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"jobs-{jobs}.csv"
        result = run_cli(
            "sweep", str(CLEAR), *GRID, "--doses", "100:1000:50", "-j", jobs, "-o", str(target)
        )
        assert 0 == result.exit_code
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert 1 + 2 * 19 * 2 * 3 == len(outputs[0].splitlines())


def test_summary_goes_to_stderr_when_csv_is_on_stdout() -> None:
    """CSV on stdout, the counts per verdict on stderr, and no progress bar off a terminal."""
    result = run_cli("sweep", str(CLEAR), *GRID)
    assert result.stderr.startswith(
        "sweep: 36 combinations (2 concentrations x 3 doses x 2 fills x 3 intervals)\n"
    )
    assert "\r" not in result.stderr
    counts = {line.split()[0]: int(line.split()[1]) for line in result.stderr.splitlines()[1:4]}
    verdicts = [row[5] for row in _rows(result.stdout)[1:]]
    assert {verdict: verdicts.count(verdict) for verdict in counts} == counts


def test_summary_goes_to_stdout_with_output_file(tmp_path: Path) -> None:
    """With -o the CSV goes to the file and the summary to stdout; stderr stays empty."""
    target = tmp_path / "grid.csv"
    result = run_cli("sweep", str(CLEAR), *GRID, "-o", str(target))
    assert (0, "") == (result.exit_code, result.stderr)
    assert result.stdout.startswith("sweep: 36 combinations")
    assert 37 == len(target.read_text("utf-8").splitlines())


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "grid.toml",
            'concentrations = [1500, 2000]\ndoses = "300:900:300"\n'
            "fills = [18, 20]\nintervals = [30, 60, 90]\n",
        ),
        (
            "grid.yaml",
            "concentrations: [1500, 2000]\ndoses: '300:900:300'\n"
            "fills: [18, 20]\nintervals: '30,60,90'\n",
        ),
    ],
    ids=["toml", "yaml"],
)
def test_grid_file_gives_the_same_rows_as_options(tmp_path: Path, name: str, text: str) -> None:
    """A TOML or YAML grid file gives the rows the same axes give on the command line."""
    grid = tmp_path / name
    grid.write_text(text, "utf-8")
    from_file = run_cli("sweep", str(CLEAR), "--grid", str(grid))
    assert (0, run_cli("sweep", str(CLEAR), *GRID).stdout) == (
        from_file.exit_code,
        from_file.stdout,
    )


def test_option_replaces_the_grid_file_axis(tmp_path: Path) -> None:
    """An axis on the command line replaces the same axis of the grid file."""
    grid = tmp_path / "grid.toml"
    grid.write_text("doses = [300, 600]\nintervals = [30]\n", "utf-8")
    rows = _rows(run_cli("sweep", str(CLEAR), "--grid", str(grid), "--doses", "400").stdout)
    assert [["400", "18", "30"]] == [row[2:5] for row in rows[1:]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500,1000,2000", ["500", "1000", "2000"]),
        ("100:300:50", ["100", "150", "200", "250", "300"]),
        ("100:290:100", ["100", "200"]),
        ("0.5:1.5:0.5, 3", ["0.5", "1.0", "1.5", "3"]),
    ],
)
def test_axis_values(text: str, expected: list[str]) -> None:
    """Lists, ranges (STOP included when a step lands on it) and mixes of both."""
    assert [Decimal(value) for value in expected] == list(parse_axis("fills", text))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--doses", "100:50:10"], "--doses: '100:50:10': needs STEP > 0 and STOP >= START"),
        (["--doses", "100:200:0"], "--doses: '100:200:0': needs STEP > 0 and STOP >= START"),
        (["--doses", "5,5"], "--doses: a value is given twice"),
        (["--fills", "1e3"], "--fills: '1e3' is not a plain number like 500 or 0.5"),
        (["--intervals", "7.5"], "--intervals: '7.5' is not a whole number of days"),
        (["--concentrations", "0"], "--concentrations: '0': must be greater than zero"),
        (["--doses", "1:2"], "--doses: '1:2': write a range as START:STOP:STEP"),
        (["--intervals", "40000"], "--intervals: '40000': at most 36500 days"),
        (["--doses", "1:1000000:1"], "--doses: '1:1000000:1' gives 1000000 values; at most 100000"),
    ],
    ids=[
        "backwards",
        "zero-step",
        "twice",
        "exponent",
        "fraction",
        "zero",
        "two-parts",
        "long-interval",
        "huge",
    ],
)
def test_bad_axes_are_usage_errors(args: list[str], message: str) -> None:
    """A malformed axis is a usage error, one line on stderr, before anything is checked."""
    result = run_cli("sweep", str(CLEAR), *args)
    assert (ExitCode.USAGE, "", f"error: {message}\n") == (
        result.exit_code,
        result.stdout,
        result.stderr,
    )


def test_grid_file_with_unknown_key_is_a_usage_error() -> None:
    """A grid file key that is no axis is refused with the known keys."""
    with pytest.raises(VariantError, match="unknown key 'dose'; known: concentrations, doses"):
        parse_grid_file(b"dose = [1]\n", "grid.toml")


def test_invalid_base_record_is_refused(tmp_path: Path) -> None:
    """A base record that check would refuse is refused the same way, with exit code 3."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(CLEAR.read_text("utf-8").replace('"18 mL"', '"1,8 mL"', 1), "utf-8")
    result = run_cli("sweep", str(broken), "--doses", "100,200")
    assert (ExitCode.INVALID_RECORD, "") == (result.exit_code, result.stdout)
    assert f"{broken}: refill.fill_volume: decimal comma" in result.stderr


def test_sweep_writes_no_audit_entry(audit_log: Path) -> None:
    """sweep checks made-up records: it leaves the audit log untouched."""
    result = run_cli("sweep", str(CLEAR), *GRID)
    assert (0, []) == (result.exit_code, audit_entries(audit_log))


def test_huge_grid_streams_its_first_rows() -> None:
    """A 10-million-point grid yields its first rows without building the grid first."""
    grid = {
        "doses": parse_axis("doses", "1:1000:1"),
        "intervals": parse_axis("intervals", "1:10000:1"),
    }
    plan = plan_sweep(BASE, grid, load_policy(), "visit-clear.yaml")
    first = list(itertools.islice(run_sweep(plan, load_policy(), chunk=10), 3))
    assert (10_000_000, [0, 1, 2]) == (plan.size, [outcome.index for outcome in first])
    assert [(Decimal(1), Decimal(1)), (Decimal(1), Decimal(2))] == [
        (outcome.values[1], outcome.values[3]) for outcome in first[:2]
    ]


def test_plot_without_matplotlib_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without matplotlib, --plot fails before any checking, with one line and no CSV."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = run_cli("sweep", str(CLEAR), *GRID, "--plot", str(tmp_path / "map.png"))
    expected = (
        ExitCode.USAGE,
        "",
        "error: --plot needs matplotlib, which is not installed: pip install 'itbcheck[plot]'\n",
    )
    assert expected == (result.exit_code, result.stdout, result.stderr)


def test_plot_is_a_png(tmp_path: Path) -> None:
    """--plot writes a PNG heat map and says so on stderr (matplotlib is a test dependency)."""
    target = tmp_path / "map.png"
    result = run_cli("sweep", str(CLEAR), *GRID, "--plot", str(target))
    assert (0, f"plot written to {target}") == (result.exit_code, result.stderr.splitlines()[-1])
    assert b"\x89PNG\r\n\x1a\n" == target.read_bytes()[:8]


def test_documented_example_is_real_output() -> None:
    """The sweep example in docs/simulate-and-sweep.md shows the command's real first rows,
    last row and summary."""
    text = (REPO / "docs" / "simulate-and-sweep.md").read_text("utf-8")
    command = "$ itbcheck sweep examples/visit-clear.yaml " + " ".join(DOC_GRID) + "\n"
    shown = text.split(command, 1)[1].split("```", 1)[0].splitlines()
    result = run_cli("sweep", str(CLEAR), *DOC_GRID)
    rows, summary = result.stdout.splitlines(), result.stderr.splitlines()
    assert [*rows[:4], "...", rows[-1], *summary] == shown
