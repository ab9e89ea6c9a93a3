"""Small ELM 3 node builders shared by the ELM mapper (``elm.py``).

Also the small lookup tables of the mapping conventions (docs/annex-i-mapping.md). Every builder
returns plain JSON-LD dicts in the shape of the official EDC samples: each node has
an ``id`` and a ``type``, literals are language maps, controlled values are embedded ``Concept``
objects with their ``inScheme``. Node ids are derived from stable keys (never random), so the same
Award always maps to the same document.
"""

from __future__ import annotations

import base64
import struct
import uuid
import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import pycountry
import qrcode

from microcred.elm_models.record import Multilingual, Organisation, OutcomeCategory, Supervision
from microcred.elm_models.vocabularies import (
    AUTHORITY,
    COUNTRY_SCHEME,
    LANGUAGE_SCHEME,
    SNB,
    Concept,
)

Node = dict[str, Any]

#: Namespace of every node id microcred derives (uuid5 over a stable key).
_ID_NAMESPACE = uuid.UUID("5c3f7a2e-4b1d-5e8a-9c6f-0d2b8e41a7c3")

_BASE64 = Concept(f"{SNB}/encoding/6146cde7dd", f"{SNB}/encoding/25831c2", "base64")
_PNG = Concept(f"{AUTHORITY}/file-type/PNG", f"{AUTHORITY}/file-type", "PNG", "file-type")

#: Local scheme for the subjects of notes that carry Annex I elements ELM has no property for.
NOTE_SUBJECT_SCHEME = "urn:microcred:concept-scheme:annex-i-note"

SKILL_TYPE_SCHEME = f"{SNB}/skill-type/25831c2"
SKILL_TYPES: Mapping[OutcomeCategory, Concept] = {
    OutcomeCategory.KNOWLEDGE: Concept(
        f"{SNB}/skill-type/knowledge", SKILL_TYPE_SCHEME, "knowledge"
    ),
    OutcomeCategory.SKILLS: Concept(f"{SNB}/skill-type/skill", SKILL_TYPE_SCHEME, "skill"),
}
"""EDC's skill-type list has no "responsibility and autonomy"; that category is a note only."""

OUTCOME_CATEGORY_LABELS: Mapping[OutcomeCategory, str] = {
    OutcomeCategory.KNOWLEDGE: "Knowledge",
    OutcomeCategory.SKILLS: "Skills",
    OutcomeCategory.RESPONSIBILITY_AUTONOMY: "Responsibility and autonomy",
}

QDR_SCHEME = f"{SNB}/qdr/25831c2"
#: NQF levels the QDR list (vocab nqf.xsd, enforced by the CV shapes) has, by (country, level).
#: Countries whose NQF is absent (Georgia among them) get an NQF note instead of ``nqfLevel``.
QDR_NQF_LEVELS: Mapping[tuple[str, int], Concept] = {
    ("IE", 6): Concept(f"{SNB}/qdr/c_670e54c7", QDR_SCHEME, "IE NQF Level 6"),
}

SUPERVISION_LABELS: Mapping[Supervision, str] = {
    Supervision.UNSUPERVISED_NO_ID: "Unsupervised with no identity verification",
    Supervision.SUPERVISED_NO_ID: "Supervised with no identity verification",
    Supervision.SUPERVISED_ONLINE: "Supervised online",
    Supervision.ONSITE_WITH_ID: "Onsite with identity verification",
}


