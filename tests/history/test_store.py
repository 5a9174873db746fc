"""The visit store: tokens only, WAL, schema versions, one writer at a time, and a clear
reason when it cannot be read."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from itbcheck.checking import check_record
from itbcheck.history import schema
from itbcheck.history.lookup import HistorySession, stored_visit
from itbcheck.history.store import StoreUnavailableError, VisitStore
from itbcheck.policy import load_policy
from itbcheck.reading import load_document
from itbcheck.records import Record, parse_record
from tests.conftest import CHECK_FIXTURES, TEST_KEY

KEY = TEST_KEY.encode()
FIXTURE = CHECK_FIXTURES / "history_expected_6_56_ml_aspirated_6_2_ml.yaml"
PATIENT, SERIAL = "MRN-00412345", "NGP100234H"


def record_of(path: Path = FIXTURE) -> Record:
    """A fixture record, validated."""
    return parse_record(load_document(path.read_bytes(), path.name), path.name)


def add_checked(session: HistorySession, record: Record, seq: int) -> None:
    """Check `record` with its history and record it as `seq`."""
    result = check_record(record, load_policy(), "t", session.history(record))
    session.queue(
        stored_visit(
            record,
            result.dose,
            key=KEY,
            verdict=str(result.verdict),
            codes=[f.code for f in result.findings],
            policy_version="p",
            seq=seq,
        )
    )
    session.flush()


def test_no_raw_identifier_in_any_file_byte(tmp_path: Path) -> None:
    """The patient id and pump serial are in no byte of the db, -wal or -shm, in any of
    several encodings, while open and after closing."""
    session = HistorySession(tmp_path / "v.sqlite3", KEY)
    add_checked(session, record_of(), 1)
    encodings = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le")
    needles = [v.encode(e) for v in (PATIENT, SERIAL) for e in encodings]
    needles += [v.encode().hex().encode() for v in (PATIENT, SERIAL)]
    needles += [v.lower().encode() for v in (PATIENT, SERIAL)]

    def leaks() -> list[str]:
        return [
            f"{path.name}:{needle!r}"
            for path in tmp_path.iterdir()
            for needle in needles
            if needle in path.read_bytes()
        ]

    open_files = sorted(path.name for path in tmp_path.iterdir())
    assert ([], ["v.sqlite3", "v.sqlite3-shm", "v.sqlite3-wal"]) == (leaks(), open_files)
    session.close()
    assert [] == leaks()


def test_the_store_is_wal_with_foreign_keys_and_a_version(tmp_path: Path) -> None:
    """WAL journal, foreign keys on, user_version at this itbcheck's schema version."""
    store = VisitStore(tmp_path / "v.sqlite3")
    db = store._db
    settings = (
        db.execute("PRAGMA journal_mode").fetchone()[0],
        db.execute("PRAGMA foreign_keys").fetchone()[0],
        db.execute("PRAGMA user_version").fetchone()[0],
    )
    assert ("wal", 1, schema.schema_version()) == settings


