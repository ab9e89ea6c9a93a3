"""Turn what a verifier is handed (file, bytes) into a parsed credential, within size bounds."""

from __future__ import annotations

import base64
import binascii
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from microcred._bounded_json import load_bounded_json
from microcred.errors import InputError
from microcred.proofs import is_compact_jws, signed_form_problem
from microcred.verifier._bounds import MAX_ID_CHARS, MAX_JWT_CHARS, MAX_JWT_HEADER_CHARS

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
        types = {kind for kind in as_list(self.document.get("type")) if isinstance(kind, str)}
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
        try:
            header = _b64url_json(self.token.split(".")[0])
        except (binascii.Error, ValueError):
            return {}
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
    """The bytes of a regular file of at most ``max_bytes``: never a device, FIFO or directory.

    The file is opened without blocking (a FIFO with no writer would wait forever) and checked
    on the open descriptor, so a file swapped after the check is not read unbounded either.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path}: not a regular file (a directory, device or pipe)")
        if info.st_size > max_bytes:
            raise InputError(
                f"{path}: {info.st_size} bytes is more than the limit of {max_bytes} bytes"
            )
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise InputError(f"{path}: more than the limit of {max_bytes} bytes")
    return data


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
        _check_jwt_size(text, source)
        return ParsedCredential(
            source=source, document=_unverified_jwt_credential(text, source), token=text
        )
    try:
        document = load_bounded_json(text)
    except ValueError as exc:
        raise InputError(f"{source}: not JSON that can be read safely ({exc})") from exc
    if not isinstance(document, dict):
        raise InputError(f"{source}: a credential must be a JSON object")
    return ParsedCredential(source=source, document=document)


_JWT_CLAIMS = ("iss", "jti", "nbf", "sub", "exp", "iat", "aud")


def _check_jwt_size(token: str, source: str) -> None:
    """A VC-JWT's size, its header's and its kid's, before anything is decoded or resolved."""
    if len(token) > MAX_JWT_CHARS:
        raise InputError(f"{source}: a JWT of {len(token)} characters (at most {MAX_JWT_CHARS})")
    header_part = token.split(".")[0]
    if len(header_part) > MAX_JWT_HEADER_CHARS:
        raise InputError(
            f"{source}: a JWT header of {len(header_part)} characters "
            f"(at most {MAX_JWT_HEADER_CHARS})"
        )
    try:
        header = _b64url_json(header_part)
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"{source}: the JWT header is not base64url JSON ({exc})") from exc
    kid = header.get("kid") if isinstance(header, dict) else None
    if isinstance(kid, str) and len(kid) > MAX_ID_CHARS:
        raise InputError(f"{source}: a JWT kid of {len(kid)} characters (at most {MAX_ID_CHARS})")


def _unverified_jwt_credential(token: str, source: str) -> dict[str, Any]:
    """The credential a VC-JWT carries, decoded but NOT verified (the proof step verifies it)."""
    try:
        payload = _b64url_json(token.split(".")[1])
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"{source}: the JWT payload is not base64url JSON ({exc})") from exc
    if not isinstance(payload, dict):
        raise InputError(f"{source}: the JWT payload is not a JSON object")
    if isinstance(payload.get("vc"), dict):  # VC 1.1-style JWT
        return dict(payload["vc"])
    return {key: value for key, value in payload.items() if key not in _JWT_CLAIMS}


def _b64url_json(segment: str) -> Any:
    """A JWS segment's JSON; ValueError (binascii.Error is one) if it is not safe JSON."""
    decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    return load_bounded_json(decoded.decode("utf-8"))
