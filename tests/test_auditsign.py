"""Signed checkpoints: a checkpoint signed by the site's private key verifies with its public
key; one made by anyone holding only the public key, or an HMAC checkpoint of the old kind,
is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from itbcheck.audit.chain import append
from itbcheck.audit.sign import (
    HMAC_ERA,
    checkpoint,
    checkpoint_problem,
    key_id,
    load_private_key,
    load_public_key,
    public_pem,
    signature_problem,
)
from itbcheck.exceptions import ConfigurationError

# Fixed keys, so that every run signs the same bytes (Ed25519 signatures are deterministic).
PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
HEAD = "ab" * 32


def _log(path: Path, entries: int) -> bytes:
    for number in range(entries):
        append(path, {"schema": 1, "event": "record_checked", "n": number})
    return path.read_bytes()


def test_a_checkpoint_signed_by_the_site_verifies(tmp_path: Path) -> None:
    """The checkpoint of entry 3 of a log of 3 entries verifies with the site's public key."""
    data = _log(tmp_path / "audit.jsonl", 3)
    head = json.loads(data.splitlines()[-1])["hash"]
    point = checkpoint(PRIVATE, 3, head)
    assert None is checkpoint_problem(PRIVATE.public_key(), point, data)


def test_a_checkpoint_signed_with_another_private_key_is_forged() -> None:
    """Whoever holds only the public key must sign with a key of their own: refused, even when
    the forger copies the site's key id into the checkpoint."""
    public = PRIVATE.public_key()
    forged = {**checkpoint(OTHER, 3, HEAD), "key_id": key_id(public)}
    problem = signature_problem(public, forged)
    assert problem is not None
    assert problem.endswith(": forged")


def test_a_signed_checkpoint_cannot_be_moved_to_another_entry() -> None:
    """The signature covers the seq and the hash: changing either breaks it."""
    public, point = PRIVATE.public_key(), checkpoint(PRIVATE, 3, HEAD)
    for changed in ({**point, "seq": 2}, {**point, "head_hash": "cd" * 32}):
        assert "forged" in str(signature_problem(public, changed))


def test_an_hmac_checkpoint_of_the_old_kind_is_refused_with_its_reason() -> None:
    """An HMAC checkpoint, valid under the token key, is refused: whoever could verify it could
    also have made it."""
    key = b"test-key-0123456789abcdef"
    mac = hmac.new(key, f"itbcheck-checkpoint:3:{HEAD}".encode(), hashlib.sha256).hexdigest()
    point = {"seq": 3, "head_hash": HEAD, "hmac": mac}
    assert HMAC_ERA == signature_problem(PRIVATE.public_key(), point)


@pytest.mark.parametrize(
    "point",
    [{}, {"seq": "3", "head_hash": HEAD, "signature": "00"}, {"seq": 3, "head_hash": HEAD}],
    ids=["empty", "seq-as-text", "unsigned"],
)
def test_a_file_that_is_not_a_signed_checkpoint_is_refused(point: dict[str, object]) -> None:
    """A checkpoint lacking the format, a whole seq, the hash or a signature proves nothing."""
    assert "not a signed checkpoint" in str(signature_problem(PRIVATE.public_key(), point))


def test_a_signature_that_is_not_hex_is_forged() -> None:
    """A signature that does not even decode is refused as a forgery, not a crash."""
    point = {**checkpoint(PRIVATE, 3, HEAD), "signature": "not hex"}
    assert "forged" in str(signature_problem(PRIVATE.public_key(), point))


def test_key_files_are_checked_for_what_they_hold(tmp_path: Path) -> None:
    """A public key where a private key belongs, or a file that is no key, is a configuration
    error naming the file."""
    public_file = tmp_path / "site.pub"
    public_file.write_bytes(public_pem(PRIVATE.public_key()))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n", "utf-8")
    with pytest.raises(ConfigurationError) as private_error:
        load_private_key(public_file)
    with pytest.raises(ConfigurationError) as public_error:
        load_public_key(junk)
    assert str(public_file) == private_error.value.problems[0].location
    assert str(junk) == public_error.value.problems[0].location
