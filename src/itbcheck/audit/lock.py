"""The audit log's file primitives on every platform: open for appending, one exclusive lock,
positioned reads, and making a new file's directory entry durable.

One interface, two branches, chosen by `os.name` unless a caller (a test) names one:

- `posix` (Linux, macOS): `fcntl.flock` on the log itself, exclusive, blocking. It is an
  advisory lock that every itbcheck writer takes, so writers never interleave, while readers
  (`audit verify`, `audit export`) read without waiting.
- `windows`: `msvcrt.locking` on one byte at `WINDOWS_LOCK_OFFSET`, far beyond the end of any
  real log. Windows byte-range locks are mandatory, so the locked byte is one that no reader
  ever reads: locking byte 0 would make `audit verify` fail while a check is being written.
  `msvcrt.locking(LK_LOCK)` gives up after ten one-second tries; the lock tries again until it
  holds, so a writer waits as long as it would under `flock`.

The log is opened in binary mode (`O_BINARY`, which only Windows has and needs: without it,
every newline written would become CR LF and no entry would match its hash again).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

Backend = Literal["posix", "windows"]
# Far past the end of any log (1 TiB: a billion checks of about a kilobyte each), and within the
# largest file NTFS and ext4 allow (16 TiB), so that a file system accepts the position.
WINDOWS_LOCK_OFFSET = 2**40
# What msvcrt.locking raises when the byte stays locked by another writer after its own tries.
_STILL_LOCKED = {errno.EDEADLK, errno.EACCES}


def native_backend() -> Backend:
    return "windows" if os.name == "nt" else "posix"


def open_for_append(path: Path) -> int:
    """A descriptor for reading and appending bytes to `path`, created private (0600 where the
    platform has modes; on Windows the folder's permissions decide who may read it)."""
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
    return os.open(path, flags, 0o600)


@contextlib.contextmanager
def exclusive(fd: int, backend: Backend | None = None) -> Iterator[None]:
    """Hold the one exclusive writer's lock on the open file `fd` for the block; wait for it
    as long as another writer holds it. Released when the block ends, however it ends."""
    if (backend or native_backend()) == "windows":
        with _windows_lock(fd):
            yield
        return
    import fcntl  # POSIX only: importing it at the top would fail on Windows

    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def _windows_lock(fd: int) -> Iterator[None]:
    msvcrt = importlib.import_module("msvcrt")  # by name, so a test can stand in for it
    while True:
        os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
            break
        except OSError as error:
            if error.errno not in _STILL_LOCKED:
                raise
    try:
        yield
    finally:
        os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def read_at(fd: int, size: int, offset: int) -> bytes:
    """`size` bytes from `offset` (fewer at the end of the file). Windows has no `os.pread`;
    moving the file position is harmless there because appends always go to the end."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


def sync_directory(directory: Path, backend: Backend | None = None) -> None:
    """Make a new file's name in `directory` durable. POSIX needs an fsync of the directory;
    Windows cannot open a directory as a file and NTFS journals the name with the file."""
    if (backend or native_backend()) == "windows":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
