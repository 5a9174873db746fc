"""PNG plots for `simulate --plot` and `sweep --plot`. matplotlib is an optional extra
(`pip install 'itbcheck[plot]'`), imported only here and only when a plot is asked for."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

from itbcheck.lab.simulation import Simulation
from itbcheck.lab.sweep import VERDICT_OF_RANK, Plan, VerdictMap
from itbcheck.units import format_number

MISSING = "--plot needs matplotlib, which is not installed: pip install 'itbcheck[plot]'"

# The Okabe-Ito palette (Okabe and Ito, Color Universal Design, 2002/2008; Wong, Nature Methods
# 2011): its colours stay distinct for protan, deutan and tritan colour vision, where the
# earlier green and red met as the same olive for about 1 man in 12. The meaning stays green,
# amber, red: bluish green CLEAR, orange CAUTION, vermillion STOP, and the neutral grey for
# INVALID; the legend names each, and the verdict is also in the CSV.
OKABE_ITO = {
    "bluish_green": "#009E73",
    "orange": "#E69F00",
    "vermillion": "#D55E00",
    "blue": "#0072B2",
    "grey": "#999999",
}
_VERDICT_COLOURS = {
    "CLEAR": OKABE_ITO["bluish_green"],
    "CAUTION": OKABE_ITO["orange"],
    "STOP": OKABE_ITO["vermillion"],
    "INVALID": OKABE_ITO["grey"],
}


class PlotUnavailableError(Exception):
    """matplotlib is not installed."""


def pyplot() -> Any:
    """matplotlib's pyplot on a file-only backend, or `PlotUnavailableError`."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailableError(MISSING) from None
    return plt


def plot_simulation(simulation: Simulation, source: str, path: Path) -> None:
    """Reservoir volume against days: nominal line, band shaded between the low and high
    rates, the alarm volume, the appointment, and each alarm day marked."""
    plt = pyplot()
    days = [float(row.day) for row in simulation.rows]
    volumes = list(zip(*(row.reservoir_ml for row in simulation.rows), strict=True))
    outlook = simulation.forecast
    figure, axes = plt.subplots(figsize=(9, 5.5), dpi=110)
    if len(simulation.scenarios) == 3:
        low, high = simulation.scenarios[1], simulation.scenarios[2]
        axes.fill_between(
            days,
            [float(v) for v in volumes[2]],
            [float(v) for v in volumes[1]],
            color=OKABE_ITO["blue"],
            alpha=0.2,
            linewidth=0,
            label=f"accuracy band \u00b1{format_number(high.band_percent)} %: "
            f"{_rate(low)} to {_rate(high)}",
        )
    nominal = simulation.scenarios[0]
    axes.plot(
        days,
        [float(v) for v in volumes[0]],
        color=OKABE_ITO["blue"],
        label=f"nominal: {_rate(nominal)}",
    )
    alarm = float(outlook.alarm_volume_ml)
    axes.axhline(
        alarm,
        color=OKABE_ITO["vermillion"],
        linestyle="--",
        label=f"low-reservoir alarm volume ({format_number(outlook.alarm_volume_ml)} mL)",
    )
    markers = {"nominal": "o", "low": "^", "high": "v"}
    for scenario in simulation.scenarios:
        if scenario.days_to_alarm is not None:
            axes.plot(
                float(scenario.days_to_alarm),
                alarm,
                markers[scenario.rate],
                color=OKABE_ITO["vermillion"],
                label=f"alarm volume reached, {scenario.rate}: day "
                f"{format_number(scenario.days_to_alarm, 1)}",
            )
    appointment = simulation.record.next_refill.isoformat()
    axes.axvline(
        outlook.appointment_days,
        color="black",
        linestyle=":",
        label=f"appointment: day {outlook.appointment_days} ({appointment})",
    )
    visit = simulation.record.visit_time.date().isoformat()
    axes.set_xlabel(f"days since the refill visit on {visit} (day)")
    axes.set_ylabel("reservoir volume (mL)")
    axes.set_xlim(0, days[-1])
    axes.set_ylim(0, float(outlook.fill_volume_ml) * 1.05)
    axes.set_title(
        f"itbcheck simulate: {Path(source).name}, {simulation.profile.version}\n"
        f"{format_number(simulation.dose.prescribed_daily_dose_mcg_per_day)} mcg/day at "
        f"{format_number(simulation.dose.programmed_concentration_mcg_per_ml)} mcg/mL, "
        f"{format_number(outlook.fill_volume_ml)} mL filled",
        fontsize=11,
    )
    axes.grid(visible=True, alpha=0.3)
    axes.legend(loc="upper right", fontsize=8.5)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _rate(scenario: Any) -> str:
    return f"{format_number(scenario.daily_volume_ml_per_day)} mL/day"


def _edges(values: list[float]) -> list[float]:
    """Cell edges around each value: halfway to its neighbours."""
    if len(values) == 1:
        half = max(abs(values[0]) * 0.05, 0.5)
        return [values[0] - half, values[0] + half]
    middles = [(a + b) / 2 for a, b in itertools.pairwise(values)]
    return [
        values[0] - (middles[0] - values[0]),
        *middles,
        values[-1] + (values[-1] - middles[-1]),
    ]


def plot_sweep(verdicts: VerdictMap, source: str, path: Path) -> None:
    """Heat map of the verdict, daily dose against refill interval, one panel per
    concentration; with several fill volumes, each cell shows the worst of them."""
    plt = pyplot()
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    plan: Plan = verdicts.plan
    concentrations = plan.axis_values(0)
    doses = [float(value) for value in plan.axis_values(1)]
    intervals = [float(value) for value in plan.axis_values(3)]
    columns = 2 if len(concentrations) == 4 else min(len(concentrations), 3)
    rows = math.ceil(len(concentrations) / columns)
    figure, grid = plt.subplots(
        rows, columns, figsize=(4.6 * columns, 4 * rows + 0.9), dpi=110, squeeze=False
    )
    colours = ["#ffffff", *(_VERDICT_COLOURS[VERDICT_OF_RANK[rank]] for rank in (1, 2, 3, 4))]
    cmap = ListedColormap(colours)
    norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5, 4.5], cmap.N)
    seen: set[int] = set()
    for number, concentration in enumerate(concentrations):
        axes = grid[number // columns][number % columns]
        ranks = [
            [verdicts.rank(number, dose, interval) for interval in range(len(intervals))]
            for dose in range(len(doses))
        ]
        seen |= {rank for line in ranks for rank in line}
        axes.pcolormesh(_edges(intervals), _edges(doses), ranks, cmap=cmap, norm=norm)
        axes.set_title(f"{format_number(concentration)} mcg/mL", fontsize=10)
        axes.set_xlabel("days from the visit to the next refill (day)")
        axes.set_ylabel("daily dose (mcg/day)")
    for spare in range(len(concentrations), rows * columns):
        grid[spare // columns][spare % columns].set_visible(False)
    fills = plan.axis_values(2)
    over = (
        f"worst of {len(fills)} fill volumes"
        if len(fills) > 1
        else f"fill {format_number(fills[0])} mL"
    )
    figure.suptitle(
        f"itbcheck sweep: verdict by daily dose and refill interval\n"
        f"base {Path(source).name}, {over}",
        fontsize=11,
    )
    handles = [
        Patch(color=_VERDICT_COLOURS[VERDICT_OF_RANK[rank]], label=VERDICT_OF_RANK[rank])
        for rank in (1, 2, 3, 4)
        if rank in seen or rank < 4
    ]
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9)
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    figure.savefig(path)
    plt.close(figure)
