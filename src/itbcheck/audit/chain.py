"""The audit log's writer: crash-safe appends to the hash chain under an exclusive lock.

Appends take an exclusive lock, read the head, and write the new lines (with any quarantine
entry) in one write, then fsync: a batch of entries costs one lock and one fsync. A torn last
line left by a crash is never removed or overwritten: the next append terminates it and adds
a `torn_tail_quarantined` entry naming its length and hash, which verification accepts in
that one position only. A last line that lost only its newline (a complete entry whose hash
verifies and which links to the chain) is not torn: it is an entry, and the next append
writes the missing newline before its own lines. The lines' format is `canonical`'s; reading
the log back is `verification`'s.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itbcheck.audit.canonical import (
    GENESIS,
    QUARANTINE_EVENT,
    checked,
    entry_hash,
    link_problem,
    parse_line,
    schema_problem,
    sealed_line,
)
from itbcheck.audit.lock import Backend, exclusive, open_for_append, read_at, sync_directory

_TAIL_BLOCK = 65536


class ChainError(Exception):
    """The log cannot be appended to or read as a chain; carries the reason."""


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    torn: bytes  # bytes after the last newline: a write a crash cut short
    unterminated: bool = False  # the last entry is whole but lacks its final newline


def _read_head(fd: int) -> Head:
    size = os.fstat(fd).st_size
    if size == 0:
        return Head(0, GENESIS, b"")
    end = size
    buffer = b""
    while True:
        start = max(0, end - _TAIL_BLOCK)
        buffer = read_at(fd, end - start, start) + buffer
        end = start
        newline_count = buffer.count(b"\n")
        complete_tail = buffer.endswith(b"\n")
        if newline_count >= (2 if complete_tail else 1) or start == 0:
            break
    torn = b""
    if not buffer.endswith(b"\n"):
        cut = buffer.rfind(b"\n")
        torn = buffer[cut + 1 :]
        buffer = buffer[: cut + 1]
    lines = buffer.rstrip(b"\n").split(b"\n")
    if lines == [b""]:
        head = Head(0, GENESIS, torn)
    else:
        try:
            last = parse_line(lines[-1])
        except ValueError:
            raise ChainError("the last complete line is not an audit entry") from None
        problem = schema_problem(last)
        if problem is not None or last["hash"] != entry_hash(last):
            raise ChainError("the last complete entry does not verify")
        head = Head(last["seq"], last["hash"], torn)
    whole = _unterminated_entry(torn, head.seq, head.hash)
    if whole is not None:
        return Head(whole["seq"], whole["hash"], b"", unterminated=True)
    return head


def _unterminated_entry(line: bytes, seq: int, head: str) -> dict[str, Any] | None:
    """The entry on a last line that lost only its newline: sound on its own and the next link
    of the chain. None for a line a crash cut short, or for no line at all."""
    if not line:
        return None
    entry, problem = checked(line)
    if entry is None or problem is not None or link_problem(entry, seq, head) is not None:
        return None
    return entry


@dataclass(frozen=True)
class Appended:
    entry: dict[str, Any]
    quarantined_bytes: int


def append(path: Path, fields: Mapping[str, Any], backend: Backend | None = None) -> Appended:
    """Append one entry durably (see `append_many`)."""
    return append_many(path, [fields], backend)[0]


def append_many(
    path: Path, batch: Sequence[Mapping[str, Any]], backend: Backend | None = None
) -> list[Appended]:
    """Append entries in order, durably, under one lock with one write and one fsync, or raise
    OSError / ChainError. Nothing is reported as logged unless the bytes reached the disk: a
    crash before the fsync can leave a prefix of the batch, ending in a torn line that the next
    append quarantines, and none of it was reported. `backend` picks the lock's platform branch
    (`itbcheck.audit.lock`); by default, this platform's."""
    if not batch:
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = open_for_append(path)
    appended: list[Appended] = []
    try:
        with exclusive(fd, backend):
            head = _read_head(fd)
            lines: list[bytes] = []
            seq, prev = head.seq, head.hash
            if head.unterminated:
                lines.append(b"\n")  # end the last entry's line; its bytes stay as they are
            if head.torn:
                quarantine, line = sealed_line(
                    {
                        "schema": batch[0].get("schema", 1),
                        "event": QUARANTINE_EVENT,
                        "timestamp": batch[0].get("timestamp"),
                        "torn_length": len(head.torn),
                        "torn_sha256": hashlib.sha256(head.torn).hexdigest(),
                    },
                    seq=seq + 1,
                    prev_hash=prev,
                )
                lines.append(b"\n" + line + b"\n")
                seq, prev = quarantine["seq"], quarantine["hash"]
            for number, fields in enumerate(batch):
                entry, line = sealed_line(fields, seq=seq + 1, prev_hash=prev)
                lines.append(line + b"\n")
                seq, prev = entry["seq"], entry["hash"]
                appended.append(Appended(entry, len(head.torn) if number == 0 else 0))
            data = b"".join(lines)
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(f"short write ({written} of {len(data)} bytes)")
            os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        sync_directory(path.parent, backend)
    return appended
