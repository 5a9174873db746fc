"""The audit log's lock through its interface, with each platform branch selected explicitly.

The Windows branch runs here on Linux with `msvcrt` faked by tests/fake_msvcrt.py, whose
locks are real inter-process record locks; nothing in this file has run on a Windows machine.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from itbcheck.audit import lock as locking
from itbcheck.audit.chain import append
from itbcheck.audit.lock import WINDOWS_LOCK_OFFSET, Backend, exclusive, open_for_append
from itbcheck.audit.verification import verify
from tests import fake_msvcrt

ROOT = Path(__file__).resolve().parent.parent
BACKENDS: list[Backend] = ["posix", "windows"]


@pytest.fixture(autouse=True)
def _fake_msvcrt(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(sys.modules, "msvcrt", fake_msvcrt)
    yield
    assert set() == fake_msvcrt.held()  # every test leaves no lock behind


def _writer(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.locking_writer", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_contending_writers_never_interleave(tmp_path: Path, backend: Backend) -> None:
    """Three processes appending 40 entries each through one branch leave one sound chain of
    120 entries, each writer's entries all present and in its own order."""
    log = tmp_path / "audit.jsonl"
    writers = [_writer(str(log), backend, name, "40") for name in ("a", "b", "c")]
    codes = [writer.communicate() and writer.returncode for writer in writers]
    entries = [json.loads(line) for line in log.read_bytes().splitlines()]
    ids = [entry["id"] for entry in entries]
    assert [0, 0, 0] == codes
    assert (True, 120) == (verify(log.read_bytes()).ok, len(entries))
    assert list(range(1, 121)) == [entry["seq"] for entry in entries]
    for name in ("a", "b", "c"):
        assert [f"{name}-{n}" for n in range(40)] == [i for i in ids if i.startswith(name)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_second_writer_waits_for_the_first(tmp_path: Path, backend: Backend) -> None:
    """A process that asks for the lock while another holds it gets it only after the holder
    has finished (it sees the marker the holder wrote just before letting go)."""
    log, marker = tmp_path / "audit.jsonl", tmp_path / "released"
    fd = open_for_append(log)
    try:
        with exclusive(fd, backend):
            waiter = _writer(str(log), backend, "--after", str(marker))
            while not marker.with_suffix(".waiting").exists():
                time.sleep(0.01)
            time.sleep(0.3)  # time for the waiter to reach the lock; nothing is timed
            marker.touch()
    finally:
        os.close(fd)
    out, _ = waiter.communicate()
    assert ("after\n", 0) == (out, waiter.returncode)


def test_the_windows_branch_locks_a_byte_no_reader_reads(tmp_path: Path) -> None:
    """Windows locks are mandatory, so the branch holds one byte far past the end of the log,
    never the bytes `audit verify` reads."""
    fd = open_for_append(tmp_path / "audit.jsonl")
    try:
        with exclusive(fd, "windows"):
            held = fake_msvcrt.held()
    finally:
        os.close(fd)
    assert {(fd, WINDOWS_LOCK_OFFSET, 1)} == held


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_lock_is_released_when_the_block_fails(tmp_path: Path, backend: Backend) -> None:
    """An error inside the locked block still releases the lock: the next writer gets it."""
    log = tmp_path / "audit.jsonl"
    fd = open_for_append(log)
    try:
        with pytest.raises(RuntimeError), exclusive(fd, backend):
            raise RuntimeError("the write failed")
        appended = append(log, {"schema": 1, "event": "lock_test"}, backend)
    finally:
        os.close(fd)
    assert 1 == appended.entry["seq"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_torn_tail_is_quarantined_under_either_branch(tmp_path: Path, backend: Backend) -> None:
    """The torn-tail handling is the same whichever lock guards the append."""
    log = tmp_path / "audit.jsonl"
    append(log, {"schema": 1, "event": "lock_test"}, backend)
    log.write_bytes(log.read_bytes() + b'{"schema":1,"ev')
    appended = append(log, {"schema": 1, "event": "lock_test"}, backend)
    result = verify(log.read_bytes())
    assert (15, 3, True, 1) == (
        appended.quarantined_bytes,
        appended.entry["seq"],
        result.ok,
        result.quarantined,
    )


def test_the_fake_refuses_a_region_another_process_holds(tmp_path: Path) -> None:
    """The fake is honest: while another process holds the byte, a try fails as on Windows
    (EACCES at once with LK_NBLCK, EDEADLK after ten tries with LK_LOCK)."""
    log, marker = tmp_path / "audit.jsonl", tmp_path / "released"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, os, time; sys.modules['msvcrt'] = __import__('tests.fake_msvcrt',"
            " fromlist=['x']); from pathlib import Path;"
            " from itbcheck.audit.lock import exclusive, open_for_append;"
            f" fd = open_for_append(Path({str(log)!r}));"
            " cm = exclusive(fd, 'windows'); cm.__enter__(); print('held', flush=True);"
            f" [time.sleep(0.01) for _ in iter(lambda: Path({str(marker)!r}).exists(), True)]",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert "held\n" == holder.stdout.readline()
    fd = open_for_append(log)
    errors = []
    try:
        for mode in (fake_msvcrt.LK_NBLCK, fake_msvcrt.LK_LOCK):
            os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            try:
                fake_msvcrt.locking(fd, mode, 1)
            except OSError as error:
                errors.append(error.errno)
    finally:
        marker.touch()
        holder.communicate()
        os.close(fd)
    assert [errno.EACCES, errno.EDEADLK] == errors


def test_the_windows_branch_opens_the_log_in_binary_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Where the platform has O_BINARY (Windows), the log is opened with it, so a newline is
    written as one byte and every entry still matches its hash."""
    opened: list[int] = []
    real_open = os.open

    def spy(path: Path, flags: int, mode: int = 0o777) -> int:
        opened.append(flags)
        return real_open(path, flags & ~0x8000, mode)

    monkeypatch.setattr(os, "O_BINARY", 0x8000, raising=False)
    monkeypatch.setattr(os, "open", spy)
    os.close(locking.open_for_append(tmp_path / "audit.jsonl"))
    assert [0x8000] == [flags & 0x8000 for flags in opened]
