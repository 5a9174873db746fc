"""What the visit store costs: the time history adds to one check, and the store's size.

Run from the repository root with itbcheck installed:
    python benchmarks/history.py [--repeat 200]

For 10 and for 10,000 visits on file (the checked patient has 10 of them, the rest belong to
other patients), it times the same record checked alone and checked with history (the
lookup, the checks, the visit recorded in its own transaction), and prints the medians and
their difference. Then it prints the store's size per 1,000 visits (after a WAL checkpoint).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import platform
import statistics
import tempfile
import time
from pathlib import Path

from itbcheck.checking import check_record
from itbcheck.history.lookup import HistorySession, stored_visit, utc_text
from itbcheck.history.store import StoredVisit, VisitStore
from itbcheck.policy import load_policy
from itbcheck.reading import load_document
from itbcheck.records import Record, parse_record

FIXTURE = Path("tests/checks/fixtures/history_expected_6_56_ml_aspirated_6_2_ml.yaml")
KEY = b"benchmark-key-0123456789"


def _visit(record: Record) -> StoredVisit:
    result = check_record(record, load_policy(), "bench")
    return stored_visit(
        record, result.dose, key=KEY, verdict="CLEAR", codes=[], policy_version="p", seq=1
    )


def _populate(path: Path, record: Record, total: int) -> None:
    """`total` visits: 10 of the checked patient (one every 28 days before the record), the
    rest of other patients."""
    own = _visit(record)
    rows = [
        dataclasses.replace(
            own, visit_time=utc_text(record.visit_time - dt.timedelta(days=28 * (n + 1)))
        )
        for n in range(10)
    ]
    rows += [
        dataclasses.replace(own, patient_token=f"{n:064x}", pump_token=f"{n + 1:064x}")
        for n in range(total - 10)
    ]
    store = VisitStore(path)
    store.add(rows)
    store.close()


def _with_history(session: HistorySession, record: Record) -> object:
    """One check with history: look up, check, record the visit (its own transaction)."""
    policy = load_policy()

    def run() -> None:
        result = check_record(record, policy, "bench", session.history(record))
        codes = [finding.code for finding in result.findings]
        session.queue(
            stored_visit(
                record,
                result.dose,
                key=KEY,
                verdict=str(result.verdict),
                codes=codes,
                policy_version="p",
                seq=None,
            )
        )
        session.flush()

    return run


def _median_ms(run: object, repeat: int) -> float:
    assert callable(run)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    repeat = parser.parse_args().repeat
    policy = load_policy()
    record = parse_record(load_document(FIXTURE.read_bytes(), FIXTURE.name), FIXTURE.name)
    print(f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}")
    for total in (10, 10_000):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "visits.sqlite3"
            _populate(path, record, total)
            session = HistorySession(path, KEY)

            def alone() -> None:
                check_record(record, policy, "bench")

            base, added = (
                _median_ms(alone, repeat),
                _median_ms(_with_history(session, record), repeat),
            )
            session.close()
            print(
                f"{total:>6} visits on file: check alone {base:.2f} ms, with history "
                f"{added:.2f} ms, history adds {added - base:.2f} ms (median of {repeat})"
            )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "visits.sqlite3"
        _populate(path, record, 10_000)
        store = VisitStore(path)
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        size = path.stat().st_size
        print(f"store size: {size / 10 / 1024:.0f} KiB per 1,000 visits ({size} bytes for 10,000)")


if __name__ == "__main__":
    main()
