"""Verifiable QR codes: the essential Annex I elements, signed (COSE), pointing at the credential.

    payload = "MC1:" + base45(zlib(COSE_Sign1(CBOR claims)))

See docs/qr-and-pdf.md for the claims, the QR version and error-correction level.
"""

from microcred.qr._claims import AnchorReference, CredentialReference, QrClaims
from microcred.qr._image import decode_qr_image, qr_code, render_qr_png, render_qr_svg
from microcred.qr._payload import (
    PAYLOAD_PREFIX,
    TARGET_PAYLOAD_CHARS,
    TARGET_QR_VERSION,
    QrVerification,
    make_qr_payload,
    verify_qr_payload,
)

__all__ = [
    "PAYLOAD_PREFIX",
    "TARGET_PAYLOAD_CHARS",
    "TARGET_QR_VERSION",
    "AnchorReference",
    "CredentialReference",
    "QrClaims",
    "QrVerification",
    "decode_qr_image",
    "make_qr_payload",
    "qr_code",
    "render_qr_png",
    "render_qr_svg",
    "verify_qr_payload",
]
