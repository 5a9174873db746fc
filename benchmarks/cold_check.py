"""Cold start of one `itbcheck check`, the bedside case: whole process, median of N runs.

Run from the repository root with itbcheck installed:  python benchmarks/cold_check.py
Prints the median wall time of `itbcheck check examples/visit-clear.yaml` and of importing
itbcheck's dependencies alone, the floor they set.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 15
REPO = Path(__file__).resolve().parent.parent


def _median_seconds(command: list[str], env: dict[str, str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=REPO, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    itbcheck = shutil.which("itbcheck", path=str(Path(sys.executable).parent)) or "itbcheck"
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "ITBCHECK_AUDIT_LOG": str(Path(folder) / "audit.jsonl")}
        check = _median_seconds([itbcheck, "check", "examples/visit-clear.yaml"], env)
        floor = _median_seconds(
            [sys.executable, "-c", "import typer, pydantic, pint, structlog"], env
        )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"cold itbcheck check, median of {RUNS}: {check * 1000:.0f} ms")
    print(f"import typer, pydantic, pint, structlog, median of {RUNS}: {floor * 1000:.0f} ms")
    print(f"ratio: {check / floor:.2f}")


if __name__ == "__main__":
    main()
