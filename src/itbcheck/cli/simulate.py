"""`itbcheck simulate` and `itbcheck sweep`: the engineers' tools. They read a record and the
pump profiles but never write to the audit log: nothing here is a check of a real visit."""

from __future__ import annotations

import contextlib
import csv
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from itbcheck.cli._handling import ExitCode, PolicyOption, fail, guarded, policy_in_force

RecordArgument = Annotated[
    str, typer.Argument(help="Record file (YAML or JSON), or - for stdin.", show_default=False)
]
EditsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Change a field of the record first, e.g. --set 'refill.fill_volume=40 mL'. "
        "Repeat for more; VALUE is written as in a YAML record, null removes the field.",
    ),
]
PlotOption = Annotated[
    Path | None,
    typer.Option(
        help="Also draw the result into this PNG file (needs matplotlib, the plot extra)."
    ),
]


@contextlib.contextmanager
def _usage_errors() -> Iterator[None]:
    """A variation written wrongly, or a plot that cannot be drawn, is a usage error."""
    from itbcheck.cli._plots import PlotUnavailableError
    from itbcheck.lab.variants import VariantError

    try:
        yield
    except (VariantError, PlotUnavailableError) as error:
        raise fail([f"error: {error}"], ExitCode.USAGE) from None


def _days(option: str, text: str) -> Decimal:
    from itbcheck.exceptions import UnitError
    from itbcheck.units import Kind, parse_quantity

    try:
        return parse_quantity(text, Kind.DURATION, allow_zero=False).value / 24
    except UnitError as error:
        raise fail([f"error: {option}: {error} (got {text!r})"], ExitCode.USAGE) from None


def _base(record: str, edits: list[str] | None) -> tuple[Any, str]:
    """The record's data with the --set edits applied, and its name for messages."""
    from itbcheck.cli import _read_input
    from itbcheck.lab.variants import parse_edit, with_edits
    from itbcheck.reading import load_document

    source = "<stdin>" if record == "-" else record
    changes = [parse_edit(text) for text in edits or []]
    return with_edits(load_document(_read_input(record), source), changes), source


def _plot(draw: Callable[[Any, str, Path], None], subject: Any, source: str, path: Path) -> None:
    try:
        draw(subject, source, path)
    except OSError as error:
        raise fail(
            [f"error: {path}: cannot write: {error.strerror or error}"], ExitCode.USAGE
        ) from None
    typer.echo(f"plot written to {path}", err=True)


@guarded
def simulate(
    record: RecordArgument,
    *,
    edits: EditsOption = None,
    step: Annotated[
        str, typer.Option(metavar="DURATION", help="Time step, with its unit: '1 day', '12 h'.")
    ] = "1 day",
    until: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION",
            help="How far to go, e.g. '120 day'; default: the appointment or the last day a "
            "rate empties the reservoir, whichever is later.",
            show_default=False,
        ),
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the timeline as CSV.")] = False,
    plot: PlotOption = None,
) -> None:
    """Step through time after a refill: reservoir, drug delivered, alarm and empty days at the
    programmed rate and at both ends of the pump's accuracy band, and the appointment."""
    from itbcheck.checking import profile_of
    from itbcheck.cli import _simulate_output as out
    from itbcheck.cli._plots import plot_simulation, pyplot
    from itbcheck.lab.simulation import simulate as run
    from itbcheck.records import parse_record

    with _usage_errors():
        if plot is not None:
            pyplot()
        step_days = _days("--step", step)
        until_days = None if until is None else _days("--until", until)
        data, source = _base(record, edits)
        parsed = parse_record(data, source)
        result = run(parsed, profile_of(parsed, source), step_days=step_days, until_days=until_days)
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(out.TIMELINE_HEADER)
        writer.writerows(out.timeline_rows(result))
    else:
        typer.echo(out.render_simulation(result, source), nl=False)
    if plot is not None:
        _plot(plot_simulation, result, source, plot)


class _Progress:
    """A one-line progress count on stderr, at most four times a second; only when stderr is a
    terminal and the CSV rows are not scrolling past on that terminal."""

    def __init__(self, total: int, *, rows_on_stdout: bool) -> None:
        self.total = total
        self.enabled = sys.stderr.isatty() and not (rows_on_stdout and sys.stdout.isatty())
        self.shown_at = 0.0

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.shown_at > 0.25 or done == self.total:
            self.shown_at = now
            share = done * 100 // max(self.total, 1)
            sys.stderr.write(f"\r  sweep {done:,}/{self.total:,} combinations ({share} %)")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _grid(grid_file: Path | None, options: dict[str, str | None]) -> dict[str, Any]:
    from itbcheck.lab.grid import parse_axis, parse_grid_file

    grid = {}
    if grid_file is not None:
        try:
            raw = grid_file.read_bytes()
        except OSError as error:
            raise fail(
                [f"error: {grid_file}: cannot read: {error.strerror or error}"], ExitCode.USAGE
            ) from None
        grid = parse_grid_file(raw, str(grid_file))
    grid |= {name: parse_axis(name, text) for name, text in options.items() if text is not None}
    return grid


