"""How fast itbcheck is, in the figures of issues 6 and 14, measured in one run on one machine.

Run from the repository root with itbcheck and its test extra installed:
    python benchmarks/speed.py [--runs 15] [--rows 100000] [--sheet-runs 3] [--posts 200]

1. Cold start, the bedside case: the whole-process wall time of `itbcheck check` on one
   example record, median of --runs runs, divided by that of
   `python -c "import typer, pydantic, pint, structlog"`, the floor itbcheck's dependencies
   set. Target <= 1.0, stretch <= 0.75 (issue 14). The two commands alternate, so a machine
   that is busy for a while slows both alike; CPU time (user + system) is printed too, being
   less sensitive to other load. Bytecode is allowed to be cached, as an installed package's
   is, and one run of each is discarded first.
2. Sheet throughput: rows per second of `itbcheck sheet` (human output) on a generated
   --rows sheet, divided by rows per second of plain pydantic validation of the same rows with
   no checks: the same file read by itbcheck's sheet reader and each row given to
   `Record.model_validate`, nothing else. Both are whole processes, alternating, median of
   --sheet-runs runs. Target >= 0.40, stretch >= 0.5 (issue 14). `itbcheck sheet --format
   jsonl` runs in the same rotation; target: at least the human output's rate. Every sheet
   run starts from an empty audit log and visit store, so no run sees another's visits.
3. Memory: peak resident memory of `itbcheck sheet` on a 10,000-row and on the --rows sheet.
   Target: the larger within 10 % of the smaller.
4. Web latency: --posts form posts of the STOP example, one after another, to `itbcheck serve`
   (one worker, loopback) with the visit store on (an audit key) and off (no key); median and
   95th percentile per check, the audit entry's fsync included (helpers in benchmarks/web.py).

The generated sheet repeats the valid rows of examples/refill-day.csv, each with its own
patient and pump identifiers, in the proportions of a plausible clinic: of every 100 rows, 85
CLEAR, 8 CAUTION, 5 STOP and 2 that are not valid records. The audit log is a temporary file,
written with a key set, as in real use. No figure here is asserted by a test.

With --where, it measures nothing and shows where the time goes instead: the 15 slowest imports
of a cold `itbcheck check` (`python -X importtime`), and a per-row profile of `itbcheck sheet`
on a generated --where-rows sheet (cProfile, so every figure is inflated alike by the
profiler's own cost: read them as shares, not as timings).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_SHEET = REPO / "examples" / "refill-day.csv"
MIX = {"CLEAR": 85, "CAUTION": 8, "STOP": 5, "INVALID": 2}
FLOOR = "import typer, pydantic, pint, structlog"
BASELINE = """
import sys
from itbcheck.records import Record
from itbcheck.sheet import read_sheet
with open(sys.argv[1], "rb") as stream:
    for row in read_sheet(stream, sys.argv[1], jsonl=False):
        try:
            Record.model_validate(row.load(row.raw, "row"))
        except Exception:
            pass
"""


def _templates() -> tuple[list[str], dict[str, list[list[str]]]]:
    """The example sheet's header, and its rows by what `itbcheck sheet` makes of them."""
    from itbcheck.assessment import assess
    from itbcheck.policy import load_policy
    from itbcheck.sheet import read_sheet

    policy = load_policy()
    with EXAMPLE_SHEET.open(encoding="utf-8", newline="") as handle:
        header, *cells = list(csv.reader(handle))
    found: dict[str, list[list[str]]] = {name: [] for name in MIX}
    with EXAMPLE_SHEET.open("rb") as stream:
        for row, row_cells in zip(read_sheet(stream, "example", jsonl=False), cells, strict=True):
            outcome = assess(
                row.read,
                "example",
                fields={},
                key=lambda: None,
                policy=lambda: policy,
                load=row.load,
                parse=row.parse,
            )
            verdict = "INVALID" if outcome.result is None else outcome.result.verdict.value
            if len(row_cells) == len(header):
                found[verdict].append(row_cells)
    return header, found


