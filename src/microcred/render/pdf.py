"""The printable A4 certificate: the Annex I elements, the QR code, the signed credentials.

``render_certificate_pdf`` returns bytes (callers write files); ``extract_pdf_credentials``
gives the verifier the attached credentials back, byte for byte, within size bounds.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from microcred.errors import InputError
from microcred.qr import qr_code, render_qr_png
from microcred.qr._image import PRINT_WIDTH_MM, QUIET_ZONE_MODULES
from microcred.render._layout import CertificatePage, draw_certificate
from microcred.render.facts import CertificateFacts, read_facts

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_PDF_BYTES",
    "extract_pdf_credentials",
    "render_certificate_pdf",
]

MAX_PDF_BYTES = 20_000_000
MAX_ATTACHMENT_BYTES = 5_000_000
_MAX_ATTACHMENTS = 4  # one learner's ELM and OB3 (JSON or JWT); each costs seconds to verify
_QR_BOX_PIXELS = 12  # ~7 px/mm at 4 cm: crisp at print resolution, small in the file


def render_certificate_pdf(
    credentials: Sequence[tuple[str, bytes]],
    *,
    qr_payload: str,
    logo_png: bytes | None = None,
) -> bytes:
    """An A4 certificate for signed credential files of one learner (ELM and/or OB3 JSON).

    ``credentials`` are (file name, exact file bytes), attached unchanged; the page shows the
    ELM one when given (it has every language), else the first. ``qr_payload`` comes from
    ``microcred.qr.make_qr_payload``. The PDF's dates are the date of issue, so the same
    input always gives the same bytes.
    """
    if not credentials:
        raise InputError("a certificate needs at least one signed credential")
    if len(credentials) > _MAX_ATTACHMENTS:
        raise InputError(f"a certificate carries at most {_MAX_ATTACHMENTS} credentials")
    documents = [_parse(name, data) for name, data in credentials]
    facts = _shown_facts(documents)
    pdf = CertificatePage(facts)
    try:
        issued = datetime.fromisoformat(facts.issued).replace(tzinfo=UTC)
        pdf.set_creation_date(issued)
        for (name, data), document in zip(credentials, documents, strict=True):
            pdf.embed_file(
                bytes=data,
                basename=name,
                modification_date=issued,
                desc=f"Signed credential {document['id']}",
                mime_type="application/ld+json" if name.endswith(".jsonld") else "application/json",
                associated_file_relationship="Source",
            )
        draw_certificate(pdf, _qr_image(qr_payload), [name for name, _ in credentials], logo_png)
        return bytes(pdf.output())
    finally:
        pdf.close_fonts()


def _parse(name: str, data: bytes) -> Mapping[str, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{name}: not a JSON credential (give the JSON-LD, not a JWT)") from exc
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise InputError(f"{name}: a credential must be a JSON object with an id")
    return document


def _shown_facts(documents: Sequence[Mapping[str, Any]]) -> CertificateFacts:
    all_facts = [read_facts(document) for document in documents]
    learners = {(f.learner_id or f.learner_name) for f in all_facts}
    if len(learners) > 1:
        raise InputError(f"the credentials are of different learners: {sorted(learners)}")
    elm = [f for f in all_facts if f.credential_format == "elm"]
    return (elm or all_facts)[0]


def _qr_image(payload: str) -> tuple[bytes, float]:
    modules = qr_code(payload).modules_count
    width = PRINT_WIDTH_MM * (modules + 2 * QUIET_ZONE_MODULES) / modules
    return render_qr_png(payload, box_size=_QR_BOX_PIXELS), width


def extract_pdf_credentials(
    pdf_bytes: bytes,
    *,
    max_bytes: int = MAX_PDF_BYTES,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> list[tuple[str, bytes]]:
    """The files attached to a PDF (name, bytes), in name order; InputError if unreadable.

    The attachments are counted before any is decompressed, and every stream pypdf decodes
    meanwhile (attachments, object and cross-reference streams) stops at
    ``max_attachment_bytes``: a flate bomb costs no more than that.
    """
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    if len(pdf_bytes) > max_bytes:
        raise InputError(f"the PDF is {len(pdf_bytes)} bytes, over the limit of {max_bytes}")
    try:
        with _bounded_decoding(max_attachment_bytes, max_bytes):
            reader = PdfReader(io.BytesIO(pdf_bytes))
            entries = list(itertools.islice(reader.attachment_list, _MAX_ATTACHMENTS + 1))
            if len(entries) > _MAX_ATTACHMENTS:
                raise InputError(f"the PDF has more than {_MAX_ATTACHMENTS} attachments")
            found = sorted(((entry.name, entry.content) for entry in entries), key=_by_name)
    except LimitReachedError as exc:
        raise InputError(
            f"an attachment (or another stream) inflates past {max_attachment_bytes} bytes ({exc})"
        ) from exc
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise InputError(f"not a readable PDF ({exc})") from exc
    for name, content in found:
        if len(content) > max_attachment_bytes:
            raise InputError(f"attachment {name} is over {max_attachment_bytes} bytes")
    return found


def _by_name(item: tuple[str, bytes]) -> str:
    return item[0]


def _bounded_decoding(max_output: int, max_input: int) -> AbstractContextManager[object]:
    """pypdf's decoders (75 MB each by default) limited to ``max_output`` bytes a stream; a
    stream cannot declare itself longer than the file (``max_input``)."""
    from pypdf import apply_configuration

    return apply_configuration(
        maximum_declared_stream_length=max_input,
        array_based_stream_maximum_output_length=max_output,
        jbig2_maximum_output_length=max_output,
        lzw_maximum_output_length=max_output,
        run_length_maximum_output_length=max_output,
        zlib_maximum_output_length=max_output,
        brotli_maximum_output_length=max_output,
        stream_decoding_work_maximum_length=4 * max_output,
        image_maximum_buffer_size=max_output,
    )
