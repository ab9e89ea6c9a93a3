"""Open Badges 3.0 baking: a signed credential carried inside its badge image (PNG or SVG).

PNG: one uncompressed ``iTXt`` chunk, keyword ``openbadgecredential``, placed before ``IEND``.
SVG: one ``<openbadges:credential>`` right after the root start tag, the JSON as CDATA or a
VC-JWT in its ``verify`` attribute. The credential text is carried exactly as given (it is
signed), and the image around it is kept byte for byte: chunks are copied, not re-encoded,
and the SVG is edited as text after a safe parse (defusedxml: no entities, no external
references) has shown it to be well-formed.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from microcred.errors import InputError
from microcred.proofs import is_compact_jws
from microcred.render.default_badge import default_badge_png, default_badge_svg

__all__ = [
    "MAX_CREDENTIAL_BYTES",
    "MAX_IMAGE_BYTES",
    "OB3_NAMESPACE",
    "PNG_KEYWORD",
    "ImageKind",
    "bake",
    "bake_png",
    "bake_svg",
    "baked_image_kind",
    "extract_baked",
]

ImageKind = Literal["png", "svg"]

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 5 * 1024 * 1024
PNG_KEYWORD = b"openbadgecredential"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_OB2_KEYWORD = b"openbadges"
_SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_CREDENTIAL_TAG = f"{{{OB3_NAMESPACE}}}credential"
_OB3_TYPES = frozenset({"AchievementCredential", "OpenBadgeCredential"})


# --- the recipe ---------------------------------------------------------------------------


def bake(
    credential: str, kind: ImageKind, *, image: bytes | None = None, replace: bool = False
) -> bytes:
    """A badge image of ``kind`` carrying an OB3 credential (JSON text or compact JWS).

    Without ``image``, a default badge is drawn from what the credential says. The credential
    itself is never changed: it is signed. ``replace`` as for ``bake_png``/``bake_svg``.
    """
    document = _ob3_document(_checked_credential(credential))
    if image is not None and baked_image_kind(image) != kind:
        raise InputError(f"the image is not a {kind.upper()} file")
    if kind == "png":
        return bake_png(image or default_badge_png(document), credential, replace=replace)
    svg = _svg_text(image) if image is not None else default_badge_svg(document)
    return bake_svg(svg, credential, replace=replace).encode("utf-8")


def baked_image_kind(data: bytes) -> ImageKind | None:
    """Which image ``data`` is, "png" or "svg", by ``data`` its content (never a file name)."""
    if data.startswith(_PNG_SIGNATURE):
        return "png"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "svg" if head.startswith(b"<") and b"<svg" in data[:65536] else None


def is_baked(data: bytes) -> bool:
    """Whether ``data`` is a PNG or SVG that carries an Open Badges 3.0 credential at all."""
    kind = baked_image_kind(data)
    if kind == "png":
        return any(chunk.is_credential for chunk in _png_chunks(data))
    return kind == "svg" and OB3_NAMESPACE.encode() in data


def extract_baked(data: bytes) -> list[str]:
    """The credential a baked PNG or SVG carries (a one-item list); InputError otherwise."""
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(f"the image has {len(data)} bytes, more than {MAX_IMAGE_BYTES}")
    kind = baked_image_kind(data)
    if kind == "png":
        return [_png_credential(_png_chunks(data))]
    if kind == "svg":
        return [_svg_credential(_parse_svg(_svg_text(data)))]
    raise InputError("not a PNG or SVG image")


# --- credential text ----------------------------------------------------------------------


def _checked_credential(credential: str) -> str:
    """The credential text, refused unless it is a JSON object or a compact JWS."""
    if len(credential.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise InputError(f"the credential is larger than {MAX_CREDENTIAL_BYTES} bytes")
    if is_compact_jws(credential):
        return credential.strip()
    try:
        document = json.loads(credential)
    except ValueError as exc:
        raise InputError("the credential is neither JSON nor a compact JWS (VC-JWT)") from exc
    if not isinstance(document, dict):
        raise InputError("the credential must be a JSON object")
    return credential


def _ob3_document(credential: str) -> dict[str, Any]:
    """The credential's JSON (a JWT payload unverified: it only feeds the default picture)."""
    if is_compact_jws(credential):
        document = _jwt_payload(credential)
        document = document.get("vc", document) if isinstance(document, dict) else {}
    else:
        document = json.loads(credential)
    types = document.get("type") if isinstance(document, dict) else None
    if not _OB3_TYPES.intersection(types if isinstance(types, list) else [types]):
        raise InputError(
            "only an Open Badges 3.0 credential (AchievementCredential) can be baked into a badge"
        )
    return dict(document)