def _axis_option(unit: str, example: str, sets: str) -> Any:
    return typer.Option(
        metavar="VALUES",
        help=f"{unit}: a list or a range START:STOP:STEP, e.g. {example}; {sets}.",
        show_default=False,
    )


@guarded
def sweep(
    record: RecordArgument,
    *,
    concentrations: Annotated[
        str | None,
        _axis_option(
            "mcg/mL", "500,1000,2000", "sets the dispensed, programmed and previous concentration"
        ),
    ] = None,
    doses: Annotated[
        str | None,
        _axis_option(
            "mcg/day", "100:1000:50", "sets a continuous daily dose, and the same previous dose"
        ),
    ] = None,
    fills: Annotated[
        str | None,
        _axis_option("mL", "10:20:2", "sets the fill and the programmed reservoir volume"),
    ] = None,
    intervals: Annotated[
        str | None,
        _axis_option("days", "30:180:30", "sets the next refill that many days after the visit"),
    ] = None,
    grid_file: Annotated[
        Path | None,
        typer.Option(
            "--grid",
            help="TOML, YAML or JSON file with any of concentrations, doses, fills, intervals; "
            "an option on the command line replaces its axis.",
        ),
    ] = None,
    edits: EditsOption = None,
    policy: PolicyOption = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Processes to use; 0: one per core.")
    ] = 1,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the CSV here; the summary then goes to stdout."),
    ] = None,
    plot: PlotOption = None,
) -> None:
    """Run every check over a grid of records built from one base record; one CSV row per
    combination with its verdict and finding codes, then counts per verdict."""
    from itbcheck.cli import _simulate_output as out
    from itbcheck.cli._plots import plot_sweep, pyplot
    from itbcheck.lab.grid import AXES
    from itbcheck.lab.sweep import VerdictMap, plan_sweep, run_sweep
    from itbcheck.policy import load_policy

    given = {
        "concentrations": concentrations,
        "doses": doses,
        "fills": fills,
        "intervals": intervals,
    }
    with _usage_errors():
        if plot is not None:
            pyplot()
        grid = _grid(grid_file, given)
        base, source = _base(record, edits)
        loaded_policy = load_policy(policy_in_force(policy))
        plan = plan_sweep(base, grid, loaded_policy, source)
    verdicts, codes = Counter[str](), Counter[str]()
    heat = VerdictMap(plan) if plot is not None else None
    progress = _Progress(plan.size, rows_on_stdout=output is None)
    stream: TextIO = sys.stdout
    try:
        if output is not None:
            stream = output.open("w", encoding="utf-8", newline="")
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(out.SWEEP_HEADER)
        jobs_used = jobs or os.cpu_count() or 1
        with (
            _usage_errors(),
            contextlib.closing(run_sweep(plan, loaded_policy, jobs=jobs_used)) as outcomes,
        ):
            for outcome in outcomes:
                writer.writerow(out.sweep_row(outcome))
                verdicts[outcome.verdict] += 1
                if outcome.verdict != "INVALID":
                    codes.update(set(outcome.finding_codes))
                if heat is not None:
                    heat.add(outcome)
                progress.update(outcome.index + 1)
    except BrokenPipeError:
        # The reader of stdout stopped (`| head`): stop quietly, as other command-line tools do.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(int(ExitCode.CLEAR)) from None
    except OSError as error:
        raise fail(
            [f"error: {output or 'stdout'}: cannot write: {error}"], ExitCode.USAGE
        ) from None
    finally:
        progress.close()
        if output is not None and stream is not sys.stdout:
            stream.close()
    axes_swept = zip(AXES, plan.sizes, plan.swept, strict=True)
    sizes = " x ".join(f"{size} {axis.name}" for axis, size, swept in axes_swept if swept)
    typer.echo(
        out.render_counts(plan.size, verdicts, codes, sizes or "the base record alone"),
        nl=False,
        err=output is None,
    )
    if heat is not None and plot is not None:
        _plot(plot_sweep, heat, source, plot)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the itbcheck app."""
    app.command(short_help="Follow the reservoir and the drug delivered after a refill.")(simulate)
    app.command(short_help="Check a grid of records built from one base record.")(sweep)
