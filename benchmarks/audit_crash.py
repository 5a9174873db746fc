"""Crash test of the audit log: writers appending to one log while being killed with SIGKILL.

Run from the repository root with itbcheck installed:
    python benchmarks/audit_crash.py [--writers 4] [--entries 10000] [--batch 1]

Each writer appends entries through itbcheck's own append (lock, one write, fsync), --batch
entries at a time as `itbcheck sheet` does, and, only after the append returns, records the
entries' ids in its acknowledgement file. The parent kills a
random writer every few tens of milliseconds and starts a fresh one. At the end it checks:
every acknowledged entry is in the log (0 lost), no sequence number repeats, no line is
interleaved or broken (a torn last line is quarantined by the next append, as in real use),
and the chain verifies; when the log ends whole, its final newline is dropped first and the
log must still verify and be terminated, not quarantined, by the final append. It prints
those counts and the appends per second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

WRITER = """
import os, sys
from pathlib import Path
from itbcheck.audit.chain import append_many
log, acks, name, batch = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
backend = None
if sys.argv[5] == "windows-fake":  # the Windows branch of the lock, msvcrt faked (tests/)
    sys.path.insert(0, sys.argv[6])
    sys.modules["msvcrt"] = __import__("tests.fake_msvcrt", fromlist=["locking"])
    backend = "windows"
fd = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
number = 0
while True:
    ids = [f"{name}-{number + offset}" for offset in range(batch)]
    append_many(
        log, [{"schema": 1, "event": "crash_test", "id": entry_id} for entry_id in ids], backend
    )
    os.write(fd, "".join(entry_id + "\\n" for entry_id in ids).encode())
    number += batch
"""


def _acknowledged(folder: Path) -> list[str]:
    ids: list[str] = []
    for path in folder.glob("acks-*"):
        ids += [line for line in path.read_text("utf-8").split("\n") if line]
    return ids


def _report(log: Path, acked: list[str], summary: str, elapsed: float) -> bool:
    """Print the figures; True when nothing acknowledged was lost and the chain verifies."""
    from itbcheck.audit.chain import append
    from itbcheck.audit.verification import verify

    # A log that lost only its final newline (issue 10 point 13) must still verify, and the
    # final append must terminate it without a quarantine. A torn tail left by the last kill
    # is left as it is: that is the quarantine case.
    data = log.read_bytes()
    dropped = data.endswith(b"\n")
    if dropped:
        log.write_bytes(data[:-1])
    unterminated = verify(log.read_bytes())
    appended = append(log, {"schema": 1, "event": "crash_test", "id": "final"})
    data = log.read_bytes()
    result = verify(data)
    entries, broken = [], 0
    for line in data.split(b"\n")[:-1]:
        try:
            entries.append(json.loads(line))
        except ValueError:
            broken += 1
    ids = Counter(entry.get("id") for entry in entries)
    seqs = Counter(entry["seq"] for entry in entries)
    lost = [entry_id for entry_id in acked if entry_id not in ids]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}")
    print(summary)
    print(f"acknowledged entries: {len(acked)}, entries in log: {len(entries)}")
    print(f"lost acknowledged entries: {len(lost)}")
    print(f"duplicate sequence numbers: {sum(1 for n in seqs.values() if n > 1)}")
    print(f"duplicate entries: {sum(1 for n in ids.values() if n > 1)}")
    print(
        f"broken lines (torn by a kill, then quarantined): {broken}, "
        f"quarantined by the final append: {appended.quarantined_bytes} bytes"
    )
    if dropped:
        print(
            f"final newline dropped before the final append: verifies {unterminated.ok}, "
            f"then terminated with {appended.quarantined_bytes} bytes quarantined"
        )
    else:
        print("final newline dropped: no (the last kill left a torn tail instead)")
    print(
        f"chain verifies: {result.ok} ({result.entries} entries, {result.quarantined} "
        f"quarantined)" + ("" if result.ok else f" {result.reason}")
    )
    print(
        f"elapsed: {elapsed:.1f} s, appends per second (all writers): {len(entries) / elapsed:.0f}"
    )
    sound_without_newline = not dropped or (unterminated.ok and not appended.quarantined_bytes)
    return not lost and all(n == 1 for n in seqs.values()) and result.ok and sound_without_newline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--batch", type=int, default=1, help="entries per append")
    parser.add_argument(
        "--lock",
        choices=["native", "windows-fake"],
        default="native",
        help="the lock's branch: this platform's, or Windows' with msvcrt faked (on Linux)",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        log = folder / "audit.jsonl"
        started = 0

        def start() -> subprocess.Popen[bytes]:
            nonlocal started
            started += 1
            name = f"w{started}"
            return subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WRITER,
                    str(log),
                    str(folder / f"acks-{name}"),
                    name,
                    str(args.batch),
                    args.lock,
                    str(Path(__file__).resolve().parent.parent),
                ]
            )

        writers = [start() for _ in range(args.writers)]
        kills = 0
        begin = time.perf_counter()
        while len(_acknowledged(folder)) < args.entries:
            time.sleep(rng.uniform(0.02, 0.2))
            victim = rng.randrange(len(writers))
            writers[victim].send_signal(signal.SIGKILL)
            writers[victim].wait()
            kills += 1
            writers[victim] = start()
        for writer in writers:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        elapsed = time.perf_counter() - begin
        kills += len(writers)

        acked = _acknowledged(folder)
        summary = (
            f"writers: {args.writers}, entries per append: {args.batch}, lock: {args.lock}, "
            f"kills (SIGKILL): {kills}, processes: {started}"
        )
        sys.exit(0 if _report(log, acked, summary, elapsed) else 1)


if __name__ == "__main__":
    main()
