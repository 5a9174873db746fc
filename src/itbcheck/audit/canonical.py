"""The audit log's entry format: one entry as one line of canonical JSON, sealed with its hash
and linked to the entry before it; a line read back strictly; why a line is not a sound entry
on its own, or not the next link of the chain. The writer (`chain`) and the verifier
(`verification`) both rest on it.

Each line is one entry in canonical JSON (sorted keys, no spaces, UTF-8, no NaN). `hash` is
the SHA-256 of the entry without its `hash` key; `prev_hash` is the previous entry's hash, so
an edit, a deletion, a reordering or an insertion anywhere breaks the chain. Truncating the
tail or rewriting the whole log with fresh hashes does not: a signed checkpoint kept by the
receiver of an export catches those (`audit.sign`, and `verification.head_problem`; RFC
6962's principle).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64
QUARANTINE_EVENT = "torn_tail_quarantined"
REQUIRED_KEYS = {"seq": int, "prev_hash": str, "hash": str, "event": str, "schema": int}


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


NOT_JSON = "not JSON"


def checked(line: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The entry on a line, or why it is not a sound entry on its own.

    The line must be exactly the canonical form of what it parses to, which also refuses
    duplicate keys, NaN and any re-spacing. Since every entry has an "event" key, which sorts
    before "hash", the unsealed form is the line without its ',"hash":"..."' member: hashing
    those bytes gives the same answer as `entry_hash` at a fraction of the cost.
    """
    try:
        entry = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None, NOT_JSON
    if not isinstance(entry, dict):
        return None, NOT_JSON
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


def link_problem(entry: Mapping[str, Any], seq: int, head: str) -> str | None:
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
