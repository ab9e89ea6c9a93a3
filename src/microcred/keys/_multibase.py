"""Multibase base58btc and the multicodec key prefixes used by Multikey and did:key."""

from __future__ import annotations

from typing import Final

import base58

# Multicodec varints (https://github.com/multiformats/multicodec), as they appear on the wire.
ED25519_PUB: Final = b"\xed\x01"
P256_PUB: Final = b"\x80\x24"
ED25519_PRIV: Final = b"\x80\x26"
P256_PRIV: Final = b"\x86\x26"

_BASE58BTC_PREFIX: Final = "z"
# A Multikey is under 60 characters (P-256 secret: 50); base58 decoding is quadratic, so a
# megabyte "key" would cost minutes. Anything longer than this is refused unread.
MAX_MULTIBASE_CHARS: Final = 256


def encode_base58btc(data: bytes) -> str:
    """Multibase "z" + base58btc (Bitcoin alphabet)."""
    return _BASE58BTC_PREFIX + base58.b58encode(data).decode("ascii")


def decode_base58btc(text: str) -> bytes:
    """Inverse of :func:`encode_base58btc`; ValueError for anything else."""
    if not isinstance(text, str) or not text.startswith(_BASE58BTC_PREFIX) or len(text) < 2:
        raise ValueError("not a base58btc multibase string (must start with 'z')")
    if len(text) > MAX_MULTIBASE_CHARS:
        raise ValueError(
            f"a multibase key of {len(text)} characters (at most {MAX_MULTIBASE_CHARS})"
        )
    return base58.b58decode(text[1:])


def split_multicodec(data: bytes, known: tuple[bytes, ...]) -> tuple[bytes, bytes]:
    """(prefix, rest) for the first prefix in ``known`` that ``data`` starts with."""
    for prefix in known:
        if data.startswith(prefix):
            return prefix, data[len(prefix) :]
    raise ValueError("unsupported multicodec key type")