class UnknownCode(ValueError):
    """A record code with no ELM concept; the mapper turns it into a RecordError."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def note_subject(code: str, label: str) -> Concept:
    return Concept(f"urn:microcred:annex-i-note:{code}", NOTE_SUBJECT_SCHEME, label)


SUBJECT_NQF = note_subject("nqf-level", "National qualifications framework level")
SUBJECT_QF_EHEA = note_subject("qf-ehea-cycle", "QF-EHEA cycle")
SUBJECT_INTERNAL_QA = note_subject("internal-qa", "Internal quality assurance")
SUBJECT_STACKABILITY = note_subject("stackability", "Integration and stackability options")
SUBJECT_MORE_INFO = note_subject("further-information", "More information")
SUBJECT_WORKLOAD = note_subject("workload", "Notional workload")
SUBJECT_OUTCOME_CATEGORY = note_subject("outcome-category", "Learning outcome category")
SUBJECT_SUPERVISION = note_subject("supervision", "Supervision and identity verification")


def node_id(kind: str, *key: str) -> str:
    """``urn:epass:<kind>:<uuid5>``: the same key always gives the same id."""
    return f"urn:epass:{kind}:{uuid.uuid5(_ID_NAMESPACE, '/'.join((kind, *key)))}"


def is_absolute_iri(value: str) -> bool:
    scheme, colon, rest = value.partition(":")
    return bool(colon and rest and scheme.isascii() and scheme[:1].isalpha() and " " not in value)


def lang_map(text: Multilingual) -> dict[str, str]:
    return dict(text)


def english(text: str) -> dict[str, str]:
    return {"en": text}


def date_time(value: datetime | date) -> str:
    """An ``xsd:dateTime`` in UTC with a ``Z``; ELM wants full date-times even for birth dates."""
    if isinstance(value, datetime):
        instant = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        instant = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def concept(value: Concept) -> Node:
    node: Node = {
        "id": value.uri,
        "type": "Concept",
        "inScheme": {"id": value.scheme, "type": "ConceptScheme"},
        "prefLabel": english(value.label),
    }
    if value.notation is not None:
        node["notation"] = value.notation
    return node


def note(kind_key: str, text: Mapping[str, str], subject: Concept | None = None) -> Node:
    node: Node = {"id": node_id("note", kind_key), "type": "Note", "noteLiteral": dict(text)}
    if subject is not None:
        node["subject"] = concept(subject)
    return node


def country_concept(alpha_2: str) -> Concept:
    """The EU authority-table country (alpha-3 code) for an ISO 3166-1 alpha-2 code."""
    country = pycountry.countries.get(alpha_2=alpha_2.upper())
    if country is None:
        raise UnknownCode("country", f"unknown ISO 3166-1 alpha-2 country code: {alpha_2!r}")
    return Concept(f"{COUNTRY_SCHEME}/{country.alpha_3}", COUNTRY_SCHEME, country.name)


def language_concept(code: str) -> Concept:
    """The EU authority-table language (ISO 639-2/T, upper case) for an ISO 639-1 code."""
    language = pycountry.languages.get(alpha_2=code.lower())
    if language is None:
        raise UnknownCode("languages", f"unknown ISO 639-1 language code: {code!r}")
    return Concept(f"{LANGUAGE_SCHEME}/{language.alpha_3.upper()}", LANGUAGE_SCHEME, language.name)


def identifier(key: str, notation: str, scheme_name: str) -> Node:
    return {
        "id": node_id("identifier", key),
        "type": "Identifier",
        "notation": notation,
        "schemeName": scheme_name,
    }


def legal_identifier(key: str, notation: str, country: str) -> Node:
    return {
        "id": node_id("legalIdentifier", key),
        "type": "LegalIdentifier",
        "notation": notation,
        "spatial": concept(country_concept(country)),
    }


def web_resource(url: str) -> Node:
    return {"id": node_id("webResource", url), "type": "WebResource", "contentURL": url}


def contact_point(key: str, email: str) -> Node:
    return {
        "id": node_id("contactPoint", key),
        "type": "ContactPoint",
        "emailAddress": {"id": f"mailto:{email}", "type": "Mailbox"},
    }


def location(key: str, country: str, region: str | None) -> Node:
    node: Node = {
        "id": node_id("location", key),
        "type": "Location",
        "address": {
            "id": node_id("address", key),
            "type": "Address",
            "countryCode": concept(country_concept(country)),
        },
    }
    if region:
        # Region names in records are not language-tagged; the examples write them in English.
        node["geographicName"] = english(region)
    return node


def organisation(org: Organisation) -> Node:
    """An awarding body or accrediting agency: ``legalName`` and ``location`` are mandatory."""
    key = org.id
    node: Node = {
        "id": org.id if is_absolute_iri(org.id) else node_id("org", key),
        "type": "Organisation",
        "legalName": lang_map(org.legal_name),
        "location": [location(f"org/{key}", org.country, org.region)],
    }
    if org.legal_identifier:
        node["registration"] = legal_identifier(f"org/{key}", org.legal_identifier, org.country)
    if org.homepage:
        node["homepage"] = web_resource(org.homepage)
    if org.email:
        node["contactPoint"] = [contact_point(f"org/{key}", org.email)]
    return node


def png_media_object(key: str, text: str) -> Node:
    """A MediaObject holding a PNG QR code of ``text`` (the shapes require a display image)."""
    return {
        "id": node_id("mediaObject", key),
        "type": "MediaObject",
        "content": base64.b64encode(qr_png(text)).decode("ascii"),
        "contentEncoding": concept(_BASE64),
        "contentType": concept(_PNG),
    }


def qr_png(text: str, *, scale: int = 4) -> bytes:
    """A 1-bit greyscale PNG of a QR code; written by hand so no imaging library is needed."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    rows = [_scaled_row(row, scale) for row in code.get_matrix() for _ in range(scale)]
    return _png_greyscale_1bit(rows)


def _scaled_row(dark: Iterable[bool], scale: int) -> list[bool]:
    return [cell for cell in dark for _ in range(scale)]


def _png_greyscale_1bit(rows: list[list[bool]]) -> bytes:
    width, height = len(rows[0]), len(rows)
    raw = b"".join(b"\x00" + _pack_bits(row) for row in rows)  # filter type 0 per row
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw, 9))
        + _png_chunk(b"IEND", b"")
    )


def _pack_bits(dark: list[bool]) -> bytes:
    # In 1-bit greyscale, 1 is white: a dark module is a 0 bit.
    bits = "".join("0" if cell else "1" for cell in dark)
    bits += "1" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def display_parameter(
    key: str, title: Multilingual, description: Multilingual, primary: str
) -> Node:
    """One individual display per title language; each shows a QR code of the credential id."""
    languages = list(title)
    image = png_media_object(key, key)
    return {
        "id": node_id("displayParameter", key),
        "type": "DisplayParameter",
        "title": lang_map(title),
        "description": lang_map(description),
        "language": [concept(language_concept(code)) for code in languages],
        "primaryLanguage": concept(language_concept(primary)),
        "individualDisplay": [_individual_display(key, code, image) for code in languages],
    }


def _individual_display(key: str, language: str, image: Node) -> Node:
    return {
        "id": node_id("individualDisplay", key, language),
        "type": "IndividualDisplay",
        "language": concept(language_concept(language)),
        "displayDetail": [
            {
                "id": node_id("displayDetail", key, language),
                "type": "DisplayDetail",
                "image": image,
                "page": 1,
            }
        ],
    }
