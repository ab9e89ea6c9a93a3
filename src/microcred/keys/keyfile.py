"""Signing keys at rest: passphrase-encrypted PKCS#8 PEM, written atomically with mode 0600."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from microcred.errors import KeyStoreError
from microcred.keys._keypair import SigningKey
from microcred.keys._pkcs8_scrypt import encrypt_pkcs8_pem

PASSPHRASE_ENV_VAR = "MICROCRED_KEY_PASSPHRASE"
# NIST SP 800-63B-4 (2024) §3.1.1.2: a password used as a single factor SHALL be at least 15
# characters. A key file can be attacked offline, so nothing weaker protects a new key.
MIN_PASSPHRASE_LENGTH = 15
_MAX_KEY_FILE_BYTES = 64_000

__all__ = [
    "MIN_PASSPHRASE_LENGTH",
    "PASSPHRASE_ENV_VAR",
    "check_new_passphrase",
    "load_signing_key",
    "passphrase_from_env",
    "save_signing_key",
]


def check_new_passphrase(passphrase: str) -> None:
    """KeyStoreError unless ``passphrase`` may protect a new key (existing files still open)."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise KeyStoreError(
            f"the passphrase is too short ({len(passphrase)} characters): a new key needs at "
            f"least {MIN_PASSPHRASE_LENGTH} (NIST SP 800-63B-4), e.g. a few unrelated words"
        )


def save_signing_key(path: Path, key: SigningKey, passphrase: str) -> None:
    """Write ``key`` to ``path`` as PKCS#8 PEM encrypted with scrypt + AES-256-CBC.

    The file never exists with wider permissions than 0600: it is written to a private
    temporary file in the same directory and renamed over ``path``.
    """
    check_new_passphrase(passphrase)
    pkcs8 = key._crypto_key().private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pem = encrypt_pkcs8_pem(pkcs8, passphrase.encode("utf-8"))
    _write_private_file(Path(path), pem)


def _write_private_file(path: Path, data: bytes) -> None:
    try:
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise KeyStoreError(f"cannot write key file {path}: {exc.strerror}") from exc
    try:
        os.fchmod(fd, 0o600)  # mkstemp already uses 0600; be explicit for odd platforms
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise KeyStoreError(f"cannot write key file {path}: {exc.strerror}") from exc


def load_signing_key(path: Path, passphrase: str) -> SigningKey:
    """Read a key written by :func:`save_signing_key` (or any encrypted PKCS#8 PEM)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            pem = handle.read(_MAX_KEY_FILE_BYTES)
    except OSError as exc:
        raise KeyStoreError(f"cannot read key file {path}: {exc.strerror}") from exc
    try:
        private = serialization.load_pem_private_key(pem, passphrase.encode("utf-8"))
    except (ValueError, TypeError):
        # Deliberately no chained cause: OpenSSL's message would only help an attacker.
        raise KeyStoreError(f"wrong passphrase or corrupt key file: {path}") from None
    if not isinstance(private, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyStoreError(f"unsupported key type in key file: {path}")
    try:
        return SigningKey(private)
    except ValueError as exc:
        raise KeyStoreError(f"unsupported key in key file {path}: {exc}") from None


def passphrase_from_env(var: str = PASSPHRASE_ENV_VAR) -> str | None:
    """The passphrase in environment variable ``var``, or None if unset or empty."""
    return os.environ.get(var) or None
