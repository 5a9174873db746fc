"""The audit log's hash chain: what verification catches, what only a checkpoint catches, and
how a torn last line is kept and quarantined."""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from itbcheck.audit.canonical import GENESIS, canonical, entry_hash, sealed, sealed_line
from itbcheck.audit.chain import ChainError, append
from itbcheck.audit.sign import checkpoint, checkpoint_problem
from itbcheck.audit.verification import Resume, verify
from tests.test_auditsign import PRIVATE

PUBLIC = PRIVATE.public_key()


def _fields(number: int) -> dict[str, Any]:
    return {
        "schema": 1,
        "event": "record_checked",
        "timestamp": f"2026-11-{1 + number % 28:02d}T10:00:00+00:00",
        "verdict": ["CLEAR", "CAUTION", "STOP"][number % 3],
        "finding_codes": ["DOSE_ABOVE_RANGE"] if number % 3 else [],
        "operator": f"nurse-{number % 7}",
        "input_sha256": f"{number:064x}",
    }


def build_log(count: int, first: int = 0) -> bytes:
    """A valid chained log of `count` entries, built in memory with the real sealing code."""
    lines, prev = [], GENESIS
    for seq in range(1, count + 1):
        entry = sealed(_fields(first + seq), seq=seq, prev_hash=prev)
        lines.append(canonical(entry))
        prev = entry["hash"]
    return b"\n".join(lines) + b"\n"


LOG = build_log(10_000)
LINES = LOG.split(b"\n")[:-1]


