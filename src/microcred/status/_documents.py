"""The JSON documents of a Bitstring Status List: the entry and the (unsigned) list credential."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from microcred.contexts import CREDENTIALS_V2
from microcred.status._bitstring import Bitstring, encode_list

StatusPurpose = Literal["revocation", "suspension"]
STATUS_PURPOSES: tuple[StatusPurpose, ...] = ("revocation", "suspension")
ListPurpose = Literal["revocation", "suspension", "message"]

#: A credential may carry one status object only (the OB3 schema; ELM 3.2 shapes say at most
#: one CredentialStatus), so microcred's entry is a 2-bit "message" entry: the high bit says
#: revoked, the low bit suspended. Value -> message, as BSL's statusMessage requires.
STATUS_MESSAGES: tuple[tuple[str, str], ...] = (
    ("0x0", "valid"),
    ("0x1", "suspended"),
    ("0x2", "revoked"),
    ("0x3", "revoked"),
)
MESSAGE_STATUS_SIZE = 2
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_SUBJECT_TYPE = "BitstringStatusList"


def status_entry(list_url: str, index: int, purpose: StatusPurpose) -> dict[str, str]:
    """A ``credentialStatus`` entry; ``statusListIndex`` is a decimal string, as BSL requires."""
    _check_purpose(purpose)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"status index must be a non-negative integer, not {index!r}")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def revocation_and_suspension_entry(list_url: str, index: int) -> dict[str, Any]:
    """microcred's single ``credentialStatus``: revoked and suspended in one 2-bit entry."""
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"status index must be a non-negative integer, not {index!r}")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": "message",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
        "statusSize": MESSAGE_STATUS_SIZE,
        "statusMessage": [{"status": value, "message": text} for value, text in STATUS_MESSAGES],
    }


def status_list_credential(
    list_url: str,
    purpose: ListPurpose,
    bits: Bitstring,
    issuer_did: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned VC 2.0 BitstringStatusListCredential; sign it with ``proofs.add_proof``."""
    _check_purpose(purpose)
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer_did,
        "validFrom": format_utc(valid_from),
    }
    if valid_until is not None:
        if valid_until <= valid_from:
            raise ValueError("validUntil must be after validFrom")
        credential["validUntil"] = format_utc(valid_until)
    credential["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": LIST_SUBJECT_TYPE,
        "statusPurpose": purpose,
        "encodedList": encode_list(bits),
    }
    return credential


def format_utc(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``; ValueError for a naive datetime (no hidden local time)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_purpose(purpose: str) -> None:
    if purpose not in (*STATUS_PURPOSES, "message"):
        raise ValueError(f"status purpose must be one of {STATUS_PURPOSES}, not {purpose!r}")


def revocation_and_suspension_bits(revoked: Bitstring, suspended: Bitstring) -> Bitstring:
    """The 2-bit list behind ``revocation_and_suspension_entry``: entry i = (revoked, suspended)."""
    if revoked.size != suspended.size:
        raise ValueError("the revocation and suspension lists must have the same size")
    combined = Bitstring(revoked.size * MESSAGE_STATUS_SIZE)
    for index in revoked.set_indices():
        combined.set(index * MESSAGE_STATUS_SIZE)
    for index in suspended.set_indices():
        combined.set(index * MESSAGE_STATUS_SIZE + 1)
    return combined
