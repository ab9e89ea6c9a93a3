"""What a file handed to the verifier holds: a credential, a baked badge, a PDF certificate,
or a photo or scan of a QR code.

Each container is opened with its own size bounds; the credentials inside are parsed like
any credential file (JSON-LD with an embedded proof, or a VC-JWT).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, TypeVar

from microcred.errors import InputError
from microcred.qr import PAYLOAD_PREFIX, decode_qr_image
from microcred.render.baking import baked_image_kind, extract_baked, is_baked
from microcred.render.pdf import extract_pdf_credentials
from microcred.verifier.inputs import ParsedCredential, parse_credential_bytes

MAX_CONTAINER_BYTES = 20_000_000  # images and PDFs; the credentials inside have their own bound
MAX_QR_CODES = 16  # QR codes read from one image
_T = TypeVar("_T")
_IMAGE_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"RIFF", b"II*\0", b"MM\0*")


@dataclass(frozen=True)
class QrPayload:
    """A microcred QR payload read from an image."""

    source: str
    text: str


Found = ParsedCredential | QrPayload


def credentials_in(data: bytes, *, source: str, max_bytes: int) -> list[Found]:
    """Every credential the file carries (a PDF certificate may carry several)."""
    if len(data) > MAX_CONTAINER_BYTES:
        raise InputError(f"{source}: {len(data)} bytes is more than {MAX_CONTAINER_BYTES}")
    if data.startswith(b"%PDF-"):
        return [
            parse_credential_bytes(content, source=f"{source}#{name}", max_bytes=max_bytes)
            for name, content in _named(source, extract_pdf_credentials, data)
        ] or _refuse(source, "a PDF without credential attachments")
    if is_baked(data):
        [text] = _named(source, extract_baked, data)
        label = f"{source} (baked {str(baked_image_kind(data)).upper()})"
        return [parse_credential_bytes(text.encode("utf-8"), source=label, max_bytes=max_bytes)]
    if data.startswith(_IMAGE_SIGNATURES):
        return _qr_codes(data, source)
    return [parse_credential_bytes(data, source=source, max_bytes=max_bytes)]


def _qr_codes(data: bytes, source: str) -> list[Found]:
    texts = [
        text for text in _named(source, decode_qr_image, data) if text.startswith(PAYLOAD_PREFIX)
    ]
    if len(texts) > MAX_QR_CODES:
        _refuse(source, f"an image with {len(texts)} microcred QR codes (at most {MAX_QR_CODES})")
    found: list[Found] = [QrPayload(f"{source} (QR code)", text) for text in texts]
    return found or _refuse(source, "an image with no baked credential and no microcred QR code")


def _named(source: str, read: Callable[[bytes], list[_T]], data: bytes) -> list[_T]:
    """``read(data)``, its InputError prefixed with the file it is about."""
    try:
        return read(data)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from exc


def _refuse(source: str, what: str) -> NoReturn:
    raise InputError(f"{source}: {what}")
