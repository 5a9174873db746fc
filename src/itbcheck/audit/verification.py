"""Verifying the audit log: walk the hash chain and name the first line that breaks it, with
the reason; pick up a growing log where the last verification stopped; and tell whether the
log still extends a checkpoint's head (whose signature is `audit.sign`'s).

A torn last line left by a crash is accepted in one position only: followed at once by the
`torn_tail_quarantined` entry that the next append wrote, naming its length and hash. A last
line that lost only its newline, but is a whole entry that links to the chain, verifies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from itbcheck.audit.canonical import (
    GENESIS,
    NOT_JSON,
    QUARANTINE_EVENT,
    checked,
    link_problem,
    parse_line,
)


@dataclass(frozen=True)
class Verification:
    entries: int
    head_seq: int
    head_hash: str
    bad_line: int | None = None
    reason: str | None = None
    quarantined: int = 0
    unterminated: bool = False  # the last entry verifies but lacks its final newline

    @property
    def ok(self) -> bool:
        return self.bad_line is None


def _lines(data: bytes, start: int = 0) -> Iterator[tuple[int, bytes, bool]]:
    """(line number counted from `start`, bytes, ends with a newline)."""
    number = 0
    while start < len(data):
        number += 1
        end = data.find(b"\n", start)
        if end == -1:
            yield number, data[start:], False
            return
        yield number, data[start:end], True
        start = end + 1


def _quarantines(entry: Mapping[str, Any], torn: bytes) -> bool:
    return (
        entry["event"] == QUARANTINE_EVENT
        and entry.get("torn_sha256") == hashlib.sha256(torn).hexdigest()
        and entry.get("torn_length") == len(torn)
    )


@dataclass(frozen=True)
class Resume:
    """Where a verification may pick up: the state after the entry ending at `offset`. A log
    that grows can be verified from the last verified point instead of from the start."""

    offset: int = 0
    line: int = 0
    seq: int = 0
    head: str = GENESIS


def verify(data: bytes, resume: Resume = Resume()) -> Verification:
    """Walk the chain and report the first line that breaks it, with the reason."""
    seq, head, entries, quarantined = resume.seq, resume.head, 0, 0
    torn: tuple[int, bytes] | None = None  # a cut-short line, sound only if quarantined next
    unterminated = False
    for line_number, line, terminated in _lines(data, resume.offset):
        number = resume.line + line_number
        entry, problem = checked(line)
        if not terminated and (
            torn is not None or entry is None or link_problem(entry, seq, head) is not None
        ):
            entry, problem = None, "torn tail: the last line was cut short (an interrupted write)"
        elif not terminated:
            unterminated = True  # a whole entry that lost only its final newline
        elif problem == NOT_JSON and torn is None:
            torn = (number, line)
            continue
        elif torn is not None:
            if entry is None or not _quarantines(entry, torn[1]):
                number, entry, problem = torn[0], None, NOT_JSON
            else:
                torn, quarantined = None, quarantined + 1
        if entry is not None:
            problem = link_problem(entry, seq, head)
        if problem is not None or entry is None:
            return Verification(entries, seq, head, number, problem, quarantined)
        seq, head, entries = entry["seq"], entry["hash"], entries + 1
    if torn is not None:
        return Verification(entries, seq, head, torn[0], NOT_JSON, quarantined)
    return Verification(entries, seq, head, quarantined=quarantined, unterminated=unterminated)


def head_problem(seq: int, head_hash: str, data: bytes) -> str | None:
    """Why the log does not extend a checkpoint of entry `seq` with hash `head_hash`, or None.
    Catches truncation and rewrites; the checkpoint's own signature is `audit.sign`'s."""
    for _, line, _ in _lines(data):
        try:
            entry = parse_line(line)
        except (ValueError, UnicodeDecodeError):
            continue
        if entry.get("seq") == seq:
            if entry.get("hash") == head_hash:
                return None
            return f"rewritten: entry {seq} differs from the one the checkpoint saw"
    return f"truncated: entry {seq}, seen by the checkpoint, is no longer in the log"
