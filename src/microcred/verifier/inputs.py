"""Turn what a verifier is handed (file, bytes) into a parsed credential, within size bounds."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from microcred.errors import InputError
from microcred.proofs import is_compact_jws, signed_form_problem

ELM_TYPE = "EuropeanDigitalCredential"
OB3_TYPES = frozenset({"AchievementCredential", "OpenBadgeCredential"})
STATUS_LIST_TYPES = frozenset({"BitstringStatusListCredential", "StatusList2021Credential"})
STATUS_LIST_FORMAT = "status-list"


@dataclass(frozen=True)
class ParsedCredential:
    """A credential as received: its JSON document and, for VC-JWT, the token that secures it."""

    source: str
    document: Mapping[str, Any]
    token: str | None = None

    @property
    def credential_format(self) -> str:
        types = [t for t in as_list(self.document.get("type")) if isinstance(t, str)]
        if ELM_TYPE in types:
            return "elm"
        if OB3_TYPES.intersection(types):
            return "ob3-jwt" if self.token else "ob3"
        if STATUS_LIST_TYPES.intersection(types) and not self.token:
            return STATUS_LIST_FORMAT
        return "vc-jwt" if self.token else "unknown"

    @property
    def jwt_header(self) -> Mapping[str, Any]:
        """The JOSE header of a VC-JWT, decoded but not verified; empty for embedded proofs."""
        if self.token is None:
            return {}
        header = _b64url_json(self.token.split(".")[0])
        return header if isinstance(header, dict) else {}

    @property
    def credential_id(self) -> str | None:
        value = self.document.get("id")
        return value if isinstance(value, str) else None

    @cached_property
    def signed_form_problem(self) -> str | None:
        """Why the JSON is not its signed graph in normal form (None when it is); computed
        once, since every step that reads a field asks (see :func:`checked_view`)."""
        return signed_form_problem(self.document)


def checked_view(credential: ParsedCredential) -> Mapping[str, Any] | None:
    """The credential's JSON if it is exactly its signed graph in normal form, else None.

    Every step that decides on a field, and every fact shown, reads the credential through
    this: what it returns holds only what the graph holds, at the paths a reader expects.
    Whether that graph was signed by the issuer is the proof step's part.
    """
    return credential.document if credential.signed_form_problem is None else None


def as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def read_credential_file(path: Path, *, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path}: {size} bytes is more than the limit of {max_bytes} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc


def parse_credential_bytes(data: bytes, *, source: str, max_bytes: int) -> ParsedCredential:
    """JSON-LD with an embedded proof, or a compact JWS (VC-JWT)."""
    if len(data) > max_bytes:
        raise InputError(f"{source}: {len(data)} bytes is more than the limit of {max_bytes} bytes")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not UTF-8 text, and not a supported image or document"
        ) from exc
    if is_compact_jws(text):
        return ParsedCredential(
            source=source, document=_unverified_jwt_credential(text, source), token=text
        )
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(document, dict):
        raise InputError(f"{source}: a credential must be a JSON object")
    return ParsedCredential(source=source, document=document)


_JWT_CLAIMS = ("iss", "jti", "nbf", "sub", "exp", "iat", "aud")


def _unverified_jwt_credential(token: str, source: str) -> dict[str, Any]:
    """The credential a VC-JWT carries, decoded but NOT verified (the proof step verifies it)."""
    try:
        payload = _b64url_json(token.split(".")[1])
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"{source}: the JWT payload is not base64url JSON") from exc
    if not isinstance(payload, dict):
        raise InputError(f"{source}: the JWT payload is not a JSON object")
    if isinstance(payload.get("vc"), dict):  # VC 1.1-style JWT
        return dict(payload["vc"])
    return {key: value for key, value in payload.items() if key not in _JWT_CLAIMS}


def _b64url_json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
