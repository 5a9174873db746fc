"""The audit log's hash chain: canonical entries, crash-safe appends, and verification.

Each line is one entry in canonical JSON (sorted keys, no spaces, UTF-8, no NaN). `hash` is
the SHA-256 of the entry without its `hash` key; `prev_hash` is the previous entry's hash, so
an edit, a deletion, a reordering or an insertion anywhere breaks the chain. Truncating the
tail or rewriting the whole log with fresh hashes does not: a signed checkpoint kept by the
receiver of an export catches those (`audit.sign`, and `head_problem` below; RFC 6962's
principle).

Appends take an exclusive lock, read the head, and write the new lines (with any quarantine
entry) in one write, then fsync: a batch of entries costs one lock and one fsync. A torn last
line left by a crash is never removed or overwritten: the next append terminates it and adds
a `torn_tail_quarantined` entry naming its length and hash, which verification accepts in
that one position only. A last line that lost only its newline (a complete entry whose hash
verifies and which links to the chain) is not torn: it is an entry, and the next append
writes the missing newline before its own lines.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itbcheck.audit.lock import Backend, exclusive, open_for_append, read_at, sync_directory

GENESIS = "0" * 64
QUARANTINE_EVENT = "torn_tail_quarantined"
_TAIL_BLOCK = 65536
REQUIRED_KEYS = {"seq": int, "prev_hash": str, "hash": str, "event": str, "schema": int}


class ChainError(Exception):
    """The log cannot be appended to or read as a chain; carries the reason."""


# One encoder, made once: json.dumps would build a new one for every entry.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical(entry: Mapping[str, Any]) -> bytes:
    return _CANONICAL.encode(entry).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def sealed(fields: Mapping[str, Any], *, seq: int, prev_hash: str) -> dict[str, Any]:
    """The entry with its place in the chain and its own hash."""
    return sealed_line(fields, seq=seq, prev_hash=prev_hash)[0]


def sealed_line(
    fields: Mapping[str, Any], *, seq: int, prev_hash: str
) -> tuple[dict[str, Any], bytes]:
    """`sealed`, and its canonical line, encoding the entry once: keys sort around "hash", so
    the line is the members before it, then the hash, then the members after it.

    The entry is encoded with an empty "hash", which the sorted keys put in its place; the
    bytes without that member are the unsealed entry's canonical form, the ones hashed, and
    the line is the same bytes with the hash written into it. Those bytes must occur once: a
    string holds its quotes escaped, so only something itbcheck never writes (another object
    with an empty "hash", a key with a quote in it) could repeat them, and such an entry is
    encoded in two parts instead."""
    entry = {**fields, "seq": seq, "prev_hash": prev_hash}
    entry.pop("hash", None)  # the order of the other keys stays as it was, "hash" comes last
    entry["hash"] = ""
    whole = canonical(entry)
    if whole.count(_EMPTY_HASH) != 1:
        return _sealed_in_parts(entry)
    at = whole.index(_EMPTY_HASH)
    rest = at + len(_EMPTY_HASH)  # "seq" and "prev_hash" sort after "hash": a comma follows
    entry["hash"] = hashlib.sha256(whole[:at] + whole[rest + 1 :]).hexdigest()
    return entry, whole[:at] + b'"hash":"' + entry["hash"].encode() + b'"' + whole[rest:]


_EMPTY_HASH = b'"hash":""'


def _sealed_in_parts(entry: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """`sealed_line` for an entry that holds another empty "hash": the members before and
    after the entry's own, encoded apart."""
    del entry["hash"]
    before = canonical({k: v for k, v in entry.items() if k < "hash"})[1:-1]
    after = canonical({k: v for k, v in entry.items() if k > "hash"})[1:-1]
    unsealed = b"{" + b",".join([member for member in (before, after) if member]) + b"}"
    entry["hash"] = hashlib.sha256(unsealed).hexdigest()
    seal = b'"hash":"' + entry["hash"].encode() + b'"'
    return entry, b"{" + b",".join([member for member in (before, seal, after) if member]) + b"}"


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def parse_line(line: bytes) -> dict[str, Any]:
    """One entry, strictly: valid canonical JSON with the chain keys; raises ValueError."""
    entry = json.loads(line, object_pairs_hook=_unique, parse_constant=_reject_constant)
    if not isinstance(entry, dict):
        raise ValueError("not a JSON object")
    return entry


def schema_problem(entry: Mapping[str, Any]) -> str | None:
    for key, kind in REQUIRED_KEYS.items():
        value = entry.get(key)
        if type(value) is not kind:  # exact: a bool is not a sequence number
            return f"missing or mistyped {key!r}"
    return None


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
    entry, problem = _checked(line)
    if entry is None or problem is not None or _link_problem(entry, seq, head) is not None:
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


_NOT_JSON = "not JSON"


def _checked(line: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The entry on a line, or why it is not a sound entry on its own.

    The line must be exactly the canonical form of what it parses to, which also refuses
    duplicate keys, NaN and any re-spacing. Since every entry has an "event" key, which sorts
    before "hash", the unsealed form is the line without its ',"hash":"..."' member: hashing
    those bytes gives the same answer as `entry_hash` at a fraction of the cost.
    """
    try:
        entry = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None, _NOT_JSON
    if not isinstance(entry, dict):
        return None, _NOT_JSON
    problem = schema_problem(entry)
    if problem is not None:
        return None, f"wrong schema: {problem}"
    try:
        sound = canonical(entry) == line
    except ValueError:  # NaN or infinity, which canonical JSON cannot hold
        sound = False
    member = b',"hash":"' + entry["hash"].encode() + b'"'
    if not sound or hashlib.sha256(line.replace(member, b"", 1)).hexdigest() != entry["hash"]:
        return None, "edited: the entry does not match its hash"
    return entry, None


def _link_problem(entry: Mapping[str, Any], seq: int, head: str) -> str | None:
    """Why the entry does not follow the one before it in the chain, or None."""
    if entry["seq"] > seq + 1:
        return f"deleted: entries {seq + 1} to {entry['seq'] - 1} are missing"
    if entry["seq"] == seq and seq > 0:
        return f"inserted: a second entry {seq}"
    if entry["seq"] < seq + 1:
        return f"reordered: entry {entry['seq']} comes after {seq}"
    if entry["prev_hash"] != head:
        return "inserted or replaced: the link to the previous entry is broken"
    return None


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
        entry, problem = _checked(line)
        if not terminated and (
            torn is not None or entry is None or _link_problem(entry, seq, head) is not None
        ):
            entry, problem = None, "torn tail: the last line was cut short (an interrupted write)"
        elif not terminated:
            unterminated = True  # a whole entry that lost only its final newline
        elif problem == _NOT_JSON and torn is None:
            torn = (number, line)
            continue
        elif torn is not None:
            if entry is None or not _quarantines(entry, torn[1]):
                number, entry, problem = torn[0], None, _NOT_JSON
            else:
                torn, quarantined = None, quarantined + 1
        if entry is not None:
            problem = _link_problem(entry, seq, head)
        if problem is not None or entry is None:
            return Verification(entries, seq, head, number, problem, quarantined)
        seq, head, entries = entry["seq"], entry["hash"], entries + 1
    if torn is not None:
        return Verification(entries, seq, head, torn[0], _NOT_JSON, quarantined)
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