def generate_sheet(path: Path, rows: int) -> None:
    """A CSV sheet of `rows` rows in the proportions of MIX, each with its own identifiers."""
    header, found = _templates()
    plan = [name for name, share in MIX.items() for _ in range(share)]
    patient, serial = header.index("patient.id"), header.index("pump.serial")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for number in range(rows):
            choices = found[plan[number % len(plan)]]
            cells = list(choices[number // len(plan) % len(choices)])
            cells[patient], cells[serial] = f"MRN-{number:08d}", f"NGP{number:07d}H"
            writer.writerow(cells)


def _run(
    command: Sequence[str], env: dict[str, str], fresh: Path | None = None
) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak resident KiB of one process, its output discarded.
    With `fresh`, that folder (the audit log's and visit store's) is emptied first."""
    if fresh is not None:
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in {0, 3, 10, 20}:
        raise SystemExit(f"failed: {' '.join(command)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def cold_start(itbcheck: str, runs: int, env: dict[str, str]) -> None:
    commands = {
        "check": [itbcheck, "check", "examples/visit-clear.yaml"],
        "floor": [sys.executable, "-c", FLOOR],
    }
    measured: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
    for command in commands.values():
        _run(command, env)  # bytecode cached, disk cache warm: "cold" is a new process
    for _ in range(runs):
        for name, command in commands.items():
            measured[name].append(_run(command, env))
    wall = {name: statistics.median(m[0] for m in runs_) for name, runs_ in measured.items()}
    cpu = {name: statistics.median(m[1] for m in runs_) for name, runs_ in measured.items()}
    print(f"1. cold start, median of {runs} runs each, alternating")
    print(f"   itbcheck check examples/visit-clear.yaml   {wall['check'] * 1000:6.0f} ms wall")
    print(f"   python -c '{FLOOR}'   {wall['floor'] * 1000:6.0f} ms wall")
    print(f"   ratio (target <= 1.0, stretch <= 0.75): {wall['check'] / wall['floor']:.2f}")
    print(f"   (CPU time: {cpu['check'] * 1000:.0f} ms / {cpu['floor'] * 1000:.0f} ms = ", end="")
    print(f"{cpu['check'] / cpu['floor']:.2f})")


def throughput(itbcheck: str, rows: int, runs: int, folder: Path, env: dict[str, str]) -> None:
    small, large = folder / "sheet-10000.csv", folder / f"sheet-{rows}.csv"
    generate_sheet(small, 10_000)
    generate_sheet(large, rows)
    commands = {
        "sheet": [itbcheck, "sheet", str(large)],
        "base": [sys.executable, "-c", BASELINE, str(large)],
        "jsonl": [itbcheck, "sheet", "--format", "jsonl", str(large)],
    }
    logs = Path(env["ITBCHECK_AUDIT_LOG"]).parent
    measured: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            measured[name].append(_run(command, env, logs))
    wall = {name: statistics.median(m[0] for m in runs_) for name, runs_ in measured.items()}
    cpu = {name: statistics.median(m[1] for m in runs_) for name, runs_ in measured.items()}
    large_peak = statistics.median(m[2] for m in measured["sheet"])
    peaks = [_run([itbcheck, "sheet", str(small)], env, logs)[2] for _ in range(3)]
    small_peak = statistics.median(peaks)
    sheet_rate, base_rate = rows / wall["sheet"], rows / wall["base"]
    jsonl_rate = rows / wall["jsonl"]
    print(f"2. sheet throughput on {rows:,} rows, whole process, median of {runs} runs each")
    print(f"   itbcheck sheet                  {sheet_rate:8,.0f} rows/s ({wall['sheet']:.1f} s)")
    print(f"   pydantic validation, no checks  {base_rate:8,.0f} rows/s ({wall['base']:.1f} s)")
    print(f"   ratio (target >= 0.40, stretch >= 0.5): {sheet_rate / base_rate:.2f}")
    print(f"   (CPU time: {cpu['sheet']:.1f} s / {cpu['base']:.1f} s, ", end="")
    print(f"ratio {cpu['base'] / cpu['sheet']:.2f})")
    print(f"   itbcheck sheet --format jsonl   {jsonl_rate:8,.0f} rows/s ({wall['jsonl']:.1f} s)")
    print(f"   jsonl / human (target >= 1.0): {jsonl_rate / sheet_rate:.2f}")
    print("3. peak memory of itbcheck sheet")
    print(
        f"   10,000 rows {small_peak / 1024:6.1f} MiB; {rows:,} rows {large_peak / 1024:6.1f} MiB"
    )
    print(f"   growth (target <= 10 %): {(large_peak / small_peak - 1) * 100:+.1f} %")


def web_latency(posts: int) -> None:
    from web import latencies  # benchmarks/web.py, beside this script

    print(f"4. web check latency, {posts} posts of the STOP example to itbcheck serve, 1 worker")
    for key, what in ((True, "with the visit store   "), (False, "without (no audit key)")):
        times = sorted(latencies(posts, key=key))
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        median = statistics.median(times)
        print(f"   {what} median {median * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms")


PROFILE_ROWS = """
import cProfile, os, pstats, sys
from itbcheck.cli import main
rows = int(sys.argv[2])
sys.argv = ["itbcheck", "sheet", *sys.argv[3:], sys.argv[1]]
sys.stdout = open(os.devnull, "w")
profile = cProfile.Profile()
profile.enable()
try:
    main()
except SystemExit:
    pass
profile.disable()
sys.stdout = sys.__stdout__
stats = pstats.Stats(profile).stats  # (file, line, name) -> (calls, calls, own s, total s, callers)
ours = [(key, value) for key, value in stats.items() if "itbcheck" in key[0]]
for title, column in (("cumulative", 3), ("own", 2)):
    print(f"   itbcheck's functions by {title} time, us per row (profiled):")
    for (file, line, name), value in sorted(ours, key=lambda item: -item[1][column])[:15]:
        where = file.split("itbcheck/", 1)[-1]
        print(f"   {value[column] / rows * 1e6:9.1f}  {where}:{line} {name}")
"""


def where_time_goes(itbcheck: str, rows: int, env: dict[str, str]) -> None:
    """Import-time and per-row profiles: where a missed target's time still goes."""
    command = [sys.executable, "-X", "importtime", "-m", "itbcheck", "check"]
    done = subprocess.run(
        [*command, "examples/visit-clear.yaml"],
        check=False,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    imports: list[tuple[int, int, str]] = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            own, cumulative, module = (part.strip() for part in line[12:].split("|"))
            imports.append((int(cumulative), int(own), module))
    print("1. slowest imports of a cold itbcheck check (ms, cumulative / own)")
    for total_us, own_us, module in sorted(imports, reverse=True)[:15]:
        print(f"   {total_us / 1000:7.1f} {own_us / 1000:7.1f}  {module}")
    with tempfile.TemporaryDirectory() as folder:
        sheet = Path(folder) / "sheet.csv"
        generate_sheet(sheet, rows)
        for form in ("human", "jsonl"):
            print(f"2. per-row profile of itbcheck sheet --format {form}, {rows:,} rows")
            subprocess.run(
                [sys.executable, "-c", PROFILE_ROWS, str(sheet), str(rows), "--format", form],
                env=env,
                cwd=REPO,
                check=True,
            )


def machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        model = names[0].split(":", 1)[1].strip() if names else model
    return (
        f"{model}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f} at start"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sheet-runs", type=int, default=3)
    parser.add_argument("--posts", type=int, default=200, help="0 skips the web figure")
    parser.add_argument("--where", action="store_true", help="profiles instead of figures")
    parser.add_argument("--where-rows", type=int, default=3000)
    arguments = parser.parse_args()
    bin_folder = Path(sys.executable).parent
    itbcheck = str(bin_folder / "itbcheck") if (bin_folder / "itbcheck").exists() else "itbcheck"
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        (folder / "logs").mkdir()
        env |= {"ITBCHECK_AUDIT_LOG": str(folder / "logs" / "audit.jsonl"), "NO_COLOR": "1"}
        env |= {"ITBCHECK_AUDIT_KEY": "benchmark-key-0123456789", "ITBCHECK_OPERATOR": "bench"}
        if arguments.where:
            where_time_goes(itbcheck, arguments.where_rows, env)
            return
        cold_start(itbcheck, arguments.runs, env)
        throughput(itbcheck, arguments.rows, arguments.sheet_runs, folder, env)
    if arguments.posts:
        web_latency(arguments.posts)


if __name__ == "__main__":
    main()
