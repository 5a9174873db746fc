"""Signed checkpoints: the site signs its audit log's head with an Ed25519 private key; whoever
holds the public key (pharmacy) can verify a checkpoint but cannot make one.

A checkpoint states "entry SEQ of this log had hash HEAD". The chain alone cannot show that the
newest entries were cut off or that the whole log was rewritten with fresh hashes; a checkpoint
kept by the receiver of an export catches both (RFC 6962's principle). Until now it was an
HMAC under the token key, so anyone able to verify it could also forge one. An Ed25519
signature (RFC 8032) separates the two: the private key stays with the site, never in the log.

Checkpoints of the HMAC era are refused with a message that says why (docs/audit-log.md).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from itbcheck.audit.verification import head_problem
from itbcheck.exceptions import ConfigurationError, Problem

SIGNING_KEY_ENV = "ITBCHECK_SIGNING_KEY_FILE"
# A passphrase for the private key comes from the environment only: on a command line it would
# be in the shell history and the process list.
PASSPHRASE_ENV = "ITBCHECK_SIGNING_KEY_PASSPHRASE"
CHECKPOINT_FORMAT = "itbcheck-checkpoint-ed25519/1"
HMAC_ERA = (
    "an HMAC checkpoint (made before checkpoints were signed) cannot be trusted: whoever could "
    "verify it could also forge it; ask the site for a new export with a signed checkpoint"
)


def _message(seq: int, head_hash: str) -> bytes:
    return f"{CHECKPOINT_FORMAT}:{seq}:{head_hash}".encode()


def new_key_pair(passphrase: bytes | None = None) -> tuple[bytes, bytes]:
    """A fresh private key (PKCS #8 PEM, encrypted with `passphrase` when given) and its public
    key (SubjectPublicKeyInfo PEM)."""
    private = Ed25519PrivateKey.generate()
    protection: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, protection
    )
    return private_pem, public_pem(private.public_key())


def passphrase_of(environ: Mapping[str, str]) -> bytes | None:
    """$ITBCHECK_SIGNING_KEY_PASSPHRASE as bytes, or None when unset or empty."""
    value = environ.get(PASSPHRASE_ENV)
    return value.encode("utf-8") if value else None


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key: which key signed."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Create `path` holding `data` with `mode`; an existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _key_problem(where: str, message: str) -> ConfigurationError:
    return ConfigurationError([Problem(where, message)], "checkpoint key")


def signing_key_path(option: Path | None, environ: Mapping[str, str]) -> Path | None:
    """--signing-key, else $ITBCHECK_SIGNING_KEY_FILE, else None."""
    if option is not None:
        return option
    return Path(environ[SIGNING_KEY_ENV]) if environ.get(SIGNING_KEY_ENV) else None


def load_private_key(path: Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    """The site's signing key from a PEM file, opened with `passphrase` when it is encrypted;
    or ConfigurationError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _key_problem(str(path), f"cannot read the signing key: {error.strerror}") from None
    encrypted = b"ENCRYPTED PRIVATE KEY" in data
    if encrypted and passphrase is None:
        raise _key_problem(
            str(path), f"the signing key is encrypted: set {PASSPHRASE_ENV} to its passphrase"
        )
    try:
        key = serialization.load_pem_private_key(data, password=passphrase if encrypted else None)
    except (ValueError, TypeError):
        message = (
            f"the passphrase in {PASSPHRASE_ENV} does not open the signing key"
            if encrypted
            else "not a PEM private key"
        )
        raise _key_problem(str(path), message) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise _key_problem(str(path), "not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key from a PEM file, or ConfigurationError naming the file."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as error:
        raise _key_problem(str(path), f"cannot read the public key: {error.strerror}") from None
    except (ValueError, TypeError):
        raise _key_problem(str(path), "not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise _key_problem(str(path), "not an Ed25519 public key")
    return key


def checkpoint(private: Ed25519PrivateKey, seq: int, head_hash: str) -> dict[str, Any]:
    """A signed statement of the log's head, for the receiver of an export to keep."""
    return {
        "format": CHECKPOINT_FORMAT,
        "seq": seq,
        "head_hash": head_hash,
        "key_id": key_id(private.public_key()),
        "signature": private.sign(_message(seq, head_hash)).hex(),
    }


def signature_problem(public: Ed25519PublicKey, point: Mapping[str, Any]) -> str | None:
    """Why the checkpoint was not signed by the private key of `public`, or None."""
    if "hmac" in point and "signature" not in point:
        return HMAC_ERA
    seq, head, signature = point.get("seq"), point.get("head_hash"), point.get("signature")
    if (
        point.get("format") != CHECKPOINT_FORMAT
        or type(seq) is not int
        or not isinstance(head, str)
        or not isinstance(signature, str)
    ):
        return "the checkpoint file is not a signed checkpoint"
    try:
        public.verify(bytes.fromhex(signature), _message(seq, head))
    except (ValueError, InvalidSignature):
        other = point.get("key_id")
        which = f" (it names key {other}, this is {key_id(public)})" if other else ""
        return f"the checkpoint's signature does not verify with this public key{which}: forged"
    return None


def checkpoint_problem(
    public: Ed25519PublicKey, point: Mapping[str, Any], data: bytes
) -> str | None:
    """Why the log does not extend a checkpoint signed by the site, or None. Catches a forged
    checkpoint, a truncated log and a rewritten one."""
    problem = signature_problem(public, point)
    if problem is not None:
        return problem
    return head_problem(point["seq"], point["head_hash"], data)
