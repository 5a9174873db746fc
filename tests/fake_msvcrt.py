"""A stand-in for Windows' `msvcrt.locking`, so that the Windows branch of the audit log's
lock (itbcheck.audit.lock) runs on Linux against real inter-process locks.

It keeps the contract Windows documents for `msvcrt.locking(fd, mode, nbytes)`: the region is
`nbytes` bytes from the file's current position; `LK_LOCK` tries, and after a failed try
tries again, ten tries in all, then raises OSError(EDEADLK); `LK_NBLCK` tries once and raises
OSError(EACCES); `LK_UNLCK` releases a region this descriptor holds and raises OSError(EACCES)
for one it does not hold; a descriptor cannot lock a region it already holds. The regions
are POSIX record locks (`fcntl.lockf`), so another process really is kept out. Two things
differ from Windows and are not tested here: Windows locks are mandatory (a locked byte
cannot be read) and belong to a handle, not a process; and Windows pauses one second between
tries where this pauses `PAUSE_SECONDS`, to keep the tests short.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time

LK_UNLCK = 0
LK_LOCK = 1
LK_NBLCK = 2
TRIES = 10
PAUSE_SECONDS = 0.02

_held: set[tuple[int, int, int]] = set()  # (fd, start, length) held by this process


def held() -> set[tuple[int, int, int]]:
    """The regions this process holds, for tests to look at."""
    return set(_held)


def _try(fd: int, start: int, length: int) -> bool:
    if (fd, start, length) in _held:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, length, start, os.SEEK_SET)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EAGAIN):
            return False
        raise
    _held.add((fd, start, length))
    return True


def locking(fd: int, mode: int, nbytes: int) -> None:
    start = os.lseek(fd, 0, os.SEEK_CUR)
    if mode == LK_UNLCK:
        if (fd, start, nbytes) not in _held:
            raise OSError(errno.EACCES, "Permission denied")
        fcntl.lockf(fd, fcntl.LOCK_UN, nbytes, start, os.SEEK_SET)
        _held.discard((fd, start, nbytes))
        return
    if mode == LK_NBLCK:
        if not _try(fd, start, nbytes):
            raise OSError(errno.EACCES, "Permission denied")
        return
    if mode != LK_LOCK:
        raise ValueError(f"unsupported mode {mode}")
    for attempt in range(TRIES):
        if _try(fd, start, nbytes):
            return
        if attempt < TRIES - 1:
            time.sleep(PAUSE_SECONDS)
    raise OSError(errno.EDEADLK, "Resource deadlock avoided")