def _jwt_payload(token: str) -> Any:
    import base64

    part = token.split(".")[1]
    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError as exc:
        raise InputError("the JWT payload is not base64url JSON") from exc


def _text_of(data: bytes, where: str) -> str:
    if len(data) > MAX_CREDENTIAL_BYTES:
        raise InputError(f"the {where} holds {len(data)} bytes, more than {MAX_CREDENTIAL_BYTES}")
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise InputError(f"the {where} is not UTF-8 text") from exc


# --- PNG ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    kind: bytes
    body: bytes

    def encode(self) -> bytes:
        crc = zlib.crc32(self.kind + self.body)
        return struct.pack(">I", len(self.body)) + self.kind + self.body + struct.pack(">I", crc)

    @property
    def keyword(self) -> bytes:
        return self.body.split(b"\0", 1)[0] if self.kind in (b"iTXt", b"tEXt", b"zTXt") else b""

    @property
    def is_credential(self) -> bool:
        return self.kind == b"iTXt" and self.keyword == PNG_KEYWORD


def bake_png(png: bytes, credential: str, *, replace: bool = False) -> bytes:
    """``png`` with the credential in an ``openbadgecredential`` iTXt chunk before IEND.

    Refuses an image that already carries a credential unless ``replace`` is true.
    """
    text = _checked_credential(credential)
    chunks = _png_chunks(png)
    if any(chunk.is_credential for chunk in chunks):
        if not replace:
            raise InputError("the PNG already carries a credential (replace it explicitly)")
        chunks = [chunk for chunk in chunks if not chunk.is_credential]
    # keyword, NUL, compression flag 0, method 0, empty language tag and translated keyword
    itxt = _Chunk(b"iTXt", PNG_KEYWORD + b"\0\0\0\0\0" + text.encode("utf-8"))
    return _PNG_SIGNATURE + b"".join(c.encode() for c in [*chunks[:-1], itxt, chunks[-1]])


def _png_chunks(png: bytes) -> list[_Chunk]:
    """Every chunk up to IEND, each CRC checked (bytes after IEND are dropped)."""
    if len(png) > MAX_IMAGE_BYTES:
        raise InputError(f"the PNG has {len(png)} bytes, more than {MAX_IMAGE_BYTES}")
    if not png.startswith(_PNG_SIGNATURE):
        raise InputError("not a PNG image")
    chunks: list[_Chunk] = []
    offset = len(_PNG_SIGNATURE)
    while not chunks or chunks[-1].kind != b"IEND":
        if offset + 12 > len(png):
            raise InputError("the PNG is truncated (no IEND chunk)")
        length, kind = struct.unpack_from(">I4s", png, offset)
        end = offset + 12 + length
        if end > len(png):
            raise InputError(f"the PNG is truncated inside chunk {kind!r}")
        body = png[offset + 8 : end - 4]
        if struct.unpack_from(">I", png, end - 4)[0] != zlib.crc32(kind + body):
            raise InputError(f"the PNG is corrupt: chunk {kind!r} at byte {offset} fails its CRC")
        chunks.append(_Chunk(kind, body))
        offset = end
    if chunks[0].kind != b"IHDR":
        raise InputError("the PNG does not start with an IHDR chunk")
    return chunks


def _png_credential(chunks: list[_Chunk]) -> str:
    found = [chunk for chunk in chunks if chunk.is_credential]
    if not found:
        raise InputError("the PNG carries no Open Badges 3.0 credential" + _ob2_hint(chunks))
    if len(found) > 1:
        raise InputError(f"the PNG carries {len(found)} credential chunks; exactly one is allowed")
    fields = found[0].body[len(PNG_KEYWORD) + 1 :]
    if len(fields) < 4 or fields[0] != 0:
        raise InputError("the PNG's credential chunk is compressed or malformed (OB 3.0: flag 0)")
    parts = fields[2:].split(b"\0", 2)  # language tag, translated keyword, text
    if len(parts) != 3:
        raise InputError("the PNG's credential chunk is malformed")
    return _text_of(parts[2], "PNG credential chunk")


def _ob2_hint(chunks: list[_Chunk]) -> str:
    if any(chunk.keyword == _OB2_KEYWORD for chunk in chunks):
        return " (it has an Open Badges 2.0 'openbadges' chunk, which is not a credential)"
    return ""


# --- SVG ----------------------------------------------------------------------------------

