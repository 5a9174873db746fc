"""Combinations per second of `itbcheck sweep`, with one process and with two.

Run from the repository root with itbcheck installed:  python benchmarks/sweep_rate.py
Sweeps examples/visit-clear.yaml over 3 concentrations x 96 doses x 2 fills x 180 intervals
(103,680 records), each validated and checked in full, rows formatted as CSV and hashed, and
prints the rate for --jobs 1 and --jobs 2, the CPU time they used and the machine. A script,
not a test: its figures are timings, and other work on the machine takes cores from it (the
load average and the cores busy on average say how much). Also checks that both runs wrote the
same rows.
"""

from __future__ import annotations

import csv
import hashlib
import os
import platform
import sys
import time
from pathlib import Path

from itbcheck.cli._simulate_output import SWEEP_HEADER, sweep_row
from itbcheck.lab.grid import parse_axis
from itbcheck.lab.sweep import plan_sweep, run_sweep
from itbcheck.policy import load_policy
from itbcheck.reading import load_document

REPO = Path(__file__).resolve().parent.parent
BASE = REPO / "examples" / "visit-clear.yaml"
GRID = {
    "concentrations": "500,1000,2000",
    "doses": "50:1000:10",
    "fills": "18,20",
    "intervals": "1:180:1",
}


class _Sink:
    """A CSV destination that keeps only a hash of what was written."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()

    def write(self, text: str) -> int:
        self.digest.update(text.encode("utf-8"))
        return len(text)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished worker processes."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text("utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown processor"


def main() -> None:
    policy = load_policy()
    base = load_document(BASE.read_bytes(), BASE.name)
    grid = {name: parse_axis(name, text) for name, text in GRID.items()}
    plan = plan_sweep(base, grid, policy, BASE.name)
    print(
        f"machine: {platform.machine()}, {_processor()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()}"
    )
    print(f"grid: {plan.size:,} combinations ({' x '.join(map(str, plan.sizes))})")
    # Other work on the machine takes cores from the sweep: say how busy it was.
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    digests = []
    for jobs in (1, 2):
        sink = _Sink()
        writer = csv.writer(sink, lineterminator="\n")
        writer.writerow(SWEEP_HEADER)
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        for outcome in run_sweep(plan, policy, jobs=jobs):
            writer.writerow(sweep_row(outcome))
        seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
        digests.append(sink.digest.hexdigest())
        print(
            f"--jobs {jobs}: {plan.size:,} in {seconds:.1f} s = "
            f"{plan.size / seconds:,.0f} combinations per second "
            f"(CPU {cpu:.1f} s in all processes, {cpu / seconds:.2f} cores busy on average)"
        )
    print(f"same rows with 1 and 2 jobs: {digests[0] == digests[1]}")
    sys.exit(0 if digests[0] == digests[1] else 1)


if __name__ == "__main__":
    main()
