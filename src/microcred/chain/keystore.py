"""Encrypted Ethereum keystore files (Web3 Secret Storage v3) for ledger accounts."""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from microcred.errors import KeyStoreError
from microcred.keys.keyfile import check_new_passphrase

__all__ = ["create_keystore", "load_account"]


def create_keystore(
    path: Path,
    passphrase: str,
    *,
    private_key: bytes | None = None,
    scrypt_n: int | None = None,
) -> str:
    """Write a new (or the given) key to ``path``, encrypted; returns its address.

    ``scrypt_n`` lowers the scrypt work factor (tests only; the default is eth-account's).
    The file is created exclusively with mode 0600, never overwriting an existing key.
    """
    check_new_passphrase(passphrase)
    account = Account.from_key(private_key) if private_key else Account.create()
    keyfile = Account.encrypt(account.key, passphrase, kdf="scrypt", iterations=scrypt_n)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise KeyStoreError(f"cannot create keystore {path}: {exc.strerror}") from exc
    with os.fdopen(descriptor, "w") as handle:
        json.dump(keyfile, handle)
    return str(account.address)


def load_account(path: Path, passphrase: str) -> LocalAccount:
    """Decrypt the keystore at ``path``."""
    try:
        keyfile = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KeyStoreError(f"cannot read keystore {path}: {exc}") from exc
    try:
        key = Account.decrypt(keyfile, passphrase)
    except ValueError as exc:
        raise KeyStoreError(f"cannot decrypt keystore {path}: wrong passphrase?") from exc
    account: LocalAccount = Account.from_key(key)
    return account