def test_a_store_of_this_version_is_read_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A next version adds a migration step; opening this version's store runs only that
    step, and the visit recorded now is still read."""
    path = tmp_path / "v.sqlite3"
    add_checked(HistorySession(path, KEY), record_of(), 7)

    def to_2(connection: sqlite3.Connection) -> None:
        connection.execute("ALTER TABLE visits ADD COLUMN note TEXT")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, to_2])
    store = VisitStore(path)
    version = store._db.execute("PRAGMA user_version").fetchone()[0]
    assert (2, [7]) == (version, [visit.audit_seq for visit in store.all_visits()])


def test_a_store_newer_than_this_itbcheck_is_refused(tmp_path: Path) -> None:
    """A store with a higher schema version is refused with a clear reason, not guessed at."""
    path = tmp_path / "v.sqlite3"
    VisitStore(path).close()
    sqlite3.connect(path).execute("PRAGMA user_version = 99").connection.close()
    with pytest.raises(StoreUnavailableError, match="schema version 99, newer"):
        VisitStore(path)


def test_corrupt_store_gives_a_reason_and_a_caution(tmp_path: Path) -> None:
    """A file that is not SQLite: the history says why, and the check is CAUTION."""
    path = tmp_path / "v.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    history = HistorySession(path, KEY).history(record_of())
    result = check_record(record_of(), load_policy(), "t", history)
    assert "not a readable SQLite database" in (history.unavailable or "")
    assert ("CAUTION", ["HISTORY_UNAVAILABLE"]) == (
        str(result.verdict),
        [f.code for f in result.findings if f.code.startswith("HISTORY")],
    )


def test_locked_store_gives_a_reason(tmp_path: Path) -> None:
    """Another writer holding the lock past the busy timeout: 'locked', CAUTION."""
    path = tmp_path / "v.sqlite3"
    VisitStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    session = HistorySession(path, KEY, timeout=0.05)
    history = session.history(record_of())
    holder.execute("ROLLBACK")
    holder.close()
    assert "locked" in (history.unavailable or "")


def test_missing_store_folder_gives_a_reason(tmp_path: Path) -> None:
    """A store whose folder does not exist (an unmounted disk): the history says so."""
    history = HistorySession(tmp_path / "gone" / "v.sqlite3", KEY).history(record_of())
    assert "does not exist" in (history.unavailable or "")


WRITER = """
import sys
from pathlib import Path
from itbcheck.history.lookup import HistorySession
from tests.history.test_store import KEY, add_checked, record_of
import datetime as dt
record = record_of()
session = HistorySession(Path(sys.argv[1]), KEY)
for n in range(500):
    moment = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n * 2 + int(sys.argv[2]))
    add_checked(session, record.model_copy(update={"visit_time": moment}), n)
"""


def test_two_writers_lose_no_visit_in_1000_checks(tmp_path: Path) -> None:
    """Two processes each check and record 500 visits at once: 1,000 visits on file."""
    path = tmp_path / "v.sqlite3"
    VisitStore(path).close()
    root = Path(__file__).parents[2]
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(offset)], cwd=root)
        for offset in (0, 1)
    ]
    codes = [writer.wait(timeout=600) for writer in writers]
    assert ([0, 0], 1000) == (codes, VisitStore(path).count())


def test_no_approver_or_free_text_reason_is_stored(tmp_path: Path) -> None:
    """An override's approver and reason and a change reason are in no byte of the store."""
    record = record_of(CHECK_FIXTURES / "dose_below_range_40_override_45.yaml")
    override = record.overrides[0]
    texts = [override.approver, override.reason, record.dosing.change_reason]
    session = HistorySession(tmp_path / "v.sqlite3", KEY)
    add_checked(session, record, 1)
    session.close()
    data = b"".join(path.read_bytes() for path in tmp_path.iterdir())
    assert [] == [text for text in texts if text and text.encode() in data]


def test_a_visit_checked_twice_is_read_once_as_last_recorded(tmp_path: Path) -> None:
    """Of two checks of one visit (same time, same pump), only the later is read back; another
    pump's visit at the same time is its own visit, and the pump filter keeps only its own."""
    record = record_of()
    dose = check_record(record, load_policy(), "t").dose
    other_pump = record.model_copy(
        update={"pump": record.pump.model_copy(update={"serial": "NGP9"})}
    )
    earlier = record.model_copy(update={"visit_time": record.visit_time - dt.timedelta(days=30)})
    session = HistorySession(tmp_path / "v.sqlite3", KEY)
    checks = [(record, "CAUTION"), (record, "CLEAR"), (other_pump, "CLEAR"), (earlier, "CLEAR")]
    for seq, (checked, verdict) in enumerate(checks, start=1):
        session.queue(
            stored_visit(
                checked, dose, key=KEY, verdict=verdict, codes=[], policy_version="p", seq=seq
            )
        )
    session.flush()
    patient, pump = session.tokens(record)
    everything = [(v.audit_seq, v.verdict) for v in session.store().visits_of(patient)]
    own_pump = [v.audit_seq for v in session.store().visits_of(patient, pump)]
    assert ([(4, "CLEAR"), (2, "CLEAR"), (3, "CLEAR")], [4, 2]) == (everything, own_pump)