def _joined(lines: list[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n"


def test_a_sound_log_verifies() -> None:
    """A log built by the sealing code verifies, with its head at the last entry."""
    result = verify(LOG)
    last = json.loads(LINES[-1])
    assert (True, 10_000, 10_000, last["hash"]) == (
        result.ok,
        result.entries,
        result.head_seq,
        result.head_hash,
    )


def _states() -> list[Resume]:
    """The verifier's state before each line of LOG: its byte offset, line and chain head."""
    states, offset, prev = [], 0, GENESIS
    for index, line in enumerate(LINES):
        states.append(Resume(offset=offset, line=index, seq=index, head=prev))
        offset += len(line) + 1
        prev = json.loads(line)["hash"]
    return states


STATES = _states()


def _mutations(rng: random.Random) -> Iterator[tuple[str, bytes, int]]:
    """(kind, mutated log, index of the first line that differs from LOG), made one at a time
    so that a thousand 2 MB copies never sit in memory together."""
    starts = [state.offset for state in STATES]
    for _ in range(250):
        position = rng.randrange(len(LOG))
        new = rng.choice([b for b in range(256) if b != LOG[position]])
        line = bisect.bisect_right(starts, position) - 1
        yield "byte edit", LOG[:position] + bytes([new]) + LOG[position + 1 :], line
    for _ in range(250):
        index = rng.randrange(len(LINES))
        yield "line deleted", _joined(LINES[:index] + LINES[index + 1 :]), index
    for _ in range(250):
        first, second = sorted(rng.sample(range(len(LINES)), 2))
        lines = list(LINES)
        lines[first], lines[second] = lines[second], lines[first]
        yield "lines swapped", _joined(lines), first
    for number in range(250):
        index = rng.randrange(len(LINES) + 1)
        if number % 2:
            inserted = LINES[rng.randrange(len(LINES))]  # a replayed entry
        else:  # a fabricated entry, correctly sealed on its own
            inserted = canonical(sealed(_fields(99_999), seq=max(index, 1), prev_hash=GENESIS))
        yield "line inserted", _joined([*LINES[:index], inserted, *LINES[index:]]), index


SEED = 20261127


def test_every_random_tampering_is_detected() -> None:
    """1,000 random single-byte edits, deletions, swaps and insertions in a 10,000-entry log
    are each detected. verify is a left-to-right fold, so each is verified from the state
    just before its first changed line, which is the state a full walk reaches there."""
    undetected = [
        (kind, line)
        for kind, data, line in _mutations(random.Random(SEED))
        if verify(data, STATES[min(line, len(STATES) - 1)]).ok
    ]
    assert [] == undetected


def test_resumed_and_full_verification_agree() -> None:
    """For a sample of the mutations, a full walk from the first line finds the same bad line
    and reason as the walk resumed just before the change."""
    for _, data, line in itertools.islice(_mutations(random.Random(SEED)), 0, None, 40):
        full = verify(data)
        resumed = verify(data, STATES[min(line, len(STATES) - 1)])
        assert (full.bad_line, full.reason) == (resumed.bad_line, resumed.reason)


@pytest.mark.parametrize(
    ("mutate", "line", "reason"),
    [
        (lambda ls: ls[:5] + ls[6:], 6, "deleted: entries 6 to 6 are missing"),
        (lambda ls: [*ls[:5], ls[6], ls[5], *ls[7:]], 6, "deleted: entries 6 to 6 are missing"),
        (lambda ls: [*ls[:5], ls[4], *ls[5:]], 6, "inserted: a second entry 5"),
        (lambda ls: [*ls[:5], b"not json", *ls[5:]], 6, "not JSON"),
        (
            lambda ls: [*ls[:5], b'{"seq": 6}', *ls[5:]],
            6,
            "wrong schema: missing or mistyped 'prev_hash'",
        ),
        (
            lambda ls: [*ls[:5], ls[5].replace(b"CLEAR", b"STOP!"), *ls[6:]],
            6,
            "edited: the entry does not match its hash",
        ),
    ],
    ids=["deleted", "swapped", "inserted", "not-json", "schema", "edited"],
)
def test_the_first_bad_line_is_named_with_its_reason(mutate: Any, line: int, reason: str) -> None:
    """verify names the first bad line and why it is bad."""
    result = verify(_joined(mutate(LINES[:20])))
    assert (line, reason) == (result.bad_line, result.reason)


def test_truncation_and_rewrite_pass_the_chain_but_not_the_checkpoint() -> None:
    """Dropping the tail, or rewriting everything with fresh hashes, still chains; the keyed
    checkpoint from an earlier export catches both."""
    point = checkpoint(PRIVATE, 10_000, json.loads(LINES[-1])["hash"])
    truncated = _joined(LINES[:9_990])
    rewritten = build_log(10_000, first=1)
    assert (True, True) == (verify(truncated).ok, verify(rewritten).ok)
    assert "truncated: entry 10000" in str(checkpoint_problem(PUBLIC, point, truncated))
    assert "rewritten: entry 10000" in str(checkpoint_problem(PUBLIC, point, rewritten))
    assert checkpoint_problem(PUBLIC, point, LOG) is None


def test_a_log_that_grew_still_matches_its_checkpoint() -> None:
    """Entries appended after an export do not break that export's checkpoint."""
    point = checkpoint(PRIVATE, 20, json.loads(LINES[19])["hash"])
    assert checkpoint_problem(PUBLIC, point, _joined(LINES[:40])) is None


def test_append_chains_onto_the_existing_head(tmp_path: Path) -> None:
    """Appending continues the sequence and links to the previous hash."""
    path = tmp_path / "audit.jsonl"
    path.write_bytes(_joined(LINES[:3]))
    appended = append(path, _fields(4))
    assert (4, json.loads(LINES[2])["hash"]) == (appended.entry["seq"], appended.entry["prev_hash"])
    assert verify(path.read_bytes()).ok


def test_new_log_is_private(tmp_path: Path) -> None:
    """A new log file is created readable by its owner only (mode 0600)."""
    path = tmp_path / "new" / "audit.jsonl"
    append(path, _fields(1))
    assert 0o600 == path.stat().st_mode & 0o777


def test_torn_tail_is_kept_and_quarantined(tmp_path: Path) -> None:
    """A line cut short by a crash fails verification until the next append quarantines it;
    its bytes stay in the log and the log verifies again."""
    path = tmp_path / "audit.jsonl"
    torn = LINES[3][:40]
    path.write_bytes(_joined(LINES[:3]) + torn)
    before = verify(path.read_bytes())
    appended = append(path, _fields(4))
    after = verify(path.read_bytes())
    assert (4, "torn tail: the last line was cut short (an interrupted write)") == (
        before.bad_line,
        before.reason,
    )
    assert (40, 5) == (appended.quarantined_bytes, appended.entry["seq"])
    assert (True, 5, 1) == (after.ok, after.entries, after.quarantined)
    assert torn + b"\n" in path.read_bytes()


def test_a_bad_line_that_is_not_quarantined_fails(tmp_path: Path) -> None:
    """A garbage line followed by an ordinary entry is not mistaken for a quarantined one."""
    data = _joined([*LINES[:3], b"garbage", LINES[3]])
    result = verify(data)
    assert (4, "not JSON") == (result.bad_line, result.reason)


def test_append_refuses_a_log_whose_last_entry_is_corrupt(tmp_path: Path) -> None:
    """If the last complete line is not a sound entry, nothing is appended after it."""
    path = tmp_path / "audit.jsonl"
    path.write_bytes(_joined([*LINES[:3], LINES[3].replace(b'"seq":4', b'"seq":9')]))
    size = path.stat().st_size
    with pytest.raises(ChainError):
        append(path, _fields(5))
    assert size == path.stat().st_size


def test_point_13_an_entry_that_lost_only_its_newline_verifies_and_is_terminated(
    tmp_path: Path,
) -> None:
    """A whole, linked last entry without its newline verifies before the next append, which
    adds the newline and quarantines nothing; the log then verifies with every entry."""
    path = tmp_path / "audit.jsonl"
    path.write_bytes(_joined(LINES[:3]) + LINES[3])
    before = verify(path.read_bytes())
    appended = append(path, _fields(5))
    after = verify(path.read_bytes())
    assert (True, 4, True) == (before.ok, before.entries, before.unterminated)
    assert (0, 5, json.loads(LINES[3])["hash"]) == (
        appended.quarantined_bytes,
        appended.entry["seq"],
        appended.entry["prev_hash"],
    )
    assert (True, 5, 0, False) == (after.ok, after.entries, after.quarantined, after.unterminated)
    assert path.read_bytes().startswith(_joined(LINES[:4]))


def test_point_13_a_single_entry_without_newline_is_an_entry(tmp_path: Path) -> None:
    """A log of one entry and no newline at all is that entry, and the next append follows it."""
    path = tmp_path / "audit.jsonl"
    path.write_bytes(LINES[0])
    appended = append(path, _fields(2))
    assert (2, 0) == (appended.entry["seq"], appended.quarantined_bytes)
    assert (True, 2) == (verify(path.read_bytes()).ok, verify(path.read_bytes()).entries)


@pytest.mark.parametrize(
    "tail", [LINES[3][:-1], LINES[3][:40]], ids=["last-brace-cut", "cut-short"]
)
def test_point_13_a_torn_last_line_is_still_quarantined(tmp_path: Path, tail: bytes) -> None:
    """A last line cut short, even by its final brace only, fails verification and is
    quarantined by the next append, as before."""
    path = tmp_path / "audit.jsonl"
    path.write_bytes(_joined(LINES[:3]) + tail)
    before = verify(path.read_bytes())
    appended = append(path, _fields(4))
    after = verify(path.read_bytes())
    assert (4, "torn tail: the last line was cut short (an interrupted write)") == (
        before.bad_line,
        before.reason,
    )
    assert (len(tail), 5) == (appended.quarantined_bytes, appended.entry["seq"])
    assert (True, 5, 1) == (after.ok, after.entries, after.quarantined)


@pytest.mark.parametrize(
    "tail",
    [LINES[5], LINES[2], LINES[3].replace(b"nurse", b"nurze")],
    ids=["does-not-link", "repeated", "edited"],
)
def test_point_13_an_unlinked_or_edited_last_line_is_never_accepted(
    tmp_path: Path, tail: bytes
) -> None:
    """A last line without newline that parses but is edited or not the next link is not taken
    for an entry that lost its newline: line 4 fails verification before and after an append."""
    path = tmp_path / "audit.jsonl"
    path.write_bytes(_joined(LINES[:3]) + tail)
    before = verify(path.read_bytes())
    append(path, _fields(4))
    after = verify(path.read_bytes())
    assert (False, 4, False, 4) == (before.ok, before.bad_line, after.ok, after.bad_line)


_PREV = "0" * 64


@pytest.mark.parametrize(
    ("fields", "before", "after"),
    [
        # members on both sides of "hash": the usual entry
        (
            {"schema": 1, "event": "e"},
            b'"event":"e"',
            b'"prev_hash":"' + _PREV.encode() + b'","schema":1,"seq":7',
        ),
        # nothing sorts before "hash": the line starts with it
        ({"schema": 1}, b"", b'"prev_hash":"' + _PREV.encode() + b'","schema":1,"seq":7'),
        # a "hash" in the fields is not the entry's: it is replaced, not kept
        (
            {"hash": "x", "event": "e"},
            b'"event":"e"',
            b'"prev_hash":"' + _PREV.encode() + b'","seq":7',
        ),
        # another empty "hash", before the entry's own: encoded in two parts, same bytes
        (
            {"data": {"hash": ""}, "event": "e"},
            b'"data":{"hash":""},"event":"e"',
            b'"prev_hash":"' + _PREV.encode() + b'","seq":7',
        ),
        # another empty "hash", after it
        (
            {"event": "e", "z": [{"hash": ""}]},
            b'"event":"e"',
            b'"prev_hash":"' + _PREV.encode() + b'","seq":7,"z":[{"hash":""}]',
        ),
        # a key with a quote in it, escaped into the bytes of an empty "hash": in two parts
        (
            {"event": "e", 'x"hash': ""},
            b'"event":"e"',
            b'"prev_hash":"' + _PREV.encode() + b'","seq":7,"x\\"hash":""',
        ),
        # a nested "hash" that is not empty, and a string that reads "hash":"" (escaped)
        (
            {"data": {"hash": "x"}, "event": 'say "hash":""'},
            b'"data":{"hash":"x"},"event":"say \\"hash\\":\\"\\""',
            b'"prev_hash":"' + _PREV.encode() + b'","seq":7',
        ),
    ],
)
def test_sealed_line_puts_the_hash_between_the_sorted_members(
    fields: dict[str, Any], before: bytes, after: bytes
) -> None:
    """The line is the members before "hash", the hash of the entry without it, the rest."""
    unsealed = b"{" + b",".join(member for member in (before, after) if member) + b"}"
    digest = hashlib.sha256(unsealed).hexdigest()
    seal = b'"hash":"' + digest.encode() + b'"'
    expected = b"{" + b",".join(member for member in (before, seal, after) if member) + b"}"
    entry, line = sealed_line(fields, seq=7, prev_hash=_PREV)
    assert (expected, digest) == (line, entry["hash"])
    assert (canonical(entry), entry_hash(entry)) == (line, digest)