_PROLOG_ITEM = re.compile(
    r"\ufeff|\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.DOTALL
)
_START_TAG = re.compile(
    r"""<(?P<name>[^\s/>]+)(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(?P<close>/?)>"""
)
_OB_PREFIX = re.compile(r"""\sxmlns:openbadges\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ENCODING = re.compile(r"""^\ufeff?<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")


def bake_svg(svg: str, credential: str, *, replace: bool = False) -> str:
    """``svg`` with one ``<openbadges:credential>`` first inside the root element.

    A VC-JWT goes in the ``verify`` attribute; JSON goes in CDATA. Refuses an image that
    already carries a credential unless ``replace`` is true.
    """
    text = _checked_credential(credential)
    if _parse_svg(svg).find(f".//{_CREDENTIAL_TAG}") is not None:
        if not replace:
            raise InputError("the SVG already carries a credential (replace it explicitly)")
        svg = _without_credentials(svg)
    start = _root_start_tag(svg)
    attrs = start.group("attrs") + _namespace_declaration(start.group("attrs"))
    element = _credential_element(text)
    opening = f"<{start.group('name')}{attrs}>"
    closing = f"</{start.group('name')}>" if start.group("close") else ""
    baked = svg[: start.start()] + opening + "\n" + element + closing + svg[start.end() :]
    if _svg_credential(_parse_svg(baked)) != text.strip():
        raise InputError("the SVG could not carry the credential unchanged")
    return baked


def _svg_text(data: bytes) -> str:
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(f"the SVG has {len(data)} bytes, more than {MAX_IMAGE_BYTES}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the SVG is not UTF-8 text") from exc


def _parse_svg(svg: str) -> Element:
    """The root element, parsed with entity declarations and external references refused."""
    declared = _ENCODING.match(svg)
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "us-ascii"):
        raise InputError(f"the SVG declares encoding {declared.group(1)!r}; only UTF-8 is read")
    try:
        root = SafeET.fromstring(svg, forbid_dtd=False)
    except DefusedXmlException as exc:
        raise InputError(f"the SVG is refused: it declares XML entities ({exc})") from exc
    except ParseError as exc:
        raise InputError(f"the SVG is not well-formed XML ({exc})") from exc
    if root.tag not in (f"{{{_SVG_NAMESPACE}}}svg", "svg"):
        raise InputError(f"not an SVG image (the root element is {root.tag!r})")
    return root


def _svg_credential(root: Element) -> str:
    found = list(root.iter(_CREDENTIAL_TAG))
    if not found:
        raise InputError("the SVG carries no Open Badges 3.0 credential")
    if len(found) > 1:
        raise InputError(f"the SVG carries {len(found)} credential elements; one is allowed")
    token = found[0].get("verify")
    value = token if token is not None else found[0].text or ""
    return _text_of(value.encode("utf-8"), "SVG credential element")


def _root_start_tag(svg: str) -> re.Match[str]:
    position = 0
    while item := _PROLOG_ITEM.match(svg, position):
        position = item.end()
    start = _START_TAG.match(svg, position)
    if start is None:
        raise InputError("the SVG's root start tag cannot be found")
    return start


def _namespace_declaration(attrs: str) -> str:
    declared = _OB_PREFIX.search(attrs)
    if declared is None:
        return f' xmlns:openbadges="{OB3_NAMESPACE}"'
    if (declared.group(1) or declared.group(2)) != OB3_NAMESPACE:
        raise InputError("the SVG binds the prefix 'openbadges' to another namespace")
    return ""


def _credential_element(text: str) -> str:
    if is_compact_jws(text):
        return f'<openbadges:credential verify="{text}"/>'
    if _XML_ILLEGAL.search(text):
        raise InputError("the credential holds a character XML cannot carry")
    # A CDATA section cannot hold "]]>": end it between "]]" and ">" and open another.
    cdata = text.replace("]]>", "]]]]><![CDATA[>")
    return f"<openbadges:credential><![CDATA[{cdata}]]></openbadges:credential>"


def _without_credentials(svg: str) -> str:
    """``svg`` without its credential elements, whatever prefix names the OB3 namespace."""
    prefixes = re.findall(r"""xmlns:([\w.-]+)\s*=\s*["']""" + re.escape(OB3_NAMESPACE), svg)
    for prefix in set(prefixes):
        tag = re.escape(f"{prefix}:credential")
        pattern = rf"<{tag}(?:\s[^>]*?)?(?:/>|>(?:<!\[CDATA\[.*?\]\]>|[^<])*</{tag}\s*>)\s*"
        svg = re.sub(pattern, "", svg, flags=re.DOTALL)
    if _parse_svg(svg).find(f".//{_CREDENTIAL_TAG}") is not None:
        raise InputError("the SVG's credential element cannot be replaced")
    return svg
