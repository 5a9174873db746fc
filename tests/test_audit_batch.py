"""Audit entries in batches, as `itbcheck sheet` writes them: one lock, one write and one fsync
per batch, the same chain and the same bytes as one append per entry."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itbcheck.audit import AuditBatch
from itbcheck.audit.canonical import GENESIS, canonical, entry_hash, sealed_line
from itbcheck.audit.chain import append, append_many
from itbcheck.audit.verification import verify

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(fields=st.dictionaries(st.text(max_size=12), _VALUES, max_size=8))
def test_sealed_line_is_the_canonical_line_of_the_hashed_entry(fields: dict[str, Any]) -> None:
    """Encoding an entry once, around its hash, gives the entry hashed as `entry_hash` says
    and exactly its canonical line, whatever the keys (one called hash, or none before it)."""
    for given_fields in (fields, {"event": "x", **fields}):
        expected = {**given_fields, "seq": 7, "prev_hash": GENESIS}
        expected["hash"] = entry_hash(expected)
        entry, line = sealed_line(given_fields, seq=7, prev_hash=GENESIS)
        assert (expected, canonical(expected)) == (entry, line)


def _fields(number: int) -> dict[str, Any]:
    return {"schema": 1, "event": "record_checked", "line": number, "verdict": "CLEAR"}


def test_a_batch_is_the_same_log_as_one_append_each(tmp_path: Path) -> None:
    """Appending 5 entries as one batch writes byte for byte the log 5 single appends write."""
    one_by_one, batched = tmp_path / "one.jsonl", tmp_path / "batch.jsonl"
    for number in range(5):
        append(one_by_one, _fields(number))
    append_many(batched, [_fields(number) for number in range(5)])
    assert one_by_one.read_bytes() == batched.read_bytes()
    assert (True, 5) == (verify(batched.read_bytes()).ok, verify(batched.read_bytes()).entries)


def test_a_batch_takes_one_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch of 100 entries to an existing log is flushed to disk once."""
    log = tmp_path / "audit.jsonl"
    append(log, _fields(0))
    calls: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        calls.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    append_many(log, [_fields(number) for number in range(1, 101)])
    assert (1, 101) == (len(calls), verify(log.read_bytes()).entries)


def test_a_batch_after_a_torn_line_quarantines_it_first(tmp_path: Path) -> None:
    """A cut-short last line is quarantined before the batch; only the first entry of the
    batch reports it."""
    log = tmp_path / "audit.jsonl"
    append(log, _fields(0))
    with log.open("ab") as handle:
        handle.write(b'{"event":"cut sh')
    appended = append_many(log, [_fields(1), _fields(2)])
    assert [16, 0] == [item.quarantined_bytes for item in appended]
    assert [3, 4] == [item.entry["seq"] for item in appended]
    assert verify(log.read_bytes()).ok


def test_audit_batch_writes_nothing_until_flushed(tmp_path: Path) -> None:
    """Entries added to an AuditBatch reach the log only at flush, in order, one per add; an
    empty flush writes nothing."""
    log = tmp_path / "audit.jsonl"
    batch = AuditBatch(log)
    assert [] == batch.flush()
    for number in range(3):
        batch.add("record_checked", {"line": number})
    assert (3, False) == (len(batch), log.exists())
    appended = batch.flush()
    assert ([0, 1, 2], 0) == ([item.entry["line"] for item in appended], len(batch))
    assert {"schema": 1, "event": "record_checked"}.items() <= appended[0].entry.items()
