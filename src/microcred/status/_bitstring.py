"""The bitstring of a W3C Bitstring Status List and its ``encodedList`` form (pure).

Bit ``i`` is the ``i % 8``-th most significant bit of byte ``i // 8`` (index 0 is the
left-most bit). ``encodedList`` is multibase base64url without padding ("u" prefix) of the
GZIP-compressed bytes. Decoding also accepts the StatusList2021 form, which has no "u".
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib

MIN_LIST_SIZE = 131_072
MAX_DECODED_BYTES = 16 * 1024 * 1024
_MAX_ENCODED_CHARS = 4 * MAX_DECODED_BYTES
_MULTIBASE_BASE64URL = "u"
_GZIP_WBITS = 16 + zlib.MAX_WBITS


class Bitstring:
    """A mutable list of ``size`` status bits, all 0 when created."""

    __slots__ = ("_bytes",)

    def __init__(self, size: int = MIN_LIST_SIZE) -> None:
        if size < MIN_LIST_SIZE or size % 8:
            raise ValueError(f"a status list needs at least {MIN_LIST_SIZE} bits, a multiple of 8")
        self._bytes = bytearray(size // 8)

    @classmethod
    def from_bytes(cls, data: bytes) -> Bitstring:
        """A bitstring over a copy of ``data`` (ValueError below the 131,072-bit minimum)."""
        if len(data) * 8 < MIN_LIST_SIZE:
            raise ValueError(
                f"{len(data) * 8} bits is below the status list minimum of {MIN_LIST_SIZE}"
            )
        bits = cls(len(data) * 8)
        bits._bytes[:] = data
        return bits

    @classmethod
    def from_encoded(cls, encoded: str) -> Bitstring:
        return cls.from_bytes(decode_list(encoded))

    @property
    def size(self) -> int:
        return len(self._bytes) * 8

    def get(self, index: int) -> bool:
        byte, mask = self._position(index)
        return bool(self._bytes[byte] & mask)

    def set(self, index: int, value: bool = True) -> None:
        byte, mask = self._position(index)
        if value:
            self._bytes[byte] |= mask
        else:
            self._bytes[byte] &= ~mask & 0xFF

    def set_indices(self) -> list[int]:
        """The indices whose bit is 1, ascending."""
        return [
            byte * 8 + offset
            for byte, value in enumerate(self._bytes)
            if value
            for offset in range(8)
            if value & (0x80 >> offset)
        ]

    def to_bytes(self) -> bytes:
        return bytes(self._bytes)

    def encode(self) -> str:
        return encode_list(self.to_bytes())

    def _position(self, index: int) -> tuple[int, int]:
        if not 0 <= index < self.size:
            raise IndexError(f"status index {index} is outside 0..{self.size - 1}")
        return index // 8, 0x80 >> (index % 8)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bitstring) and self._bytes == other._bytes

    def __hash__(self) -> int:
        raise TypeError("Bitstring is mutable and unhashable")

    def __repr__(self) -> str:
        return f"Bitstring(size={self.size}, set={len(self.set_indices())})"


def encode_list(bits: Bitstring | bytes) -> str:
    """The ``encodedList`` value: "u" + base64url-no-pad(GZIP(bytes)).

    GZIP's timestamp is fixed at 0 so the same bits always give the same string (and the
    same hash of the published list credential).
    """
    data = bits.to_bytes() if isinstance(bits, Bitstring) else bytes(bits)
    compressed = gzip.compress(data, compresslevel=9, mtime=0)
    return _MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode_list(encoded: str, *, max_bytes: int = MAX_DECODED_BYTES) -> bytes:
    """The uncompressed bytes of an ``encodedList`` (ValueError if malformed or too large).

    Accepts the BSL form ("u" multibase prefix) and the legacy StatusList2021 form (plain
    base64url, usually starting "H4sI"); padding is tolerated, standard-alphabet base64 is not.
    Decompression stops at ``max_bytes`` so a small zip bomb cannot exhaust memory.
    """
    if not isinstance(encoded, str) or not encoded:
        raise ValueError("encodedList must be a non-empty string")
    if len(encoded) > _MAX_ENCODED_CHARS:
        raise ValueError(f"encodedList is longer than {_MAX_ENCODED_CHARS} characters")
    body = encoded.removeprefix(_MULTIBASE_BASE64URL)
    return _gunzip_bounded(_b64url_decode(body), max_bytes)


def _b64url_decode(text: str) -> bytes:
    if any(char in text for char in "+/"):
        raise ValueError("encodedList uses the standard base64 alphabet; base64url is required")
    stripped = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"encodedList is not base64url: {exc}") from exc


def _gunzip_bounded(compressed: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(wbits=_GZIP_WBITS)
    try:
        data = inflater.decompress(compressed, max_bytes)
        if inflater.unconsumed_tail:
            raise ValueError(f"encodedList expands to more than {max_bytes} bytes; refused")
        data += inflater.flush()
    except zlib.error as exc:
        raise ValueError(f"encodedList is not GZIP data: {exc}") from exc
    if len(data) > max_bytes:
        raise ValueError(f"encodedList expands to more than {max_bytes} bytes; refused")
    if not inflater.eof:
        raise ValueError("encodedList GZIP stream is truncated")
    if inflater.unused_data:
        raise ValueError("encodedList has data after the GZIP stream")
    return data
